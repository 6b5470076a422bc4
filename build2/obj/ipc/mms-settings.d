build2/obj/ipc/mms-settings.o: ipc/mms-settings.c ipc/buswatch.h \
 common/macros.h ipc/mms-settings.h ipc/ipc.h common/schema.h
ipc/buswatch.h:
common/macros.h:
ipc/mms-settings.h:
ipc/ipc.h:
common/schema.h:
