build2/obj/verifierd/log-ratelimit.o: verifierd/log-ratelimit.c \
 verifierd/log-ratelimit.h
verifierd/log-ratelimit.h:
