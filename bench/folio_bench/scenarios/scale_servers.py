"""Scenario 5: scenario 2 on each database of SCALE_BACKENDS, with `folio import` timed.
Each database is dropped as soon as it has been measured; an import slower than
IMPORT_TIMEOUT is stopped, reported, and that size is not measured."""

from __future__ import annotations

import json
import time
from pathlib import Path

from .. import content, measure
from ..processes import free_port, say, tail, warn
from ..session import Run
from ..settings import BenchError


def one_site(r: Run, backend: str, n: int, out: Path) -> None:
    s = r.settings
    d = r.work / f"scale-{backend}-{n}"
    (d / "data").mkdir(parents=True)
    export = r.work / f"export-{n}.json"
    if not export.exists() or export.stat().st_size == 0:
        say(f"generating a Folio export of {n} posts")
        content.export(export, n)
    port = free_port()
    site = {"FOLIO_DATA_DIR": str(d / "data"), "FOLIO_BASE_URL": f"http://127.0.0.1:{port}"}
    dbname = None
    if backend != "sqlite":
        site["FOLIO_DATABASE_URL"] = r.dbs.create(backend, f"scale_{n}")
        dbname = r.dbs.name(f"scale_{n}")
    r.folio.migrate(site)
    say(f"{backend}: folio import of {n} posts (at most {s.import_timeout} s)")
    what = f"import of {n} posts on {backend}"
    r.quiet.before(what)
    t0 = time.monotonic()
    rc = r.folio.import_file(site, export, d / "import.log", s.import_timeout)
    import_s = time.monotonic() - t0
    r.quiet.after(what)
    warn(f"  import: {import_s} s (exit {rc})")
    if rc != 0:
        warn(tail(d / "import.log", 5))
        if rc == 124:
            note = (f"The import of {n} posts on {backend} did not finish within {s.import_timeout} s "
                    "(IMPORT_TIMEOUT); nothing measured at that size.")
        else:
            note = f"The import of {n} posts on {backend} failed (exit {rc}): {tail(d / 'import.log', 1)}"
        Path(f"{out}.failed").write_text(json.dumps({"posts": n, "failed": True, "note": note, "import_s": import_s}))
        with open(r.work / "notes.txt", "a") as f:
            f.write(note + "\n")
        if dbname:
            try:
                r.dbs.drop(backend, dbname)
            except BenchError as e:  # dropped again at the end of the run
                warn(str(e))
        return
    token = r.folio.token(site)
    server = r.folio.serve(site, d / "serve.log", port=port)
    say(f"{backend}, {n} posts: {s.samples} cache misses per page")
    what = f"latency of {n} posts on {backend}"
    r.quiet.before(what)
    paths = measure.latency(server.url(), token, s.samples, list(measure.SCALE_PAGES))
    r.quiet.after(what)
    (d / "latency.json").write_text(json.dumps(paths))
    out.write_text(json.dumps({"posts": n, "import_s": import_s, "samples": s.samples, "backend": backend,
                               "paths": paths, "labels": measure.SCALE_PAGES}))
    r.procs.stop(server.proc)
    if dbname:
        r.dbs.drop(backend, dbname)


def run(r: Run) -> None:
    for backend in r.settings.scale_backends:
        one_site(r, backend, r.settings.scale_small, r.work / f"scale-{backend}-small.json")
        one_site(r, backend, r.settings.scale_large, r.work / f"scale-{backend}-large.json")
    for export in r.work.glob("export-*.json"):
        export.unlink()
