/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-buswatch.c: the pure parts of ipc/buswatch.c (issue 9 finding 1). Messages are built on
 * an unconnected peer bus (a socketpair; nothing is sent) with the header fields the bus daemon
 * would set, then sealed and read:
 *   - bus_message_is_broadcast_from(): a broadcast signal from the expected sender passes; the
 *     same signal addressed to us (DESTINATION set), from another sender, with no expected
 *     sender, or a method call does not; bus_message_is_from_driver() likewise for the driver;
 *   - bus_dict_read(): exactly `max` entries are read, max + 1 is -E2BIG after max callbacks
 *     (at the limit and past it); wrongly typed values are skipped; a callback error stops the
 *     walk; a body that is not a{sv} is an error;
 *   - bus_variant_read_basic(): reads only the exact basic type;
 *   - bus_object_list_read() (a(oa{sv})), bus_interfaces_read() (a{sa{sv}}),
 *     bus_managed_objects_read() (a{oa{sa{sv}}}) and bus_strv_read() / bus_strv_contains() (as):
 *     at the limit and past it (-E2BIG after max callbacks), keys and values as sent, what the
 *     callback leaves skipped; bus_variant_strv_contains() refuses a variant of another type
 *     without consuming it;
 *   - BusWatch's NULL and argument handling (a peer watch takes unique names only).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buswatch.h"
#include "testutil.h"

#define PEER ":1.42"
#define OTHER ":1.666"

static sd_bus *bus;
static int fds[2] = { -1, -1 };

static void setup(void) {
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
        ck_assert_int_ge(sd_bus_new(&bus), 0);
        ck_assert_int_ge(sd_bus_set_fd(bus, fds[0], fds[0]), 0);
        ck_assert_int_ge(sd_bus_start(bus), 0);
}

static void teardown(void) {
        bus = sd_bus_close_unref(bus); /* no flush: no peer will ever answer */
        if (fds[1] >= 0)
                close(fds[1]);
        fds[0] = fds[1] = -1;
}

/* A signal with the given real sender and destination (NULL: broadcast), sealed for reading. */
static sd_bus_message *signal_from(const char *sender, const char *destination) {
        sd_bus_message *m = NULL;

        ck_assert_int_ge(sd_bus_message_new_signal(bus, &m, "/fake_0", "org.ofono.SimManager", "PropertyChanged"), 0);
        ck_assert_int_ge(sd_bus_message_append(m, "sv", "SubscriberIdentity", "s", "001019999999999"), 0);
        if (sender)
                ck_assert_int_ge(sd_bus_message_set_sender(m, sender), 0);
        if (destination)
                ck_assert_int_ge(sd_bus_message_set_destination(m, destination), 0);
        ck_assert_int_ge(sd_bus_message_seal(m, 1, 0), 0);
        return m;
}

START_TEST(test_broadcast_from) {
        sd_bus_message *m;

        m = signal_from(PEER, NULL);
        ck_assert(bus_message_is_broadcast_from(m, PEER));
        ck_assert(!bus_message_is_broadcast_from(m, OTHER));
        ck_assert(!bus_message_is_broadcast_from(m, NULL)); /* no owner known: nothing is believed */
        ck_assert(!bus_message_is_from_driver(m));
        sd_bus_message_unref(m);

        /* the attack: the same signal addressed to our connection */
        m = signal_from(PEER, ":1.7");
        ck_assert(!bus_message_is_broadcast_from(m, PEER));
        sd_bus_message_unref(m);
        m = signal_from(PEER, "org.provboot.Verifier1");
        ck_assert(!bus_message_is_broadcast_from(m, PEER));
        sd_bus_message_unref(m);

        ck_assert(!bus_message_is_broadcast_from(NULL, PEER));
}
END_TEST

START_TEST(test_from_driver) {
        sd_bus_message *m;

        m = signal_from(BUS_DRIVER_NAME, NULL);
        ck_assert(bus_message_is_from_driver(m));
        sd_bus_message_unref(m);
        m = signal_from(BUS_DRIVER_NAME, ":1.7"); /* unicast: NameOwnerChanged is always broadcast */
        ck_assert(!bus_message_is_from_driver(m));
        sd_bus_message_unref(m);
        m = signal_from(OTHER, NULL);
        ck_assert(!bus_message_is_from_driver(m));
        sd_bus_message_unref(m);
}
END_TEST

START_TEST(test_method_call_is_not_a_signal) {
        sd_bus_message *m = NULL;

        ck_assert_int_ge(sd_bus_message_new_method_call(bus, &m, NULL, "/", "org.ofono.Manager", "GetModems"), 0);
        ck_assert_int_ge(sd_bus_message_set_sender(m, PEER), 0);
        ck_assert_int_ge(sd_bus_message_seal(m, 1, 0), 0);
        ck_assert(!bus_message_is_broadcast_from(m, PEER));
        sd_bus_message_unref(m);
}
END_TEST

/* ---- bus_dict_read ------------------------------------------------------------------------- */

/* A sealed message whose body is an a{sv} of n entries "k0".."k<n-1>" -> u i, plus, first,
 * "Name" -> v(as "wrong") to check typed reads skip mismatches when with_name. */
static sd_bus_message *dict_message(unsigned n, bool with_name) {
        sd_bus_message *m = NULL;
        char key[16];

        ck_assert_int_ge(sd_bus_message_new_signal(bus, &m, "/", "org.example", "Dict"), 0);
        ck_assert_int_ge(sd_bus_message_open_container(m, 'a', "{sv}"), 0);
        if (with_name)
                ck_assert_int_ge(sd_bus_message_append(m, "{sv}", "Name", "as", 1, "wrong"), 0);
        for (unsigned i = 0; i < n; i++) {
                snprintf(key, sizeof key, "k%u", i);
                ck_assert_int_ge(sd_bus_message_append(m, "{sv}", key, "u", i), 0);
        }
        ck_assert_int_ge(sd_bus_message_close_container(m), 0);
        ck_assert_int_ge(sd_bus_message_seal(m, 1, 0), 0);
        return m;
}

typedef struct Seen {
        unsigned calls, sum;
        const char *name;
        int fail_at; /* return -EIO at this call (1-based), 0: never */
} Seen;

static int count_entry(sd_bus_message *msg, const char *key, void *userdata) {
        Seen *s = userdata;
        uint32_t v;
        int r;

        s->calls++;
        if (s->fail_at && (int) s->calls == s->fail_at)
                return -EIO;
        if (strcmp(key, "Name") == 0)
                return bus_variant_read_basic(msg, 's', &s->name);
        r = bus_variant_read_basic(msg, 'u', &v);
        if (r > 0)
                s->sum += v;
        return r;
}

START_TEST(test_dict_at_limit) {
        sd_bus_message *m = dict_message(8, false);
        Seen s = {};

        ck_assert_int_eq(bus_dict_read(m, 8, count_entry, &s), 0);
        ck_assert_uint_eq(s.calls, 8);
        ck_assert_uint_eq(s.sum, 0 + 1 + 2 + 3 + 4 + 5 + 6 + 7);
        ck_assert_int_eq(sd_bus_message_at_end(m, true), 1); /* the whole dictionary was consumed */
        sd_bus_message_unref(m);
}
END_TEST

START_TEST(test_dict_past_limit) {
        sd_bus_message *m = dict_message(9, false);
        Seen s = {};

        ck_assert_int_eq(bus_dict_read(m, 8, count_entry, &s), -E2BIG);
        ck_assert_uint_eq(s.calls, 8); /* nothing past the limit is looked at */
        sd_bus_message_unref(m);
}
END_TEST

START_TEST(test_dict_empty_and_skip) {
        sd_bus_message *m = dict_message(0, false);
        Seen s = {};

        ck_assert_int_eq(bus_dict_read(m, 0, count_entry, &s), 0);
        ck_assert_uint_eq(s.calls, 0);
        sd_bus_message_unref(m);

        /* no callback: every value is skipped */
        m = dict_message(3, true);
        ck_assert_int_eq(bus_dict_read(m, 4, NULL, NULL), 0);
        ck_assert_int_eq(sd_bus_message_at_end(m, true), 1);
        sd_bus_message_unref(m);
}
END_TEST

START_TEST(test_dict_wrong_type_skipped) {
        sd_bus_message *m = dict_message(2, true);
        Seen s = {};

        /* "Name" holds "as", not "s": not read, skipped, and the walk goes on */
        ck_assert_int_eq(bus_dict_read(m, 3, count_entry, &s), 0);
        ck_assert_ptr_null(s.name);
        ck_assert_uint_eq(s.calls, 3);
        ck_assert_uint_eq(s.sum, 1);
        sd_bus_message_unref(m);
}
END_TEST

START_TEST(test_dict_callback_error_stops) {
        sd_bus_message *m = dict_message(5, false);
        Seen s = { .fail_at = 2 };

        ck_assert_int_eq(bus_dict_read(m, 5, count_entry, &s), -EIO);
        ck_assert_uint_eq(s.calls, 2);
        sd_bus_message_unref(m);
}
END_TEST

START_TEST(test_dict_not_a_dict) {
        sd_bus_message *m = signal_from(PEER, NULL); /* body "sv" */
        Seen s = {};

        ck_assert_int_lt(bus_dict_read(m, 8, count_entry, &s), 0);
        ck_assert_uint_eq(s.calls, 0);
        sd_bus_message_unref(m);
}
END_TEST

START_TEST(test_variant_read_basic) {
        sd_bus_message *m = signal_from(PEER, NULL); /* "SubscriberIdentity", v(s) */
        const char *key, *v = NULL;
        uint32_t u;

        ck_assert_int_ge(sd_bus_message_read(m, "s", &key), 0);
        ck_assert_int_eq(bus_variant_read_basic(m, 'u', &u), 0); /* wrong type: untouched */
        ck_assert_int_eq(bus_variant_read_basic(m, 's', &v), 1);
        ck_assert_str_eq(v, "001019999999999");
        ck_assert_int_eq(bus_variant_read_basic(m, 's', &v), 0); /* at the end: nothing */
        sd_bus_message_unref(m);
}
END_TEST


/* ---- the other bounded readers ------------------------------------------------------------ */

/* A sealed message whose body has the signature `sig`, n elements built by add(). */
static sd_bus_message *array_message(const char *contents, unsigned n, void (*add)(sd_bus_message *, unsigned)) {
        sd_bus_message *m = NULL;

        ck_assert_int_ge(sd_bus_message_new_signal(bus, &m, "/", "org.example", "Array"), 0);
        ck_assert_int_ge(sd_bus_message_open_container(m, 'a', contents), 0);
        for (unsigned i = 0; i < n; i++)
                add(m, i);
        ck_assert_int_ge(sd_bus_message_close_container(m), 0);
        ck_assert_int_ge(sd_bus_message_seal(m, 1, 0), 0);
        return m;
}

static void add_object(sd_bus_message *m, unsigned i) {
        char path[32];

        snprintf(path, sizeof path, "/modem_%u", i);
        ck_assert_int_ge(sd_bus_message_append(m, "(oa{sv})", path, 2, "Index", "u", i, "Interfaces", "as", 2,
                                               "org.ofono.SimManager", i == 1 ? "org.ofono.PushNotification" : "x"),
                         0);
}

static void add_interface(sd_bus_message *m, unsigned i) {
        char iface[48];

        snprintf(iface, sizeof iface, "org.example.I%u", i);
        ck_assert_int_ge(sd_bus_message_append(m, "{sa{sv}}", iface, 1, "Index", "u", i), 0);
}

static void add_managed(sd_bus_message *m, unsigned i) {
        char path[32];

        snprintf(path, sizeof path, "/obj_%u", i);
        ck_assert_int_ge(sd_bus_message_append(m, "{oa{sa{sv}}}", path, 1, "org.example.I1", 1, "Index", "u", i), 0);
}

static void add_string(sd_bus_message *m, unsigned i) {
        char str[32];

        snprintf(str, sizeof str, "s%u", i);
        ck_assert_int_ge(sd_bus_message_append(m, "s", str), 0);
}

/* Sums Index of each element's a{sv}; counts calls; remembers the last key. */
static int index_entry(sd_bus_message *msg, const char *key, void *userdata) {
        Seen *s = userdata;
        uint32_t v;
        int r;

        if (strcmp(key, "Index") != 0)
                return 0;
        r = bus_variant_read_basic(msg, 'u', &v);
        if (r > 0)
                s->sum += v;
        return r;
}

static int object_entry(sd_bus_message *msg, const char *key, void *userdata) {
        Seen *s = userdata;
        char want[32];

        snprintf(want, sizeof want, "/modem_%u", s->calls);
        ck_assert_str_eq(key, want);
        if (s->calls++ % 2)
                return 0; /* left to the walk to skip */
        ck_assert_int_eq(bus_dict_read(msg, 2, index_entry, s), 0); /* read: 1 */
        return 1;
}

START_TEST(test_object_list_limit) {
        sd_bus_message *m = array_message("(oa{sv})", 4, add_object);
        Seen s = {};

        ck_assert_int_eq(bus_object_list_read(m, 4, object_entry, &s), 0); /* at the limit */
        ck_assert_uint_eq(s.calls, 4);
        ck_assert_uint_eq(s.sum, 0 + 2); /* objects 0 and 2 read, 1 and 3 skipped */
        ck_assert_int_eq(sd_bus_message_at_end(m, true), 1);
        sd_bus_message_unref(m);

        m = array_message("(oa{sv})", 5, add_object);
        s = (Seen) {};
        ck_assert_int_eq(bus_object_list_read(m, 4, object_entry, &s), -E2BIG); /* past it */
        ck_assert_uint_eq(s.calls, 4);
        sd_bus_message_unref(m);

        /* no callback: every object skipped whole */
        m = array_message("(oa{sv})", 3, add_object);
        ck_assert_int_eq(bus_object_list_read(m, 3, NULL, NULL), 0);
        ck_assert_int_eq(sd_bus_message_at_end(m, true), 1);
        sd_bus_message_unref(m);

        /* not that shape: an error, no callback */
        m = dict_message(2, false);
        s = (Seen) {};
        ck_assert_int_lt(bus_object_list_read(m, 4, object_entry, &s), 0);
        ck_assert_uint_eq(s.calls, 0);
        sd_bus_message_unref(m);
}
END_TEST

static int interface_entry(sd_bus_message *msg, const char *key, void *userdata) {
        Seen *s = userdata;
        int r;

        ck_assert(strncmp(key, "org.example.I", 13) == 0);
        if (strcmp(key, "org.example.I1") != 0) {
                s->calls++;
                return 0; /* skipped by the walk */
        }
        r = bus_dict_read(msg, 1, count_entry, s);
        return r < 0 ? r : 1;
}

START_TEST(test_interfaces_limit) {
        sd_bus_message *m = array_message("{sa{sv}}", 3, add_interface);
        Seen s = {};

        ck_assert_int_eq(bus_interfaces_read(m, 3, interface_entry, &s), 0);
        ck_assert_uint_eq(s.calls, 3);
        ck_assert_uint_eq(s.sum, 1); /* only I1's Index was read */
        ck_assert_int_eq(sd_bus_message_at_end(m, true), 1);
        sd_bus_message_unref(m);

        m = array_message("{sa{sv}}", 4, add_interface);
        s = (Seen) {};
        ck_assert_int_eq(bus_interfaces_read(m, 3, interface_entry, &s), -E2BIG);
        ck_assert_uint_eq(s.calls, 3);
        sd_bus_message_unref(m);
}
END_TEST

static int managed_entry(sd_bus_message *msg, const char *key, void *userdata) {
        Seen *s = userdata;
        Seen inner = {};
        int r;

        ck_assert(strncmp(key, "/obj_", 5) == 0);
        r = bus_interfaces_read(msg, 1, interface_entry, &inner);
        s->calls++;
        s->sum += inner.sum;
        return r < 0 ? r : 1;
}

START_TEST(test_managed_objects_limit) {
        sd_bus_message *m = array_message("{oa{sa{sv}}}", 6, add_managed);
        Seen s = {};

        ck_assert_int_eq(bus_managed_objects_read(m, 6, managed_entry, &s), 0);
        ck_assert_uint_eq(s.calls, 6);
        ck_assert_uint_eq(s.sum, 0 + 1 + 2 + 3 + 4 + 5);
        ck_assert_int_eq(sd_bus_message_at_end(m, true), 1);
        sd_bus_message_unref(m);

        m = array_message("{oa{sa{sv}}}", 7, add_managed);
        s = (Seen) {};
        ck_assert_int_eq(bus_managed_objects_read(m, 6, managed_entry, &s), -E2BIG);
        ck_assert_uint_eq(s.calls, 6);
        sd_bus_message_unref(m);

        m = array_message("{oa{sa{sv}}}", 2, add_managed);
        ck_assert_int_eq(bus_managed_objects_read(m, 2, NULL, NULL), 0);
        ck_assert_int_eq(sd_bus_message_at_end(m, true), 1);
        sd_bus_message_unref(m);
}
END_TEST

static int string_entry(sd_bus_message *msg, const char *str, void *userdata) {
        Seen *s = userdata;
        char want[32];

        snprintf(want, sizeof want, "s%u", s->calls++);
        ck_assert_str_eq(str, want);
        return 0;
}

START_TEST(test_strv_limit) {
        sd_bus_message *m = array_message("s", 5, add_string);
        Seen s = {};

        ck_assert_int_eq(bus_strv_read(m, 5, string_entry, &s), 0);
        ck_assert_uint_eq(s.calls, 5);
        ck_assert_int_eq(sd_bus_message_at_end(m, true), 1);
        sd_bus_message_unref(m);

        m = array_message("s", 6, add_string);
        s = (Seen) {};
        ck_assert_int_eq(bus_strv_read(m, 5, string_entry, &s), -E2BIG);
        ck_assert_uint_eq(s.calls, 5);
        sd_bus_message_unref(m);

        /* contains: the last string at the limit is found; past the limit nothing is */
        m = array_message("s", 5, add_string);
        ck_assert_int_eq(bus_strv_contains(m, 5, "s4"), 1);
        sd_bus_message_unref(m);
        m = array_message("s", 5, add_string);
        ck_assert_int_eq(bus_strv_contains(m, 5, "nope"), 0);
        sd_bus_message_unref(m);
        m = array_message("s", 6, add_string);
        ck_assert_int_eq(bus_strv_contains(m, 5, "s0"), -E2BIG);
        sd_bus_message_unref(m);
}
END_TEST

START_TEST(test_variant_strv_contains) {
        sd_bus_message *m = NULL;
        const char *key, *v = NULL;

        /* "Interfaces" -> v(as) with two names, then "Name" -> v(s) */
        ck_assert_int_ge(sd_bus_message_new_signal(bus, &m, "/", "org.example", "Props"), 0);
        ck_assert_int_ge(sd_bus_message_append(m, "svsv", "Interfaces", "as", 2, "org.ofono.SimManager",
                                               "org.ofono.PushNotification", "Name", "s", "modem"),
                         0);
        ck_assert_int_ge(sd_bus_message_seal(m, 1, 0), 0);
        ck_assert_int_ge(sd_bus_message_read(m, "s", &key), 0);
        ck_assert_int_eq(bus_variant_strv_contains(m, 1, "org.ofono.PushNotification"), -E2BIG); /* past */
        ck_assert_int_ge(sd_bus_message_rewind(m, true), 0);
        ck_assert_int_ge(sd_bus_message_read(m, "s", &key), 0);
        ck_assert_int_eq(bus_variant_strv_contains(m, 2, "org.ofono.PushNotification"), 1); /* at the limit */
        ck_assert_int_ge(sd_bus_message_read(m, "s", &key), 0);
        ck_assert_str_eq(key, "Name");
        /* a variant of another type: refused, not consumed */
        ck_assert_int_eq(bus_variant_strv_contains(m, 2, "x"), -EMEDIUMTYPE);
        ck_assert_int_eq(bus_variant_read_basic(m, 's', &v), 1);
        ck_assert_str_eq(v, "modem");
        sd_bus_message_unref(m);
}
END_TEST

START_TEST(test_watch_null_and_args) {
        BusWatch *w = NULL;

        ck_assert_ptr_null(bus_watch_owner(NULL));
        ck_assert(!bus_watch_signal_trusted(NULL, NULL));
        ck_assert(!bus_watch_sender_is_owner(NULL, NULL));
        ck_assert_ptr_null(bus_watch_free(NULL));
        ck_assert_int_eq(bus_watch_new(bus, ":1.5", NULL, NULL, &w), -EINVAL); /* unique names never move */
        ck_assert_int_eq(bus_watch_new(bus, "not a name", NULL, NULL, &w), -EINVAL);
        ck_assert_int_eq(bus_watch_new(NULL, "org.ofono", NULL, NULL, &w), -EINVAL);
        /* a peer watch follows one connection: unique names only */
        ck_assert_int_eq(bus_peer_watch_new(bus, "org.ofono", NULL, NULL, &w), -EINVAL);
        ck_assert_int_eq(bus_peer_watch_new(bus, ":not valid", NULL, NULL, &w), -EINVAL);
        ck_assert_int_eq(bus_peer_watch_new(NULL, ":1.5", NULL, NULL, &w), -EINVAL);
        ck_assert_ptr_null(w);
}
END_TEST

int main(void) {
        Suite *s = suite_create("buswatch");
        TCase *tc = tcase_create("/buswatch");

        tcase_add_checked_fixture(tc, setup, teardown);
        TU_ADD(tc, test_broadcast_from);
        TU_ADD(tc, test_from_driver);
        TU_ADD(tc, test_method_call_is_not_a_signal);
        TU_ADD(tc, test_dict_at_limit);
        TU_ADD(tc, test_dict_past_limit);
        TU_ADD(tc, test_dict_empty_and_skip);
        TU_ADD(tc, test_dict_wrong_type_skipped);
        TU_ADD(tc, test_dict_callback_error_stops);
        TU_ADD(tc, test_dict_not_a_dict);
        TU_ADD(tc, test_variant_read_basic);
        TU_ADD(tc, test_object_list_limit);
        TU_ADD(tc, test_interfaces_limit);
        TU_ADD(tc, test_managed_objects_limit);
        TU_ADD(tc, test_strv_limit);
        TU_ADD(tc, test_variant_strv_contains);
        TU_ADD(tc, test_watch_null_and_args);
        suite_add_tcase(s, tc);
        return tu_run(s);
}
