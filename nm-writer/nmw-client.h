/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nmw-client.h: verifierd's side of provboot-nm-writer (issue 14). An ExportNmIo (export-nm.h)
 * whose every operation is one typed request (nmw-proto.h) on a UNIX stream socket: verifierd,
 * not root, never opens the NetworkManager directory itself. One connection, opened on first
 * use and again after an error; each request waits at most NMW_CLIENT_TIMEOUT_USEC for its reply.
 */
#pragma once

#include "verifierd/export-nm.h"

#define NMW_SOCKET_DEFAULT "/run/provboot/nm-writer.socket"
#define NMW_CLIENT_TIMEOUT_USEC (5U * 1000000U)

typedef struct NmwClient {
        char path[108];                 /* sun_path */
        int fd;
} NmwClient;

/* nmw_client_init() - @c talks to the writer at @path (not connected yet); @io is filled to
 * route export-nm's file operations through it (export_nm_set_io). Return 0; -EINVAL. */
int nmw_client_init(NmwClient *c, const char *path, ExportNmIo *io);
void nmw_client_done(NmwClient *c);
