"""Scenario 4: the post page with the page cache off (FOLIO_PAGE_CACHE_MB=0), rendered from
SQLite, MariaDB and PostgreSQL on every request, against the cached page."""

from __future__ import annotations

import json

from .. import client, load
from ..folio import create_post, path_of
from ..processes import free_ports, say, warn
from ..session import Run

# The same (unused) base URL on every site, so that the pages compare byte for byte.
BASE = "http://127.0.0.1:8080"
SETUPS = ("cached", "sqlite", "mariadb", "postgres")


def run(r: Run) -> None:
    s = r.settings
    d = r.work / "uncached"
    (d / "wrk").mkdir(parents=True)
    port = dict(zip(SETUPS, free_ports(4)))
    servers, sites, words, path = {}, {}, 0, "/"
    # One site per database, the same post on each.
    for backend in ("sqlite", "mariadb", "postgres"):
        (d / backend / "data").mkdir(parents=True)
        site = {"FOLIO_DATA_DIR": str(d / backend / "data"), "FOLIO_BASE_URL": BASE}
        if backend != "sqlite":
            site["FOLIO_DATABASE_URL"] = r.dbs.create(backend, "uncached")
        sites[backend] = site
        say(f"uncached: {backend}, one folio serve with FOLIO_PAGE_CACHE_MB=0")
        r.folio.migrate(site)
        token = r.folio.make_owner(site)
        servers[backend] = r.folio.serve(site, d / f"{backend}.log", port=port[backend], FOLIO_PAGE_CACHE_MB="0")
        created, words = create_post(servers[backend].url(), token, d / backend)
        path = path_of(created["url"], BASE)
    say("uncached: the reference, the same MariaDB site from a folio serve with its page cache on")
    servers["cached"] = r.folio.serve(sites["mariadb"], d / "cached.log", port=port["cached"])
    urls = {setup: f"http://127.0.0.1:{port[setup]}{path}" for setup in SETUPS}
    headers, sizes = {}, {}
    for setup, url in urls.items():
        body = client.get(url).body
        (d / f"{setup}.html").write_bytes(body)
        headers[setup] = client.cache_header(url)
        sizes[setup] = len(body)
    cached = (d / "cached.html").read_bytes()
    for setup in ("sqlite", "mariadb", "postgres"):
        if (d / f"{setup}.html").read_bytes() != cached:
            warn(f"  note: the {setup} page differs from the cached MariaDB one")
    for url in urls.values():
        load.warm_up(url, s.threads, s.connections)
    load.rounds_one_and_many(r.quiet, d, s.rounds, s.threads, s.duration, s.connections, urls)
    (d / "info.json").write_text(json.dumps({
        "threads": s.threads, "duration": s.duration, "rounds": s.rounds, "connections": s.connections,
        "post_words": words, "cache_header": headers, "page_bytes": sizes}))
    for server in servers.values():
        r.procs.stop(server.proc)
