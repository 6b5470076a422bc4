build2/vg/verifierd/log-ratelimit.o: verifierd/log-ratelimit.c \
 verifierd/log-ratelimit.h
verifierd/log-ratelimit.h:
