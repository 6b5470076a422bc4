build2/san/common/wbxml.o: common/wbxml.c common/cpdoc-builder.h \
 common/cpdoc.h common/decode-error.h common/macros.h common/wbxml.h \
 common/cursor.h
common/cpdoc-builder.h:
common/cpdoc.h:
common/decode-error.h:
common/macros.h:
common/wbxml.h:
common/cursor.h:
