build2/vg/common/log.o: common/log.c common/log.h common/macros.h
common/log.h:
common/macros.h:
