build2/obj/provctl/bus.o: provctl/bus.c common/input.h \
 common/decode-error.h ipc/ipc.h common/macros.h provctl/provctl.h
common/input.h:
common/decode-error.h:
ipc/ipc.h:
common/macros.h:
provctl/provctl.h:
