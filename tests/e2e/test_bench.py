"""The benchmark driver, bench/folio_bench, is code too: the configuration files of its
scenarios render and pass their servers' own checks (`bench/run.sh --dry-run`), and its
report reads wrk's output as wrk writes it. No load is generated here: the benchmark
itself is not a test (bench/README.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "bench"))
from folio_bench import report, templates
from folio_bench.settings import BenchError


def wrk_output(rps: float, p50: str, p99: str, non2xx: int = 0) -> str:
    """wrk 4's report with --latency, as the driver saves it."""
    return f"""Running 1s test @ http://127.0.0.1:8080/benchmarking-a-blog/
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.10ms  300.00us   9.00ms   90.00%
    Req/Sec     9.50k   500.00     10.00k    80.00%
  Latency Distribution
     50%  {p50}
     75%    1.20ms
     90%    1.50ms
     99%  {p99}
  {int(rps)} requests in 1.00s, 450.00MB read
""" + (f"  Non-2xx or 3xx responses: {non2xx}\n" if non2xx else "") + f"""Requests/sec:  {rps:.2f}
Transfer/sec:    450.00MB
"""


def test_dry_run_checks_the_configuration_of_the_nginx_scenarios(folio_path: Path) -> None:
    # static and replicas: Nginx with bench/config/nginx/ and with deploy/nginx as shipped.
    proc = subprocess.run(
        [str(REPO_ROOT / "bench" / "run.sh"), "--dry-run", "static", "scale", "replicas"],
        check=False,
        env=dict(os.environ, FOLIO_BIN=str(folio_path)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr}"
    assert "ok       nginx -t: scenario static" in proc.stdout, proc.stdout
    assert "ok       nginx -t: scenario replicas" in proc.stdout, proc.stdout
    assert "FAILED" not in proc.stdout


def test_a_mark_without_a_value_is_an_error() -> None:
    with pytest.raises(BenchError, match=r"no value for \['root'\]"):
        templates.render("nginx/static-server.conf", port=8080)


def test_report_of_scenario_1_from_wrk_output(tmp_path: Path) -> None:
    (tmp_path / "wrk").mkdir()
    (tmp_path / "wrk" / "folio-1.txt").write_text(wrk_output(19000, "1.00ms", "4.00ms"))
    (tmp_path / "wrk" / "folio-2.txt").write_text(wrk_output(21000, "800.00us", "2.00ms", non2xx=3))
    (tmp_path / "wrk" / "nginx-1.txt").write_text(wrk_output(40000, "400.00us", "1.00ms"))
    (tmp_path / "startup.json").write_text('{"runs_ms": [40.0, 50.0], "median_ms": 45.0}')
    (tmp_path / "figures.txt").write_text(
        "date=2026-12-02T12:00Z\nrev=abc1234\ncpu=A CPU\ncores=2\nkernel=Linux 6\nmem=24 GiB\n"
        "load=0.1 0.2 0.3\nbinary=2026-12-02 11:00:00\nidle_rss_kb=20480\npage_bytes=25053\n"
        "post_words=1502\nrounds=2\nduration=1s\nconnections=64\nthreads=2\n"
        "load_rss_max_kb=30720\nload_hwm_kb=31744\n"
    )
    out = tmp_path / "latest.md"
    report.report(str(tmp_path), str(out))
    text = out.read_text()
    assert "abc1234 · A CPU · 2 cores" in text
    assert "wrk -t2 -c64 -d1s on loopback, 2 alternating rounds each" in text
    # Medians over rounds: folio 20,000 req/s, p50 0.90 ms, p99 3.00 ms; nginx one round.
    assert "| requests/s | 20,000 | 40,000 | 0.50 |" in text
    assert "| latency p50 (ms) | 0.90 | 0.40 | 2.25 |" in text
    assert "| latency p99 (ms) | 3.00 | 1.00 | 3.00 |" in text
    assert "| non-2xx responses | 3 | 0 | |" in text
    assert "| idle RSS after start and warm-up (MiB) | 20.0 |" in text
    assert "(ms, median of 2) | 45.0 |" in text
    assert "Possibly disturbed" not in text
