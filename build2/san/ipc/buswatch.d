build2/san/ipc/buswatch.o: ipc/buswatch.c ipc/buswatch.h common/log.h \
 common/macros.h
ipc/buswatch.h:
common/log.h:
common/macros.h:
