/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auth-method.c: names and wire conversions of AuthMethod (auth-method.h). */
#include <errno.h>

#include "auth-method.h"
#include "macros.h"

static const char *const auth_method_names[_AUTH_METHOD_MAX] = {
        [AUTH_NETWPIN] = "NETWPIN",
        [AUTH_USERPIN] = "USERPIN",
        [AUTH_USERNETWPIN] = "USERNETWPIN",
        [AUTH_USERPINMAC] = "USERPINMAC",
        [AUTH_SIGNED] = "signed",
        [AUTH_DM] = "dm",
};

const char *auth_method_to_string(AuthMethod m) {
        if (m == AUTH_NONE)
                return "none";
        if (m < 0 || m >= _AUTH_METHOD_MAX)
                return NULL;
        return auth_method_names[m];
}

int auth_method_from_wsp_sec(uint64_t v) {
        return v < _AUTH_SEC_MAX ? (int) v : -EINVAL;
}
