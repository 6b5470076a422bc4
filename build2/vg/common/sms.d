build2/vg/common/sms.o: common/sms.c common/cursor.h common/sms.h \
 common/decode-error.h
common/cursor.h:
common/sms.h:
common/decode-error.h:
