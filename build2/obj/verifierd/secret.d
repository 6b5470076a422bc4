build2/obj/verifierd/secret.o: verifierd/secret.c verifierd/secret.h \
 common/macros.h
verifierd/secret.h:
common/macros.h:
