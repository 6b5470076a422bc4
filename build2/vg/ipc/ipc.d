build2/vg/ipc/ipc.o: ipc/ipc.c common/cpdoc-builder.h common/cpdoc.h \
 common/decode-error.h ipc/ipc.h common/summary.h ipc/verdict.h
common/cpdoc-builder.h:
common/cpdoc.h:
common/decode-error.h:
ipc/ipc.h:
common/summary.h:
ipc/verdict.h:
