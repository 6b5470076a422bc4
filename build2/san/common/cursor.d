build2/san/common/cursor.o: common/cursor.c common/cursor.h
common/cursor.h:
