# bench/decode.mk: decode benchmark, ours against libwbxml (perf goals P1/P6, bench/bench-decode.sh).
BENCHES += bench-decode
# libwbxml2 is linked only into this benchmark, for the comparison. "private" keeps the flags
# off the prerequisites (the project libraries), which never see libwbxml.
$(BUILD)/bench/bench-decode: private ALL_PC_CFLAGS += $(call pc_cflags,libwbxml2)
$(BUILD)/bench/bench-decode: private PKGS_TEST += libwbxml2
