"""The media library in an S3-compatible bucket (FOLIO_MEDIA_URL=s3://…), on the Garage
server that `scripts/services start` runs: replicas that share no disk, only a database
and the bucket, serve each other's uploads; pages link images to the bucket's own website
(FOLIO_MEDIA_PUBLIC_URL) and a browser shows them from there; a store that goes away while serving turns
an upload into a 503 with nothing recorded, and works again when it is back; a bucket
that cannot be used stops start-up with the reason."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Callable

import pytest

from databases import empty_database
from support import Folio, Relay, chromium, gradient_png, http_request, listening_socket


def bucket_env(endpoint: str | None = None, bucket: str | None = None) -> dict[str, str]:
    """The settings of a new folder of the test bucket (named after this process and the
    time, so runs and tests never share one)."""
    names = ("ENDPOINT", "REGION", "BUCKET", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY")
    missing = [f"FOLIO_TEST_S3_{n}" for n in names if not os.environ.get(f"FOLIO_TEST_S3_{n}")]
    if missing:
        pytest.fail(f"{', '.join(missing)} not set: start the test servers with "
                    "`eval \"$(scripts/services start)\"`", pytrace=False)
    folder = f"e2e-{os.getpid()}-{time.time_ns()}"
    return {
        "FOLIO_MEDIA_URL": f"s3://{bucket or os.environ['FOLIO_TEST_S3_BUCKET']}/{folder}",
        "FOLIO_MEDIA_S3_ENDPOINT": endpoint or os.environ["FOLIO_TEST_S3_ENDPOINT"],
        "FOLIO_MEDIA_S3_REGION": os.environ["FOLIO_TEST_S3_REGION"],
        "FOLIO_MEDIA_S3_ACCESS_KEY_ID": os.environ["FOLIO_TEST_S3_ACCESS_KEY_ID"],
        "FOLIO_MEDIA_S3_SECRET_ACCESS_KEY": os.environ["FOLIO_TEST_S3_SECRET_ACCESS_KEY"],
    }


def files_in(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_replicas_that_share_no_disk_serve_each_others_uploads(
    tmp_path: Path, make_site: Callable[..., Folio]
) -> None:
    with empty_database("postgres", "s3", tmp_path) as db:
        env = {"FOLIO_DATABASE_URL": db.url, **bucket_env()}
        first = make_site(extra_env=env)
        first.setup_owner()
        first.start()
        second = make_site(extra_env=env, base_url=first.base_url)
        second.token = first.token
        second.start()
        assert first.data_dir != second.data_dir

        image = first.upload("harbour.png", gradient_png(1200, 700), alt="The harbour")
        pdf = b"%PDF-1.4\n% a timetable\n%%EOF\n"
        download = first.upload("timetable.pdf", pdf)
        for replica in (first, second):
            served = replica.get(image["url"])
            assert served.status == 200 and served.headers["content-type"] == "image/png", served
            assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
            for rendition in image["renditions"]:
                assert replica.get(rendition["url"]).status == 200, rendition
            got = replica.get(download["url"])
            assert got.status == 200 and got.body == pdf, got
            assert got.headers["content-disposition"] == 'attachment; filename="timetable.pdf"'
        # Nothing of the library is on either machine's disk.
        for replica in (first, second):
            assert files_in(replica.data_dir / "media") == [], files_in(replica.data_dir / "media")

        # Deleted through one replica, gone from the other.
        deleted = second.api("DELETE", f"/api/v1/admin/media/{image['id']}")
        assert deleted.status == 204, deleted
        assert first.get(image["url"]).status == 404
        assert first.get(download["url"]).status == 200


def test_pages_show_images_from_the_buckets_website(make_site: Callable[..., Folio]) -> None:
    """FOLIO_MEDIA_PUBLIC_URL pointed at Garage's website endpoint for the test bucket:
    the page links each image (and every srcset candidate) there, the bytes there are the
    library's, and a real browser loads them past the page's CSP."""
    website = os.environ.get("FOLIO_TEST_S3_WEBSITE")
    if not website:
        pytest.fail("FOLIO_TEST_S3_WEBSITE not set: start the test servers with "
                    "`eval \"$(scripts/services start)\"`", pytrace=False)
    env = bucket_env()
    folder = env["FOLIO_MEDIA_URL"].split("/", 3)[3]
    public = f"{website}/{folder}"
    env["FOLIO_MEDIA_PUBLIC_URL"] = public
    site = make_site(extra_env=env)
    site.setup_owner()
    site.start()
    image = site.upload("harbour.png", gradient_png(1200, 700), alt="The harbour")
    download = site.upload("timetable.pdf", b"%PDF-1.4\n% a timetable\n%%EOF\n")
    post = site.create_post(title="From the bucket", status="published",
                            markdown=f"{image['markdown']}\n\nThe {download['markdown']}.")
    path = site.path_of(post["url"])
    page = site.get(path).text

    key = image["url"][len("/media/"):]
    assert re.findall(r'<img src="([^"]+)"', page) == [f"{public}/{key}"], page
    srcsets = re.findall(r'srcset="([^"]+)"', page)
    assert srcsets, page
    for candidate in (c.strip().split(" ")[0] for s in srcsets for c in s.split(",")):
        assert candidate.startswith(f"{public}/"), candidate
        assert http_request(candidate, "GET", None, {}).status == 200, candidate
    from_bucket = http_request(f"{public}/{key}", "GET", None, {})
    assert from_bucket.status == 200, from_bucket
    assert from_bucket.body == site.get(image["url"]).body
    # The download is still a link to the site, which names and sandboxes it.
    assert f'href="{download["url"]}"' in page, page

    with chromium() as driver:
        driver.get(site.url + path)
        loaded = driver.execute_async_script(
            """const done = arguments[arguments.length - 1];
               const img = document.querySelector("article img");
               img.scrollIntoView();
               const report = () => done({src: img.currentSrc, width: img.naturalWidth});
               if (img.complete) report(); else { img.onload = report; img.onerror = report; }""")
    assert loaded["src"].startswith(f"{public}/") and loaded["width"] > 0, loaded


def test_a_backup_moves_between_a_bucket_and_a_folder(make_site: Callable[..., Folio]) -> None:
    """`folio export` of a site whose library is in the bucket restores into a site whose
    library is a folder, every file with it; `--format json` (the site alone) restores
    over the same bucket, whose files it names."""
    env = bucket_env()
    first = make_site(extra_env=env)
    first.setup_owner()
    first.start()
    image = first.upload("harbour.png", gradient_png(800, 450), alt="The harbour")
    post = first.create_post(title="Backed up", markdown=image["markdown"], status="published")
    path = first.path_of(post["url"])

    archive = first.root / "site.tar"
    first.run("export", "--output", str(archive))
    on_disk = make_site(base_url=first.base_url)
    on_disk.run("migrate")
    on_disk.run("import", str(archive))
    on_disk.start()
    site_json = first.root / "site.json"
    first.run("export", "--format", "json", "--output", str(site_json))
    assert json.loads(site_json.read_text())["media"][0]["files"] == {}, "the site alone"
    over_bucket = make_site(extra_env=env, base_url=first.base_url)
    over_bucket.run("migrate")
    over_bucket.run("import", str(site_json))
    over_bucket.start()

    for copy in (on_disk, over_bucket):
        assert copy.get(path).body == first.get(path).body
        for rendition in image["renditions"]:
            got = copy.get(rendition["url"])
            assert got.status == 200 and got.body == first.get(rendition["url"]).body, rendition
    stored = files_in(on_disk.data_dir / "media")
    assert len(stored) == len(image["renditions"]), stored
    assert files_in(over_bucket.data_dir / "media") == []


def test_a_store_that_goes_away_is_a_503_and_nothing_is_recorded(make_site: Callable[..., Folio]) -> None:
    endpoint = os.environ.get("FOLIO_TEST_S3_ENDPOINT", "")
    host, port = endpoint.removeprefix("http://").rsplit(":", 1) if endpoint else ("", "0")
    relay = Relay((host, int(port)))
    try:
        site = make_site(extra_env=bucket_env(endpoint=relay.address))
        site.setup_owner()
        site.start()
        kept = site.upload("before.png", gradient_png(300, 200))

        relay.set_cut(True)
        started = time.monotonic()
        refused = site.try_upload("during.png", gradient_png(320, 200))
        took = time.monotonic() - started
        assert refused.status == 503, refused
        error = refused.json()["error"]
        assert error["code"] == "storage_unavailable" and "try again" in error["message"], error
        assert endpoint not in refused.text and "s3://" not in refused.text, "no internals in the answer"
        assert took < 30, f"the writer waited {took:.0f} s for the refusal"
        assert "the media storage" in site.log_text() and "unavailable" in site.log_text()
        listed = site.api("GET", "/api/v1/admin/media").json()["media"]
        assert [m["id"] for m in listed] == [kept["id"]], "a refused upload left an entry"
        assert site.get(kept["url"]).status == 503, "a file that cannot be read now is not 'not found'"
        assert site.get("/").status == 200, "pages do not depend on the store"

        relay.set_cut(False)
        again = site.upload("after.png", gradient_png(340, 200))
        assert site.get(again["url"]).status == 200
        assert site.get(kept["url"]).status == 200
    finally:
        relay.close()


@pytest.mark.parametrize("problem", ["no bucket", "wrong key", "no server"])
def test_a_bucket_that_cannot_be_used_stops_start_up_with_the_reason(
    make_site: Callable[..., Folio], problem: str
) -> None:
    env = bucket_env()
    if problem == "no bucket":
        env = bucket_env(bucket="no-such-bucket-for-folio")
        expected = "does not exist"
    elif problem == "wrong key":
        env["FOLIO_MEDIA_S3_SECRET_ACCESS_KEY"] = "0" * 64
        expected = "refused the credentials"
    else:
        closed = listening_socket()
        env["FOLIO_MEDIA_S3_ENDPOINT"] = "http://127.0.0.1:%d" % closed.getsockname()[1]
        closed.close()
        expected = "could not list"
    site = make_site(extra_env=env)
    proc = site.run("serve", check=False, timeout=60)
    assert proc.returncode != 0, proc
    assert "FOLIO_MEDIA_URL" in proc.stderr and expected in proc.stderr, proc.stderr
    assert env["FOLIO_MEDIA_S3_SECRET_ACCESS_KEY"] not in proc.stderr, "the secret key was printed"


def test_a_library_in_the_data_folder_moves_to_a_bucket(make_site: Callable[..., Folio]) -> None:
    """`folio media move --to s3://…`, as an operator runs it before spreading replicas
    over several machines: the report, a second run that copies nothing, then the site on
    the bucket serving every file it served from the folder."""
    site = make_site()
    site.setup_owner()
    site.start()
    image = site.upload("harbour.png", gradient_png(1200, 700))
    pdf = site.upload("timetable.pdf", b"%PDF-1.4\n%%EOF\n")
    urls = [r["url"] for r in image["renditions"]] + [pdf["url"]]
    local = sorted(str(p.relative_to(site.data_dir / "media")) for p in files_in(site.data_dir / "media"))
    assert len(local) == len(urls), local

    bucket = bucket_env()
    to = bucket.pop("FOLIO_MEDIA_URL")
    moved = site.run("media", "move", "--to", to, env=site.env(**bucket))
    assert f"{len(urls)} file(s) copied, 0 already there, 0 missing from the old store, 0 failed" in moved.stdout, moved.stdout
    assert f"Set FOLIO_MEDIA_URL={to}" in moved.stdout
    assert f"{len(urls)}/{len(urls)} files" in moved.stderr, moved.stderr
    again = site.run("media", "move", "--to", to, env=site.env(**bucket))
    assert f"0 file(s) copied, {len(urls)} already there" in again.stdout, again.stdout

    same = site.run("media", "move", "--to", f"file://{site.data_dir / 'media'}", check=False)
    assert same.returncode != 0 and "the library is there already" in same.stderr, same.stderr
    bad = site.run("media", "move", "--to", "ftp://elsewhere", check=False)
    assert bad.returncode != 0 and "--to ftp://elsewhere" in bad.stderr, bad.stderr

    site.stop()
    site.extra_env.update(bucket, FOLIO_MEDIA_URL=to)
    site.start()
    for url in urls:
        assert site.get(url).status == 200, url
    # The folder is left as it was, for the operator to delete once satisfied.
    assert len(files_in(site.data_dir / "media")) == len(local)
