"""A private PostgreSQL server that a test may stop, crash and start again (pg_ctl).

Its binaries are the machine's PostgreSQL (`pg_config --bindir`) when HEALER_DATABASE_URL
says the tests run against a server of the machine, else the embedded pgserver's. It listens
on a free loopback port, so its URL survives restarts. As root it runs as the OS user the
embedded server runs as (PostgreSQL refuses root).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def binaries() -> Path:
    """The folder of initdb and pg_ctl: the machine's PostgreSQL where it is the one in use."""
    if os.environ.get("HEALER_DATABASE_URL") and shutil.which("pg_config"):
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,
                               check=False).stdout.strip()
        if found and (Path(found) / "pg_ctl").exists() and (Path(found) / "initdb").exists():
            return Path(found)
    from pgserver._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


class Cluster:
    def __init__(self) -> None:
        from healer_ops.db.embedded import SYSTEM_USER, ensure_system_user

        self.bin = binaries()
        self.user = None
        if os.geteuid() == 0:
            ensure_system_user()
            self.user = SYSTEM_USER
        self.base = Path(tempfile.mkdtemp(prefix="healer-fault-pg-"))
        self.base.chmod(0o755)  # the server's user must reach its data folder
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.port = _free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--encoding=utf8", "--no-sync", prepare=True)
        self.start()

    def _run(self, program: str, *args: str, prepare: bool = False) -> None:
        if prepare and self.user:
            import pwd

            entry = pwd.getpwnam(self.user)
            self.data.mkdir()
            os.chown(self.data, entry.pw_uid, entry.pw_gid)
            os.chown(self.base, entry.pw_uid, entry.pw_gid)
        subprocess.run([str(self.bin / program), *args], check=True, capture_output=True,
                       text=True, user=self.user, cwd=self.base, timeout=120)

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                  "-o", f"-h 127.0.0.1 -p {self.port} -k {self.base} -c fsync=off "
                        "-c max_connections=60", "start")

    def stop(self, mode: str = "fast") -> None:
        """`fast`: sessions are ended and the server shuts down; `immediate`: a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def close(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
