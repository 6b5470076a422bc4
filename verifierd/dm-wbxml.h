/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dm-wbxml.h: the WBXML encoding of the client's SyncML DM messages
 * (application/vnd.syncml.dm+wbxml, OMA-TS-DM_RepPro-V1_2 §4.1.2.1 and §8 "WBXML definition";
 * WAP-192-WBXML-20010725-a). dm_writer_finish() calls it when the writer's encoding is
 * DM_ENCODING_WBXML: the writer builds its message as XML (one code path for every command),
 * and this module re-encodes that document token for token. It accepts only the small XML
 * subset the writer produces (no attributes but xmlns, the five predefined entities and
 * numeric character references); anything else is a programming error (-EINVAL).
 *
 * What is written (docs/dm-wire.md §1): WBXML version 1.2 (0x02), the SyncML public id as a
 * number (1.2: 0x1201, 1.1: 0x0FD3; chosen by the root's namespace), charset UTF-8 (MIBenum
 * 106 = 0x6A), an empty string table, every text as an inline string (STR_I), no OPAQUE
 * (nothing the client sends is binary: nonces and credentials are base64 text), code page 0
 * for the SyncML namespace and page 1 for syncml:metinf, and an element without content as
 * its tag token without the content bit. Pure: no I/O, no logging.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define DM_CONTENT_TYPE_XML "application/vnd.syncml.dm+xml"
#define DM_CONTENT_TYPE_WBXML "application/vnd.syncml.dm+wbxml"

#define DM_WBXML_VERSION_1_2 0x02U
#define DM_WBXML_PUBLIC_ID_SYNCML_1_1 0x0FD3U /* "-//SYNCML//DTD SyncML 1.1//EN" */
#define DM_WBXML_PUBLIC_ID_SYNCML_1_2 0x1201U /* "-//SYNCML//DTD SyncML 1.2//EN" */
#define DM_WBXML_ENCODE_DEPTH_MAX 16U         /* open elements in the writer's XML (it uses 6) */

/**
 * dm_wbxml_from_xml() - re-encode one message of the DM writer as WBXML.
 * @xml, @len: the writer's XML document (UTF-8).
 * @ret, @ret_len: the malloc'd WBXML message (followed by one NUL not counted in @ret_len).
 *
 * Return: 0; -EINVAL not the writer's XML subset (an unknown element or namespace, an
 *   attribute, a malformed reference, nesting over DM_WBXML_ENCODE_DEPTH_MAX); -ENOMEM.
 */
int dm_wbxml_from_xml(const char *xml, size_t len, uint8_t **ret, size_t *ret_len);

#define DM_WBXML_FPI_SYNCML_1_1 "-//SYNCML//DTD SyncML 1.1//EN"
#define DM_WBXML_FPI_SYNCML_1_2 "-//SYNCML//DTD SyncML 1.2//EN"

/**
 * dm_wbxml_terminate_fpi() - repair one known interop defect before decoding: the AOSP DM
 * engine's DM 1.2 messages (its test vectors engine/dmlib/linux_java/test/dm12/, see
 * tests/data/dm-aosp) give the public id as string-table index 0 with a string table that
 * holds exactly the SyncML FPI WITHOUT its terminating NUL (WBXML 1.3 §5.5/§5.7 require
 * one; libwbxml accepts it). Only that exact header is touched: version 1.1-1.3, public id
 * "00 00", a one-octet charset, a string table whose length and content are exactly one of
 * the two SyncML FPIs. The copy gets the NUL (table one octet longer, every string-table
 * offset unchanged); everything else is decoded as strictly as ever.
 * @buf, @len: the message as received; @ret, @ret_len: the repaired copy (malloc'd).
 *
 * Return: 1 with a copy; 0 when the header is not that defect (decode @buf as is); -ENOMEM.
 */
int dm_wbxml_terminate_fpi(const uint8_t *buf, size_t len, uint8_t **ret, size_t *ret_len);
