build2/obj/common/input.o: common/input.c common/hex.h common/input.h \
 common/decode-error.h common/sms.h common/wsp.h
common/hex.h:
common/input.h:
common/decode-error.h:
common/sms.h:
common/wsp.h:
