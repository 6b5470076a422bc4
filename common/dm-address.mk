# SPDX-License-Identifier: LGPL-2.1-or-later
# common/dm-address.mk: the DM route's address and host-name rules (dmsessiond and verifierd).
COMMON_SRCS += common/dm-address.c
