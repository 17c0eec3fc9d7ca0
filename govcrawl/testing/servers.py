"""Throw-away local servers for tests and bench/: a free port, a real redis-server."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A real ``redis-server`` on 127.0.0.1, without persistence, for as long as the ``with``:

        with RedisServer(folder) as url: ...   # redis://127.0.0.1:PORT/0
    """

    def __init__(self, folder: Path, exe: str | None = None):
        self.folder, self.exe = Path(folder), exe

    def __enter__(self) -> str:
        import redis

        exe = self.exe or shutil.which("redis-server")
        if exe is None:
            raise RuntimeError("redis-server not found: install the Debian package redis-server")
        port = free_port()
        self.proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                      "--dir", str(self.folder)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        url = f"redis://127.0.0.1:{port}/0"
        client = redis.Redis.from_url(url)
        for _ in range(200):
            try:
                client.ping()
                return url
            except redis.ConnectionError:
                time.sleep(0.05)
        self.proc.kill()
        raise RuntimeError("redis-server did not start")

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        self.proc.wait(10)
