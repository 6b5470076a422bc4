build2/obj/mmsd-sync/main.o: mmsd-sync/main.c ipc/buswatch.h ipc/ipc.h \
 common/log.h common/macros.h ipc/mms-settings.h mmsd-sync/plan.h
ipc/buswatch.h:
ipc/ipc.h:
common/log.h:
common/macros.h:
ipc/mms-settings.h:
mmsd-sync/plan.h:
