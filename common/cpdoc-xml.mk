# common/cpdoc-xml.mk: the CP document's text XML front end and the ProvCont schema validator.
COMMON_SRCS += common/cpdoc-xml.c common/schema.c
UNIT_TESTS += test-cpdoc-xml test-schema
FUZZERS += fuzz-xml fuzz-cpdoc
# TEMPORARY until common/wbxml.c lands: a stub cpdoc_from_wbxml so the library links.
COMMON_SRCS += $(if $(wildcard common/wbxml.c),,common/cpdoc-wbxml-stub.c)
