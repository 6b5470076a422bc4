/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * log.h: daemon logging to stderr with "<N>" syslog-level prefixes, which journald parses
 * (docs/conventions.md §7), so no library is needed. Only daemon main code and bus handlers log;
 * decoders and the rest of common/ never call these (systemd's "library code doesn't log").
 * log_*_errno(r, ...) sets errno to -r so "%m" works, and returns r as a negative errno, so
 * `return log_error_errno(r, "Failed to ...: %m");` is the idiom. Callers quote user-controlled
 * strings in single quotes after passing them through log_escape(), and never log push bytes:
 * only lengths, offsets and a short digest.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <syslog.h>

#include "macros.h"

/* Longest line written, prefix included; longer messages are truncated. */
#define LOG_LINE_MAX 2048U

void log_set_max_level(int level);
int log_get_max_level(void);
/* "emerg".."debug" or "0".."7". Return: the level, or -EINVAL. */
int log_level_from_string(const char *s);

/* Write one line "<level>message\n" to stderr with a single write(2). Return: -|error| (0 if error is 0). */
int log_internal(int level, int error, const char *format, ...) _printf_(3, 4);

#define log_full_errno(level, error, ...)                                                  \
        ({                                                                                  \
                int _level = (level), _e = (error);                                         \
                _e = _e < 0 ? -_e : _e;                                                     \
                log_get_max_level() >= _level ? log_internal(_level, _e, __VA_ARGS__) : -_e; \
        })

#define log_full(level, ...) (void) log_full_errno((level), 0, __VA_ARGS__)

#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(error, ...) log_full_errno(LOG_DEBUG, (error), __VA_ARGS__)
#define log_info_errno(error, ...) log_full_errno(LOG_INFO, (error), __VA_ARGS__)
#define log_notice_errno(error, ...) log_full_errno(LOG_NOTICE, (error), __VA_ARGS__)
#define log_warning_errno(error, ...) log_full_errno(LOG_WARNING, (error), __VA_ARGS__)
#define log_error_errno(error, ...) log_full_errno(LOG_ERR, (error), __VA_ARGS__)

#define log_oom() log_error_errno(ENOMEM, "Out of memory.")

/* Room for log_escape() output of a string of n bytes: each byte may become "\xNN", plus "..." and NUL. */
#define LOG_ESCAPE_SIZE(n) ((n) * 4U + 4U)

/*
 * log_escape - make an untrusted string safe to print inside single quotes: backslash, quote
 * and every byte outside printable ASCII become "\xNN"; output longer than the buffer is cut
 * and ends in "...". NULL prints as "(null)".
 * Return: buf.
 */
const char *log_escape(const char *s, char *buf, size_t size);
