/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * verdict.h: the verdicts and reason tokens every part of verifierd (and provctl's --json)
 * speaks. The token strings are a fixed interface (docs/architecture.md §4, fixed interfaces): add, never
 * rename.
 */
#pragma once

#include <errno.h>
#include <string.h>

typedef enum Verdict {
        VERDICT_APPLIED,
        VERDICT_REJECTED,
        VERDICT_PENDING,
        VERDICT_EXPIRED,
        _VERDICT_MAX,
        _VERDICT_INVALID = -EINVAL,
} Verdict;

typedef enum Reason {
        REASON_NONE,                  /* applied, or pending without a reason */
        REASON_BOOTSTRAP_DISABLED,
        REASON_UNAUTHENTICATED,
        REASON_BAD_MAC,
        REASON_BAD_SIGNATURE,
        REASON_UNTRUSTED_SIGNER,
        REASON_ROLE_DENIED,
        REASON_ROLE_ESCALATION,
        REASON_POLICY_DENIED,
        REASON_REPLAY,
        REASON_MALFORMED,
        REASON_PIN_ATTEMPTS_EXCEEDED,
        REASON_EXPIRED,
        REASON_NEEDS_PIN,             /* pending: waiting for a user PIN */
        REASON_NEEDS_CONFIRMATION,    /* pending: waiting for the user to confirm (NETWPIN) */
        REASON_DISCARDED,             /* rejected by the user */
        REASON_UNSUPPORTED,           /* an element provboot neither stores nor applies */
        /* DM sessions (history rows of transport "dm", provctl dm connect's reason) */
        REASON_DM_NO_ACCOUNT,
        REASON_DM_TLS_FAILED,
        REASON_DM_SERVER_AUTH_FAILED,
        REASON_DM_PROTOCOL_ERROR,
        REASON_DM_TIMEOUT,
        REASON_DM_ADDRESS_REFUSED,
        _REASON_MAX,
        _REASON_INVALID = -EINVAL,
} Reason;

static inline const char *verdict_to_string(Verdict v) {
        static const char *const t[_VERDICT_MAX] = {
                [VERDICT_APPLIED] = "applied",
                [VERDICT_REJECTED] = "rejected",
                [VERDICT_PENDING] = "pending",
                [VERDICT_EXPIRED] = "expired",
        };
        return (v >= 0 && v < _VERDICT_MAX) ? t[v] : NULL;
}

static inline const char *reason_to_string(Reason r) {
        static const char *const t[_REASON_MAX] = {
                [REASON_NONE] = "",
                [REASON_BOOTSTRAP_DISABLED] = "bootstrap-disabled",
                [REASON_UNAUTHENTICATED] = "unauthenticated",
                [REASON_BAD_MAC] = "bad-mac",
                [REASON_BAD_SIGNATURE] = "bad-signature",
                [REASON_UNTRUSTED_SIGNER] = "untrusted-signer",
                [REASON_ROLE_DENIED] = "role-denied",
                [REASON_ROLE_ESCALATION] = "role-escalation",
                [REASON_POLICY_DENIED] = "policy-denied",
                [REASON_REPLAY] = "replay",
                [REASON_MALFORMED] = "malformed",
                [REASON_PIN_ATTEMPTS_EXCEEDED] = "pin-attempts-exceeded",
                [REASON_EXPIRED] = "expired",
                [REASON_NEEDS_PIN] = "needs-pin",
                [REASON_NEEDS_CONFIRMATION] = "needs-confirmation",
                [REASON_DISCARDED] = "discarded",
                [REASON_UNSUPPORTED] = "unsupported",
                [REASON_DM_NO_ACCOUNT] = "no-account",
                [REASON_DM_TLS_FAILED] = "tls-failed",
                [REASON_DM_SERVER_AUTH_FAILED] = "server-auth-failed",
                [REASON_DM_PROTOCOL_ERROR] = "protocol-error",
                [REASON_DM_TIMEOUT] = "timeout",
                [REASON_DM_ADDRESS_REFUSED] = "address-refused",
        };
        return (r >= 0 && r < _REASON_MAX) ? t[r] : NULL;
}

static inline Verdict verdict_from_string(const char *s) {
        for (int i = 0; i < _VERDICT_MAX; i++)
                if (strcmp(verdict_to_string((Verdict) i), s) == 0)
                        return (Verdict) i;
        return _VERDICT_INVALID;
}

static inline Reason reason_from_string(const char *s) {
        for (int i = 0; i < _REASON_MAX; i++)
                if (strcmp(reason_to_string((Reason) i), s) == 0)
                        return (Reason) i;
        return _REASON_INVALID;
}
