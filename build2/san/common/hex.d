build2/san/common/hex.o: common/hex.c common/hex.h
common/hex.h:
