/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dm-address.h: the address rules of the DM route, shared by dmsessiond (which refuses to dial
 * such addresses) and verifierd (which checks the peer of every socket it is handed, because it
 * does not trust the dialer). Pure; no I/O.
 */
#pragma once

#include <stdbool.h>
#include <sys/socket.h>

#define DM_HOST_MAX 253U                /* RFC 1035 §2.3.4: 255 octets on the wire = 253 as text */
#define DM_HOST_LABEL_MAX 63U

/* Whether @sa is an address refused without [DM] AllowLoopback=: loopback (127/8, ::1),
 * unspecified (0.0.0.0, ::), "this network" 0/8, private (10/8, 172.16/12, 192.168/16, shared
 * 100.64/10, fc00::/7), link-local (169.254/16, fe80::/10), multicast (224/4, ff00::/8),
 * reserved 240/4 and broadcast, the other blocks of the RFC 6890 special-purpose registries that
 * are not globally reachable (192.0.0/24, TEST-NETs 192.0.2/24 198.51.100/24 203.0.113/24,
 * 198.18/15, 192.88.99/24; ::ffff:0:0:0/96, 64:ff9b:1::/48, 100::/64, 2001::/23, 2001:db8::/32,
 * 3fff::/20, 5f00::/16, fec0::/10), and the IPv6 forms that carry one of the IPv4 addresses above:
 * IPv4-mapped, IPv4-compatible, NAT64 64:ff9b::/96 and 6to4 2002::/16. Any family but
 * AF_INET/AF_INET6, or a short @len: true (refused). */
bool dm_address_is_local(const struct sockaddr *sa, socklen_t len);

/* Whether @host is a DNS host name (RFC 1123 §2.1: labels of letters, digits and '-', not
 * starting or ending with '-', 1..DM_HOST_LABEL_MAX bytes, <= DM_HOST_MAX in all, an optional
 * final '.' not allowed) or an IPv4 dotted-quad / IPv6 address literal (without brackets).
 * This is the only parsing the dialer does. */
bool dm_host_valid(const char *host);
