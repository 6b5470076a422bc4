build2/san/provd/quarantine.o: provd/quarantine.c common/macros.h \
 provd/quarantine.h provd/siphash.h
common/macros.h:
provd/quarantine.h:
provd/siphash.h:
