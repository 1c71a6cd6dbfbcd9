"""The processes a run starts (folio, nginx, php-fpm), so that none outlives it; bounded
waits for a condition; free loopback ports; what /proc says about a process; where the
tools are."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .settings import BenchError


def say(message: str) -> None:
    print(f"\n==> {message}", file=sys.stderr, flush=True)


def warn(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"({path} unreadable)"


class Processes:
    """Every long-running process of the run. `stop` ends one (SIGTERM, then SIGKILL after
    a bounded wait); `stop_all`, at the end of the run, ends whatever is left."""

    def __init__(self) -> None:
        self.live: list[subprocess.Popen] = []

    def start(self, argv: list[str], env: dict[str, str] | None, log: Path | None) -> subprocess.Popen:
        with open(log, "ab") if log else contextlib.nullcontext(subprocess.DEVNULL) as out:
            proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        self.live.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen, timeout: float = 30) -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc in self.live:
            self.live.remove(proc)

    def stop_all(self) -> None:
        for proc in self.live:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in list(self.live):
            self.stop(proc)


def wait_until(what: str, condition: Callable[[], bool], timeout: float, *, interval: float = 0.05,
               proc: subprocess.Popen | None = None, log: Path | None = None) -> None:
    """Polls `condition` until it holds; BenchError when `proc` exits first or after
    `timeout` seconds (with the end of `log`, when there is one)."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return
        if proc is not None and proc.poll() is not None:
            raise BenchError(f"{what}: the process exited (status {proc.returncode})" +
                             (f"; the end of {log}:\n{tail(log)}" if log else ""))
        if time.monotonic() > deadline:
            raise BenchError(f"{what}: not within {timeout:.0f} s" + (f"; the end of {log}:\n{tail(log)}" if log else ""))
        time.sleep(interval)


def free_ports(n: int) -> list[int]:
    """n distinct free ports on 127.0.0.1 (all bound at once, then released)."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def free_port() -> int:
    return free_ports(1)[0]


def status_kb(pid: int, key: str) -> int | None:
    """A figure of /proc/<pid>/status in kB (VmRSS, VmHWM), None once the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                name, _, value = line.partition(":")
                if name == key:
                    return int(value.split()[0])
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # After the command's name: state is field 3, utime and stime are fields 14 and 15.
    return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 2)


def find_tool(name: str) -> str | None:
    """The path of a command, looked up as the scenarios run it."""
    if name == "nginx":
        found = shutil.which("nginx") or "/usr/sbin/nginx"
        return found if os.access(found, os.X_OK) else None
    if name == "php-fpm":
        found = shutil.which("php-fpm8.2") or next(iter(sorted(glob.glob("/usr/sbin/php-fpm*"))), None)
        return found if found and os.access(found, os.X_OK) else None
    return shutil.which(name)


def run(argv: list[str], *, env: dict[str, str] | None = None, input: str | None = None,
        what: str | None = None) -> str:
    """Runs a command to its end and returns its standard output; its standard error goes
    to ours. BenchError when it fails."""
    proc = subprocess.run(argv, check=False, env=env, input=input, stdout=subprocess.PIPE, text=True,
                          stdin=None if input is not None else subprocess.DEVNULL)
    if proc.returncode != 0:
        raise BenchError(f"{what or ' '.join(argv)} failed (exit {proc.returncode})")
    return proc.stdout


class RssSampler:
    """The highest VmRSS of a process, sampled every 100 ms by a thread between start()
    and stop() (which returns it, in kB)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.highest = pid, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            value = status_kb(self.pid, "VmRSS")
            if value is None:
                return
            self.highest = max(self.highest, value)
            self._stop.wait(0.1)

    def start(self) -> RssSampler:
        self._thread.start()
        return self

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.highest
