build2/obj/common/cursor.o: common/cursor.c common/cursor.h
common/cursor.h:
