"""Scenario 1: a cached post page served by `folio serve` against Nginx serving the same
bytes as a static file; Folio's RSS idle and under load; start-up to /readyz."""

from __future__ import annotations

import time

from .. import client, load, measure, nginx
from ..folio import create_post, path_of
from ..processes import RssSampler, free_port, say, status_kb, warn
from ..session import Run
from ..settings import BenchError


def run(r: Run) -> None:
    s = r.settings
    site_dir = r.work / "static"
    (site_dir / "data").mkdir(parents=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    site = {"FOLIO_DATA_DIR": str(site_dir / "data"), "FOLIO_LISTEN": f"127.0.0.1:{port}", "FOLIO_BASE_URL": base}

    say("folio: a site with one long post")
    r.folio.migrate(site)
    token = r.folio.make_owner(site)
    server = r.folio.serve(site, site_dir / "serve.log", port=port)
    created, words = create_post(base, token, site_dir)
    path = path_of(created["url"], base)
    slug = created["slug"]

    # Warm the cache, then keep the exact bytes for nginx.
    client.get(base + path)
    page = r.work / "www" / slug / "index.html"
    page.parent.mkdir(parents=True)
    page.write_bytes(client.get(base + path).body)
    for p in (r.work / "www", page.parent):
        p.chmod(0o755)
    page.chmod(0o644)
    # "Idle" is defined as 1 s after start, the post's creation and two fetches: nothing
    # to wait for, the time is the definition.
    time.sleep(1)
    r.figure(idle_rss_kb=status_kb(server.pid, "VmRSS"), page_bytes=page.stat().st_size, post_words=words,
             rounds=s.rounds, duration=s.duration, connections=s.connections, threads=s.threads)

    say("nginx: the same bytes as a static file")
    nginx_port = free_port()
    conf_dir = r.work / "nginx"
    conf_dir.mkdir()
    (conf_dir / "nginx.conf").write_text(nginx.main_conf(r.work, 1024, nginx.static_server(nginx_port, r.work / "www")))
    nginx_url = f"http://127.0.0.1:{nginx_port}{path}"
    nginx_proc = nginx.start(r.procs, r.nginx, conf_dir, nginx_url)
    if client.get(nginx_url).body != page.read_bytes():
        raise BenchError("nginx does not serve the saved page byte for byte")

    say(f"wrk: {s.rounds} rounds of {s.duration} each, alternating (plus a short warm-up)")
    urls = {"folio": base + path, "nginx": nginx_url}
    for url in urls.values():
        load.warm_up(url, s.threads, s.connections)
    max_rss = 0
    for i in range(1, s.rounds + 1):
        for name, url in urls.items():
            # While wrk runs against folio: its highest VmRSS, sampled every 100 ms.
            sampler = RssSampler(server.pid).start() if name == "folio" else None
            load.measured_round(r.quiet, r.work / "wrk" / f"{name}-{i}.txt",
                                [f"-t{s.threads}", f"-c{s.connections}", f"-d{s.duration}", "--latency", url])
            if sampler:
                max_rss = max(max_rss, sampler.stop())
    r.figure(load_rss_max_kb=max_rss, load_hwm_kb=status_kb(server.pid, "VmHWM"))
    if client.get(base + path).body != page.read_bytes():
        warn("warning: folio's page changed during the run (bytes differ from the saved copy)")
    r.procs.stop(nginx_proc)
    r.procs.stop(server.proc)

    say(f"start-up: spawn to /readyz 200 on the existing database, {s.starts} runs")
    measure.startup(s.starts, r.folio.binary, {**r.env, **site}, r.work / "startup.json")
