#!/usr/bin/env python3
"""A bounded soak of one `folio serve`: mixed reads, searches and writes at a fixed share of
the measured maximum, open-loop, for a fixed time; errors, latency and memory at the end.

    FOLIO_BIN=target/release/folio python3 bench/soak.py [--seconds 600] [--share 0.8]
        [--write-every 0.5] [--segment 600] [--database-url URL] [--out bench/results/soak-DATE.md]

1. Starts the binary on a fresh data folder (SQLite unless --database-url), makes the owner
   and a token with the CLI, and writes 300 posts under 12 tags through the API.
2. The read mix (a file of URLs, drawn at random by oha): post pages 70 %, the home page
   and tag pages 15 %, searches 15 % (over 60 words, so some hit the cache and some not).
   A writer thread edits one post every half second (`--write-every`; 0: no writes, for
   the latency a write is measured against) through the API the whole time: after
   each write that post's page and every listing (home, tags, feeds) miss again (until
   2026-12-03, every cached page did).
3. The maximum: oha closed-loop, 64 connections, 15 s, with the writer running.
4. The soak: oha open-loop at `share` × maximum requests per second with latency
   correction (a late request counts from when it should have been sent, so a stall is
   not hidden by the load generator waiting: no coordinated omission), 64 connections.
   oha keeps every request's result in memory (a 30-minute run at 39,000 req/s, 70 million
   requests, was killed for it), so a long soak runs as back-to-back oha runs of
   `--segment` seconds: counts are summed, latency percentiles are the worst segment's.
5. Memory: the server's RSS every 5 s; start (after a warm-up minute's first 10 s), end
   and highest are reported, with the growth from start to end.

Needs oha (`cargo install oha`). Traffic goes to 127.0.0.1 only; bounded in time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
from support import Folio  # noqa: E402  (the tests' helper: start, CLI, API)

WORDS = ("river mountain cache replica archive lantern quokka zephyr harbor meadow "
         "copper violet thunder pepper garden orbit canyon fossil glacier marble "
         "ribbon saddle tundra velvet walnut anchor beacon cobalt dune ember "
         "falcon granite hollow ivory juniper kettle lagoon mosaic nectar oasis "
         "pebble quartz raven summit timber umber vessel willow yonder zinnia "
         "amber bramble cinder delta echo fable gravel hazel indigo jasper").split()


def oha(url_file: Path, seconds: int, extra: list[str]) -> dict:
    cmd = ["oha", "--no-tui", "--output-format", "json", "-z", f"{seconds}s", "-c", "64",
           "--urls-from-file", str(url_file), *extra]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120, check=True)
    return json.loads(out.stdout)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Writer(threading.Thread):
    """Edits a post every `interval` seconds through the API until stopped."""

    def __init__(self, site: Folio, post_ids: list[int], interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.site, self.post_ids, self.interval = site, post_ids, interval
        self.done = threading.Event()
        self.ok = self.failed = 0

    def run(self) -> None:
        n = 0
        while not self.done.wait(self.interval):
            n += 1
            pid = random.choice(self.post_ids)
            body = {"markdown": f"Edited {n} times. " + " ".join(random.choices(WORDS, k=80))}
            try:
                status = self.site.api("PATCH", f"/api/v1/admin/posts/{pid}", body).status
            except OSError:
                status = 0
            if status == 200:
                self.ok += 1
            else:
                self.failed += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--share", type=float, default=0.8)
    parser.add_argument("--write-every", type=float, default=0.5, help="seconds between edits; 0: no writes")
    parser.add_argument("--segment", type=int, default=600, help="seconds per oha run (a long soak is several)")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / f"soak-{dt.date.today()}.md"))
    args = parser.parse_args()
    if not shutil.which("oha"):
        sys.exit("bench/soak.py needs oha (cargo install oha)")
    binary = Path(os.environ.get("FOLIO_BIN", REPO / "target" / "release" / "folio")).resolve()
    work = Path(tempfile.mkdtemp(prefix="folio-soak."))
    env = {"FOLIO_DATABASE_URL": args.database_url} if args.database_url else {}
    site = Folio(binary, work, extra_env={**env, "FOLIO_LOG": "warn"})
    try:
        site.setup_owner()
        site.start()
        random.seed(7)
        tags = [f"Topic {i}" for i in range(12)]
        posts = [site.create_post(title=f"Soak post {i} " + " ".join(random.choices(WORDS, k=4)),
                                  markdown="\n\n".join(" ".join(random.choices(WORDS, k=60)) for _ in range(6)),
                                  tags=random.sample(tags, 2), status="published") for i in range(300)]
        base = site.url
        urls = [base + site.path_of(p["url"]) for p in posts for _ in range(7)]
        urls += [base + "/"] * 80 + [f"{base}/tag/topic-{i}/" for i in range(12) for _ in range(6)]
        urls += [f"{base}/search?q={random.choice(WORDS)}" for _ in range(300)]
        url_file = work / "urls.txt"
        url_file.write_text("\n".join(urls) + "\n")
        writer = Writer(site, [p["id"] for p in posts], args.write_every)
        if args.write_every > 0:
            writer.start()

        maximum = oha(url_file, 15, [])
        max_rps = maximum["summary"]["requestsPerSec"]
        rate = max(1, int(max_rps * args.share))
        print(f"maximum {max_rps:,.0f} req/s; soaking at {rate:,} req/s for {args.seconds} s", file=sys.stderr)

        samples: list[tuple[float, int]] = []
        stop = threading.Event()

        def sample() -> None:
            started = time.monotonic()
            while not stop.wait(5):
                samples.append((time.monotonic() - started, rss_kib(site.proc.pid)))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        parts, left = [], args.seconds
        while left > 0:
            parts.append(oha(url_file, min(args.segment, left), ["-q", str(rate), "--latency-correction"]))
            left -= min(args.segment, left)
        soak = merge(parts, args.seconds)
        stop.set()
        writer.done.set()
        if writer.is_alive():
            writer.join()
        report(args, site, maximum, soak, rate, samples, writer)
        return 0
    finally:
        site.stop()
        shutil.rmtree(work, ignore_errors=True)


def merge(parts: list[dict], seconds: int) -> dict:
    """One result of back-to-back oha runs: counts summed, the worst segment's latencies."""
    if len(parts) == 1:
        return parts[0]
    statuses: dict[str, int] = {}
    errors: dict[str, int] = {}
    for part in parts:
        for code, n in part.get("statusCodeDistribution", {}).items():
            statuses[code] = statuses.get(code, 0) + n
        for what, n in part.get("errorDistribution", {}).items():
            errors[what] = errors.get(what, 0) + n
    percentiles = {key: max(p.get("latencyPercentiles", {}).get(key, 0) or 0 for p in parts) for key in ("p50", "p99", "p99.9")}
    done = sum(statuses.values()) + sum(errors.values())
    return {
        "summary": {"requestsPerSec": done / seconds, "slowest": max(p["summary"].get("slowest", 0) or 0 for p in parts)},
        "latencyPercentiles": percentiles,
        "statusCodeDistribution": statuses,
        "errorDistribution": errors,
        "segments": [{"p50": p.get("latencyPercentiles", {}).get("p50", 0), "p99": p.get("latencyPercentiles", {}).get("p99", 0)} for p in parts],
    }


def report(args, site: Folio, maximum: dict, soak: dict, rate: int, samples, writer: Writer) -> None:
    s = soak["summary"]
    pct = soak.get("latencyPercentiles", {})
    statuses = soak.get("statusCodeDistribution", {})
    errors = soak.get("errorDistribution", {})
    non_2xx = sum(n for code, n in statuses.items() if not code.startswith("2"))
    # oha cuts the requests still in flight when its time is up: not failures of the server.
    cut = sum(n for what, n in errors.items() if "deadline" in what)
    failures = sum(errors.values()) - cut
    total = sum(statuses.values()) + sum(errors.values())
    warm = [kib for t, kib in samples if t >= 10] or [kib for _, kib in samples]
    rss_start, rss_end, rss_max = warm[0] / 1024, warm[-1] / 1024, max(warm) / 1024
    version = subprocess.run([str(site.binary), "--version"], capture_output=True, text=True).stdout.strip()
    lines = [
        "# Folio soak",
        "",
        f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%dT%H:%MZ} · {version} · {platform.processor() or platform.machine()} · "
        f"{os.cpu_count()} cores · Linux {platform.release()} · database {args.database_url.split('@')[-1] or 'SQLite'}",
        "",
        "Mixed reads (post pages 70 %, home and tag pages 15 %, searches 15 %) "
        + (f"with a post edited every {args.write_every:g} s through the API" if args.write_every > 0 else "without writes")
        + "; oha and the server share the machine's cores. Maximum, closed loop, 64 connections, 15 s: "
        f"**{maximum['summary']['requestsPerSec']:,.0f} req/s**. Soak: open loop at {args.share:.0%} of it, "
        f"**{rate:,} req/s for {args.seconds} s**, with latency correction.",
        "",
        "| | figure |",
        "|---|---:|",
        f"| requests | {total:,} |",
        f"| achieved rate | {s['requestsPerSec']:,.0f} req/s |",
        f"| failed requests (connection errors, timeouts) | {failures:,} |",
        f"| in flight when the time was up (cut by oha, not failures) | {cut:,} |",
        f"| non-2xx answers | {non_2xx:,} |",
        f"| latency p50 | {pct.get('p50', 0) * 1000:.2f} ms |",
        f"| latency p99 | {pct.get('p99', 0) * 1000:.2f} ms |",
        f"| latency p99.9 | {pct.get('p99.9', 0) * 1000:.2f} ms |",
        f"| slowest | {s.get('slowest', 0) * 1000:.1f} ms |",
        f"| writes during the soak | {writer.ok:,} ok, {writer.failed:,} failed |",
        f"| RSS at the start (10 s in) | {rss_start:.1f} MiB |",
        f"| RSS at the end | {rss_end:.1f} MiB |",
        f"| RSS highest | {rss_max:.1f} MiB |",
        f"| growth start → end | {rss_end - rss_start:+.1f} MiB |",
        "",
        f"Status codes: {json.dumps(statuses)}. Errors: {json.dumps(errors) if errors else 'none'}.",
        "",
        "RSS every minute (MiB): " + ", ".join(f"{kib / 1024:.1f}" for t, kib in samples if int(t) % 60 < 5),
        "",
    ]
    if "segments" in soak:
        lines[-1:-1] = [
            f"Run as {len(soak['segments'])} back-to-back oha runs of up to {args.segment} s; latency percentiles above are the "
            "worst segment's. p50 / p99 per segment (ms): "
            + ", ".join(f"{(seg['p50'] or 0) * 1000:.2f} / {(seg['p99'] or 0) * 1000:.1f}" for seg in soak["segments"]),
            "",
        ]
    Path(args.out).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
