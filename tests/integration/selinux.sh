#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# selinux.sh: the SELinux policy module (selinux/provboot.{te,fc,if}), checked offline against
# Debian's own policy (the kernel here need not have SELinux):
#   1. `make selinux` builds provboot.pp with the refpolicy devel Makefile;
#   2. it links and expands against Debian's base.pp plus the modules it uses (networkmanager,
#      modemmanager, unconfined) from selinux-policy-default -- expansion is where libsepol
#      checks every neverallow, so a clean expand proves the trust boundary holds;
#   3. negative controls: small extra modules that each grant one forbidden access must make
#      the expansion fail with "neverallow violated" (proves the neverallows are in force);
#   4. rule queries (setools, the library behind sesearch, run once for speed): the accesses
#      the daemons need are present, the forbidden ones absent (empty result = absent);
#   5. file contexts: every path `make install` (and install-selinux) creates, plus the
#      runtime paths of the units and tmpfiles.d, gets the expected label from base + this
#      module (matchpathcon against the combined file_contexts).
# selinux-policy-default is fetched once with `apt-get download` into $BUILD/cache/ (cached
# across runs). PROVBOOT_SELINUX_ALL_MODULES=1 additionally links all ~330 Debian modules
# (about a minute) to check the neverallows against the whole distribution policy.
# Needs (tools/deps.txt): selinux-policy-dev checkpolicy semodule-utils setools selinux-utils.
set -u
. "$(dirname "$0")/lib.sh"
WORK=$(mktemp -d /tmp/provboot-selinux.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
CACHE=$PB_BUILD/cache/selinux-policy-default
DEVEL_MK=/usr/share/selinux/devel/Makefile
PY=/usr/bin/python3     # setools is installed for Debian's python, not a pyenv one

missing=""
for t in make checkmodule semodule_package semodule_link semodule_expand semodule_unpackage \
        sesearch matchpathcon apt-get dpkg-deb bunzip2 $PY; do
        command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
[ -f "$DEVEL_MK" ] || missing="$missing $DEVEL_MK(selinux-policy-dev)"
$PY -c 'import setools' 2>/dev/null || missing="$missing python3-setools"
if [ -n "$missing" ]; then
        fail "tools missing (make deps installs them):$missing"
        pb_summary
        exit 1
fi

# 1. Build.
if make -s -C "$PB_TOP" BUILD="$PB_BUILD" selinux >"$WORK/build.log" 2>&1 && [ -s "$PB_BUILD/selinux/provboot.pp" ]; then
        ok "make selinux builds provboot.pp"
else
        fail "make selinux: $(tail -20 "$WORK/build.log")"
        pb_summary
        exit 1
fi
PP=$PB_BUILD/selinux/provboot.pp

# 2. Debian's policy, cached: base + the modules provboot.te refers to.
MODULES="networkmanager modemmanager unconfined"
fetch_policy() {
        local m d=$WORK/dl
        [ -s "$CACHE/base.pp" ] && [ -s "$CACHE/file_contexts.subs_dist" ] && return 0
        mkdir -p "$d"
        (cd "$d" && apt-get -q -o APT::Sandbox::User=root download selinux-policy-default) >"$d/log" 2>&1 ||
                { cat "$d/log"; return 1; }
        dpkg-deb -x "$d"/selinux-policy-default_*.deb "$d/root" || return 1
        rm -rf "$CACHE.new" && mkdir -p "$CACHE.new" || return 1
        for m in base $MODULES; do
                bunzip2 -c "$d/root/usr/share/selinux/default/$m.pp.bz2" >"$CACHE.new/$m.pp" || return 1
                (cd "$CACHE.new" && semodule_unpackage "$m.pp" "$m.mod" "$m.fc" && rm -f "$m.mod") || return 1
        done
        mkdir -p "$CACHE.new/all"
        for m in "$d"/root/usr/share/selinux/default/*.pp.bz2; do
                bunzip2 -c "$m" >"$CACHE.new/all/$(basename "$m" .bz2)" || return 1
        done
        cp "$d/root/etc/selinux/default/contexts/files/file_contexts.subs_dist" "$CACHE.new/" || return 1
        dpkg-deb -f "$d"/selinux-policy-default_*.deb Version >"$CACHE.new/VERSION"
        rm -rf "$CACHE" && mv "$CACHE.new" "$CACHE"
}
if fetch_policy; then
        ok "Debian base policy available (selinux-policy-default $(cat "$CACHE/VERSION"))"
else
        fail "could not fetch selinux-policy-default (apt-get download)"
        pb_summary
        exit 1
fi
LINK_SET=("$CACHE/base.pp")
for m in $MODULES; do LINK_SET+=("$CACHE/$m.pp"); done

# link_expand OUT-PREFIX EXTRA-PP...: link base + modules + provboot.pp + extras and expand.
link_expand() {
        local out=$1; shift
        semodule_link -o "$out.lnk" "${LINK_SET[@]}" "$PP" "$@" >"$out.log" 2>&1 &&
                semodule_expand "$out.lnk" "$out.bin" >>"$out.log" 2>&1
}
POL=$WORK/policy.bin
if link_expand "$WORK/policy"; then
        if grep -q "neverallow violated" "$WORK/policy.log"; then
                fail "expansion reported a neverallow violation: $(grep violated "$WORK/policy.log")"
        else
                ok "provboot.pp links and expands against Debian's base policy; every neverallow holds"
        fi
else
        fail "link/expand failed: $(grep -v 'loading package' "$WORK/policy.log" | tail -20)"
        pb_summary
        exit 1
fi

if [ -n "${PROVBOOT_SELINUX_ALL_MODULES:-}" ]; then
        if semodule_link -o "$WORK/all.lnk" "$CACHE/base.pp" $(ls "$CACHE"/all/*.pp | grep -v '/base\.pp$') "$PP" \
                >"$WORK/all.log" 2>&1 && semodule_expand "$WORK/all.lnk" "$WORK/all.bin" >>"$WORK/all.log" 2>&1; then
                ok "neverallows hold against all $(ls "$CACHE"/all/*.pp | wc -l) modules of selinux-policy-default"
        else
                fail "full Debian policy: $(grep -v 'loading package' "$WORK/all.log" | tail -20)"
        fi
fi

# 3. Negative controls: each extra module grants one forbidden access. They are linked all at
# once (libsepol reports every violation), so the expansion must fail and name each of them.
# Lines: description|require block|rule
negs=()
negpp=()
while IFS='|' read -r name req rule; do
        [ -n "$name" ] || continue
        n=$((${#negs[@]} + 1))
        negs+=("$name|$rule")
        printf 'module neg%d 1.0;\nrequire {\n%s\n}\n%s\n' "$n" "$req" "$rule" >"$WORK/neg$n.te"
        if checkmodule -M -m -o "$WORK/neg$n.mod" "$WORK/neg$n.te" >"$WORK/neg.log" 2>&1 &&
                semodule_package -o "$WORK/neg$n.pp" -m "$WORK/neg$n.mod" >>"$WORK/neg.log" 2>&1; then
                negpp+=("$WORK/neg$n.pp")
        else
                fail "negative control '$name' does not compile: $(cat "$WORK/neg.log")"
        fi
done <<'EOF'
provd reads the store|type provd_t; type verifierd_var_lib_t; class file { read open };|allow provd_t verifierd_var_lib_t:file { read open };
provd stats the store directory|type provd_t; type verifierd_var_lib_t; class dir getattr;|allow provd_t verifierd_var_lib_t:dir getattr;
provd reads verifierd's configuration (IMSI)|type provd_t; type verifierd_conf_t; class file { read open };|allow provd_t verifierd_conf_t:file { read open };
provd reads an unlabelled file in /etc/provboot|type provd_t; type provboot_conf_t; class file read;|allow provd_t provboot_conf_t:file read;
provd creates a TCP socket|type provd_t; class tcp_socket create;|allow provd_t self:tcp_socket create;
provd creates a UDP socket|type provd_t; class udp_socket create;|allow provd_t self:udp_socket create;
provd creates a netlink route socket|type provd_t; class netlink_route_socket create;|allow provd_t self:netlink_route_socket create;
provd creates a Qualcomm IPC router socket|type provd_t; class qipcrtr_socket create;|allow provd_t self:qipcrtr_socket create;
provd connects to a TCP port|type provd_t; type http_port_t; class tcp_socket name_connect;|allow provd_t http_port_t:tcp_socket name_connect;
provd writes a file in /etc|type provd_t; type etc_t; class file write;|allow provd_t etc_t:file write;
provd creates a file in /tmp|type provd_t; type tmp_t; class dir add_name;|allow provd_t tmp_t:dir add_name;
provd writes NetworkManager keyfiles|type provd_t; type NetworkManager_etc_rw_t; class file write;|allow provd_t NetworkManager_etc_rw_t:file write;
provd signals verifierd|type provd_t; type verifierd_t; class process signal;|allow provd_t verifierd_t:process signal;
provd connects to verifierd's socket|type provd_t; type verifierd_t; class unix_stream_socket connectto;|allow provd_t verifierd_t:unix_stream_socket connectto;
provd acquires a capability|type provd_t; class capability setuid;|allow provd_t self:capability setuid;
verifierd writes its configuration|type verifierd_t; type verifierd_conf_t; class file write;|allow verifierd_t verifierd_conf_t:file write;
verifierd acquires a capability|type verifierd_t; class capability dac_override;|allow verifierd_t self:capability dac_override;
verifierd writes NetworkManager keyfiles itself|type verifierd_t; type NetworkManager_etc_rw_t; class file write;|allow verifierd_t NetworkManager_etc_rw_t:file write;
provboot-nm-writer acquires a capability|type provboot_nm_writer_t; class capability dac_override;|allow provboot_nm_writer_t self:capability dac_override;
provboot-nm-writer writes the store|type provboot_nm_writer_t; type verifierd_var_lib_t; class file write;|allow provboot_nm_writer_t verifierd_var_lib_t:file write;
provboot-nm-writer creates a TCP socket|type provboot_nm_writer_t; class tcp_socket create;|allow provboot_nm_writer_t self:tcp_socket create;
EOF
if link_expand "$WORK/neg" "${negpp[@]}"; then
        fail "the policy with ${#negpp[@]} forbidden grants expanded: neverallows are not in force"
else
        for e in "${negs[@]}"; do
                name=${e%%|*} rule=${e#*|}
                src=$(awk '{ print $2 }' <<<"$rule")
                tgt=$(awk '{ sub(/:.*/, "", $3); print $3 }' <<<"$rule")
                cls=$(awk '{ sub(/^[^:]*:/, "", $3); print $3 }' <<<"$rule")
                [ "$tgt" != self ] || tgt=$src
                if grep -q "neverallow violated by allow $src $tgt:$cls " "$WORK/neg.log"; then
                        ok "neverallow catches: $name"
                else
                        fail "neverallow did not catch: $name ($rule)"
                fi
        done
fi

# 4. Rule queries on the expanded policy (sesearch semantics: attributes expanded, conditional
# rules included whatever the boolean's value). Prints "PASS|desc" or "FAIL|desc|detail".
cat >"$WORK/query.py" <<'PYEOF'
import sys
import setools

p = setools.SELinuxPolicy(sys.argv[1])


def q(ruletype="allow", **kw):
    kw.setdefault("source_indirect", True)
    kw.setdefault("target_indirect", True)
    return list(setools.TERuleQuery(p, ruletype=[ruletype], **kw).results())


def result(ok, desc, detail=""):
    print(("PASS|%s" % desc) if ok else ("FAIL|%s|%s" % (desc, detail.replace("\n", "; "))))


def present(desc, perms=None, **kw):
    """Rules matching kw together grant every permission in perms (all of them, not any)."""
    r = q(**kw)
    have = set()
    for x in r:
        have |= set(x.perms) if hasattr(x, "perms") else set()
    need = set(perms or ())
    result(bool(r) and need <= have, desc, "missing %s" % " ".join(sorted(need - have)) if r else "no rule")


def absent(desc, **kw):
    r = q(**kw)
    result(not r, desc, "\n".join(str(x) for x in r))


def targets(desc, allowed, **kw):
    """Every target type of the matching rules, attributes expanded, is in allowed."""
    bad = []
    for r in q(**kw):
        for t in (r.target.expand() if hasattr(r.target, "expand") else [r.target]):
            if str(t) not in allowed:
                bad.append("%s (%s)" % (t, r))
    result(not bad, desc, "\n".join(sorted(set(bad))))


def perms(*ps):
    return set(ps)


# Domain entry from init (init_daemon_domain) and the executables' labels.
for d in ("provd", "verifierd"):
    tt = q("type_transition", source="init_t", target="%s_exec_t" % d, tclass=["process"])
    result(any(str(r.default) == "%s_t" % d for r in tt),
           "init_t -> %s_exec_t transitions to %s_t" % (d, d), "\n".join(map(str, tt)) or "no type_transition")
    present("init_t may transition to %s_t" % d, source="init_t", target="%s_t" % d,
            tclass=["process"], perms=perms("transition"))
    present("%s_exec_t is the entrypoint of %s_t" % (d, d), source="%s_t" % d, target="%s_exec_t" % d,
            tclass=["file"], perms=perms("entrypoint"))

# D-Bus: each daemon is a system bus client; they exchange send_msg both ways, and nothing else.
for d in ("provd_t", "verifierd_t"):
    present("%s connects to the system bus" % d, source=d, target="system_dbusd_t",
            tclass=["unix_stream_socket"], perms=perms("connectto"))
    present("%s may own a bus name" % d, source=d, target="system_dbusd_t", tclass=["dbus"], perms=perms("acquire_svc"))
    present("the bus may deliver to %s" % d, source="system_dbusd_t", target=d, tclass=["dbus"], perms=perms("send_msg"))
    present("%s talks to ModemManager" % d, source=d, target="modemmanager_t", tclass=["dbus"], perms=perms("send_msg"))
    present("%s talks to oFono (initrc_t)" % d, source=d, target="initrc_t", tclass=["dbus"], perms=perms("send_msg"))
    present("provctl (unconfined_t) may call %s" % d, source="unconfined_t", target=d, tclass=["dbus"], perms=perms("send_msg"))
    present("%s may answer provctl (unconfined_t)" % d, source=d, target="unconfined_t", tclass=["dbus"], perms=perms("send_msg"))
present("provd_t may send_msg to verifierd_t", source="provd_t", target="verifierd_t", tclass=["dbus"], perms=perms("send_msg"))
present("verifierd_t may send_msg to provd_t", source="verifierd_t", target="provd_t", tclass=["dbus"], perms=perms("send_msg"))
for s, t in (("provd_t", "verifierd_t"), ("verifierd_t", "provd_t")):
    rs = [r for r in q(source=s, target=t)]
    only = all(str(r.tclass) == "dbus" and set(r.perms) == {"send_msg"} for r in rs)
    result(only and rs, "%s -> %s: dbus send_msg and nothing else" % (s, t), "\n".join(map(str, rs)))
    absent("no type transition %s -> %s" % (s, t), ruletype="type_transition", source=s, default=t)

# verifierd: configuration, store, runtime, export target.
present("verifierd_t reads its configuration", source="verifierd_t", target="verifierd_conf_t",
        tclass=["file"], perms=perms("read", "open"))
present("verifierd_t reads certificates below /etc/ssl/certs (certs.d File=)", source="verifierd_t", target="cert_t",
        tclass=["file"], perms=perms("read", "open"))
present("verifierd_t reads unlabelled configuration files", source="verifierd_t", target="provboot_conf_t",
        tclass=["file"], perms=perms("read", "open"))
present("verifierd_t manages store files", source="verifierd_t", target="verifierd_var_lib_t",
        tclass=["file"], perms=perms("create", "write", "rename", "unlink", "lock", "map"))
present("verifierd_t manages store directories", source="verifierd_t", target="verifierd_var_lib_t",
        tclass=["dir"], perms=perms("create", "add_name", "remove_name", "write"))
present("verifierd_t manages its runtime directory", source="verifierd_t", target="verifierd_runtime_t",
        tclass=["file"], perms=perms("create", "write", "unlink"))
present("provboot_nm_writer_t searches /etc/NetworkManager", source="provboot_nm_writer_t", target="NetworkManager_etc_t",
        tclass=["dir"], perms=perms("search"))
present("provboot_nm_writer_t writes NetworkManager keyfiles (create, write, rename, unlink)", source="provboot_nm_writer_t",
        target="NetworkManager_etc_rw_t", tclass=["file"], perms=perms("create", "write", "rename", "unlink"))
present("provboot_nm_writer_t adds names in system-connections", source="provboot_nm_writer_t", target="NetworkManager_etc_rw_t",
        tclass=["dir"], perms=perms("add_name", "remove_name", "write"))
present("provboot_nm_writer_t accepts on the socket systemd passes", source="provboot_nm_writer_t", target="init_t",
        tclass=["unix_stream_socket"], perms=perms("accept", "read", "write"))
present("verifierd_t connects to provboot-nm-writer's socket", source="verifierd_t",
        target="provboot_nm_writer_runtime_t", tclass=["sock_file"], perms=perms("write"))
absent("verifierd_t never writes NetworkManager keyfiles itself (issue 14)", source="verifierd_t",
       target="NetworkManager_etc_rw_t", tclass=["file", "dir", "lnk_file"],
       perms=perms("write", "append", "create", "unlink", "rename", "add_name", "remove_name"))
absent("provboot_nm_writer_t holds no capability", source="provboot_nm_writer_t",
       tclass=["capability", "capability2", "cap_userns", "cap2_userns"])
absent("verifierd_t never writes its configuration", source="verifierd_t",
       target="verifierd_conf_t", tclass=["file", "dir", "lnk_file"],
       perms=perms("write", "append", "create", "unlink", "rename", "add_name", "remove_name"))
absent("verifierd_t holds no capability", source="verifierd_t", tclass=["capability", "capability2", "cap_userns", "cap2_userns"])

# provd: its configuration, its runtime directory, nothing of verifierd's.
present("provd_t reads provd.conf", source="provd_t", target="provd_conf_t", tclass=["file"], perms=perms("read", "open"))
present("provd_t manages its quarantine (runtime dir)", source="provd_t", target="provd_runtime_t",
        tclass=["file"], perms=perms("create", "write", "unlink", "rename"))
present("provd_t searches the configuration roots", source="provd_t", target="provboot_conf_t",
        tclass=["dir"], perms=perms("search"))
for t in ("verifierd_var_lib_t", "verifierd_conf_t", "verifierd_runtime_t"):
    absent("provd_t has no access at all to %s" % t, source="provd_t", target=t)
absent("provd_t cannot read files labelled provboot_conf_t", source="provd_t", target="provboot_conf_t",
       tclass=["file", "lnk_file"])
absent("provd_t has no access to NetworkManager keyfiles", source="provd_t", target="NetworkManager_etc_rw_t")
absent("provd_t holds no capability", source="provd_t", tclass=["capability", "capability2", "cap_userns", "cap2_userns"])
absent("provd_t cannot signal or ptrace verifierd_t", source="provd_t", target="verifierd_t", tclass=["process", "process2"])

NET = ["socket", "tcp_socket", "udp_socket", "rawip_socket", "sctp_socket", "dccp_socket", "icmp_socket",
       "packet_socket", "key_socket", "netlink_socket", "netlink_route_socket", "netlink_generic_socket",
       "netlink_kobject_uevent_socket", "netlink_audit_socket", "netlink_netfilter_socket", "netlink_xfrm_socket",
       "netlink_selinux_socket", "netlink_crypto_socket", "bluetooth_socket", "qipcrtr_socket", "vsock_socket",
       "xdp_socket", "tun_socket", "alg_socket", "kcm_socket", "smc_socket", "mctp_socket", "nfc_socket"]
absent("provd_t creates/binds/connects no network socket (any family but AF_UNIX)", source="provd_t", tclass=NET,
       perms=perms("create", "bind", "connect", "listen", "accept"))
absent("provd_t has no permission on its own network sockets", source="provd_t", target="provd_t",
       source_indirect=False, target_indirect=False, tclass=NET)
absent("provd_t has no name_connect/name_bind on any port", source="provd_t",
       tclass=["tcp_socket", "udp_socket", "sctp_socket", "dccp_socket"], perms=perms("name_connect", "name_bind"))
absent("provd_t has no node_bind", source="provd_t", tclass=["tcp_socket", "udp_socket", "rawip_socket", "icmp_socket"],
       perms=perms("node_bind"))

WRITE = perms("write", "append", "create", "setattr", "unlink", "link", "rename", "relabelfrom", "relabelto")
# Writable by provd: its runtime directory; /proc/self (its own type); the memfd systemd hands
# over; pipes it inherits from systemd or an init script (stdout/stderr) or creates itself.
targets("provd_t writes only its runtime directory (files)", {"provd_runtime_t", "provd_t", "init_tmpfs_t"},
        source="provd_t", tclass=["file", "lnk_file"], perms=WRITE)
targets("provd_t writes only inherited or own pipes and fifos in its runtime directory",
        {"provd_runtime_t", "provd_t", "init_t", "initrc_t"}, source="provd_t", tclass=["fifo_file"], perms=WRITE)
targets("provd_t changes only its runtime directory (directories)", {"provd_runtime_t"},
        source="provd_t", tclass=["dir"], perms=perms("write", "add_name", "remove_name", "create", "rmdir",
                                                     "reparent", "rename", "setattr"))
targets("provd_t connects only to the bus, journal and notify sockets",
        {"system_dbusd_runtime_t", "devlog_t", "syslogd_runtime_t", "init_runtime_t", "provd_runtime_t"},
        source="provd_t", tclass=["sock_file"], perms=perms("write"))

# Who writes the export target, among the provboot domains: provboot_nm_writer_t only (issue 14).
w = {str(t) for r in q(target="NetworkManager_etc_rw_t", tclass=["file"], perms=perms("write"))
     for t in (r.source.expand() if hasattr(r.source, "expand") else [r.source])}
result("provboot_nm_writer_t" in w and "provd_t" not in w and "verifierd_t" not in w,
       "of the provboot domains only provboot_nm_writer_t writes NetworkManager keyfiles", ", ".join(sorted(w)))
PYEOF
if $PY "$WORK/query.py" "$POL" >"$WORK/query.out" 2>&1; then :; else
        fail "rule query script failed: $(tail -5 "$WORK/query.out")"
fi
while IFS='|' read -r st desc detail; do
        case $st in
        PASS) ok "$desc" ;;
        FAIL) fail "$desc: $detail" ;;
        esac
done <"$WORK/query.out"

# 5. File contexts of every installed and runtime path.
ROOT=$WORK/root
if make -s -C "$PB_TOP" BUILD="$PB_BUILD" install install-selinux DESTDIR="$ROOT" PREFIX=/usr >"$WORK/install.log" 2>&1; then
        ok "make install / install-selinux into a staging root"
else
        fail "make install (file contexts not checked): $(tail -10 "$WORK/install.log")"
        pb_summary
        exit 1
fi
mkdir -p "$WORK/fc"
(cd "$WORK" && semodule_unpackage "$PP" provboot.mod provboot.fc) >/dev/null 2>&1
cat "$CACHE/base.fc" "$CACHE/networkmanager.fc" "$CACHE/modemmanager.fc" "$WORK/provboot.fc" >"$WORK/fc/file_contexts"
cp "$CACHE/file_contexts.subs_dist" "$WORK/fc/"

paths=()
while IFS= read -r p; do paths+=("${p#"$ROOT"}"); done < <(find "$ROOT" -mindepth 1 | sort)
# Runtime paths: tmpfiles.d "d" lines, the units' State/Runtime/ConfigurationDirectory=.
while read -r typ path _; do
        case $typ in d | D) paths+=("$path") ;; esac
