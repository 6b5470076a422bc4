build2/vg/common/hex.o: common/hex.c common/hex.h
common/hex.h:
