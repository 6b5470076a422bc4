/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dm-address.c: which peer addresses the DM route refuses, and what a host name may look like.
 * Used by dmsessiond before it connects and by verifierd on the socket it is handed (it does not
 * trust the dialer: common/dm-address.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "dm-address.h"

static bool ipv4_is_local(uint32_t a /* host order */) {
        /* RFC 6890 §2.2.2 special-purpose IPv4 blocks (and the IANA registry's later entries) that
         * are not globally reachable: a DM server on the Internet never has one. */
        return (a >> 24) == 0 ||                        /* 0/8 "this network", 0.0.0.0 */
               (a >> 24) == 127 ||                      /* 127/8 loopback */
               (a >> 24) == 10 ||                       /* 10/8 private (RFC 1918) */
               (a & 0xfff00000U) == 0xac100000U ||      /* 172.16/12 private */
               (a & 0xffff0000U) == 0xc0a80000U ||      /* 192.168/16 private */
               (a & 0xffc00000U) == 0x64400000U ||      /* 100.64/10 shared (CGN, RFC 6598) */
               (a & 0xffff0000U) == 0xa9fe0000U ||      /* 169.254/16 link-local */
               (a & 0xffffff00U) == 0xc0000000U ||      /* 192.0.0/24 IETF protocol assignments */
               (a & 0xffffff00U) == 0xc0000200U ||      /* 192.0.2/24 TEST-NET-1 (RFC 5737) */
               (a & 0xffffff00U) == 0xc0586300U ||      /* 192.88.99/24 6to4 relay anycast (RFC 7526) */
               (a & 0xfffe0000U) == 0xc6120000U ||      /* 198.18/15 benchmarking (RFC 2544) */
               (a & 0xffffff00U) == 0xc6336400U ||      /* 198.51.100/24 TEST-NET-2 */
               (a & 0xffffff00U) == 0xcb007100U ||      /* 203.0.113/24 TEST-NET-3 */
               (a & 0xf0000000U) == 0xe0000000U ||      /* 224/4 multicast */
               (a & 0xf0000000U) == 0xf0000000U;        /* 240/4 reserved, 255.255.255.255 */
}

static uint32_t ipv4_at(const uint8_t *b) {
        return (uint32_t) b[0] << 24 | (uint32_t) b[1] << 16 | (uint32_t) b[2] << 8 | b[3];
}

static bool ipv6_is_local(const uint8_t *b) {
        static const uint8_t zero10[10];
        static const uint8_t nat64[12] = { 0x00, 0x64, 0xff, 0x9b };    /* 64:ff9b::/96 */
        static const uint8_t translated[12] = { [8] = 0xff, [9] = 0xff }; /* ::ffff:0:0:0/96 */
        static const uint8_t discard[8] = { 0x01 };                     /* 100::/64 */

        /* ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated) carry an IPv4
         * address: the IPv4 rule decides, so ::ffff:127.0.0.1 is loopback too. */
        if (memcmp(b, zero10, 10) == 0 && ((b[10] == 0xff && b[11] == 0xff) || (b[10] == 0 && b[11] == 0)))
                return ipv4_is_local(ipv4_at(b + 12));          /* ::, ::1 included (0/8) */
        /* Prefixes that embed an IPv4 address the traffic ends at (a translator or relay on the
         * way forwards to it): NAT64 well-known prefix (RFC 6052 §2.1) and 6to4 (RFC 3056 §2):
         * 64:ff9b::127.0.0.1 reaches the loopback of the NAT64 gateway's side. */
        if (memcmp(b, nat64, 12) == 0)
                return ipv4_is_local(ipv4_at(b + 12));
        if (b[0] == 0x20 && b[1] == 0x02)                               /* 2002::/16 6to4 */
                return ipv4_is_local(ipv4_at(b + 2));
        /* RFC 6890 §2.2.3 and the IANA IPv6 special-purpose registry: not globally reachable. */
        return memcmp(b, translated, 12) == 0 ||                        /* ::ffff:0:0:0/96 SIIT */
               (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b &&
                b[4] == 0x00 && b[5] == 0x01) ||                        /* 64:ff9b:1::/48 local NAT64 (RFC 8215) */
               memcmp(b, discard, 8) == 0 ||                            /* 100::/64 discard-only (RFC 6666) */
               (b[0] == 0x20 && b[1] == 0x01 && b[2] < 0x02) || /* 2001::/23 IETF protocol
                                                                         * assignments: Teredo, benchmarking,
                                                                         * ORCHID, anycast services */
               (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) || /* 2001:db8::/32 documentation */
               (b[0] == 0x3f && b[1] == 0xff && (b[2] & 0xf0) == 0x00) || /* 3fff::/20 documentation (RFC 9637) */
               (b[0] == 0x5f && b[1] == 0x00) ||                        /* 5f00::/16 SRv6 SIDs (RFC 9602) */
               (b[0] & 0xfe) == 0xfc ||                                 /* fc00::/7 unique local */
               (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ||               /* fe80::/10 link-local */
               (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) ||               /* fec0::/10 site-local */
               b[0] == 0xff;                                            /* ff00::/8 multicast */
}

bool dm_address_is_local(const struct sockaddr *sa, socklen_t len) {
        if (!sa)
                return true;
        if (sa->sa_family == AF_INET) {
                const struct sockaddr_in *in = (const struct sockaddr_in *) sa;

                if (len < (socklen_t) sizeof(*in))
                        return true;
                return ipv4_is_local(ntohl(in->sin_addr.s_addr));
        }
        if (sa->sa_family == AF_INET6) {
                const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) sa;

                if (len < (socklen_t) sizeof(*in6))
                        return true;
                return ipv6_is_local(in6->sin6_addr.s6_addr);
        }
        return true;    /* any other family: not a TCP/IP peer */
}

static bool label_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

bool dm_host_valid(const char *host) {
        struct in6_addr a6;
        struct in_addr a4;
        size_t n, label = 0;
        bool all_digits_or_dots = true;

        if (!host)
                return false;
        n = strnlen(host, DM_HOST_MAX + 1);
        if (n == 0 || n > DM_HOST_MAX)
                return false;
        /* inet_pton accepts only the strict forms (dotted quad of decimals; RFC 4291 §2.2 text) */
        if (inet_pton(AF_INET, host, &a4) == 1 || inet_pton(AF_INET6, host, &a6) == 1)
                return true;
        /* getaddrinfo() reads what inet_aton() accepts ("0x7f.1", "2130706433", "127.1") as an
         * address: such a "name" would slip past the literal check of the caller */
        if (inet_aton(host, &a4) != 0)
                return false;
        for (size_t i = 0; i <= n; i++) {
                char c = host[i];

                if (c == '.' || c == '\0') {
                        if (label == 0 || label > DM_HOST_LABEL_MAX || host[i - 1] == '-')
                                return false;
                        label = 0;
                        continue;
                }
                if (!label_char(c))
                        return false;
                if (label == 0 && c == '-')
                        return false;
                if (!(c >= '0' && c <= '9'))
                        all_digits_or_dots = false;
                label++;
        }
        /* "1.2.3" or "0127.0.0.1" would be resolved by getaddrinfo as numeric forms inet_aton
         * accepts: all-numeric names that are no strict dotted quad are refused. */
        return !all_digits_or_dots;
}
