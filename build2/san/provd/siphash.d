build2/san/provd/siphash.o: provd/siphash.c provd/siphash.h
provd/siphash.h:
