build2/obj/provd/siphash.o: provd/siphash.c provd/siphash.h
provd/siphash.h:
