build2/obj/provctl/agent.o: provctl/agent.c ipc/buswatch.h ipc/ipc.h \
 common/macros.h provctl/provctl.h
ipc/buswatch.h:
ipc/ipc.h:
common/macros.h:
provctl/provctl.h:
