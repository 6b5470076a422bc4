build2/san/common/log.o: common/log.c common/log.h common/macros.h
common/log.h:
common/macros.h:
