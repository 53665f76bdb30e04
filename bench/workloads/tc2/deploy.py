"""Workload 2 for pyinfra: sake-performance's TC2 (user, file, copy) with sudo, as site.yml."""
from io import StringIO

from pyinfra.operations import files, server

server.user(name="user", user="bench-pyinfra", shell="/bin/sh", present=True, _sudo=True)
files.directory(name="file", path="/opt/rsible-bench-pyinfra", mode="755", _sudo=True)
files.put(name="copy", src=StringIO("managed by pyinfra\n"), dest="/opt/rsible-bench-pyinfra/motd",
          mode="644", _sudo=True)