done < <(grep -v '^#' "$PB_TOP/packaging/tmpfiles/provboot.conf")
for u in "$PB_TOP"/packaging/systemd/*.service.in; do
        for kv in $(grep -E '^(StateDirectory|RuntimeDirectory|ConfigurationDirectory)=' "$u"); do
                k=${kv%%=*}
                for v in ${kv#*=}; do
                        case $k in
                        StateDirectory) paths+=("/var/lib/$v") ;;
                        RuntimeDirectory) paths+=("/run/$v" "/run/${v%%/*}") ;;
                        ConfigurationDirectory) paths+=("/etc/$v") ;;
                        esac
                done
        done
done
# Files the daemons and the administrator create at run time.
paths+=(/var/lib/provboot/store.db /var/lib/provboot/store.db-wal /run/provboot/provd/quarantine
        /etc/provboot/verifierd.conf /etc/provboot/verifierd.conf.d/50-enable.conf
        /etc/provboot/metabase.d/10-local.conf /etc/provboot/provd.conf /etc/provboot/provd.conf.d/10-x.conf
        /run/provboot/verifierd.conf.d/10-x.conf /run/provboot/verifierd/scratch
        /etc/provboot/certs.d/corp.conf /etc/provboot/certs/corp.pem /usr/lib/provboot/certs.d/vendor.conf
        /etc/NetworkManager/system-connections/provboot-apn.nmconnection /run/provboot/nm-writer.socket)

expect() { # expect PATH -> expected type ("" = anything but an unlabelled/default type)
        case $1 in
        /usr/libexec/provboot/provd) echo provd_exec_t ;;
        /usr/libexec/provboot/verifierd) echo verifierd_exec_t ;;
        /usr/libexec/provboot/provboot-nm-writer) echo provboot_nm_writer_exec_t ;;
        /run/provboot/nm-writer.socket) echo provboot_nm_writer_runtime_t ;;
        /usr/libexec/provboot) echo bin_t ;;
        /usr/bin/provctl) echo bin_t ;;
        */provboot/verifierd.conf | */provboot/verifierd.conf.d | */provboot/verifierd.conf.d/* | \
                */provboot/metabase.conf | */provboot/metabase.d | */provboot/metabase.d/* | \
                */provboot/certs.d | */provboot/certs.d/* | */provboot/certs | */provboot/certs/*)
                case $1 in /usr/lib/* | /etc/* | /run/*) echo verifierd_conf_t ;; esac ;;
        */provboot/provd.conf | */provboot/provd.conf.d | */provboot/provd.conf.d/*)
                case $1 in /usr/lib/* | /etc/* | /run/*) echo provd_conf_t ;; esac ;;
        /run/provboot/provd | /run/provboot/provd/*) echo provd_runtime_t ;;
        /run/provboot/verifierd | /run/provboot/verifierd/*) echo verifierd_runtime_t ;;
        /usr/lib/provboot | /etc/provboot | /run/provboot) echo provboot_conf_t ;;
        /var/lib/provboot | /var/lib/provboot/*) echo verifierd_var_lib_t ;;
        /lib/systemd/system/*.service | /usr/lib/systemd/system/*.service) echo systemd_unit_t ;;
        /usr/share/man/*) echo man_t ;;
        /etc/NetworkManager/system-connections/*) echo NetworkManager_etc_rw_t ;;
        *) echo "" ;;
        esac
}
matchpathcon -f "$WORK/fc/file_contexts" "${paths[@]}" >"$WORK/labels" 2>"$WORK/labels.err"
nbad=0
declare -A seen=()
while IFS=$'\t' read -r path ctx; do
        [ -n "${seen[$path]:-}" ] && continue
        seen[$path]=1
        t=$(cut -d: -f3 <<<"$ctx")
        e=$(expect "$path")
        if [ -n "$e" ] && [ "$t" != "$e" ]; then
                fail "label of $path is $t, expected $e"; nbad=$((nbad + 1))
        elif [ -z "$e" ] && case $t in default_t | unlabeled_t | file_t | "" | *none*) true ;; *) false ;; esac; then
                fail "label of $path is '$t' (unlabelled)"; nbad=$((nbad + 1))
        fi
done < <(sed 's/[[:space:]]\+/\t/' "$WORK/labels")
nlab=$(wc -l <"$WORK/labels")
if [ "$nlab" -ge "${#paths[@]}" ] && [ "$nbad" -eq 0 ] && [ ! -s "$WORK/labels.err" ]; then
        ok "file contexts: all ${#paths[@]} installed and runtime paths labelled as expected"
elif [ "$nlab" -lt "${#paths[@]}" ] || [ -s "$WORK/labels.err" ]; then
        fail "matchpathcon answered for $nlab of ${#paths[@]} paths: $(head -5 "$WORK/labels.err")"
fi

pb_summary
