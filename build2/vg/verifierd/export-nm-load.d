build2/vg/verifierd/export-nm-load.o: verifierd/export-nm-load.c \
 verifierd/export-nm-load.h common/macros.h
verifierd/export-nm-load.h:
common/macros.h:
