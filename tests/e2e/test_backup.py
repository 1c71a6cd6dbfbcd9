"""Backups across databases: `folio export` from a site on one backend and `folio import`
into an empty site on another give the same site. Both sites are told the same public URL
and serve the same binary, so every public page, feed and media file must be identical,
byte for byte: the test walks the original's sitemap (and its tag, author and feed pages)
and compares each answer with the copy's.

The pairs go round all three databases: SQLite → MariaDB → PostgreSQL → SQLite.
"""

from __future__ import annotations

import contextlib
import difflib
import itertools
import json
import re
import tarfile
from pathlib import Path
from typing import Callable, Iterator

import pytest

from databases import empty_database
from support import Folio, gradient_png

PAIRS = [("sqlite", "mariadb"), ("mariadb", "postgres"), ("postgres", "sqlite")]


@pytest.fixture
def site_on(tmp_path: Path, make_site: Callable[..., Folio]) -> Iterator[Callable[..., Folio]]:
    """Makes a site on an empty database of a backend (`site_on("mariadb")`); a second
    site may be given the first one's public URL. Databases are dropped at the end."""
    numbers = itertools.count()
    with contextlib.ExitStack() as stack:

        def make(backend: str, base_url: str | None = None) -> Folio:
            folder = tmp_path / f"db-{next(numbers)}"
            folder.mkdir()
            db = stack.enter_context(empty_database(backend, "backup", folder))
            return make_site(base_url=base_url, extra_env={"FOLIO_DATABASE_URL": db.url})

        yield make


def fill(site: Folio) -> None:
    """Content of every kind a reader can reach: posts with tags, Markdown of every sort and
    library images, a page, a draft and a scheduled post (neither public), site settings."""
    image = site.upload("photo.png", gradient_png(900, 500), alt="A gradient")
    settings = site.api("PATCH", "/api/v1/admin/settings", {"title": "Backed-up blog", "description": "Kept across databases"})
    assert settings.status == 200, settings
    for i in range(1, 8):
        site.create_post(
            title=f"Post {i}: déjà vu & <friends>",
            markdown=f"## Part {i}\n\nText with `code`, a [link](/about/) and *emphasis*.\n\n"
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n```rust\nfn main() {}\n```\n\n"
            + (image["markdown"] + "\n" if i % 2 else ""),
            tags=["Backups", f"Group {i % 3}"],
            status="published",
            published_at=f"2024-06-{i:02}T09:30:00Z",
            **({"feature_image": image["url"], "feature_image_alt": "Cover"} if i == 1 else {}),
            **({"excerpt": "A custom excerpt."} if i == 2 else {}),
        )
    site.create_page(title="About", slug="about", markdown="About this blog.\n", status="published")
    site.create_post(title="Unfinished", markdown="Draft.\n", status="draft")
    site.create_post(title="Later", markdown="Soon.\n", status="scheduled", published_at="2099-01-01T00:00:00Z")


def public_paths(site: Folio) -> list[str]:
    """Every public URL of the site: the sitemap's, then each tag's and author's page and
    feeds, the site's feeds, and every image file the pages use."""
    sitemap = site.get("/sitemap.xml")
    assert sitemap.status == 200, sitemap
    paths = [site.path_of(loc) for loc in re.findall(r"<loc>([^<]+)</loc>", sitemap.text)]
    pages = [site.get(p).text for p in paths]
    for kind in ("tag", "author"):
        found = sorted({m for page in pages for m in re.findall(rf'href="(?:https?://[^/"]+)?(/{kind}/[a-z0-9-]+/)"', page)})
        paths += found
        if kind == "tag":
            paths += [f"{t}{feed}" for t in found for feed in ("feed.xml", "rss.xml", "feed.json")]
    paths += ["/feed.xml", "/rss.xml", "/feed.json", "/sitemap.xml"]
    media = sorted({m for page in pages for m in re.findall(r'(/media/[0-9]{4}/[0-9]{2}/[A-Za-z0-9_.-]+)', page)})
    assert media, "the pages use library images"
    return paths + media


def archive_members(path: Path) -> list[tuple[str, bytes]]:
    """An export's members in order, `site.json` without its `exported_at`."""
    members = []
    with tarfile.open(path) as archive:
        for member in archive.getmembers():
            data = archive.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "site.json":
                site = json.loads(data)
                site.pop("exported_at")
                data = json.dumps(site, sort_keys=True).encode()
            members.append((member.name, data))
    return members


def assert_same_site(original: Folio, copy: Folio) -> None:
    """Every public path of `original` answers the same status and bytes on `copy`."""
    paths = public_paths(original)
    assert len(paths) > 20, paths
    for path in paths:
        a, b = original.get(path), copy.get(path)
        assert a.status == 200, f"{path} on the original: {a!r}"
        assert b.status == 200, f"{path} on the copy: {b!r}"
        if a.body != b.body:
            diff = "\n".join(difflib.unified_diff(a.text.splitlines(), b.text.splitlines(), "original", "copy", lineterm=""))
            pytest.fail(f"{path} differs after export → import:\n{diff[:4000]}")


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{s}-to-{t}" for s, t in PAIRS])
def test_export_from_one_database_imports_as_the_same_site_on_another(site_on, source: str, target: str) -> None:
    original = site_on(source)
    original.setup_owner()
    original.start()
    fill(original)

    export = original.root / "export.tar"
    original.run("export", "--output", str(export))
    # One archive: the site first, then each media file as it is in the library.
    with tarfile.open(export) as archive:
        names = archive.getnames()
        assert names[0] == "site.json", names
        assert names[1:] and all(n.startswith("media/") for n in names[1:]), names
        for name in names[1:]:
            member = archive.extractfile(name)
            assert member is not None and member.read() == original.get("/" + name).body, name

    copy = site_on(target, original.base_url)
    copy.run("migrate")
    report = copy.run("import", str(export))
    assert "posts" in (report.stdout + report.stderr), report
    copy.start()
    assert "Backed-up blog" in copy.get("/").text
    assert_same_site(original, copy)
    # And the copy's backup is the original's, whatever the database: every file the
    # same bytes, the site the same but for the time of the export.
    again = copy.root / "again.tar"
    copy.run("export", "--output", str(again))
    assert archive_members(again) == archive_members(export)

    # What is not public came along too, and stays not public.
    for slug in ("unfinished", "later"):
        assert copy.get(f"/{slug}/").status == 404
