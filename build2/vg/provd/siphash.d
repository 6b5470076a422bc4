build2/vg/provd/siphash.o: provd/siphash.c provd/siphash.h
provd/siphash.h:
