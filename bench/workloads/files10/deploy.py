"""Workload 3 for pyinfra: the ten tasks of site.yml beside this file, as pyinfra operations.

Paths are per tool and per host (tier-1 lab hosts share the controller's filesystem)."""
from io import StringIO

from pyinfra import host
from pyinfra.operations import files, server

d = f"/tmp/rsible-bench/pyinfra/{host.name}/files10"
files.directory(name="base directory", path=d, mode="755")
server.shell(name="command", commands=["uname -r"])
files.put(name="first copy", src=StringIO("alpha\n"), dest=f"{d}/a.txt", mode="644")
files.put(name="second copy", src=StringIO("bravo\n"), dest=f"{d}/b.txt", mode="600")
files.file(name="file attributes", path=f"{d}/a.txt", mode="644")
files.line(name="first line", path=f"{d}/c.conf", line="x=1")
files.line(name="second line", path=f"{d}/c.conf", line="^y=", replace="y=2")
files.link(name="link", path=f"{d}/b.link", target=f"{d}/b.txt")
server.shell(name="creates", commands=[f"test -e {d}/marker || touch {d}/marker"])
files.directory(name="directory", path=f"{d}/sub/deeper", mode="755")
