build2/vg/verifierd/secret.o: verifierd/secret.c verifierd/secret.h \
 common/macros.h
verifierd/secret.h:
common/macros.h:
