build2/obj/mmsd-sync/plan.o: mmsd-sync/plan.c ipc/buswatch.h \
 common/macros.h mmsd-sync/plan.h ipc/mms-settings.h ipc/ipc.h
ipc/buswatch.h:
common/macros.h:
mmsd-sync/plan.h:
ipc/mms-settings.h:
ipc/ipc.h:
