"""`folio import wordpress|ghost` as a user runs it: the report on standard output, plain
progress lines when standard error is not a terminal, exit codes, a dry run that writes
nothing, and a refused file named with its position. (What the imported site holds is
tested on every database in crates/folio-web/tests/web/import.rs.)"""

from __future__ import annotations

import sqlite3
import urllib.parse
from typing import Callable

from support import REPO_ROOT, Folio

FIXTURES = REPO_ROOT / "crates/folio-import/tests/fixtures"
WXR = FIXTURES / "wordpress/export.xml"
UPLOADS = FIXTURES / "wordpress/uploads"


def row(report: str, kind: str) -> list[int]:
    """The numbers of one row of the report's table (imported, already there, skipped)."""
    line = next(l for l in report.splitlines() if l.split() and l.split()[0] == kind)
    return [int(n) for n in line.split()[1:]]


def test_wordpress_import_reports_and_its_old_urls_redirect(make_site: Callable[..., Folio]) -> None:
    site = make_site()
    site.run("migrate")
    proc = site.run("import", "wordpress", str(WXR), "--media-dir", str(UPLOADS))
    assert row(proc.stdout, "posts") == [11, 0, 1], proc.stdout
    assert row(proc.stdout, "pages") == [2, 0, 0], proc.stdout
    assert "in WordPress's trash" in proc.stdout
    assert "[contact-form-7] in 1 post(s)" in proc.stdout
    assert "14/14 posts and pages" in proc.stderr, proc.stderr
    assert "\x1b[" not in proc.stderr, "no terminal codes when standard error is not a terminal"

    again = site.run("import", "wordpress", str(WXR), "--media-dir", str(UPLOADS))
    assert row(again.stdout, "posts") == [0, 11, 1], again.stdout

    site.start()
    moved = site.get("/2023/01/15/hello-gutenberg/")
    assert moved.status == 301 and moved.headers.get("location") == "/hello-gutenberg/", moved
    assert site.get("/?p=13").headers.get("location") == "/a-classic-post/"
    # Renamed and moved to another day in WordPress: its former URLs still lead to it.
    for former in ("/2023/03/01/night-boat/", "/2023/03/01/night-ferry/"):
        assert site.get(former).headers.get("location") == "/night-ferry/", former
    page = site.get("/hello-gutenberg/")
    assert page.status == 200 and "Welcome to the new harbour blog." in page.text
    # A PDF attachment is in the media library now, a file to save under its own name.
    moved = site.get("/wp-content/uploads/2023/02/ferry-timetable.pdf")
    assert moved.status == 301, moved
    pdf = site.get(urllib.parse.urlsplit(moved.headers["location"]).path)
    assert pdf.status == 200 and pdf.body == (UPLOADS / "2023/02/ferry-timetable.pdf").read_bytes(), pdf
    assert pdf.headers["content-disposition"] == 'attachment; filename="ferry-timetable.pdf"', pdf.headers


def test_a_dry_run_writes_nothing(make_site: Callable[..., Folio]) -> None:
    site = make_site()
    proc = site.run("import", "wordpress", str(WXR), "--media-dir", str(UPLOADS), "--dry-run")
    assert proc.stdout.startswith("Dry run: nothing was written."), proc.stdout
    assert row(proc.stdout, "posts")[0] == 11, proc.stdout
    db = site.data_dir / "folio.db"
    if db.exists():
        tables = {r[0] for r in sqlite3.connect(db).execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "posts" not in tables, "a dry run created Folio's tables"
    assert not (site.data_dir / "media").exists() or not any((site.data_dir / "media").rglob("*.png")), "a dry run stored images"


def test_a_broken_file_is_refused_with_its_position(make_site: Callable[..., Folio]) -> None:
    site = make_site()
    site.run("migrate")
    text = WXR.read_text()
    broken = site.root / "cut.xml"
    broken.write_text(text[: len(text) // 2])
    proc = site.run("import", "wordpress", str(broken), check=False)
    assert proc.returncode == 1, proc
    assert f"{broken}:" in proc.stderr and "nothing was imported" in proc.stderr, proc.stderr
    proc = site.run("import", "ghost", str(WXR), check=False)
    assert proc.returncode == 1 and "not a Ghost export" in proc.stderr and "line 1, column 1" in proc.stderr, proc.stderr
    proc = site.run("import", "ghost", str(FIXTURES / "ghost/export-lexical.json"), "--old-url", "old.example", check=False)
    assert proc.returncode == 1 and "--old-url" in proc.stderr, proc.stderr
