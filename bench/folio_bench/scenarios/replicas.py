"""Scenario 3: a cached post page through Nginx with deploy/nginx, 1 and 3 replicas (on
MariaDB with Redis), against the same Nginx serving the bytes statically.

Set-ups: static (the reference: Nginx serving the bytes from a file), hop (the same proxy
configuration in front of that static server: the most any backend can get through a TCP
hop), one (1 replica, a thread per core), three (3 replicas on TCP ports) and unix (3
replicas on Unix sockets); the 3-replica set-ups run FOLIO_WORKER_THREADS=1 each, as
docs/DEPLOYMENT.md advises for replicas that outnumber the cores."""

from __future__ import annotations

import json
from pathlib import Path

from .. import client, load, nginx
from ..folio import create_post, path_of
from ..plot import replicas_plot
from ..processes import cpu_seconds, free_ports, say, wait_until, warn
from ..session import Run
from ..settings import BenchError

SETUPS = ("static", "hop", "one", "three", "unix")


def run(r: Run) -> None:
    s = r.settings
    d = r.work / "replicas"
    for sub in ("wrk", "data", "www", "nginx/tmp", "sock"):
        (d / sub).mkdir(parents=True)
    ports = free_ports(9)
    one_port, tcp_ports = ports[0], ports[1:4]
    p_static, p_hop, p_one, p_three, p_unix = ports[4:9]
    sockets = [str(d / "sock" / f"folio-{i}.sock") for i in (1, 2, 3)]
    base = f"http://127.0.0.1:{p_three}"
    db_url = r.dbs.create("mariadb", "replicas")
    site = {"FOLIO_DATA_DIR": str(d / "data"), "FOLIO_DATABASE_URL": db_url, "FOLIO_REDIS_URL": r.dbs.servers.redis_url,
            "FOLIO_BASE_URL": base, "FOLIO_TRUSTED_PROXIES": "127.0.0.1"}

    say("replicas: a MariaDB database, the owner, seven folio serve with Redis (1 alone, 3 on ports, 3 on sockets)")
    r.folio.migrate(site)
    token = r.folio.make_owner(site)
    replicas = {"one": r.folio.serve(site, d / "replica-one.log", port=one_port)}
    for i, port in enumerate(tcp_ports, 1):
        replicas[f"tcp-{i}"] = r.folio.serve(site, d / f"replica-tcp-{i}.log", port=port, FOLIO_WORKER_THREADS="1")
    for i, sock in enumerate(sockets, 1):
        replicas[f"unix-{i}"] = r.folio.serve(site, d / f"replica-unix-{i}.log", socket=sock, FOLIO_WORKER_THREADS="1")
    created, words = create_post(replicas["one"].url(), token, d)
    path = path_of(created["url"], base)
    # Warm every replica: the first renders the page, the others find it in Redis and keep
    # it in memory. The second fetch from each should say `hit`.
    warm = [f"{rep.cache_header(path)}/{rep.cache_header(path)}" for rep in replicas.values()]
    page = d / "www" / (path.lstrip("/") + ("index.html" if path.endswith("/") else ""))
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_bytes(replicas["one"].get(path).body)
    for p in [page.parent, *page.parent.parents]:
        if p == d:
            break
        p.chmod(0o755)
    page.chmod(0o644)

    say("nginx: deploy/nginx/folio.conf for each set-up, and the same bytes as a static file")
    conf = d / "nginx"
    includes = ["    # Folio's configuration, as shipped, once per set-up."]
    for name, port, upstream in (("folio_one", p_one, [str(one_port)]), ("folio", p_three, [str(p) for p in tcp_ports]),
                                 ("folio_unix", p_unix, [f"unix:{x}" for x in sockets]),
                                 ("folio_hop", p_hop, [str(p_static)])):
        (conf / f"upstream-{name}.conf").write_text(nginx.upstream(name, upstream))
        (conf / f"server-{name}.conf").write_text(nginx.folio_server(port, name))
        includes += [f"    include {conf}/upstream-{name}.conf;", f"    include {conf}/server-{name}.conf;"]
    servers = "\n".join(includes) + "\n" + nginx.static_server(p_static, d / "www")
    (conf / "nginx.conf").write_text(nginx.main_conf(d, 4096, servers))
    urls = {setup: f"http://127.0.0.1:{port}{path}"
            for setup, port in zip(SETUPS, (p_static, p_hop, p_one, p_three, p_unix))}
    nginx_proc = nginx.start(r.procs, r.nginx, conf, urls["static"])
    for setup, url in urls.items():
        wait_until(f"an answer from {url}", lambda url=url: client.answers(url), 10)
        if client.get(url).body != page.read_bytes():
            raise BenchError(f"{url} does not serve the saved page byte for byte")
    # Through Nginx, 3 requests in a row reach the 3 replicas (round robin): all from memory?
    via = [client.cache_header(urls[k]) for _ in range(3) for k in ("three", "unix")]

    for c in s.concurrencies:
        say(f"c={c}: a 2 s warm-up each, then {s.rounds} rounds of {s.duration}, the {len(SETUPS)} set-ups interleaved")
        for url in urls.values():
            load.warm_up(url, s.threads, c)
        for rnd in range(1, s.rounds + 1):
            for setup in load.rotated(list(SETUPS), rnd):
                load.measured_round(r.quiet, d / "wrk" / f"{setup}-c{c}-r{rnd}.txt",
                                    [f"-t{s.threads}", f"-c{c}", f"-d{s.duration}", "--latency", urls[setup]])
    for setup in ("one", "three", "unix"):
        if client.get(urls[setup]).body != page.read_bytes():
            warn(f"warning: {urls[setup]} changed during the run (bytes differ from the saved copy)")
    info = {"page_bytes": page.stat().st_size, "threads": s.threads, "duration": s.duration, "rounds": s.rounds,
            "concurrencies": s.concurrencies, "nginx_version": nginx.version(r.nginx),
            "replica_cpu_s": {name: cpu_seconds(rep.pid) for name, rep in replicas.items()},
            "warm_cache_headers": warm, "via_nginx_cache_headers": via, "post_words": words}
    (d / "info.json").write_text(json.dumps(info))
    warn(f"  x-folio-cache on each replica, first/second fetch: {' '.join(warm)}; "
         f"through nginx (TCP, Unix): {' '.join(via)}")
    r.procs.stop(nginx_proc)
    for rep in replicas.values():
        r.procs.stop(rep.proc)
    for sock in sockets:
        if Path(sock).exists():
            warn(f"warning: {sock} is still there after its replica stopped")
    say(f"plot: {s.plot}")
    try:
        replicas_plot(str(r.work), str(s.plot))
    except Exception as e:  # noqa: BLE001 - the figures are in the table; a plot is extra
        warn(f"bench/run.sh: the plot failed (the figures are in the table): {e}")
