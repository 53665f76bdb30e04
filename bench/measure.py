"""Running one command and measuring it: wall time, controller CPU time, peak controller memory.

Knows nothing about tools or workloads: a command is an argv, an environment and a directory."""
import os
import re
import statistics
import subprocess
import time


class Failed(Exception):
    """A measured command exited non-zero; carries its command line and output tail."""


def timed(cmd, env=None, cwd=None, companions=None):
    """Wall seconds, CPU seconds, peak RSS (MB) and output of one run of `cmd`.

    os.wait4 gives the rusage of this child and the descendants it waited for (ansible's
    workers and ssh clients, pyinfra's threads), never another tool's; daemonised OpenSSH
    ControlMaster processes are not counted. Peak memory is the largest single process.
    `companions` (a `pgrep -f` pattern) names background processes that work for the run
    (rsible's persistence daemon): the CPU they use during the run is added, and their peak
    memory (VmHWM over their life) counts as a process of the run."""
    before = {pid: cpu_ticks(pid) for pid in pids(companions)}
    t = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    code = os.waitstatus_to_exitcode(status)
    text = out.decode(errors="replace")
    if code != 0:
        raise Failed(f"exit {code}: {' '.join(cmd)}\n{text[-3000:]}")
    cpu, rss = ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024
    hz = os.sysconf("SC_CLK_TCK")
    for pid in pids(companions):
        cpu += (cpu_ticks(pid) - before.get(pid, 0)) / hz
        rss = max(rss, peak_kb(pid) / 1024)
    return {"wall_s": wall, "cpu_s": cpu, "peak_rss_mb": rss, "out": text}


def pids(pattern):
    """Pids of the processes whose command line matches `pattern` (none without one)."""
    if not pattern:
        return []
    p = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True)
    return [int(x) for x in p.stdout.split()]


def cpu_ticks(pid):
    """User + system clock ticks a live process has used (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0


def peak_kb(pid):
    """A live process's peak resident memory (VmHWM) in kB (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return next((int(line.split()[1]) for line in f if line.startswith("VmHWM:")), 0)
    except OSError:
        return 0


def summarise(samples):
    """Median wall and CPU, largest peak memory, and the raw samples of several runs."""
    return {
        "wall_s": statistics.median(s["wall_s"] for s in samples),
        "cpu_s": statistics.median(s["cpu_s"] for s in samples),
        "peak_rss_mb": max(s["peak_rss_mb"] for s in samples),
        "runs": len(samples),
        "wall_samples": [round(s["wall_s"], 3) for s in samples],
    }


RECAP = re.compile(r"^\S+\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def recap_changed(out):
    """Total `changed=` over the PLAY RECAP lines of ansible-playbook or rsible, or None."""
    lines = RECAP.findall(out)
    return sum(int(c) for _, c, _, _ in lines) if lines else None


def pyinfra_changed(out):
    """pyinfra's "Success" total (operations that ran something; shell operations always
    count) from its results table, or None."""
    m = re.search(r"^\s*Grand total\s+\d+\s+(\d+|-)", out, re.M)
    return None if m is None else (0 if m.group(1) == "-" else int(m.group(1)))
