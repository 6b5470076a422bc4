build2/vg/verifierd/auth.o: verifierd/auth.c verifierd/auth.h \
 verifierd/secret.h common/macros.h common/wsp.h common/decode-error.h
verifierd/auth.h:
verifierd/secret.h:
common/macros.h:
common/wsp.h:
common/decode-error.h:
