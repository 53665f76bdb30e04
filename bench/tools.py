"""The tools under test and how each is invoked, configured as fairly as the issue asks.

Ansible: pipelining on, forks = number of hosts, no fact gathering (the workloads say
`gather_facts: false`), OpenSSH with ControlPersist=60s, host keys checked against the lab's file.
ansible-core-rs (a Rust reimplementation of ansible-core; its `ansible playbook`) and Ansible with
Mitogen (the `mitogen_linear` strategy): Ansible's configuration, the same playbook file.
pyinfra: `--parallel` = number of hosts, host keys checked against the same file.
rsible: forks = number of hosts, host keys checked against the same file, otherwise its
defaults (connections kept 60 s, as Ansible's ControlPersist; the daemon keeping them is
measured with the run: see `companions`).
Knows the venv and the binaries; knows nothing about which hosts or workloads."""
import os
import shutil
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RSIBLE = os.path.join(ROOT, "target", "release", "rsible")
VENV = os.environ.get("RSIBLE_BENCH_VENV", "/var/cache/rsible/bench-venv")
# Mitogen 0.3.54 is the newest release; it loads into ansible-core 2.19 (its strategy plugin
# prints ansible-core's deprecation warning for third-party strategies, nothing else).
PEER_PINS = ["ansible-core>=2.19,<2.20", "pyinfra>=3.0,<4", "mitogen==0.3.54"]
# ansible-core-rs installs its own `ansible` program, so it has a venv of its own.
RS_VENV = os.environ.get("RSIBLE_BENCH_RS_VENV", "/var/cache/rsible/bench-venv-ansible-rs")
RS_PIN = "ansible-core-rs==0.16.0"
# Every tool, in the table's order.
ALL = ("rsible", "ansible", "pyinfra", "ansible-rs", "mitogen")
# rsible's control directory (its persistence daemon's socket), as Ansible's ~/.ansible/cp.
CONTROL_DIR = os.path.join(tempfile.gettempdir(), "rsible-bench-cp")


def control_dir(name=None):
    """A private control directory: the benchmark's, or a fresh one named `name`."""
    path = CONTROL_DIR if name is None else tempfile.mkdtemp(prefix=f"rsible-bench-cp-{name}-")
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def companions(tool):
    """The `pgrep -f` pattern of the background process working for `tool`'s runs: rsible's
    persistence daemon (its CPU and memory belong to the run); None for the peers."""
    return f"__persist-daemon {CONTROL_DIR}" if tool.startswith("rsible") else None


def stop_daemon(cdir):
    """Stops the persistence daemon of control directory `cdir` and removes the directory."""
    subprocess.run(["pkill", "-f", f"__persist-daemon {cdir}"], capture_output=True)
    shutil.rmtree(cdir, ignore_errors=True)


def venv_bin(name):
    """Path of a program installed in the benchmark venv."""
    return os.path.join(VENV, "bin", name)


def rs_bin(name):
    """Path of a program installed in ansible-core-rs's venv."""
    return os.path.join(RS_VENV, "bin", name)


def mitogen_strategies():
    """The directory of Mitogen's strategy plugins in the benchmark venv."""
    lib = os.path.join(VENV, "lib")
    for py in sorted(os.listdir(lib)):
        d = os.path.join(lib, py, "site-packages", "ansible_mitogen", "plugins", "strategy")
        if os.path.isdir(d):
            return d
    raise SystemExit(f"mitogen is not installed in {VENV}")


def ensure_tools(build=True):
    """Build rsible (release) and install the peers from PyPI if missing."""
    if build:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    have = subprocess.run([venv_bin("python"), "-c", "import ansible_mitogen"], capture_output=True) \
        if os.path.exists(venv_bin("python")) else None
    if not all(os.path.exists(venv_bin(p)) for p in ("ansible-playbook", "ansible-inventory", "pyinfra")) \
            or have is None or have.returncode != 0:
        print(f"== installing {' '.join(PEER_PINS)} into {VENV}", flush=True)
        subprocess.run(["python3", "-m", "venv", VENV], check=True)
        subprocess.run([venv_bin("pip"), "install", "-q", *PEER_PINS], check=True)
    if not os.path.exists(rs_bin("ansible")):
        print(f"== installing {RS_PIN} into {RS_VENV}", flush=True)
        subprocess.run(["python3", "-m", "venv", RS_VENV], check=True)
        subprocess.run([rs_bin("pip"), "install", "-q", RS_PIN], check=True)


def versions():
    """One version line per tool, as each prints it."""
    def first_line(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return f"{os.path.basename(cmd[0])}: not installed"
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return {
        "rsible": f"{first_line([RSIBLE, '--version'])} (git {commit.stdout.strip() or '?'})",
        "ansible-core": first_line([venv_bin("ansible"), "--version"]),
        "pyinfra": first_line([venv_bin("pyinfra"), "--version"]),
        "ansible-rs": first_line([rs_bin("ansible"), "--version"]),
        "mitogen": "mitogen " + subprocess.run(
            [venv_bin("python"), "-c", "import mitogen; print('.'.join(map(str, mitogen.__version__)))"],
            capture_output=True, text=True).stdout.strip(),
    }


def base_env():
    """The environment every tool runs in: no colours, no terminal."""
    env = dict(os.environ, NO_COLOR="1", ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    env.pop("RSIBLE_LOG", None)
    return env


def rsible_env():
    """rsible's environment: the benchmark's control directory."""
    return dict(base_env(), RSIBLE_CONTROL_PATH_DIR=control_dir())


def ansible_env(targets, forks):
    """Ansible's configuration for a run on `targets` with `forks` workers."""
    return dict(
        base_env(),
        ANSIBLE_PIPELINING="True",
        ANSIBLE_FORKS=str(forks),
        ANSIBLE_GATHERING="explicit",
        ANSIBLE_HOST_KEY_CHECKING="True",
        ANSIBLE_SSH_ARGS="-C -o ControlMaster=auto -o ControlPersist=60s "
                         f"-o UserKnownHostsFile={targets.known_hosts}",
        ANSIBLE_PYTHON_INTERPRETER="/usr/bin/python3",
        ANSIBLE_DEPRECATION_WARNINGS="False",
        ANSIBLE_RETRY_FILES_ENABLED="False",
    )


def mitogen_env(targets, forks):
    """Ansible's configuration with Mitogen's strategy (it replaces the connection and the
    module transfer; the rest of the configuration is Ansible's)."""
    return dict(ansible_env(targets, forks), ANSIBLE_STRATEGY_PLUGINS=mitogen_strategies(),
                ANSIBLE_STRATEGY="mitogen_linear")


class Invocations:
    """The command lines of the tools for one set of targets and inventories."""

    def __init__(self, targets, ini, pyinfra_inv):
        self.targets, self.ini, self.pyinfra_inv = targets, ini, pyinfra_inv
        self.n = len(targets.indices)

    def rsible_play(self, playbook):
        """`rsible play` of a playbook."""
        return ([RSIBLE, "play", playbook, "-i", self.ini, "--known-hosts", self.targets.known_hosts,
                 "-f", str(self.n), "-e", "tool=rsible"], rsible_env(), None)

    def ansible_play(self, playbook):
        """`ansible-playbook` of the same playbook file."""
        return ([venv_bin("ansible-playbook"), playbook, "-i", self.ini, "-e", "tool=ansible"],
                ansible_env(self.targets, self.n), None)

    def ansible_rs_play(self, playbook):
        """ansible-core-rs's `ansible playbook` of the same playbook file, Ansible's configuration."""
        return ([rs_bin("ansible"), "playbook", playbook, "-i", self.ini, "-f", str(self.n), "-e", "tool=ansible-rs"],
                ansible_env(self.targets, self.n), None)

    def mitogen_play(self, playbook):
        """`ansible-playbook` with Mitogen's `mitogen_linear` strategy, of the same playbook file."""
        return ([venv_bin("ansible-playbook"), playbook, "-i", self.ini, "-e", "tool=mitogen"],
                mitogen_env(self.targets, self.n), None)

    def pyinfra_deploy(self, deploy):
        """`pyinfra` of the workload's deploy.py, run from its directory (templates are relative)."""
        return ([venv_bin("pyinfra"), "-y", "--parallel", str(self.n), self.pyinfra_inv, os.path.basename(deploy)],
                base_env(), os.path.dirname(deploy))

    def adhoc(self, command):
        """The same ad-hoc command through each tool."""
        return {
            "rsible": ([RSIBLE, "run", "bench", "-i", self.ini, "--known-hosts", self.targets.known_hosts,
                        "-f", str(self.n), "-a", command], rsible_env(), None),
            "ansible": ([venv_bin("ansible"), "bench", "-i", self.ini, "-a", command],
                        ansible_env(self.targets, self.n), None),
            "pyinfra": ([venv_bin("pyinfra"), "-y", "--parallel", str(self.n), self.pyinfra_inv, "exec", "--",
                         command], base_env(), None),
            "ansible-rs": ([rs_bin("ansible"), "bench", "-i", self.ini, "-f", str(self.n), "-a", command],
                           ansible_env(self.targets, self.n), None),
            "mitogen": ([venv_bin("ansible"), "bench", "-i", self.ini, "-a", command],
                        mitogen_env(self.targets, self.n), None),
        }
