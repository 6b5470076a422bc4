build2/vg/common/wsp.o: common/wsp.c common/cursor.h common/wsp.h \
 common/decode-error.h
common/cursor.h:
common/wsp.h:
common/decode-error.h:
