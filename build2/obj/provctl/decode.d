build2/obj/provctl/decode.o: provctl/decode.c common/macros.h \
 common/pipeline.h common/cpdoc.h common/decode-error.h common/input.h \
 common/sms.h common/wsp.h provctl/provctl.h
common/macros.h:
common/pipeline.h:
common/cpdoc.h:
common/decode-error.h:
common/input.h:
common/sms.h:
common/wsp.h:
provctl/provctl.h:
