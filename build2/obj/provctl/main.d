build2/obj/provctl/main.o: provctl/main.c common/input.h \
 common/decode-error.h ipc/ipc.h common/macros.h provctl/provctl.h
common/input.h:
common/decode-error.h:
ipc/ipc.h:
common/macros.h:
provctl/provctl.h:
