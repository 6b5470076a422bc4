/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xml-precheck.h: the checks every XML front end runs before libxml2 sees a byte (the CP
 * document, common/cpdoc-xml.c; the SyncML DM decoder, verifierd/dm-syncml.c), and the XML 1.0
 * character-data rule their builders and writers share. One copy, so the two decoders cannot
 * drift apart (docs/wire-notes.md §3.1: documents are decoded as UTF-8 only).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How far into a document the XML declaration is looked for. A declaration that does not end
 * within this many bytes is left to libxml2, which parses the document as UTF-8 whatever it
 * names (XML_PARSE_IGNORE_ENC), so nothing is converted either way. */
#define XML_DECL_SCAN_MAX 512U

/**
 * xml_precheck_utf8() - refuse what would make libxml2 run iconv on untrusted input: a UTF-16,
 *   UCS-4 or EBCDIC signature, a NUL byte, or an XML declaration naming an encoding other than
 *   UTF-8 / US-ASCII (compared without regard to case).
 * @ret_offset: where the problem is (the byte offset); unchanged on success
 * @ret_reason: a static one-line reason; unchanged on success
 *
 * Return: 0; -EOPNOTSUPP another encoding; -EBADMSG a NUL byte.
 */
int xml_precheck_utf8(const uint8_t *buf, size_t len, size_t *ret_offset, const char **ret_reason);

/**
 * xml_char_data_ok() - whether @len bytes at @p can stand as XML character data: well-formed
 *   UTF-8 without C1 controls (utf8.h), no C0 control but TAB, LF and CR, and neither U+FFFE nor
 *   U+FFFF (XML 1.0 §2.2 Char).
 */
bool xml_char_data_ok(const uint8_t *p, size_t len);
