/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmsessiond.h: the DM dialer (docs/architecture.md §2.4.1; dmsessiond(8)).
 *
 * What the dialer is trusted with, and what not:
 *   - It runs unprivileged (user provdial), holds no secret, and never sees a byte of the session:
 *     verifierd runs TLS on the socket it is handed, with its own trust anchors and the host name
 *     of the account's address (verifierd/dm-transport.h). A compromised dialer can misroute a
 *     connection (to a server that then fails verifierd's certificate check) or refuse it; it can
 *     never read or forge what verifierd sends.
 *   - It parses nothing but the host name (ipc_dial_read: a DNS name or an address literal).
 *   - It dials only for verifierd (bus policy: provboot-verifier and root may call Dial; and the
 *     caller's uid from the bus checked again here), so it cannot be used by other local users as
 *     a relay to addresses their own sandbox forbids.
 *   - Loopback, private, link-local and multicast addresses are refused unless the caller asks
 *     for them (verifierd's [DM] AllowLoopback=); verifierd checks the peer again itself.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define DMSESSIOND_VERSION_STRING "0.1"
#define DMSESSIOND_CONFIG_MAIN_FILE "dmsessiond.conf"
#define DMSESSIOND_CONFIG_DROPIN_DIR "dmsessiond.conf.d"
#define DMSESSIOND_USER "provdial"
#define DMSESSIOND_VERIFIER_USER "provboot-verifier"

/* Resolving and connecting, both together, must finish within this (a Dial answers Timeout). */
#define DMSESSIOND_CONNECT_TIMEOUT_MS 15000U
#define DMSESSIOND_CONNECT_TIMEOUT_MS_MIN 1000U
#define DMSESSIOND_CONNECT_TIMEOUT_MS_MAX 120000U
/* Addresses of one name tried in turn (getaddrinfo order, RFC 6724). */
#define DMSESSIOND_ADDRESSES_MAX 8U
/* Dial calls in progress at once; more are answered LimitExceeded. verifierd runs one session
 * at a time and dials again at most when a kept-alive connection was closed. */
#define DMSESSIOND_DIALS_MAX 4U
#define DMSESSIOND_DIALS_MAX_MAX 64U

/* Keys (dmsessiond(8) "CONFIGURATION"):
 *   [Dialer] ConnectTimeoutSec=1..120   resolving + connecting one Dial (15)
 *            MaxDials=1..64             Dial calls in progress at once (4)
 * Who may call Dial is not configurable here: root and the user provboot-verifier (verifierd). */
typedef struct DmsConfig {
        unsigned connect_timeout_sec;   /* [Dialer] ConnectTimeoutSec= */
        unsigned dials_max;             /* [Dialer] MaxDials= */
} DmsConfig;

/* Load [Dialer] from dmsessiond.conf and dmsessiond.conf.d/ (common/conf.h rules) below
 * @config_dir alone, or the three system roots when NULL. Return: 0 or negative errno (@err). */
typedef struct ConfigError ConfigError;
int dms_config_load(DmsConfig *ret, const char *config_dir, ConfigError *err);

/* Resolve @host and connect a TCP socket to @port, trying at most DMSESSIOND_ADDRESSES_MAX
 * addresses, skipping every address dm_address_is_local() names unless @allow_loopback, all
 * within @timeout_ms. Blocking (run in a worker thread). @ret_fd: blocking, O_CLOEXEC.
 * Return: 0; -EADDRNOTAVAIL every address was refused; -ETIMEDOUT; -ENXIO the name has no
 * address; -ECONNREFUSED every connect failed (the last errno is logged by the caller through
 * @ret_last_errno, may be NULL); -ENOMEM. */
int dms_connect(const char *host, uint16_t port, bool allow_loopback, unsigned timeout_ms, int *ret_fd,
                int *ret_last_errno);
/* The part of dms_connect() after the resolver: try the first DMSESSIOND_ADDRESSES_MAX IPv4/IPv6
 * entries of @res in order until @deadline (CLOCK_MONOTONIC, ms). Same returns. (Tested on a
 * list it is given: tests/unit/test-dms-dial.c.) */
struct addrinfo;
int dms_connect_addrinfo(const struct addrinfo *res, bool allow_loopback, uint64_t deadline, int *ret_fd,
                         int *ret_last_errno);
