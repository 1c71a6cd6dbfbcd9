#!/usr/bin/env python3
"""Several Folio binaries side by side (two release builds of two commits, say): whether a
change moved idle memory or the speed of a cached or an uncached page.

    bench/compare.py BINARY [BINARY ...]
    RUNS=5 bench/compare.py /tmp/before/folio target/release/folio

For each binary: its file and `.text` sizes; idle memory as scenario 1 (`bench/run.sh
static`) defines "idle" (start on an empty SQLite site, create the long post through the
API, fetch its page twice, wait 1 s, read VmRSS, with its file-backed and anonymous
parts); and requests per second for that post's page, cached and with the page cache off
(`FOLIO_PAGE_CACHE_MB=0`), `wrk -t2 -c64 -d5s`, with and without browser headers
(`Accept-Encoding: gzip, deflate, br`). The binaries take turns, RUNS rounds (default 3)
in an order rotated each round, so a machine that drifts drifts for all of them alike.
Figures are only comparable within one run. Needs wrk; traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from folio_bench import client  # noqa: E402
from folio_bench.load import requests_line, wrk  # noqa: E402
from folio_bench.folio import Folio, create_post, path_of  # noqa: E402
from folio_bench.processes import Processes, free_port, status_kb  # noqa: E402


def text_size(binary: str) -> int | None:
    """The size of the binary's .text section in bytes (from `size -A`), None without binutils."""
    try:
        out = subprocess.run(["size", "-A", binary], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0] == ".text":
            return int(parts[1])
    return None


BROWSER = "Accept-Encoding: gzip, deflate, br"


def per_second(report: str) -> float:
    line = requests_line(report)
    try:
        return float(line.split()[-1])
    except (IndexError, ValueError):
        raise SystemExit(f"wrk gave no figure:\n{report}") from None


def measure(binary: str, work: Path, procs: Processes) -> dict[str, float]:
    """One server's figures: VmRSS, RssFile (pages mapped from files: the binary) and
    RssAnon (heap, stacks, SQLite's page cache) when idle, in kB; then requests per second
    for the post's page, cached, and, from a second server with the cache off, uncached."""
    figures: dict[str, float] = {}
    for cache_mb in ("64", "0"):
        with_cache = cache_mb != "0"
        figures |= run_one(binary, work, procs, cache_mb, with_cache)
    return figures


def run_one(binary: str, work: Path, procs: Processes, cache_mb: str, idle: bool) -> dict[str, float]:
    site_dir = Path(tempfile.mkdtemp(dir=work))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    site = {"FOLIO_DATA_DIR": str(site_dir / "data"), "FOLIO_BASE_URL": base, "FOLIO_PAGE_CACHE_MB": cache_mb}
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLIO_")}
    folio = Folio(binary, env, procs)
    folio.migrate(site)
    token = folio.make_owner(site)
    server = folio.serve(site, site_dir / "serve.log", port=port)
    try:
        created, _ = create_post(base, token, site_dir)
        path = path_of(created["url"], base)
        client.get(base + path)
        client.get(base + path)
        figures: dict[str, float] = {}
        if idle:
            time.sleep(1)  # the definition of idle, as in scenario 1: nothing to wait for
            for key in ("VmRSS", "RssFile", "RssAnon"):
                kb = status_kb(server.pid, key)
                if kb is None:
                    raise SystemExit(f"{binary}: the server exited before its memory was read (see {site_dir}/serve.log)")
                figures[key] = kb
        which = "cached" if idle else "uncached"
        for label, extra in ((which, []), (f"{which}, browser", ["-H", BROWSER])):
            wrk(["-t2", "-c64", "-d1s", *extra, base + path])  # warm-up
            figures[label] = per_second(wrk(["-t2", "-c64", "-d5s", *extra, base + path]))
        return figures
    finally:
        procs.stop(server.proc)


def main() -> None:
    binaries = sys.argv[1:]
    if not binaries:
        raise SystemExit(__doc__)
    for b in binaries:
        if not os.access(b, os.X_OK):
            raise SystemExit(f"{b}: not an executable file")
    runs = int(os.environ.get("RUNS", "3"))
    figures: dict[str, list[dict[str, float]]] = {b: [] for b in binaries}
    procs = Processes()
    with tempfile.TemporaryDirectory(prefix="folio-compare-") as tmp:
        try:
            for i in range(runs):
                order = binaries[i % len(binaries):] + binaries[: i % len(binaries)]
                for b in order:
                    figures[b].append(measure(b, Path(tmp), procs))
                    f = figures[b][-1]
                    print(f"round {i + 1}: {b}: {f['VmRSS'] / 1024:.1f} MiB, cached {f['cached']:,.0f}/s, "
                          f"uncached {f['uncached']:,.0f}/s", file=sys.stderr)
        finally:
            procs.stop_all()
    print("| binary | file (MB) | .text (MB) | idle RSS (MiB) | of which file-backed | anonymous |")
    print("|---|---:|---:|---|---|---|")
    for b in binaries:
        text = text_size(b)
        text_mb = f"{text / 1e6:.1f}" if text else "?"
        cols = [", ".join(f"{run[key] / 1024:.1f}" for run in figures[b]) for key in ("VmRSS", "RssFile", "RssAnon")]
        print(f"| {b} | {os.path.getsize(b) / 1e6:.1f} | {text_mb} | {' | '.join(cols)} |")
    labels = ("cached", "cached, browser", "uncached", "uncached, browser")
    print()
    print("| binary | " + " | ".join(f"{label} (req/s)" for label in labels) + " |")
    print("|---|" + "---|" * len(labels))
    for b in binaries:
        cols = [", ".join(f"{run[label]:,.0f}" for run in figures[b]) for label in labels]
        print(f"| {b} | {' | '.join(cols)} |")


if __name__ == "__main__":
    main()
