/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dm-dial.h: verifierd's side of the DM dialer (docs/architecture.md §2.4.1).
 *
 * verifierd keeps RestrictAddressFamilies=AF_UNIX: it cannot open a TCP socket itself. It asks
 * dmsessiond (org.provboot.Dialer1, ipc/ipc.h section "Dialer1") to resolve and connect, and gets
 * the connected socket back as a passed fd. The dialer is NOT trusted with anything but the
 * connection: verifierd checks the fd it is handed (a TCP stream socket, a peer address allowed by
 * [DM] AllowLoopback=) and then runs TLS on it itself (dm-transport.h), verifying the server's
 * certificate and host name. A hostile dialer can therefore misroute or drop the connection, never
 * read or forge the session.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>

#include "dm-address.h" /* dm_address_is_local(), dm_host_valid(): the rule dmsessiond applies too */

/* Ask the dialer on @bus to connect to @host:@port and return the connected socket in @ret_fd
 * (owned by the caller, O_CLOEXEC). The fd is checked before it is returned: it must be a
 * connected SOCK_STREAM socket of AF_INET/AF_INET6 (otherwise -EPROTO), and its peer address must
 * not be loopback, private, link-local, multicast or unspecified unless @allow_loopback
 * (-EADDRNOTAVAIL).
 * Return: 0; -EADDRNOTAVAIL (the dialer's AddressRefused too); -ETIMEDOUT (Timeout);
 * -ECONNREFUSED (ConnectFailed); -EPROTO; -EINVAL a host that is no host name or address literal;
 * or the bus error's errno (-EHOSTUNREACH no dialer, -EACCES denied). */
int dm_dial(sd_bus *bus, const char *host, uint16_t port, bool allow_loopback, int *ret_fd);

/* dm_dial(), and while the call is out also poll @cancel_fd (-1: none; dm-session.h's
 * DmSessionControl): once it is readable the call is dropped and -ECANCELED returned at once.
 * @bus must not be attached to an event loop (the call is processed here). */
int dm_dial_ex(sd_bus *bus, const char *host, uint16_t port, bool allow_loopback, int cancel_fd, int *ret_fd);
