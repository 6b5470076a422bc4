build2/obj/common/log.o: common/log.c common/log.h common/macros.h
common/log.h:
common/macros.h:
