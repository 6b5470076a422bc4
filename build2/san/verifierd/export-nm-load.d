build2/san/verifierd/export-nm-load.o: verifierd/export-nm-load.c \
 verifierd/export-nm-load.h common/macros.h
verifierd/export-nm-load.h:
common/macros.h:
