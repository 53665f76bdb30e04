#!/usr/bin/env bash
# tier1.sh: rsible test lab, tier 1 (network namespaces, one sshd each).
#
# Builds N lightweight "hosts" (default 24): host i is network namespace
# rsible-t1-XX (XX = i, at least two digits) with eth0 on the bridge rsbr0
# (10.213.0.1/16): hosts 1-200 at 10.213.0.(10+i), then 200 per /24 (host 201 is
# 10.213.1.11), up to 1000 hosts for the benchmarks. Default route via 10.213.0.1,
# and its own sshd on port 22. Host 01 runs a second sshd on port 2222. The hosts share this machine's
# filesystem and /etc/passwd, so file tests must use per-host paths.
#
# Usage:
#   tier1.sh up [N]          build or repair the lab (idempotent), check all hosts
#   tier1.sh down            kill the sshds, delete namespaces, veths, bridge, state
#   tier1.sh status          one line per host plus a summary
#   tier1.sh stop-sshd HOST  stop one host's sshd (HOST: t1-05 or 05)
#   tier1.sh start-sshd HOST start it again
#   tier1.sh env             print export lines for tests
#
# State: ${RSIBLE_LAB_DIR:-<repo>/lab-state}/tier1 (keys/, authorized_keys,
# known_hosts, known_hosts.hashed, hosts.ini, hosts/XX/). Lab users rslab
# (password rslab-pass, sudo with password), rslab2 (password rslab2-pass,
# sudo NOPASSWD) and rsslow (bash with a slow ~/.bashrc, sudo NOPASSWD: the benchmark's slow
# login) are created on the machine and stay after `down`.
# `up` rebuilds from any leftover state (dead pids, stale pid files, existing
# namespaces, veths or bridge). All traffic stays on rsbr0.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(git -C "$SCRIPT_DIR" rev-parse --show-toplevel 2>/dev/null || (cd "$SCRIPT_DIR/../.." && pwd))
LAB_DIR=${RSIBLE_LAB_DIR:-$REPO/lab-state}
STATE=$LAB_DIR/tier1
BR=rsbr0
BR_ADDR=10.213.0.1
NET_PREFIX=10.213
MAX_N=1000
RSA_HOSTS=24               # hosts beyond this get no RSA host key (keygen time at scale)
NS_PREFIX=rsible-t1-
VETH_PREFIX=rs1h-          # host-side veth name: rs1h-XX
EXTRA_PORT=2222            # second sshd on host 01
DEFAULT_N=24
USERS_PASS_RSLAB=rslab-pass
USERS_PASS_RSLAB2=rslab2-pass

log() { printf 'tier1: %s\n' "$*" >&2; }
die() { printf 'tier1: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root"

# ---------------------------------------------------------------- packages
ensure_packages() {
    local missing=() p
    local -A bin=([openssh-server]=/usr/sbin/sshd [openssh-client]=/usr/bin/ssh
                  [iproute2]=/usr/sbin/ip [sudo]=/usr/bin/sudo [sshpass]=/usr/bin/sshpass)
    for p in "${!bin[@]}"; do [ -x "${bin[$p]}" ] || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${missing[*]}"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >/dev/null; then
        apt-get update >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >/dev/null
    fi
}

# ---------------------------------------------------------------- helpers
# norm_host t1-05|05|5 -> 05
norm_host() {
    local h=${1#t1-}
    h=${h#"$NS_PREFIX"}
    [[ $h =~ ^[0-9]+$ ]] || die "bad host name: $1"
    printf '%02d' "$((10#$h))"
}
addr_of() { local i=$((10#$1 - 1)); echo "$NET_PREFIX.$((i / 200)).$((11 + i % 200))"; }
ns_exists() { [ -e "/run/netns/$1" ] && ip netns exec "$1" true 2>/dev/null; }

# running PID: exists and is not a zombie (PID 1 on this machine reaps late).
running() {
    local st
    st=$(cut -d' ' -f3 2>/dev/null </proc/"$1"/stat) || return 1
    [ "$st" != Z ]
}
# pid_alive PIDFILE CONFIG: the pid in PIDFILE is a live sshd using CONFIG
pid_alive() {
    local pf=$1 cfg=$2 pid
    [ -s "$pf" ] || return 1
    pid=$(cat "$pf" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [ -r "/proc/$pid/cmdline" ] || return 1
    # No `grep -q` in pipelines here: with pipefail its early exit can SIGPIPE
    # the writer and turn a match into a failure.
    local cmd; cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
    [[ $cmd == *"-f $cfg "* ]]
}

existing_hosts() {   # XX of every lab namespace or host veth present now
    { ip netns list 2>/dev/null | awk '{print $1}' | sed -n "s/^$NS_PREFIX\([0-9][0-9][0-9]*\)\$/\1/p"
      ip -o link show 2>/dev/null | sed -n "s/^[0-9]*: $VETH_PREFIX\([0-9][0-9][0-9]*\)[@:].*/\1/p"
    } | sort -u
}

# ---------------------------------------------------------------- users
ensure_users() {
    if ! id rslab >/dev/null 2>&1; then
        useradd -m -d /home/rslab -s /bin/sh rslab
    fi
    if ! id rslab2 >/dev/null 2>&1; then
        useradd -m -d /home/rslab2 -s /bin/sh rslab2
    fi
    # rsslow: the benchmark's "slow login" (bench/lab.py): bash as login shell, and a ~/.bashrc
    # that costs about 100 ms of CPU, as a version manager's init does on real hosts. bash
    # reads ~/.bashrc for every command sshd starts, interactive or not.
    if ! id rsslow >/dev/null 2>&1; then
        useradd -m -d /home/rsslow -s /bin/bash rsslow
    fi
    local rc='# rsible lab: about 100 ms of CPU per shell start, as a version manager init costs.
i=0; while [ "$i" -lt 25000 ]; do i=$((i + 1)); done; unset i'
    if [ "$(cat /home/rsslow/.bashrc 2>/dev/null)" != "$rc" ]; then
        printf '%s\n' "$rc" >/home/rsslow/.bashrc
        chown rsslow: /home/rsslow/.bashrc
    fi
    # Set passwords every time (cheap; repairs a locked account: with UsePAM no
    # sshd refuses even key logins for accounts whose hash starts with '!').
    printf 'rslab:%s\nrslab2:%s\nrsslow:%s\n' "$USERS_PASS_RSLAB" "$USERS_PASS_RSLAB2" \
        "$USERS_PASS_RSLAB2" | chpasswd
    local sf=/etc/sudoers.d/rsible-lab
    local want='rslab ALL=(ALL) ALL
rslab2 ALL=(ALL) NOPASSWD: ALL
rsslow ALL=(ALL) NOPASSWD: ALL'
    if [ "$(cat "$sf" 2>/dev/null)" != "$want" ]; then
        printf '%s\n' "$want" >"$sf.tmp"
        chmod 0440 "$sf.tmp"
        visudo -cf "$sf.tmp" >/dev/null || die "sudoers check failed"
        mv "$sf.tmp" "$sf"
    fi
}

# ---------------------------------------------------------------- keys
ensure_client_keys() {
    local k=$STATE/keys
    mkdir -p "$k"; chmod 700 "$k"
    [ -s "$k/id_ed25519" ]     || ssh-keygen -q -t ed25519 -N ''     -C rsible-lab-ed25519 -f "$k/id_ed25519"
    [ -s "$k/id_rsa" ]         || ssh-keygen -q -t rsa -b 3072 -N '' -C rsible-lab-rsa     -f "$k/id_rsa"
    [ -s "$k/id_ecdsa" ]       || ssh-keygen -q -t ecdsa -b 256 -N '' -C rsible-lab-ecdsa  -f "$k/id_ecdsa"
    [ -s "$k/id_ed25519_enc" ] || ssh-keygen -q -t ed25519 -N labpass -C rsible-lab-ed25519-enc -f "$k/id_ed25519_enc"
    cat "$k"/id_ed25519.pub "$k"/id_rsa.pub "$k"/id_ecdsa.pub "$k"/id_ed25519_enc.pub >"$STATE/authorized_keys.tmp"
    chmod 644 "$STATE/authorized_keys.tmp"
    mv "$STATE/authorized_keys.tmp" "$STATE/authorized_keys"
    # Non-root lab users read the file as themselves: the path must be traversable.
    chmod 755 "$STATE" "$LAB_DIR"
}

ensure_host_keys() {   # in parallel, only the missing ones
    local xx d t pids=()
    for xx in "$@"; do
        d=$STATE/hosts/$xx
        mkdir -p "$d"
        for t in ed25519 rsa ecdsa; do
            [ "$t" != rsa ] || [ "$((10#$xx))" -le "$RSA_HOSTS" ] || continue
            if [ ! -s "$d/ssh_host_${t}_key" ] || [ ! -s "$d/ssh_host_${t}_key.pub" ]; then
                rm -f "$d/ssh_host_${t}_key" "$d/ssh_host_${t}_key.pub"
                case $t in
                    rsa) ssh-keygen -q -t rsa -b 3072 -N '' -C "t1-$xx" -f "$d/ssh_host_rsa_key" & ;;
                    ecdsa) ssh-keygen -q -t ecdsa -b 256 -N '' -C "t1-$xx" -f "$d/ssh_host_ecdsa_key" & ;;
                    *) ssh-keygen -q -t ed25519 -N '' -C "t1-$xx" -f "$d/ssh_host_ed25519_key" & ;;
                esac
                pids+=($!)
            fi
        done
    done
    local p; for p in "${pids[@]}"; do wait "$p"; done
}

write_sshd_config() {   # XX PORT FILE PIDFILE
    local xx=$1 port=$2 file=$3 pidf=$4 d=$STATE/hosts/$1
    cat >"$file.tmp" <<EOF
# rsible lab tier 1, host t1-$xx (generated by scripts/lab/tier1.sh)
ListenAddress $(addr_of "$xx"):$port
PidFile $pidf
$(for t in ed25519 rsa ecdsa; do [ ! -s "$d/ssh_host_${t}_key" ] || echo "HostKey $d/ssh_host_${t}_key"; done)
AuthorizedKeysFile $STATE/authorized_keys
UsePAM no
StrictModes no
MaxStartups 100:30:200
MaxSessions 20
Subsystem sftp internal-sftp
PasswordAuthentication yes
KbdInteractiveAuthentication no
PermitRootLogin yes
AcceptEnv LANG LC_*
PrintMotd no
UseDNS no
EOF
    mv "$file.tmp" "$file"
}

write_known_hosts() {   # all hosts 1..N
    local n=$1 i xx a t kh=$STATE/known_hosts
    : >"$kh.tmp"
    for ((i = 1; i <= n; i++)); do
        xx=$(printf '%02d' "$i"); a=$(addr_of "$xx")
        for t in ed25519 rsa ecdsa; do
            [ ! -s "$STATE/hosts/$xx/ssh_host_${t}_key.pub" ] \
                || awk -v h="$a" '{print h, $1, $2}' "$STATE/hosts/$xx/ssh_host_${t}_key.pub" >>"$kh.tmp"
        done
    done
    a=$(addr_of 01)
    for t in ed25519 rsa ecdsa; do
        awk -v h="[$a]:$EXTRA_PORT" '{print h, $1, $2}' "$STATE/hosts/01/ssh_host_${t}_key.pub" >>"$kh.tmp"
    done
    chmod 644 "$kh.tmp"; mv "$kh.tmp" "$kh"
    cp "$kh" "$kh.hashed"
    ssh-keygen -q -H -f "$kh.hashed" >/dev/null 2>&1
    rm -f "$kh.hashed.old"
    chmod 644 "$kh.hashed"
}

write_inventory() {
    local n=$1 i xx f=$STATE/hosts.ini
    {
        echo "# rsible lab tier 1 (generated by scripts/lab/tier1.sh)"
        echo "[tier1]"
        for ((i = 1; i <= n; i++)); do
            xx=$(printf '%02d' "$i")
            echo "t1-$xx ansible_host=$(addr_of "$xx") ansible_user=root ansible_ssh_private_key_file=$STATE/keys/id_ed25519"
        done
    } >"$f.tmp"
    mv "$f.tmp" "$f"
}

# ---------------------------------------------------------------- network
ensure_bridge() {
    ip link show "$BR" >/dev/null 2>&1 || ip link add "$BR" type bridge
    [[ $(ip -o addr show dev "$BR") == *"inet $BR_ADDR/16"* ]] || { ip addr flush dev "$BR"; ip addr add "$BR_ADDR/16" dev "$BR"; }
    ip link set "$BR" up
}

ensure_host_net() {   # XX
    local xx=$1 ns=$NS_PREFIX$1 veth=$VETH_PREFIX$1 a
    a=$(addr_of "$xx")
    if [ -e "/run/netns/$ns" ] && ! ip netns exec "$ns" true 2>/dev/null; then
        ip netns del "$ns" 2>/dev/null || rm -f "/run/netns/$ns"
    fi
    [ -e "/run/netns/$ns" ] || ip netns add "$ns"
    # Healthy = eth0 in ns with our address, host end enslaved to the bridge.
    local in_ns on_br
    in_ns=$(ip netns exec "$ns" ip -o addr show dev eth0 2>/dev/null || true)
    on_br=$(ip -o link show "$veth" 2>/dev/null || true)
    if [[ $in_ns != *"inet $a/16"* || $on_br != *"master $BR "* ]]; then
        ip link del "$veth" 2>/dev/null || true
        ip netns exec "$ns" ip link del eth0 2>/dev/null || true
        # Fixed MAC per host, so a neighbour entry cached on rsbr0 stays right
        # across rebuilds; flush it anyway.
        ip link add "$veth" type veth peer name eth0 netns "$ns" address "02:13:00:00:$(printf %02x:%02x "$((10#$xx / 256))" "$((10#$xx % 256))")"
        ip neigh del "$a" dev "$BR" 2>/dev/null || true
        ip link set "$veth" master "$BR"
        ip netns exec "$ns" ip addr add "$a/16" dev eth0
    fi
    ip link set "$veth" up
    ip netns exec "$ns" sh -c "ip link set lo up && ip link set eth0 up && ip route replace default via $BR_ADDR dev eth0"
}

remove_host() {   # XX: kill its processes, delete namespace and veth
    local xx=$1 ns=$NS_PREFIX$1 pids p
    kill_host_sshds "$xx"
    ip link del "$VETH_PREFIX$xx" 2>/dev/null || true
    if [ -e "/run/netns/$ns" ]; then
        ip netns del "$ns" 2>/dev/null || { umount "/run/netns/$ns" 2>/dev/null || true; rm -f "/run/netns/$ns"; }
    fi
    rm -rf "${STATE:?}/hosts/$xx"
}

# ---------------------------------------------------------------- sshd
sshd_files() {   # XX [extra] -> sets CFG PIDF LOGF
    local d=$STATE/hosts/$1
    if [ "${2:-}" = extra ]; then
        CFG=$d/sshd_config_$EXTRA_PORT; PIDF=$d/sshd_$EXTRA_PORT.pid; LOGF=$d/sshd_$EXTRA_PORT.log
    else
        CFG=$d/sshd_config; PIDF=$d/sshd.pid; LOGF=$d/sshd.log
    fi
}

# Kill sshds in XX's namespace started from another state directory (another checkout's lab):
# they hold the addresses with host keys our known_hosts does not list.
kill_foreign_sshds() {   # XX
    local ns=$NS_PREFIX$1 pid cmd
    [ -e "/run/netns/$ns" ] || return 0
    for pid in $(ip netns pids "$ns" 2>/dev/null || true); do
        cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
        case $cmd in
            *"sshd -f $STATE/"*) ;;
            *sshd*) kill "$pid" 2>/dev/null || true
                    for _ in $(seq 40); do running "$pid" || break; sleep 0.05; done ;;
        esac
    done
}

start_one_sshd() {   # XX [extra]
    local xx=$1 kind=${2:-} port=22
    [ -n "$kind" ] || kill_foreign_sshds "$xx"
    [ "$kind" = extra ] && port=$EXTRA_PORT
    sshd_files "$xx" "$kind"
    write_sshd_config "$xx" "$port" "$CFG" "$PIDF"
    if pid_alive "$PIDF" "$CFG"; then return 0; fi
    rm -f "$PIDF"
    # A stray sshd still bound to this config (pid file lost): kill it first.
    pkill_cfg "$CFG"
    mkdir -p /run/sshd
    ip netns exec "$NS_PREFIX$xx" /usr/sbin/sshd -f "$CFG" -E "$LOGF" \
        || { tail -5 "$LOGF" >&2; die "sshd for t1-$xx ($port) failed to start"; }
}

# Kill sshd listeners whose command line names CFG (lost pid file, pid reuse).
pkill_cfg() {
    local re=${1//./\\.}
    pkill -f -- "sshd -f $re( |\$)" 2>/dev/null || true
}

stop_one_sshd() {   # XX [extra]
    local pid
    sshd_files "$1" "${2:-}"
    if pid_alive "$PIDF" "$CFG"; then
        pid=$(cat "$PIDF"); kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do running "$pid" || break; sleep 0.05; done
    fi
    pkill_cfg "$CFG"
    rm -f "$PIDF"
}

kill_host_sshds() {   # XX: pid files, then everything left in the namespace
    local xx=$1 ns=$NS_PREFIX$1 pids
    if [ -d "$STATE/hosts/$xx" ]; then
        stop_one_sshd "$xx"
        [ "$xx" != 01 ] || stop_one_sshd "$xx" extra
    fi
    if [ -e "/run/netns/$ns" ]; then
        pids=$(ip netns pids "$ns" 2>/dev/null || true)
        if [ -n "$pids" ]; then
            kill $pids 2>/dev/null || true; sleep 0.2
            pids=$(ip netns pids "$ns" 2>/dev/null || true)
            [ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
        fi
    fi
}

# ---------------------------------------------------------------- checks
ssh_opts() {
    echo "-n -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=$STATE/known_hosts -o IdentitiesOnly=yes -o ConnectTimeout=5 -o LogLevel=ERROR -o KexAlgorithms=curve25519-sha256"
}

check_hosts() {   # N: parallel ssh to every host, retry for a few seconds
    local n=$1 i todo=() failed=() try
    for ((i = 1; i <= n; i++)); do todo+=("$(addr_of "$(printf '%02d' "$i")")"); done
    local opts; opts=$(ssh_opts)
    for try in 1 2 3 4 5 6 7 8 9 10; do
        failed=()
        mapfile -t failed < <(printf '%s\n' "${todo[@]}" | xargs -P 32 -I{} sh -c \
            "timeout 20 ssh $opts -i '$STATE/keys/id_ed25519' root@{} true >/dev/null 2>&1 || echo {}")
        [ ${#failed[@]} -eq 0 ] && return 0
        todo=("${failed[@]}")
        sleep 0.5
    done
    log "unreachable: ${failed[*]}"
    return 1
}

check_extras() {   # the port-2222 sshd, password login, the other key types
    local a opts; a=$(addr_of 01); opts=$(ssh_opts)
    # shellcheck disable=SC2086
    timeout 20 ssh $opts -p "$EXTRA_PORT" -i "$STATE/keys/id_ed25519" "root@$a" true \
        || die "sshd on $a:$EXTRA_PORT not reachable"
    for k in id_rsa id_ecdsa; do
        # shellcheck disable=SC2086
        timeout 20 ssh $opts -i "$STATE/keys/$k" "rslab2@$a" true || die "key $k login as rslab2 failed"
    done
    # shellcheck disable=SC2086
    timeout 20 sshpass -p "$USERS_PASS_RSLAB" ssh ${opts/BatchMode=yes/BatchMode=no} \
        -o PubkeyAuthentication=no -o PreferredAuthentications=password -o NumberOfPasswordPrompts=1 \
        "rslab@$a" "echo '$USERS_PASS_RSLAB' | sudo -S -p '' true" \
        || die "password login + sudo as rslab failed"
}

# ---------------------------------------------------------------- commands
cmd_up() {
    local n=${1:-$DEFAULT_N} i xx t0 t1
    [[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le "$MAX_N" ] || die "N must be 1..$MAX_N"
    t0=$(date +%s.%N)
    ensure_packages
    ensure_users
    mkdir -p "$STATE/hosts"
    ensure_client_keys
    # Hosts beyond N left from a bigger lab: remove them.
    for xx in $(existing_hosts) $(ls "$STATE/hosts" 2>/dev/null); do
        [[ $xx =~ ^[0-9]+$ ]] || continue
        [ "$((10#$xx))" -gt "$n" ] && remove_host "$xx"
    done
    local all=(); for ((i = 1; i <= n; i++)); do all+=("$(printf '%02d' "$i")"); done
    ensure_host_keys "${all[@]}"
    ensure_bridge
    # Hosts are independent: repair/start them in parallel.
    local pids=() rc=0 p
    for xx in "${all[@]}"; do
        ( ensure_host_net "$xx" && start_one_sshd "$xx" ) & pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || rc=1; done
    [ $rc -eq 0 ] || die "some hosts failed to build (see above)"
    start_one_sshd 01 extra
    write_known_hosts "$n"
    write_inventory "$n"
    echo "$n" >"$STATE/count"
    check_hosts "$n" || die "not all hosts answer"
    check_extras
    t1=$(date +%s.%N)
    printf 'tier1: up: %d hosts on %s (10.213.0.11-%s) + %s:%s answer ssh; state %s; %.1fs\n' \
        "$n" "$BR" "$(addr_of "$(printf '%02d' "$n")")" "$(addr_of 01)" "$EXTRA_PORT" "$STATE" \
        "$(awk "BEGIN{print $t1-$t0}")"
}

cmd_down() {
    local xx
    for xx in $(existing_hosts) $(ls "$STATE/hosts" 2>/dev/null); do
        [[ $xx =~ ^[0-9]+$ ]] && remove_host "$xx"
    done
    # Any namespace with our prefix but odd suffix.
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$NS_PREFIX" || true); do
        pids=$(ip netns pids "$ns" 2>/dev/null || true); [ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
        ip netns del "$ns" 2>/dev/null || true
    done
    ip link del "$BR" 2>/dev/null || true
    rm -rf "${STATE:?}"
    rmdir "$LAB_DIR" 2>/dev/null || true
    log "down: namespaces, veths, $BR and $STATE removed (users rslab/rslab2 kept)"
}

cmd_status() {
    local xx up=0 total=0 ns_ok pid_ok line
    if ! ip link show "$BR" >/dev/null 2>&1; then echo "tier1: down (no $BR)"; return 0; fi
    for xx in $(existing_hosts); do
        total=$((total + 1))
        ns_ok=no; ns_exists "$NS_PREFIX$xx" && ns_ok=yes
        pid_ok=no; sshd_files "$xx"; pid_alive "$PIDF" "$CFG" && pid_ok=yes
        line="t1-$xx $(addr_of "$xx") netns=$ns_ok sshd=$pid_ok"
        if [ "$xx" = 01 ]; then
            sshd_files 01 extra; pid_alive "$PIDF" "$CFG" && line+=" sshd:$EXTRA_PORT=yes" || line+=" sshd:$EXTRA_PORT=no"
        fi
        echo "$line"
        [ "$ns_ok$pid_ok" = yesyes ] && up=$((up + 1))
    done
    echo "tier1: $up/$total hosts with live sshd; state $STATE"
}

cmd_env() {
    cat <<EOF
export RSIBLE_LAB_TIER1=$STATE
export RSIBLE_LAB_TIER1_INVENTORY=$STATE/hosts.ini
export RSIBLE_LAB_TIER1_KNOWN_HOSTS=$STATE/known_hosts
export RSIBLE_LAB_TIER1_KEY=$STATE/keys/id_ed25519
export RSIBLE_LAB_TIER1_COUNT=$(cat "$STATE/count" 2>/dev/null || echo 0)
EOF
}

case ${1:-} in
    up) cmd_up "${2:-}" ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env) cmd_env ;;
    stop-sshd) [ -n "${2:-}" ] || die "usage: $0 stop-sshd HOST"
        xx=$(norm_host "$2"); stop_one_sshd "$xx"; log "t1-$xx sshd stopped" ;;
    start-sshd) [ -n "${2:-}" ] || die "usage: $0 start-sshd HOST"
        xx=$(norm_host "$2"); [ -d "$STATE/hosts/$xx" ] || die "t1-$xx is not part of the lab (run up)"
        mkdir -p /run/sshd; start_one_sshd "$xx"; log "t1-$xx sshd started" ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
