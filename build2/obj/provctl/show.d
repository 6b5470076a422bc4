build2/obj/provctl/show.o: provctl/show.c ipc/ipc.h common/macros.h \
 provctl/provctl.h
ipc/ipc.h:
common/macros.h:
provctl/provctl.h:
