build2/obj/provd/ratelimit.o: provd/ratelimit.c common/macros.h \
 provd/ratelimit.h
common/macros.h:
provd/ratelimit.h:
