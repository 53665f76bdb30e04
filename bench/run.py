#!/usr/bin/env python3
"""The benchmark: rsible against ansible-core, pyinfra, ansible-core-rs and Ansible with Mitogen,
on the same lab targets in one run, for two kinds of login (a plain /bin/sh one and bash with a
~/.bashrc costing about 100 ms of CPU, as on hosts with a version manager).

Builds rsible, installs the peers from PyPI if missing (bench/tools.py), then runs each
selected workload with each tool, alternating tools every repetition (the order rotates too),
and prints a markdown table (median wall time, median controller CPU time, peak controller
memory, ratio rsible/peer, rsible's round trips per task per host) and writes a JSON file.

Workloads (files in bench/workloads/<name>/: site.yml for rsible AND ansible-playbook, the same
file; deploy.py for pyinfra):
  1 adhoc     `uname -r` on 20 tier-1 hosts
  2 tc2       sake-performance's TC2 (user, file, copy; become) on tier-2 hosts, second run
  3 files10   10 file/command tasks on 20 tier-1 hosts, first and second run
  4 play50    48 tasks + 2 handlers (loops, templates) on 20 tier-1 hosts, first and second run
  5 scale     workload 3 on --scale sizes of tier-1 hosts (peers at --peer-scale sizes only)
  6 inventory `inventory --list` of a generated 10,000-host inventory
  7 warm      per task on a warm connection: (51-task play - 1-task play) / 50, vs
              `ssh -S <ControlMaster socket> host true`, on one host

Workloads 1, 3 and 4 run once per login kind (`--logins plain,slow`); 2, 5 and 7 with the plain
login only (tier-2 hosts have no slow-login user; 5 and 7 measure rsible's growth and per-task
cost, not the login).

Brings up the lab hosts it needs (scripts/lab/tier1.sh up N, tier2.sh up N; state in RSIBLE_LAB_DIR).
Usage: python3 bench/run.py [--reps N] [--workloads 1,2,..] [--hosts N] [--quick] [--check]
       python3 bench/run.py --render A.json B.json ... OUT.json   (merge runs split by workload)
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lab  # noqa: E402
import measure  # noqa: E402
import report  # noqa: E402
import tools  # noqa: E402

BENCH = os.path.dirname(os.path.abspath(__file__))
WL = os.path.join(BENCH, "workloads")
NAMES = {1: "adhoc", 2: "tc2", 3: "files10", 4: "play50", 5: "scale", 6: "inventory", 7: "warm"}
TASKS = {"files10": 10, "play50": 48, "tc2": 3}


def compare(commands, reps, phases=("run",), before=None, reps_of=None):
    """Runs every tool's phases `reps` times, tools alternating (rotating order), and summarises.

    `commands[tool][phase]` is (argv, env, cwd); `before(tool)` runs untimed before the first
    phase of each repetition; `reps_of[tool]` caps a tool's repetitions."""
    names = list(commands)
    samples = {t: {p: [] for p in phases} for t in names}
    failed = set()
    for r in range(max([reps] + list((reps_of or {}).values()))):
        for tool in names[r % len(names):] + names[:r % len(names)]:
            if (reps_of and r >= reps_of.get(tool, reps)) or tool in failed:
                continue
            if before:
                before(tool)
            for phase in phases:
                cmd, env, cwd = commands[tool][phase]
                try:
                    s = measure.timed(cmd, env, cwd, companions=tools.companions(tool))
                except measure.Failed as e:
                    # A peer that fails is left out of this workload (its cells stay empty);
                    # rsible failing stops the benchmark.
                    if tool.startswith("rsible"):
                        raise
                    failed.add(tool)
                    print(f"   {tool:8} {phase:7} FAILED, left out of this workload: {str(e)[:300]}", flush=True)
                    break
                s["changed"] = (measure.pyinfra_changed if tool == "pyinfra" else measure.recap_changed)(s["out"])
                samples[tool][phase].append(s)
                print(f"   {tool:8} {phase:7} {s['wall_s']:8.2f} s", flush=True)
    out = {}
    for phase in phases:
        row = {}
        for tool in names:
            if samples[tool][phase]:
                row[tool] = measure.summarise(samples[tool][phase])
                row[tool]["changed_last"] = samples[tool][phase][-1]["changed"]
        out[phase] = row
    return out


def round_trips(inv, playbook, tasks, before=None):
    """rsible's remote programs per task per host in one untimed run (after `before`: a first
    run; without: a second run, after one to warm up)."""
    cmd, env, cwd = inv.rsible_play(playbook)
    execs = count_daemon_execs(cmd, env, cwd, before)
    return {"execs": execs, "per_task_host": execs / (tasks * inv.n)}


def count_daemon_execs(cmd, env, cwd, before=None):
    """Remote programs (shell starts included) of one run of `cmd`, counted in the debug log of
    a persistence daemon of its own, where they run. Without `before` the count is of a second
    run, on kept connections."""
    cdir = tools.control_dir("count")
    env = dict(env, RSIBLE_CONTROL_PATH_DIR=cdir, RSIBLE_LOG="rsible=debug")
    log = os.path.join(cdir, "daemon.log")
    try:
        if before:
            before("rsible")
        else:
            measure.timed(cmd, env, cwd)
        start = os.path.getsize(log) if os.path.exists(log) else 0
        measure.timed(cmd, env, cwd)
        with open(log, errors="replace") as f:
            f.seek(start)
            return count_execs(f.read())
    finally:
        tools.stop_daemon(cdir)


def count_execs(log):
    """Remote programs started, from rsible's debug log (one `exec` line each)."""
    return sum(1 for line in log.splitlines() if " exec" in line and "peer=" in line)


class Run:
    """One benchmark run: options, scratch directory and collected rows."""

    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix="rsible-bench-")
        self.rows = []

    def invocations(self, targets, tag):
        ini = targets.write_ini(os.path.join(self.tmp, f"{tag}.ini"))
        py = targets.write_pyinfra(os.path.join(self.tmp, f"{tag}_inventory.py"))
        return tools.Invocations(targets, ini, py)

    def add(self, workload, targets, phase, tools_summary, extra=None):
        row = {"workload": workload, "hosts": targets.describe() if targets else "-",
               "n_hosts": len(targets.indices) if targets else 0, "run": phase, "tools": tools_summary,
               "login": targets.login if targets else "-"}
        row.update(extra or {})
        self.rows.append(row)

    # -- workloads -------------------------------------------------------------------------
    def adhoc(self):
        for login in self.args.logins:
            self.adhoc_as(login)

    def adhoc_as(self, login):
        t = lab.tier1_hosts(self.args.hosts, self.args.exclude, login)
        inv = self.invocations(t, f"adhoc-{login}")
        cmds = {k: {"run": v} for k, v in inv.adhoc("uname -r").items() if k in self.args.tools or k == "rsible"}
        res = compare(cmds, self.args.reps)
        cmd, env, cwd = cmds["rsible"]["run"]
        execs = count_daemon_execs(cmd, env, cwd)
        self.add("1 ad-hoc `uname -r`", t, "run", res["run"],
                 {"round_trips_per_task_host": execs / inv.n, "rsible_execs": execs})

    def playbook(self, name, targets, phases, tag=None, reps_of=None, label=None):
        inv = self.invocations(targets, tag or name)
        site = os.path.join(WL, name, "site.yml")
        deploy = os.path.join(WL, name, "deploy.py")
        cmds = {"rsible": inv.rsible_play(site), "ansible": inv.ansible_play(site),
                "pyinfra": inv.pyinfra_deploy(deploy), "ansible-rs": inv.ansible_rs_play(site),
                "mitogen": inv.mitogen_play(site)}
        cmds = {k: {p: v for p in phases} for k, v in cmds.items() if k in self.args.tools}
        clean = clean_tier1 if targets.tier == 1 else None
        if "first" not in phases:
            for tool, c in cmds.items():  # bring every target to the converged state, untimed
                measure.timed(*c[phases[0]])
            clean = None
        if reps_of is None:
            reps_of = {t: self.args.peer_reps for t in tools.ALL if t != "rsible"}
        res = compare(cmds, self.args.reps, phases, before=clean if "first" in phases else None, reps_of=reps_of)
        for phase in phases:
            extra = {}
            if "rsible" in self.args.tools:
                rt = round_trips(inv, site, TASKS[name], clean if phase == "first" else None)
                extra = {"round_trips_per_task_host": rt["per_task_host"], "rsible_execs": rt["execs"]}
            self.add(label or f"{name}", targets, phase, res[phase], extra)

    def tc2(self):
        n = self.args.tier2_hosts
        self.playbook("tc2", lab.tier2_hosts(n), ("second",), label="2 TC2 user/file/copy, become")

    def files10(self):
        for login in self.args.logins:
            self.playbook("files10", lab.tier1_hosts(self.args.hosts, self.args.exclude, login), ("first", "second"),
                          tag=f"files10-{login}", label="3 10 file/command tasks")

    def play50(self):
        for login in self.args.logins:
            self.playbook("play50", lab.tier1_hosts(self.args.hosts, self.args.exclude, login), ("first", "second"),
                          tag=f"play50-{login}", label="4 48 tasks + 2 handlers")

    def scale(self):
        peer_sizes = set(self.args.peer_scale)
        for n in self.args.scale:
            t = lab.tier1_hosts(n, self.args.exclude)
            peer = self.args.peer_scale_reps if n in peer_sizes else 0
            reps_of = {t: peer for t in tools.ALL}
            reps_of["rsible"] = self.args.scale_reps
            self.playbook("files10", t, ("first", "second"), tag=f"scale{n}", reps_of=reps_of,
                          label=f"5 scale: workload 3, {n} hosts")

    def inventory(self):
        big = os.path.join(self.tmp, "hosts10k.ini")
        with open(big, "w") as f:
            for g in range(200):
                f.write(f"[g{g}]\n")
                for h in range(50):
                    f.write(f"h{g}-{h} ansible_host=10.{g // 250}.{g % 250}.{h} idx={h}\n")
                f.write(f"[g{g}:vars]\nlevel={g}\n")
            f.write("[parents:children]\n" + "".join(f"g{g}\n" for g in range(0, 200, 2)))
        env = tools.base_env()
        cmds = {"rsible": {"run": ([tools.RSIBLE, "inventory", "-i", big, "--list"], env, None)},
                "ansible": {"run": ([tools.venv_bin("ansible-inventory"), "-i", big, "--list"], env, None)}}
        res = compare(cmds, self.args.reps)
        self.rows.append({"workload": "6 `inventory --list`, 10,000 hosts / 200 groups", "hosts": "-",
                          "n_hosts": 10000, "run": "run", "tools": res["run"]})

    def warm(self):
        t = lab.tier1_hosts(1, self.args.exclude)
        inv = self.invocations(t, "warm")
        one = os.path.join(WL, "warm", "site.yml")
        many = os.path.join(WL, "warm", "site51.yml")
        cmds = {"rsible-1": {"run": inv.rsible_play(one)}, "rsible-51": {"run": inv.rsible_play(many)}}
        res = compare(cmds, max(self.args.reps, 5))["run"]
        per_task = (res["rsible-51"]["wall_s"] - res["rsible-1"]["wall_s"]) / 50
        ssh = ssh_round_trip(t, reps=20)
        self.rows.append({"workload": "7 per task, warm connection", "hosts": t.describe(), "n_hosts": 1,
                          "run": "run", "tools": res, "per_task_s": per_task, "ssh_exec_s": ssh,
                          "per_task_over_ssh": per_task / ssh})


def clean_tier1(tool):
    """Removes a tool's files on every tier-1 host (they share this filesystem) before a first
    run: its whole directory, which the previous run's login user made (it may be the other
    login kind's). /tmp/rsible-bench itself is sticky and open to both users, as /tmp is."""
    os.makedirs("/tmp/rsible-bench", exist_ok=True)
    os.chmod("/tmp/rsible-bench", 0o1777)
    subprocess.run(["rm", "-rf", f"/tmp/rsible-bench/{tool}"], check=True)


def ssh_round_trip(targets, reps):
    """Median seconds of `ssh -S <socket> host true` on a warm OpenSSH ControlMaster."""
    i = targets.indices[0]
    sock = os.path.join(tempfile.mkdtemp(prefix="rsible-cm-"), "cm")
    base = ["ssh", "-o", "BatchMode=yes", "-o", f"UserKnownHostsFile={targets.known_hosts}", "-i", targets.key,
            "-S", sock, f"{targets.user}@{targets.address(i)}"]
    subprocess.run(base[:-1] + ["-M", "-f", "-N", base[-1]], check=True)
    try:
        walls = [measure.timed(base + ["true"])["wall_s"] for _ in range(reps)]
    finally:
        subprocess.run(base[:-1] + ["-O", "exit", base[-1]], capture_output=True)
    return statistics.median(walls)


def machine():
    """CPU model, cores, memory and kernel of this machine."""
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    mem = next((int(line.split()[1]) // 1024 for line in open("/proc/meminfo") if line.startswith("MemTotal")), 0)
    return f"{model}, {os.cpu_count()} cores, {mem} MB RAM, Linux {platform.release()}"


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--reps", type=int, default=3, help="repetitions per tool (median reported)")
    p.add_argument("--workloads", default="1,2,3,4,5,6,7", help="comma-separated workload numbers")
    p.add_argument("--peer-reps", type=int, help="repetitions of ansible and pyinfra in workloads 2-4 "
                   "(default: --reps; ansible takes minutes per run of workload 4)")
    p.add_argument("--hosts", type=int, default=20, help="tier-1 hosts for workloads 1, 3, 4")
    p.add_argument("--tier2-hosts", type=int, default=19, help="tier-2 hosts for workload 2")
    p.add_argument("--scale", default="100,200,500", help="host counts for workload 5")
    p.add_argument("--peer-scale", default="500", help="host counts of workload 5 at which the peers run too "
                   "(ansible-playbook takes about 25 minutes per run at 500 hosts here)")
    p.add_argument("--peer-scale-reps", type=int, default=1, help="peer repetitions at scale (minutes each)")
    p.add_argument("--scale-reps", type=int, help="rsible repetitions in workload 5 (default: --reps)")
    p.add_argument("--tools", default=",".join(tools.ALL),
                   help="tools to run in workloads 1-5 (a run split in two is merged with --render)")
    p.add_argument("--logins", default="plain,slow", help="login kinds for workloads 1, 3, 4: plain, slow")
    p.add_argument("--exclude", default="", help="tier-1 host numbers not to use, e.g. 25-160")
    p.add_argument("--quick", action="store_true", help="1 repetition, 5 hosts, scale 20,40 (a smoke run)")
    p.add_argument("--check", action="store_true", help="only check that every workload parses for all tools")
    p.add_argument("--no-build", action="store_true", help="do not run cargo build --release")
    p.add_argument("--json", help="output file (default bench/results/<date>.json)")
    a = p.parse_args()
    if a.quick:
        a.reps, a.hosts, a.tier2_hosts, a.scale, a.peer_scale = 1, 5, min(a.tier2_hosts, 5), "20,40", "20"
    a.peer_reps = a.peer_reps or a.reps
    a.scale_reps = a.scale_reps or a.reps
    a.tools = a.tools.split(",")
    a.logins = a.logins.split(",")
    for login in a.logins:
        if login not in lab.USERS:
            p.error(f"--logins: {login!r} is not one of {', '.join(lab.USERS)}")
    a.workloads = [int(w) for w in a.workloads.split(",")]
    a.scale = [int(n) for n in a.scale.split(",")]
    a.peer_scale = [int(n) for n in a.peer_scale.split(",") if n]
    a.exclude = lab.parse_ranges(a.exclude)
    return a


def render(paths, out):
    """Merges the rows of several result files (runs split by workload) into one and prints it."""
    results = [json.load(open(p)) for p in paths]
    rows = {}
    for res in results:
        for r in res["rows"]:
            key = (r["workload"], r["hosts"], r["run"], r.get("login", "plain"))
            if key in rows:  # the same workload measured with other tools in another run
                rows[key]["tools"].update(r["tools"])
                rows[key].update({k: v for k, v in r.items() if k != "tools" and k not in rows[key]})
            else:
                rows[key] = r
    merged = dict(results[0], rows=list(rows.values()), command=" ; ".join(res["command"] for res in results))
    merged["goals"] = report.goals(merged["rows"])
    with open(out, "w") as f:
        json.dump(merged, f, indent=2)
    print(report.markdown(merged))


def main():
    if sys.argv[1:2] == ["--render"]:
        return render(sys.argv[2:-1], sys.argv[-1])
    args = parse()
    tools.ensure_tools(build=not args.no_build)
    if args.check:
        sys.exit(report.check(WL))
    build_targets(args)
    run = Run(args)
    started = datetime.datetime.now(datetime.timezone.utc)
    path = args.json or os.path.join(BENCH, "results", started.strftime("%Y-%m-%d") + ".json")
    for w in args.workloads:
        print(f"== workload {w}: {NAMES[w]}", flush=True)
        getattr(run, NAMES[w])()
        result = write(run, args, started, path)  # after each workload: a partial run keeps its rows
    print(report.markdown(result))
    print(f"\nwritten: {path}")


def build_targets(args):
    """Brings up (or repairs: `up` is idempotent) the lab hosts the selected workloads use."""
    n1 = args.hosts + len(args.exclude)
    if 5 in args.workloads:
        n1 = max(n1, max(args.scale) + len(args.exclude))
    scripts = os.path.join(os.path.dirname(BENCH), "scripts", "lab")
    if set(args.workloads) & {1, 3, 4, 5, 7}:
        subprocess.run([os.path.join(scripts, "tier1.sh"), "up", str(max(n1, 24))], check=True)
    if 2 in args.workloads:
        subprocess.run([os.path.join(scripts, "tier2.sh"), "up", str(max(args.tier2_hosts, 19))], check=True)


def write(run, args, started, path):
    """Writes the JSON result of the rows so far and returns it."""
    result = {"date": started.strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(), "versions": tools.versions(),
              "command": "python3 bench/run.py " + " ".join(sys.argv[1:]), "options": {
                  "reps": args.reps, "peer_reps": args.peer_reps, "scale_reps": args.scale_reps,
                  "peer_scale_reps": args.peer_scale_reps, "tools": args.tools, "exclude": sorted(args.exclude),
                  "logins": {k: lab.USERS[k] for k in args.logins}}, "rows": run.rows}
    result["goals"] = report.goals(run.rows)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(result, f, indent=2)
    return result


if __name__ == "__main__":
    try:
        main()
    except measure.Failed as e:
        sys.exit(f"benchmark command failed: {e}")
