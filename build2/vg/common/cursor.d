build2/vg/common/cursor.o: common/cursor.c common/cursor.h
common/cursor.h:
