"""Turning measured rows into the markdown table, the goals' status, and the `--check` run.

Knows the issue's goals and the row layout bench/run.py produces; runs no workload itself."""
import os
import subprocess
import tempfile

import tools

PEERS = ("ansible", "pyinfra", "ansible-rs", "mitogen")
# Second runs of workloads 2-4 (20 hosts): rsible at least this many times faster than each peer.
SECOND_RUN_GOALS = (("ansible", 50), ("pyinfra", 10), ("ansible-rs", 10), ("mitogen", 10))


def cell(s):
    return f"{s['wall_s']:.2f} s / {s['cpu_s']:.2f} s / {s['peak_rss_mb']:.0f} MB" + (
        f" (n={s['runs']})" if s["runs"] == 1 else "")


def ratio(row, peer):
    s = speedup(row, peer)
    return "-" if s is None else f"{s:.1f}x"


def markdown(result):
    """The table and goals, as printed on stdout and pasted into the README."""
    v = result["versions"]
    names = ("rsible",) + PEERS
    lines = [f"Measured {result['date']} on {result['machine']}; "
             + ", ".join(v.get(k, f"{k}: ?") for k in ("rsible", "ansible-core", "pyinfra", "ansible-rs", "mitogen")) + ".",
             f"Command: `{result['command'].strip()}`; each cell is median wall / median controller CPU / "
             "peak controller RSS of the largest process; a ratio is peer wall / rsible wall (how many times "
             "faster rsible is). Login: plain = /bin/sh, slow = bash with a ~/.bashrc costing ~100 ms of CPU.",
             "",
             "| workload | hosts | login | run | " + " | ".join(names) + " | "
             + " | ".join(f"x {p}" for p in PEERS) + " | rsible round trips / task / host |",
             "|" + "---|" * (4 + len(names) + len(PEERS) + 1)]
    for r in result["rows"]:
        t = r["tools"]
        login = r.get("login", "plain")
        if "per_task_s" in r:
            lines.append(f"| {r['workload']} | {r['hosts']} | {login} | 51-task minus 1-task play / 50 "
                         f"| {r['per_task_s'] * 1000:.1f} ms per task | `ssh -S` exec: {r['ssh_exec_s'] * 1000:.1f} ms "
                         + "| - " * (len(names) - 2 + len(PEERS))
                         + f"| {r['per_task_over_ssh']:.2f}x an ssh exec |")
            continue
        rt = r.get("round_trips_per_task_host")
        lines.append(f"| {r['workload']} | {r['hosts']} | {login} | {r['run']} | "
                     + " | ".join(cell(t[k]) if k in t else "-" for k in names)
                     + " | " + " | ".join(ratio(r, p) for p in PEERS)
                     + f" | {'-' if rt is None else f'{rt:.2f}'} |")
    lines += ["", "| goal | measured | met |", "|---|---|---|"]
    for g in result["goals"]:
        met = "not judged" if g["met"] is None else "yes" if g["met"] else "NO"
        lines.append(f"| {g['goal']} | {g['measured']} | {met} |")
    return "\n".join(lines)


def speedup(row, peer):
    t = row["tools"]
    if "rsible" in t and peer in t:
        return t[peer]["wall_s"] / t["rsible"]["wall_s"]
    return None


def goals(rows):
    """Each goal of the issue that the rows allow to judge: what was measured, and whether it is met."""
    out = []

    def add(goal, value, met):
        out.append({"goal": goal, "measured": value, "met": None if met is None else bool(met)})

    for r in rows:
        w = r["workload"]
        login = r.get("login", "plain")
        if r["run"] == "second" and w[0] in "234" and r["n_hosts"] <= 20:
            for peer, need in SECOND_RUN_GOALS:
                s = speedup(r, peer)
                if s is not None:
                    add(f"{w[:40]}, {r['n_hosts']} hosts, {login} login, second run: >= {need}x faster than {peer}",
                        f"{s:.1f}x", s >= need)
        if r["run"] == "first" and w[0] in "34" and r["n_hosts"] <= 20:
            s = speedup(r, "pyinfra")
            if s is not None:
                add(f"{w[:40]}, {r['n_hosts']} hosts, {login} login, first run: >= 5x faster than pyinfra",
                    f"{s:.1f}x", s >= 5)
    scale = [r for r in rows if r["workload"].startswith("5") and r["run"] == "second"]
    if scale:
        big = max(scale, key=lambda r: r["n_hosts"])
        with_peer = [r for r in scale if speedup(r, "ansible")]
        if not with_peer:
            add("scale, 500 hosts, second run: >= 30x faster than ansible-playbook", "not measured (no ansible run at scale)", None)
        if big["n_hosts"] < 500:
            add("scale goals are set at 500 hosts", f"largest run: {big['n_hosts']} hosts", None)
        if with_peer:
            top = max(with_peer, key=lambda r: r["n_hosts"])
            s = speedup(top, "ansible")
            add(f"scale, second run: >= 30x faster than ansible-playbook (asked at 500 hosts; measured at "
                f"{top['n_hosts']})", f"{s:.1f}x", s >= 30)
        mem = big["tools"]["rsible"]["peak_rss_mb"]
        add(f"scale, {big['n_hosts']} hosts: controller peak memory < 200 MB", f"{mem:.0f} MB", mem < 200)
        small = min(scale, key=lambda r: r["n_hosts"])
        if big is not small:
            growth = big["tools"]["rsible"]["wall_s"] / small["tools"]["rsible"]["wall_s"]
            hosts = big["n_hosts"] / small["n_hosts"]
            add(f"scale: time grows no faster than linearly {small['n_hosts']} -> {big['n_hosts']} hosts",
                f"x{growth:.2f} time for x{hosts:.1f} hosts", growth <= hosts)
    for r in rows:
        if "per_task_over_ssh" in r:
            add("per task on a warm connection <= 2x one `ssh -S` exec",
                f"{r['per_task_s'] * 1000:.1f} ms vs {r['ssh_exec_s'] * 1000:.1f} ms ({r['per_task_over_ssh']:.2f}x)",
                r["per_task_over_ssh"] <= 2)
        if r["workload"].startswith("6"):
            s = speedup(r, "ansible")
            add("10,000-host inventory: >= 20x faster than ansible-inventory", f"{s:.1f}x", s >= 20)
    return out


def check(workloads_dir):
    """Exit status 0 when every workload parses for rsible, ansible-playbook and pyinfra (no hosts contacted)."""
    tmp = tempfile.mkdtemp(prefix="rsible-bench-check-")
    ini = os.path.join(tmp, "hosts.ini")
    with open(ini, "w") as f:
        f.write("[bench]\nt1-01 ansible_host=127.0.0.1\n")
    failures = 0
    for name in sorted(os.listdir(workloads_dir)):
        d = os.path.join(workloads_dir, name)
        for site in sorted(f for f in os.listdir(d) if f.endswith(".yml")):
            path = os.path.join(d, site)
            for cmd in ([tools.RSIBLE, "play", path, "-i", ini, "--syntax-check", "-e", "tool=check"],
                        [tools.venv_bin("ansible-playbook"), path, "-i", ini, "--syntax-check", "-e", "tool=check"]):
                failures += report_check(cmd)
        deploy = os.path.join(d, "deploy.py")
        if os.path.exists(deploy):
            # pyinfra's dry run against the local machine: the deploy is imported and its
            # operations planned (facts read locally), nothing is changed.
            failures += report_check([tools.venv_bin("pyinfra"), "--dry", "-y", "@local", "deploy.py"], cwd=d)
    print(f"{failures} failed")
    return 1 if failures else 0


def report_check(cmd, cwd=None):
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=tools.base_env())
    ok = p.returncode == 0
    print(f"{'ok  ' if ok else 'FAIL'} {' '.join(cmd)}")
    if not ok:
        print(p.stdout[-2000:] + p.stderr[-2000:])
    return 0 if ok else 1
