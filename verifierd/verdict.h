/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* verdict.h: the verdict and reason tokens are part of the D-Bus contract; see ipc/verdict.h. */
#pragma once
#include "../ipc/verdict.h"
