build2/san/common/schema.o: common/schema.c common/cpdoc.h \
 common/decode-error.h common/macros.h common/schema.h
common/cpdoc.h:
common/decode-error.h:
common/macros.h:
common/schema.h:
