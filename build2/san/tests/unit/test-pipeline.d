build2/san/tests/unit/test-pipeline.o: tests/unit/test-pipeline.c \
 common/pipeline.h common/cpdoc.h common/decode-error.h common/input.h \
 common/sms.h common/wsp.h tests/unit/testutil.h
common/pipeline.h:
common/cpdoc.h:
common/decode-error.h:
common/input.h:
common/sms.h:
common/wsp.h:
tests/unit/testutil.h:
