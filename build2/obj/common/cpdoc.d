build2/obj/common/cpdoc.o: common/cpdoc.c common/cpdoc-builder.h \
 common/cpdoc.h common/decode-error.h common/macros.h
common/cpdoc-builder.h:
common/cpdoc.h:
common/decode-error.h:
common/macros.h:
