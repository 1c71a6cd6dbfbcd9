"""Scenario 2: home, tag page and search on SQLite with SCALE_SMALL and SCALE_LARGE posts,
each page a cache miss right after a write."""

from __future__ import annotations

import json
import time
from pathlib import Path

from .. import content, measure
from ..processes import free_port, say
from ..session import Run


def one_site(r: Run, site_dir: Path, n: int, out: Path) -> None:
    """Seeds a site of n posts into site_dir, measures it, writes `out` (JSON)."""
    s = r.settings
    (site_dir / "data").mkdir(parents=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    site = {"FOLIO_DATA_DIR": str(site_dir / "data"), "FOLIO_LISTEN": f"127.0.0.1:{port}", "FOLIO_BASE_URL": base}
    r.folio.migrate(site)
    t0 = time.monotonic()
    export = site_dir / "export.json"
    if s.seed == "import":
        say(f"seeding {n} posts: generate a Folio export, then folio import")
        content.export(export, n)
        r.folio.cli(site, "import", str(export))
        token = r.folio.token(site)
        server = r.folio.serve(site, site_dir / "serve.log", port=port)
    else:
        say(f"seeding {n} posts through the API, 8 at a time")
        token = r.folio.make_owner(site)
        server = r.folio.serve(site, site_dir / "serve.log", port=port)
        content.seed_api(base, token, n)
    seed_s = time.monotonic() - t0
    say(f"measuring {n} posts: {s.samples} cache misses per page")
    paths = measure.latency(base, token, s.samples, list(measure.SCALE_PAGES))
    (site_dir / "latency.json").write_text(json.dumps(paths))
    out.write_text(json.dumps({"posts": n, "seed_s": seed_s, "seed": s.seed, "samples": s.samples,
                               "paths": paths, "labels": measure.SCALE_PAGES}))
    r.procs.stop(server.proc)
    export.unlink(missing_ok=True)


def run(r: Run) -> None:
    one_site(r, r.work / "scale-small", r.settings.scale_small, r.work / "scale-small.json")
    one_site(r, r.work / "scale-large", r.settings.scale_large, r.work / "scale-large.json")
