#!/usr/bin/env bash
# tier2.sh: rsible test lab, tier 2 (full Debian 12 hosts under systemd-nspawn).
#
# Boots N containers (default 4) with systemd as PID 1, sshd, apt and sudo:
# host i is machine t2-XX (XX = two-digit i) at 10.214.0.(10+i)/24 on the bridge
# rsbr1 (10.214.0.1/24). Each host's root is an overlayfs over a shared
# debootstrap base (with python3, which ansible-playbook needs on its targets, and
# curl, which get_url uses) cached at /var/cache/rsible-lab/base-bookworm-v3 (built
# once, kept across `down`; `down --purge` removes it). Older caches (base-bookworm,
# base-bookworm-py3) are never reused: they are removed when no overlay uses them. The only apt source inside is
# a local flat repository, <state>/repo bind-mounted read-only at /srv/repo
# (`deb [trusted=yes] file:/srv/repo ./`); `repo-refresh` rescans it after .deb
# files are dropped in. Each nspawn runs in its own cgroup (systemd and unified
# hierarchies) and inotify limits are raised: both are needed on this machine.
#
# Usage:
#   tier2.sh up [N]          build or repair the lab (idempotent), wait for boot
#   tier2.sh down [--purge]  stop containers, unmount, remove bridge, cgroups, state
#   tier2.sh status          one line per host plus a summary
#   tier2.sh repo-refresh    rebuild <state>/repo/Packages(.gz)
#   tier2.sh env             print export lines for tests
#   tier2.sh restart XX      rebuild and boot host t2-XX alone (fresh overlay)
#
# State: ${RSIBLE_LAB_DIR:-<repo>/lab-state}/tier2 (keys/, authorized_keys,
# known_hosts, known_hosts.hashed, hosts.ini, repo/, hosts/XX/{upper,work,root}).
# A host whose container is not running is rebuilt from a fresh overlay.
# Inside: root (keys only), rslab (password rslab-pass, sudo with password),
# rslab2 (password rslab2-pass, sudo NOPASSWD).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(git -C "$SCRIPT_DIR" rev-parse --show-toplevel 2>/dev/null || (cd "$SCRIPT_DIR/../.." && pwd))
LAB_DIR=${RSIBLE_LAB_DIR:-$REPO/lab-state}
STATE=$LAB_DIR/tier2
CACHE_DIR=/var/cache/rsible-lab
BASE=$CACHE_DIR/base-bookworm-v3
BASE_MARK=$BASE/.rsible-base-v3
OLD_BASES="$CACHE_DIR/base-bookworm $CACHE_DIR/base-bookworm-py3"   # never lower dirs again
BR=rsbr1
BR_ADDR=10.214.0.1
NET_PREFIX=10.214.0
CG_NAME=rsible-lab-t2
CG_V1=/sys/fs/cgroup/systemd/$CG_NAME
CG_V2=/sys/fs/cgroup/unified/$CG_NAME
DEFAULT_N=4

log() { printf 'tier2: %s\n' "$*" >&2; }
die() { printf 'tier2: error: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk "BEGIN{printf \"%.1f\", $(now) - $1}"; }

[ "$(id -u)" -eq 0 ] || die "must run as root"

# ---------------------------------------------------------------- packages
ensure_packages() {
    local missing=() p
    local -A bin=([debootstrap]=/usr/sbin/debootstrap [systemd-container]=/usr/bin/systemd-nspawn
                  [dpkg-dev]=/usr/bin/dpkg-scanpackages [openssh-client]=/usr/bin/ssh
                  [iproute2]=/usr/sbin/ip [sshpass]=/usr/bin/sshpass)
    for p in "${!bin[@]}"; do [ -x "${bin[$p]}" ] || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${missing[*]}"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >/dev/null; then
        apt-get update >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >/dev/null
    fi
}

# ---------------------------------------------------------------- helpers
addr_of() { echo "$NET_PREFIX.$((10 + 10#$1))"; }
hdir() { echo "$STATE/hosts/$1"; }

# running PID: exists and is not a zombie (PID 1 on this machine reaps late).
running() {
    local st
    st=$(cut -d' ' -f3 2>/dev/null </proc/"$1"/stat) || return 1
    [ "$st" != Z ]
}
nspawn_alive() {   # XX: the pid file names a live systemd-nspawn for t2-XX
    local pf; pf=$(hdir "$1")/nspawn.pid
    [ -s "$pf" ] || return 1
    local pid cmd; pid=$(cat "$pf")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
    [[ $cmd == *systemd-nspawn*" -M t2-$1 "* ]]
}

on_current_base() {   # XX: the host's mounted root is an overlay over $BASE (not an old base)
    awk -v m="$(hdir "$1")/root" -v l="lowerdir=$BASE" '$2 == m && $4 ~ l "(,|:|$)" {f = 1} END {exit !f}' /proc/mounts
}

existing_hosts() {   # XX of every host dir, cgroup or mounted root present now
    { ls "$STATE/hosts" 2>/dev/null
      find "$CG_V1" "$CG_V2" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null | sed -n 's/^t2-\([0-9][0-9]\)$/\1/p'
      awk -v p="$STATE/hosts/" 'index($2, p) == 1 {print $2}' /proc/mounts | sed -n 's|.*/hosts/\([0-9][0-9]\)/root$|\1|p'
    } | grep -E '^[0-9][0-9]$' | sort -u || true
}

mirror() {
    local m=""
    m=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    [ -n "$m" ] || m=$(awk '$1 == "deb" && $2 !~ /^\[/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    echo "${m:-http://deb.debian.org/debian}"
}

# ---------------------------------------------------------------- base image
drop_old_base() {   # older caches, unless a mounted overlay still reads one
    local old
    for old in $OLD_BASES; do
        [ -d "$old" ] || continue
        grep -q "lowerdir=${old}[,:]" /proc/mounts && continue
        rm -rf "$old" "$old.tmp"
        log "removed the old base cache $old"
    done
}

build_base() {
    drop_old_base
    [ -e "$BASE_MARK" ] && return 0
    local t0 tmp=$BASE.tmp m; t0=$(now); m=$(mirror)
    mkdir -p "$CACHE_DIR"
    rm -rf "$tmp"
    log "debootstrap bookworm from $m into $tmp (about a minute)"
    debootstrap --variant=minbase \
        --include=systemd,systemd-sysv,dbus,openssh-server,iproute2,sudo,ca-certificates,python3,curl \
        bookworm "$tmp" "$m" >"$CACHE_DIR/debootstrap.log" 2>&1 \
        || { tail -20 "$CACHE_DIR/debootstrap.log" >&2; die "debootstrap failed (log $CACHE_DIR/debootstrap.log)"; }

    # Identity: per host, written into each overlay.
    rm -f "$tmp"/etc/ssh/ssh_host_*
    : >"$tmp/etc/machine-id"
    rm -f "$tmp/var/lib/dbus/machine-id"
    echo localhost >"$tmp/etc/hostname"
    # Network: systemd-networkd, static address per host (80-container-host0.network).
    mkdir -p "$tmp/etc/systemd/system/multi-user.target.wants" "$tmp/etc/systemd/system/sockets.target.wants" \
             "$tmp/etc/systemd/system/network-online.target.wants"
    ln -sf /lib/systemd/system/systemd-networkd.service "$tmp/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
    ln -sf /lib/systemd/system/systemd-networkd.socket "$tmp/etc/systemd/system/sockets.target.wants/systemd-networkd.socket"
    ln -sf /lib/systemd/system/systemd-networkd-wait-online.service "$tmp/etc/systemd/system/network-online.target.wants/systemd-networkd-wait-online.service"
    # Quiet, fast boots: mask timers and gettys that do nothing useful here.
    local u
    for u in apt-daily.timer apt-daily-upgrade.timer apt-daily.service apt-daily-upgrade.service \
             e2scrub_all.timer e2scrub_all.service e2scrub_reap.service fstrim.timer fstrim.service \
             dpkg-db-backup.timer dpkg-db-backup.service getty@.service getty@tty1.service \
             console-getty.service serial-getty@.service container-getty@.service \
             systemd-timesyncd.service; do
        ln -sf /dev/null "$tmp/etc/systemd/system/$u"
    done
    # sshd
    mkdir -p "$tmp/etc/ssh/sshd_config.d"
    cat >"$tmp/etc/ssh/sshd_config.d/rsible-lab.conf" <<'EOF'
# rsible lab tier 2
PermitRootLogin prohibit-password
PasswordAuthentication yes
KbdInteractiveAuthentication no
MaxStartups 100:30:200
MaxSessions 20
AcceptEnv LANG LC_*
UseDNS no
EOF
    # apt: the local repository is the only source.
    rm -f "$tmp/etc/apt/sources.list" "$tmp"/etc/apt/sources.list.d/*
    echo 'deb [trusted=yes] file:/srv/repo ./' >"$tmp/etc/apt/sources.list.d/rsible-lab.list"
    mkdir -p "$tmp/srv/repo"
    chroot "$tmp" apt-get clean
    rm -rf "$tmp"/var/lib/apt/lists/*
    # Users.
    chroot "$tmp" useradd -m -s /bin/bash rslab
    chroot "$tmp" useradd -m -s /bin/bash rslab2
    printf 'rslab:rslab-pass\nrslab2:rslab2-pass\n' | chroot "$tmp" chpasswd
    printf 'rslab ALL=(ALL) ALL\nrslab2 ALL=(ALL) NOPASSWD: ALL\n' >"$tmp/etc/sudoers.d/rsible-lab"
    chmod 0440 "$tmp/etc/sudoers.d/rsible-lab"
    chroot "$tmp" visudo -cf /etc/sudoers.d/rsible-lab >/dev/null
    date -u +%FT%TZ >"$tmp/${BASE_MARK##*/}"
    rm -rf "$BASE"
    mv "$tmp" "$BASE"
    log "base built in $(since "$t0")s ($(du -sh "$BASE" | cut -f1))"
}

# ---------------------------------------------------------------- keys, repo
ensure_client_keys() {
    local k=$STATE/keys
    mkdir -p "$k"; chmod 700 "$k"
    [ -s "$k/id_ed25519" ]     || ssh-keygen -q -t ed25519 -N ''     -C rsible-lab2-ed25519 -f "$k/id_ed25519"
    [ -s "$k/id_rsa" ]         || ssh-keygen -q -t rsa -b 3072 -N '' -C rsible-lab2-rsa     -f "$k/id_rsa"
    [ -s "$k/id_ecdsa" ]       || ssh-keygen -q -t ecdsa -b 256 -N '' -C rsible-lab2-ecdsa  -f "$k/id_ecdsa"
    [ -s "$k/id_ed25519_enc" ] || ssh-keygen -q -t ed25519 -N labpass -C rsible-lab2-ed25519-enc -f "$k/id_ed25519_enc"
    cat "$k"/id_ed25519.pub "$k"/id_rsa.pub "$k"/id_ecdsa.pub "$k"/id_ed25519_enc.pub >"$STATE/authorized_keys"
    chmod 644 "$STATE/authorized_keys"
}

ensure_host_keys() {
    local xx d t pids=()
    for xx in "$@"; do
        d=$(hdir "$xx")/hostkeys; mkdir -p "$d"
        for t in ed25519 rsa ecdsa; do
            [ -s "$d/ssh_host_${t}_key" ] && [ -s "$d/ssh_host_${t}_key.pub" ] && continue
            rm -f "$d/ssh_host_${t}_key" "$d/ssh_host_${t}_key.pub"
            case $t in
                rsa) ssh-keygen -q -t rsa -b 3072 -N '' -C "root@t2-$xx" -f "$d/ssh_host_rsa_key" & ;;
                ecdsa) ssh-keygen -q -t ecdsa -b 256 -N '' -C "root@t2-$xx" -f "$d/ssh_host_ecdsa_key" & ;;
                *) ssh-keygen -q -t ed25519 -N '' -C "root@t2-$xx" -f "$d/ssh_host_ed25519_key" & ;;
            esac
            pids+=($!)
        done
    done
    local p; for p in "${pids[@]}"; do wait "$p"; done
}

repo_refresh() {
    local r=$STATE/repo
    mkdir -p "$r"
    (cd "$r" && dpkg-scanpackages --multiversion . /dev/null >Packages.tmp 2>/dev/null \
        && mv Packages.tmp Packages && gzip -9kf Packages)
}

write_known_hosts() {
    local n=$1 i xx t kh=$STATE/known_hosts
    : >"$kh.tmp"
    for ((i = 1; i <= n; i++)); do
        xx=$(printf '%02d' "$i")
        for t in ed25519 rsa ecdsa; do
            awk -v h="$(addr_of "$xx")" '{print h, $1, $2}' "$(hdir "$xx")/hostkeys/ssh_host_${t}_key.pub" >>"$kh.tmp"
        done
    done
    mv "$kh.tmp" "$kh"; chmod 644 "$kh"
    cp "$kh" "$kh.hashed"; ssh-keygen -q -H -f "$kh.hashed" >/dev/null 2>&1; rm -f "$kh.hashed.old"
    {
        echo "# rsible lab tier 2 (generated by scripts/lab/tier2.sh)"
        echo "[tier2]"
        for ((i = 1; i <= n; i++)); do
            xx=$(printf '%02d' "$i")
            echo "t2-$xx ansible_host=$(addr_of "$xx") ansible_user=root ansible_ssh_private_key_file=$STATE/keys/id_ed25519"
        done
    } >"$STATE/hosts.ini"
}

# ---------------------------------------------------------------- host lifecycle
sysctls() {
    local k v
    for kv in fs.inotify.max_user_instances=8192 fs.inotify.max_user_watches=1048576; do
        k=${kv%=*}; v=${kv#*=}
        [ "$(sysctl -n "$k")" -ge "$v" ] || sysctl -qw "$kv"
    done
}

ensure_bridge() {
    ip link show "$BR" >/dev/null 2>&1 || ip link add "$BR" type bridge
    [[ $(ip -o addr show dev "$BR") == *"inet $BR_ADDR/24"* ]] || ip addr add "$BR_ADDR/24" dev "$BR"
    ip link set "$BR" up
}

cg_kill() {   # XX: kill every process left in the host's cgroups, remove them
    local xx=$1 d pids=() i
    for i in 1 2 3 4 5 6 7 8 9 10; do
        mapfile -t pids < <(find "$CG_V1/t2-$xx" "$CG_V2/t2-$xx" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u)
        [ ${#pids[@]} -eq 0 ] && break
        kill -9 "${pids[@]}" 2>/dev/null || true
        sleep 0.2
    done
    for d in "$CG_V1/t2-$xx" "$CG_V2/t2-$xx"; do
        [ -d "$d" ] || continue
        # children first (nspawn/systemd inside create sub-cgroups)
        find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    done
}

stop_host() {   # XX: stop container, kill leftovers, unmount overlay
    local xx=$1 d pid i; d=$(hdir "$xx")
    if nspawn_alive "$xx"; then
        pid=$(cat "$d/nspawn.pid")
        kill -TERM "$pid" 2>/dev/null || true     # nspawn asks the container's systemd to power off
        for i in $(seq 50); do running "$pid" || break; sleep 0.1; done
    fi
    cg_kill "$xx"
    rm -f "$d/nspawn.pid"
    while mountpoint -q "$d/root" 2>/dev/null; do umount "$d/root" 2>/dev/null || umount -l "$d/root"; done
    ip link del "vb-t2-$xx" 2>/dev/null || true
}

prepare_root() {   # XX: fresh overlay with this host's identity
    local xx=$1 d a; d=$(hdir "$xx"); a=$(addr_of "$xx")
    rm -rf "$d/upper" "$d/work"
    mkdir -p "$d/upper" "$d/work" "$d/root"
    mount -t overlay overlay -o "lowerdir=$BASE,upperdir=$d/upper,workdir=$d/work" "$d/root"
    local r=$d/root
    echo "t2-$xx" >"$r/etc/hostname"
    printf '127.0.0.1 localhost\n127.0.1.1 t2-%s\n::1 localhost ip6-localhost ip6-loopback\n' "$xx" >"$r/etc/hosts"
    tr -d '-' </proc/sys/kernel/random/uuid >"$r/etc/machine-id"
    cp "$d"/hostkeys/ssh_host_* "$r/etc/ssh/"
    chmod 600 "$r"/etc/ssh/ssh_host_*_key
    mkdir -p "$r/etc/systemd/network"
    cat >"$r/etc/systemd/network/80-container-host0.network" <<EOF
[Match]
Name=host0
Virtualization=container

[Network]
Address=$a/24
Gateway=$BR_ADDR
LinkLocalAddressing=no
IPv6AcceptRA=no
EOF
    local home u
    for u in root rslab rslab2; do
        home=/home/$u; [ $u = root ] && home=/root
        install -d -m 700 "$r$home/.ssh"
        install -m 600 "$STATE/authorized_keys" "$r$home/.ssh/authorized_keys"
        [ $u = root ] || chroot "$r" chown -R "$u:$u" "$home/.ssh"
    done
}

start_host() {   # XX
    local xx=$1 d i; d=$(hdir "$xx")
    mkdir -p "$CG_V1/t2-$xx" "$CG_V2/t2-$xx"
    rm -f "$d/nspawn.pid"
    # Own cgroup per nspawn (trap 2): move the launching subshell there first. The subshell
    # supervises nspawn: a reboot inside the container makes nspawn exit 133, and the
    # subshell launches it again on the same root. Any other exit (poweroff, `down`'s TERM)
    # ends the loop. nspawn.pid always names the current nspawn; `down` kills the cgroup,
    # the supervisor included.
    (
        exec 9>&-     # do not hold the build lock for the container's lifetime
        echo "$BASHPID" >"$CG_V1/t2-$xx/cgroup.procs"
        echo "$BASHPID" >"$CG_V2/t2-$xx/cgroup.procs"
        while :; do
            # not a process-group leader here, so setsid execs in place: $! is nspawn
            setsid systemd-nspawn --boot -D "$d/root" -M "t2-$xx" --register=no --keep-unit \
                --console=passive --network-bridge="$BR" --bind-ro="$STATE/repo:/srv/repo" &
            echo $! >"$d/nspawn.pid"
            rc=0; wait $! || rc=$?
            [ "$rc" -eq 133 ] || break
            echo "tier2: t2-$xx rebooted (nspawn exit 133): starting it again"
        done
    ) </dev/null >"$d/console.log" 2>&1 &
    for i in $(seq 50); do [ -s "$d/nspawn.pid" ] && break; sleep 0.1; done
}

ssh_opts() {
    echo "-n -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=$STATE/known_hosts -o IdentitiesOnly=yes -o ConnectTimeout=3 -o LogLevel=ERROR -o KexAlgorithms=curve25519-sha256 -i $STATE/keys/id_ed25519"
}

wait_host() {   # XX: ssh answers, then systemd finished booting
    local xx=$1 a opts state t0 failed; a=$(addr_of "$xx"); opts=$(ssh_opts); t0=$(now)
    # shellcheck disable=SC2086
    until timeout 10 ssh $opts "root@$a" true 2>/dev/null; do
        nspawn_alive "$xx" || { tail -20 "$(hdir "$xx")/console.log" >&2; echo "t2-$xx: nspawn died"; return 1; }
        # (parenthesised: a bare `print a > 90` in awk writes to a file named 90)
        [ "$(awk "BEGIN{print (($(now) - $t0) > 90)}")" = 0 ] || { echo "t2-$xx: ssh timeout"; return 1; }
        sleep 0.5
    done
    # shellcheck disable=SC2086
    state=$(timeout 90 ssh $opts "root@$a" systemctl is-system-running --wait 2>/dev/null || true)
    case $state in
        running) echo "t2-$xx: running ($(since "$t0")s)" ;;
        degraded)
            # shellcheck disable=SC2086
            failed=$(ssh $opts "root@$a" systemctl --failed --no-legend --plain 2>/dev/null | awk '{print $1}' | tr '\n' ' ')
            echo "t2-$xx: degraded, failed units: $failed" ;;
        *) echo "t2-$xx: system state '$state'"; return 1 ;;
    esac
}

