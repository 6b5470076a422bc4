build2/obj/common/summary.o: common/summary.c common/macros.h \
 common/summary.h common/cpdoc.h common/decode-error.h
common/macros.h:
common/summary.h:
common/cpdoc.h:
common/decode-error.h:
