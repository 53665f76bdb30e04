"""The benchmark's targets: which lab hosts a run uses and the inventories each tool reads.

Knows the lab's naming and addressing (scripts/lab/tier1.sh, tier2.sh) and the login users
(both sudo NOPASSWD); knows nothing about workloads or timing."""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAB_DIR = os.environ.get("RSIBLE_LAB_DIR", os.path.join(ROOT, "lab-state"))
# The two kinds of login the harness measures. "plain": rslab2, whose login shell is /bin/sh
# with no rc file. "slow": rsslow, whose login shell is bash reading a ~/.bashrc that costs
# about 100 ms of CPU (scripts/lab/tier1.sh), as a version manager's init does on real hosts
# (bash reads ~/.bashrc for every command sshd starts). Tier-1 only: tier-2 hosts have rslab2.
USERS = {"plain": "rslab2", "slow": "rsslow"}


class Targets:
    """A named set of lab hosts with the files each tool needs to reach them."""

    def __init__(self, tier, indices, login="plain"):
        self.tier = tier
        self.indices = list(indices)
        self.login = login
        self.user = USERS[login]
        state = os.path.join(LAB_DIR, f"tier{tier}")
        self.key = os.path.join(state, "keys", "id_ed25519")
        self.known_hosts = os.path.join(state, "known_hosts")
        if not os.path.exists(self.known_hosts):
            raise SystemExit(f"lab tier {tier} is not up: {self.known_hosts} is missing "
                             f"(scripts/lab/tier{tier}.sh up; RSIBLE_LAB_DIR={LAB_DIR})")

    def name(self, i):
        """Inventory name of host number i (t1-01..t1-99, t1-100..; t2-01..)."""
        return f"t{self.tier}-{i:02d}"

    def address(self, i):
        """Address of host number i, as the lab scripts assign it."""
        if self.tier == 1:
            return f"10.213.{(i - 1) // 200}.{11 + (i - 1) % 200}"
        return f"10.214.0.{10 + i}"

    def describe(self):
        """Compact description of the hosts used, for the report (ranges of host numbers)."""
        runs, start, prev = [], None, None
        for i in sorted(self.indices):
            if start is None:
                start = prev = i
            elif i == prev + 1:
                prev = i
            else:
                runs.append((start, prev))
                start = prev = i
        if start is not None:
            runs.append((start, prev))
        return ",".join(self.name(a) if a == b else f"{self.name(a)}..{self.name(b)}" for a, b in runs)

    def write_ini(self, path):
        """An INI inventory (group `bench`) read by rsible and ansible alike."""
        with open(path, "w") as f:
            f.write("[bench]\n")
            for i in self.indices:
                f.write(f"{self.name(i)} ansible_host={self.address(i)} ansible_user={self.user} "
                        f"ansible_ssh_private_key_file={self.key}\n")
        return path

    def write_pyinfra(self, path):
        """A pyinfra inventory module (group `bench`) with the same hosts, user, key and host keys."""
        with open(path, "w") as f:
            f.write("bench = [\n")
            for i in self.indices:
                data = {"ssh_hostname": self.address(i), "ssh_user": self.user, "ssh_key": self.key,
                        "ssh_known_hosts_file": self.known_hosts, "ssh_strict_host_key_checking": "yes"}
                f.write(f"    ({self.name(i)!r}, {data!r}),\n")
            f.write("]\n")
        return path


def tier1_hosts(n, exclude=(), login="plain"):
    """The first n tier-1 host numbers in the order 1..24, 161..500, 25..160, skipping `exclude`.

    Hosts 25..160 come last because other test suites break them on purpose."""
    order = list(range(1, 25)) + list(range(161, 501)) + list(range(25, 161))
    chosen = [i for i in order if i not in set(exclude)][:n]
    if len(chosen) < n:
        raise SystemExit(f"only {len(chosen)} tier-1 hosts are available outside the excluded ones, {n} asked")
    return Targets(1, chosen, login)


def tier2_hosts(n):
    """Tier-2 hosts t2-01..t2-n (full Debian hosts with their own /etc/passwd)."""
    return Targets(2, range(1, n + 1))


def parse_ranges(text):
    """Host numbers from `25-160,170`."""
    out = set()
    for part in filter(None, text.split(",")):
        a, _, b = part.partition("-")
        out.update(range(int(a), int(b or a) + 1))
    return out