# ---------------------------------------------------------------- commands
cmd_up() {
    local n=${1:-$DEFAULT_N} i xx t0 all=() started=0
    if ! [[ $n =~ ^[0-9]+$ ]] || [ "$n" -lt 1 ] || [ "$n" -gt 99 ]; then die "N must be 1..99"; fi
    t0=$(now)
    ensure_packages
    sysctls
    mkdir -p "$CACHE_DIR"
    exec 9>"$CACHE_DIR/.lock"; flock 9
    build_base
    mkdir -p "$STATE/hosts"
    ensure_client_keys
    repo_refresh
    for xx in $(existing_hosts); do
        [ "$((10#$xx))" -gt "$n" ] && { stop_host "$xx"; rm -rf "$(hdir "$xx")"; }
    done
    for ((i = 1; i <= n; i++)); do all+=("$(printf '%02d' "$i")"); done
    ensure_host_keys "${all[@]}"
    write_known_hosts "$n"
    ensure_bridge
    mkdir -p "$CG_V1" "$CG_V2"
    for xx in "${all[@]}"; do
        nspawn_alive "$xx" && on_current_base "$xx" && continue
        stop_host "$xx"            # leftovers, or a host still on an old base: cgroup members, mounted overlay, veth
        prepare_root "$xx"
        start_host "$xx"
        started=$((started + 1))
    done
    echo "$n" >"$STATE/count"
    local rc=0 pids=()
    mkdir -p "$STATE/wait"
    for xx in "${all[@]}"; do wait_host "$xx" >"$STATE/wait/$xx" 2>&1 & pids+=($!); done
    for i in "${!pids[@]}"; do wait "${pids[$i]}" || rc=1; done
    cat "$STATE"/wait/* >&2; rm -rf "$STATE/wait"
    [ $rc -eq 0 ] || die "not all hosts came up"
    printf 'tier2: up: %d hosts (%d booted now) on %s (10.214.0.11-%s) ready; state %s; %ss\n' \
        "$n" "$started" "$BR" "$(addr_of "$(printf '%02d' "$n")")" "$STATE" "$(since "$t0")"
}

cmd_down() {
    local xx
    # Ask every container to power off at once, then clean up host by host.
    for xx in $(existing_hosts); do
        if nspawn_alive "$xx"; then kill -TERM "$(cat "$(hdir "$xx")/nspawn.pid")" 2>/dev/null || true; fi
    done
    for xx in $(existing_hosts); do stop_host "$xx"; done
    # any other leftover mount under the state dir
    awk -v p="$STATE/" 'index($2, p) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m" || true; done
    local cg
    for cg in "$CG_V1" "$CG_V2"; do
        if [ -d "$cg" ]; then find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null || true; fi
    done
    ip link del "$BR" 2>/dev/null || true
    rm -rf "${STATE:?}"
    rmdir "$LAB_DIR" 2>/dev/null || true
    if [ "${1:-}" = --purge ]; then
        # shellcheck disable=SC2086 # OLD_BASES is a list of paths without spaces
        rm -rf "$BASE" "$BASE.tmp" $OLD_BASES "$CACHE_DIR/debootstrap.log" "$CACHE_DIR/.lock"
        rmdir "$CACHE_DIR" 2>/dev/null || true
        log "down: removed everything including the base cache"
    else
        log "down: containers, overlays, cgroups, $BR and $STATE removed (base cache kept: $BASE)"
    fi
}

cmd_status() {
    local xx up=0 total=0 s
    [ -e "$BASE_MARK" ] && echo "base: $BASE (built $(cat "$BASE_MARK"))" || echo "base: not built"
    if ! ip link show "$BR" >/dev/null 2>&1; then echo "tier2: down (no $BR)"; return 0; fi
    for xx in $(existing_hosts); do
        total=$((total + 1))
        s=no; nspawn_alive "$xx" && { s=yes; up=$((up + 1)); }
        echo "t2-$xx $(addr_of "$xx") nspawn=$s root-mounted=$(mountpoint -q "$(hdir "$xx")/root" && echo yes || echo no)"
    done
    echo "tier2: $up/$total containers running; state $STATE"
}

cmd_env() {
    cat <<EOF
export RSIBLE_LAB_TIER2=$STATE
export RSIBLE_LAB_TIER2_INVENTORY=$STATE/hosts.ini
export RSIBLE_LAB_TIER2_KNOWN_HOSTS=$STATE/known_hosts
export RSIBLE_LAB_TIER2_KEY=$STATE/keys/id_ed25519
export RSIBLE_LAB_TIER2_REPO=$STATE/repo
export RSIBLE_LAB_TIER2_COUNT=$(cat "$STATE/count" 2>/dev/null || echo 0)
EOF
}

case ${1:-} in
    up) cmd_up "${2:-}" ;;
    down) cmd_down "${2:-}" ;;
    status) cmd_status ;;
    repo-refresh) [ -d "$STATE" ] || die "lab not up"; repo_refresh
        log "repo: $(grep -c '^Package:' "$STATE/repo/Packages" || true) package entries" ;;
    env) cmd_env ;;
    restart) [[ ${2:-} =~ ^[0-9][0-9]$ ]] || die "restart XX (two digits)"
        stop_host "$2"; prepare_root "$2"; start_host "$2"; wait_host "$2" ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
