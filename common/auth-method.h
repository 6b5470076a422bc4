/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * auth-method.h: how a provisioning document was authenticated, the one encoding used from
 * provd's parser to verifierd's policy, store and bus. The four PIN methods are those the WSP
 * SEC parameter names (OMA-WAP-TS-ProvBoot, "SEC"; carried as WAP-230 WSP §8.4.2.4 parameter
 * 0x11); a signed package carries no SEC, its authentication is its CMS signature.
 *
 * The numeric values are fixed: they are the SEC values 0..3 on the wire and the integers in
 * the store's sec columns (-1..4; stores written before this enum existed read back unchanged).
 * The conversions at those two edges are explicit: auth_method_from_wsp_sec() in common/wsp.c,
 * and the sec-column helpers in verifierd/store-internal.h.
 */
#pragma once

#include <stdint.h>

typedef enum AuthMethod {
        AUTH_NONE = -1,         /* no SEC parameter and no signature: unauthenticated */
        AUTH_NETWPIN = 0,       /* SEC 0: HMAC keyed with the IMSI */
        AUTH_USERPIN = 1,       /* SEC 1: HMAC keyed with a PIN the user types */
        AUTH_USERNETWPIN = 2,   /* SEC 2: both */
        AUTH_USERPINMAC = 3,    /* SEC 3: a PIN that is part of the MAC */
        _AUTH_SEC_MAX,          /* the methods a WSP SEC parameter can name: 0.._AUTH_SEC_MAX-1 */
        AUTH_SIGNED = _AUTH_SEC_MAX, /* a CMS-signed package (no SEC) */
        AUTH_DM = 5,            /* written by an OMA DM session of an authenticated account */
        _AUTH_METHOD_MAX,
} AuthMethod;

/* "NETWPIN", "USERPIN", "USERNETWPIN", "USERPINMAC", "none", "signed", "dm"; NULL when out of range. */
const char *auth_method_to_string(AuthMethod m);

/*
 * auth_method_from_wsp_sec() - the method a WSP SEC parameter's integer value names.
 * Return: AUTH_NETWPIN .. AUTH_USERPINMAC for 0..3; -EINVAL for anything else (a SEC outside
 *   0..3 is malformed, never a signed package or "none").
 */
int auth_method_from_wsp_sec(uint64_t v);
