"""Workload 4 for pyinfra: the 48 tasks and 2 handlers of site.yml beside this file.

A handler is an operation guarded by `_if=any_changed(...)` of the operations that notify it."""
from io import StringIO

from pyinfra import host
from pyinfra.operations import files, server
from pyinfra.operations.util import any_changed

d = f"/tmp/rsible-bench/pyinfra/{host.name}/play50"
files.directory(name="base directory", path=d, mode="755")
for sub in ["conf", "data", "logs", "run", "lib"]:
    files.directory(name="directories (loop)", path=f"{d}/{sub}", mode="755")
templates = [
    files.template(name=f"template {i}", src="templates/service.conf.j2", dest=f"{d}/conf/svc{i}.conf",
                   mode="644", service=f"svc{i}", svc_port=8000 + i, host_name=host.name)
    for i in range(1, 11)
]
for i in range(1, 11):
    files.put(name=f"copy {i}", src=StringIO(f"data file {i}\n"), dest=f"{d}/data/file{i}.txt", mode="644")
for i in range(1, 11):
    files.line(name=f"lineinfile {i}", path=f"{d}/conf/settings.ini", line=f"^key{i}=", replace=f"key{i}=value{i}")
for item in range(1, 9):
    files.put(name="copies (loop)", src=StringIO(f"item {item}\n"), dest=f"{d}/lib/item-{item}.txt", mode="644")
for item in ["alpha", "bravo", "charlie", "delta", "echo"]:
    files.line(name="lines (loop)", path=f"{d}/conf/hosts.list", line=item)
for i, c in enumerate(["uname -r", f"ls {d}/conf", f"test -d {d}/data", f"cat {d}/conf/settings.ini", "id -u",
                       "hostname"], 1):
    server.shell(name=f"command {i}", commands=[c])
server.shell(name="command with creates", commands=[f"test -e {d}/run/initialised || touch {d}/run/initialised"])
for i in range(1, 5):
    files.link(name=f"link {i}", path=f"{d}/lib/svc{i}.link", target=f"{d}/conf/svc{i}.conf")
summary = files.template(name="summary template", src="templates/summary.j2", dest=f"{d}/conf/summary.txt",
                         mode="644", services=["svc1", "svc2", "svc3"], host_name=host.name)
files.file(name="file attributes", path=f"{d}/conf/settings.ini", mode="644")
server.shell(name="final command", commands=[f"test -f {d}/conf/summary.txt"])
server.shell(name="reload services", commands=[f"touch {d}/run/reloaded"], _if=any_changed(*templates))
server.shell(name="restart app", commands=[f"touch {d}/run/restarted"], _if=summary.did_change)
