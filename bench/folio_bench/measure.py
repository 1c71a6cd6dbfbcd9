"""Timings taken by the harness itself, not by a load generator: start-up to /readyz, and
single requests right after a write (cache misses) for the scale scenarios."""

from __future__ import annotations

import http.client
import json
import signal
import statistics
import subprocess
import time
import urllib.parse
from pathlib import Path

from . import client
from .processes import free_port
from .settings import BenchError

# The pages of the scale scenarios, with the words the report gives them.
SCALE_PAGES = {"/": "home", "/tag/common/": "tag page (half the posts)",
               "/search?q=quokka": "search, 10 matches",
               "/search?q=zephyr": "search, a tenth of the posts match"}


def ready(port: int, timeout: float = 1.0) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", "/readyz")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def startup(runs: int, binary: str, env: dict[str, str], out: Path) -> None:
    """Median time from spawning `folio serve` on an existing database to /readyz 200,
    polled every 2 ms. Writes {"runs_ms": [...], "median_ms": m} to `out`."""
    times = []
    for _ in range(runs):
        port = free_port()
        with open(out.parent / "startup.log", "ab") as log:
            t0 = time.perf_counter()
            proc = subprocess.Popen([binary, "serve"], env=dict(env, FOLIO_LISTEN=f"127.0.0.1:{port}"),
                                    stdout=log, stderr=log, stdin=subprocess.DEVNULL)
            deadline = t0 + 30
            try:
                while True:
                    if ready(port, timeout=0.5):
                        times.append((time.perf_counter() - t0) * 1000)
                        break
                    if proc.poll() is not None or time.perf_counter() > deadline:
                        raise BenchError(f"folio serve did not become ready (exit {proc.poll()})")
                    time.sleep(0.002)
            finally:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    out.write_text(json.dumps({"runs_ms": times, "median_ms": statistics.median(times)}))


def timed_get(host: str, port: int, path: str) -> tuple[float, int, bytes]:
    """One GET on a fresh connection: milliseconds from connect to the last byte, status, body."""
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection(host, port, timeout=60)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    return (time.perf_counter() - t0) * 1000, resp.status, body


def latency(url: str, token: str, samples: int, paths: list[str]) -> dict:
    """For each path: `samples` times, a tiny edit through the API (any write makes every
    cached page stale), then one GET (a cache miss) and a second GET (a hit). Medians."""
    u = urllib.parse.urlsplit(url)
    host, port = u.hostname, u.port
    # Edit the post with id 1, an old one: it is on none of the measured pages, but any
    # write makes every cached page stale.
    post_id = 1
    result = {}
    for path in paths:
        misses, hits, size = [], [], 0
        for k in range(samples):
            client.api(url, token, "PATCH", f"/api/v1/admin/posts/{post_id}", {"excerpt": f"edit {k} of {path}"})
            ms, status, body = timed_get(host, port, path)
            if status != 200:
                raise BenchError(f"GET {path}: {status}")
            misses.append(ms)
            size = len(body)
            hits.append(timed_get(host, port, path)[0])
        result[path] = {"miss_ms": statistics.median(misses), "hit_ms": statistics.median(hits),
                        "bytes": size, "samples": samples}
    return result
