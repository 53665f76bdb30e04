#!/usr/bin/env python3
"""Core benchmarks of rsible against its peers, measured side by side in one run.

1. ad-hoc `uname -r` on the first 20 tier-1 lab hosts: `rsible run` vs `ansible` (ansible-core,
   pipelining on, forks = hosts, no facts), alternating tools, median of N runs;
2. `inventory --list` on a generated 10,000-host / 200-group INI inventory: `rsible inventory`
   vs `ansible-inventory`.

Needs the tier-1 lab (scripts/lab/tier1.sh up) and ansible-core in /var/cache/rsible/venv
(scripts/test.sh installs both). Prints a table and writes bench/results/core.json.
Usage: python3 bench/core.py [--reps N]
"""
import json, os, platform, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAB = os.path.join(os.environ.get("RSIBLE_LAB_DIR", os.path.join(ROOT, "lab-state")), "tier1")
VENV = os.environ.get("RSIBLE_VENV", "/var/cache/rsible/venv")
RSIBLE = os.path.join(ROOT, "target", "release", "rsible")


def timed(cmd, env=None):
    """Wall seconds, CPU seconds and peak RSS (MB) of one run of `cmd` and its children.

    os.wait4 gives the rusage of this child alone, so peaks of the two tools never mix."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"benchmark command failed ({code}): {' '.join(cmd)}\n{err.decode()}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024


def compare(name, commands, reps):
    samples = {tool: [] for tool in commands}
    for _ in range(reps):
        for tool, (cmd, env) in commands.items():  # alternate tools every repetition
            samples[tool].append(timed(cmd, env))
    row = {"workload": name}
    for tool, s in samples.items():
        row[tool] = {
            "wall_s": statistics.median(x[0] for x in s),
            "cpu_s": statistics.median(x[1] for x in s),
            "peak_rss_mb": max(x[2] for x in s),
        }
    tools = list(commands)
    row["ratio_wall"] = row[tools[0]]["wall_s"] / row[tools[1]]["wall_s"]
    return row


def main():
    reps = int(sys.argv[sys.argv.index("--reps") + 1]) if "--reps" in sys.argv else 5
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    tmp = tempfile.mkdtemp(prefix="rsible-bench-")
    hosts = [l for l in open(os.path.join(LAB, "hosts.ini")) if l.startswith("t1-")][:20]
    inv = os.path.join(tmp, "hosts20.ini")
    with open(inv, "w") as f:
        f.write("[bench]\n" + "".join(hosts))
    kh = os.path.join(LAB, "known_hosts")
    env = dict(os.environ, ANSIBLE_PIPELINING="True", ANSIBLE_FORKS="20", ANSIBLE_HOST_KEY_CHECKING="False",
               ANSIBLE_SSH_ARGS="-o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=" + kh,
               ANSIBLE_PYTHON_INTERPRETER="/usr/bin/python3", ANSIBLE_DEPRECATION_WARNINGS="0", NO_COLOR="1")
    rows = [compare("adhoc uname -r, 20 hosts", {
        "rsible": ([RSIBLE, "run", "bench", "-i", inv, "--known-hosts", kh, "-a", "uname -r"], env),
        "ansible": ([os.path.join(VENV, "bin", "ansible"), "bench", "-i", inv, "-a", "uname -r"], env),
    }, reps)]

    big = os.path.join(tmp, "hosts10k.ini")
    with open(big, "w") as f:
        for g in range(200):
            f.write(f"[g{g}]\n")
            for h in range(50):
                f.write(f"h{g}-{h} ansible_host=10.{g // 250}.{g % 250}.{h} idx={h}\n")
            f.write(f"[g{g}:vars]\nlevel={g}\n")
        f.write("[parents:children]\n" + "".join(f"g{g}\n" for g in range(0, 200, 2)))
    rows.append(compare("inventory --list, 10,000 hosts / 200 groups", {
        "rsible": ([RSIBLE, "inventory", "-i", big, "--list"], env),
        "ansible-inventory": ([os.path.join(VENV, "bin", "ansible-inventory"), "-i", big, "--list"], env),
    }, max(3, reps // 2)))

    versions = {
        "rsible": subprocess.run([RSIBLE, "--version"], capture_output=True, text=True).stdout.strip(),
        "ansible-core": subprocess.run([os.path.join(VENV, "bin", "ansible"), "--version"], capture_output=True, text=True).stdout.splitlines()[0],
    }
    report = {"date": time.strftime("%Y-%m-%d"), "machine": f"{platform.node()} {os.cpu_count()} cores", "versions": versions, "rows": rows}
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "results", "core.json"), "w") as f:
        json.dump(report, f, indent=2)
    print(f"{'workload':45} {'tool':18} {'wall s':>8} {'cpu s':>8} {'peak MB':>8}")
    for r in rows:
        for tool in [k for k in r if isinstance(r[k], dict)]:
            print(f"{r['workload']:45} {tool:18} {r[tool]['wall_s']:8.3f} {r[tool]['cpu_s']:8.3f} {r[tool]['peak_rss_mb']:8.1f}")
        print(f"{'':45} {'ratio rsible/peer':18} {r['ratio_wall']:8.3f}")


if __name__ == "__main__":
    main()
