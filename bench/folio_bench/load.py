"""Load generation with wrk: measured rounds, each kept as wrk's own report in a file of the
work directory (the report parses them), warm-ups, and the rule that no round starts while a
build or a test suite runs on the machine."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

from .processes import say

# A build or a test suite on the machine: pgrep patterns (`-x`: the whole process name).
BUSY = (["-x", "cargo"], ["rustc"], ["-f", "nextest"], ["-f", r"python3? -m pytest|bin/pytest"])


def busy() -> bool:
    return any(subprocess.run(["pgrep", *p], check=False, stdout=subprocess.DEVNULL).returncode == 0 for p in BUSY)


class Quiet:
    """Waits while a build or a test suite (cargo, rustc, nextest, pytest) runs, so that it
    does not disturb a round, up to `quiet_max` seconds in all over the run; notes in the
    work directory a round that started or ended with one running (disturbed.txt) and each
    wait (waits.txt), for the report."""

    POLL = 5  # seconds between two looks at the process list

    def __init__(self, work: Path, quiet_max: int) -> None:
        self.work, self.quiet_max, self.waited_total = work, quiet_max, 0

    def _note(self, name: str, line: str) -> None:
        with open(self.work / name, "a") as f:
            f.write(line + "\n")

    def before(self, what: str) -> None:
        waited = 0
        while busy():
            if waited == 0:
                say(f"waiting for cargo/rustc/nextest/pytest to end before {what} "
                    f"({self.waited_total} of at most {self.quiet_max} s waited so far)")
            if self.waited_total >= self.quiet_max:
                self._note("disturbed.txt", f"{what}: started while a build or test ran (the run had waited "
                                            f"{self.quiet_max} s, QUIET_MAX, and waits no more)")
                break
            time.sleep(self.POLL)
            waited += self.POLL
            self.waited_total += self.POLL
        if waited:
            self._note("waits.txt", f"{waited} s before {what}")

    def after(self, what: str) -> None:
        if busy():
            self._note("disturbed.txt", f"{what}: a build or test was running at its end")


def wrk(args: list[str]) -> str:
    """wrk's report (its output, errors included)."""
    proc = subprocess.run(["wrk", *args], check=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return proc.stdout + ("" if proc.returncode == 0 else "wrk exited with an error\n")


def requests_line(text: str) -> str:
    m = re.search(r"Requests/sec.*", text)
    return m.group(0) if m else "(no figure)"


def measured_round(quiet: Quiet, out: Path, args: list[str]) -> None:
    """One measured wrk round into `out`: waits for quiet, runs, notes a disturbance."""
    label = out.stem
    quiet.before(label)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(wrk(args))
    quiet.after(label)
    print(f"  {label}: {requests_line(out.read_text())}", file=sys.stderr, flush=True)


def warm_up(url: str, threads: int, connections: int) -> None:
    """2 s of load, not measured (wrk's failure is not the warm-up's concern)."""
    subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", "-d2s", url],
                   check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def rotated(setups: list[str], round_no: int) -> list[str]:
    """The set-ups in the order of round `round_no` (1-based): rotated from round to round,
    so that no set-up always runs first."""
    return [setups[(n + round_no) % len(setups)] for n in range(len(setups))]


def rounds_one_and_many(quiet: Quiet, directory: Path, rounds: int, threads: int, duration: str,
                        connections: int, urls: dict[str, str]) -> None:
    """`rounds` rounds over the set-ups in `urls`, each in a rotated order: every set-up with
    one connection (`wrk -t1 -c1`), then every one with `connections`. Each report goes to
    directory/wrk/<setup>-c<connections>-r<round>.txt."""
    setups = list(urls)
    for r in range(1, rounds + 1):
        order = rotated(setups, r)
        for conns in (1, connections):
            for setup in order:
                measured_round(quiet, directory / "wrk" / f"{setup}-c{conns}-r{r}.txt",
                               [f"-t{1 if conns == 1 else threads}", f"-c{conns}", f"-d{duration}",
                                "--latency", urls[setup]])
