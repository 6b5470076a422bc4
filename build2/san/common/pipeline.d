build2/san/common/pipeline.o: common/pipeline.c common/macros.h \
 common/pipeline.h common/cpdoc.h common/decode-error.h common/input.h \
 common/sms.h common/wsp.h
common/macros.h:
common/pipeline.h:
common/cpdoc.h:
common/decode-error.h:
common/input.h:
common/sms.h:
common/wsp.h:
