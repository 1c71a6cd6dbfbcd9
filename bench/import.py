#!/usr/bin/env python3
"""Import benchmark: `folio import wordpress` of a 10,000-post WXR file (target: under a
minute on SQLite), on SQLite, MariaDB and PostgreSQL, with the reference measured in the
same run: `folio import` of Folio's own export of the same site (the fastest way into
Folio there is). Memory: peak RSS importing 1,000 and 10,000 posts (a streaming reader
keeps it flat).

    bench/import.py [--posts 10000] [--backends sqlite,mariadb,postgres] [--out FILE]

The WXR file is made from the content of the real WordPress export the importer's tests
use (crates/folio-import/tests/fixtures/wordpress/export.xml): its posts' bodies (block
editor and classic, with shortcodes, tables, code, captions, galleries), cycled with
fresh ids, titles, slugs, dates, authors and terms. MariaDB and PostgreSQL are the ones
`scripts/services start` runs (FOLIO_TEST_MARIADB_URL, FOLIO_TEST_POSTGRES_URL). Needs
the release binary (cargo build --release); prints a Markdown table and writes it to
bench/results/import-<date>.md unless --out says otherwise.
"""

import argparse
import datetime
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(ROOT, "crates/folio-import/tests/fixtures/wordpress/export.xml")
NS = {
    "wp": "http://wordpress.org/export/1.2/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "dc": "http://purl.org/dc/elements/1.1/",
}


def cdata(text):
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def bodies():
    """The published posts' bodies of the real export."""
    tree = ET.parse(FIXTURE)
    out = []
    for item in tree.getroot().iter("item"):
        if item.findtext("wp:post_type", namespaces=NS) == "post" and item.findtext("wp:status", namespaces=NS) == "publish":
            out.append(item.findtext("content:encoded", namespaces=NS) or "")
    return out


def write_wxr(path, posts):
    contents = bodies()
    authors = ["ada", "grace", "edsger", "barbara", "ken"]
    tags = [f"topic-{i}" for i in range(40)]
    categories = [f"section-{i}" for i in range(10)]
    start = datetime.datetime(2015, 1, 1)
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" ')
        f.write(" ".join(f'xmlns:{k}="{v}"' for k, v in NS.items()))
        f.write(">\n<channel>\n<title>Bench</title>\n<link>http://old.example</link>\n")
        f.write("<wp:wxr_version>1.2</wp:wxr_version>\n<wp:base_site_url>http://old.example</wp:base_site_url>\n")
        f.write("<wp:base_blog_url>http://old.example</wp:base_blog_url>\n")
        for i, a in enumerate(authors):
            f.write(f"<wp:author><wp:author_id>{i + 1}</wp:author_id><wp:author_login>{cdata(a)}</wp:author_login>"
                    f"<wp:author_email>{cdata(a + '@old.example')}</wp:author_email>"
                    f"<wp:author_display_name>{cdata(a.title())}</wp:author_display_name></wp:author>\n")
        for n in range(posts):
            when = start + datetime.timedelta(hours=7 * n)
            date = when.strftime("%Y-%m-%d %H:%M:%S")
            slug = f"post-number-{n}"
            body = contents[n % len(contents)]
            f.write("<item>\n")
            f.write(f"<title>{cdata(f'Post number {n}: notes from the harbour')}</title>\n")
            f.write(f"<link>http://old.example/{when:%Y/%m/%d}/{slug}/</link>\n")
            f.write(f"<dc:creator>{cdata(authors[n % len(authors)])}</dc:creator>\n")
            f.write(f"<content:encoded>{cdata(body)}</content:encoded>\n<excerpt:encoded>{cdata('')}</excerpt:encoded>\n")
            f.write(f"<wp:post_id>{n + 100}</wp:post_id>\n<wp:post_date>{cdata(date)}</wp:post_date>\n")
            f.write(f"<wp:post_date_gmt>{cdata(date)}</wp:post_date_gmt>\n<wp:post_modified_gmt>{cdata(date)}</wp:post_modified_gmt>\n")
            f.write(f"<wp:post_name>{cdata(slug)}</wp:post_name>\n<wp:status>{cdata('publish')}</wp:status>\n")
            f.write(f"<wp:post_type>{cdata('post')}</wp:post_type>\n<wp:post_password>{cdata('')}</wp:post_password>\n")
            c = categories[n % len(categories)]
            f.write(f'<category domain="category" nicename="{c}">{cdata(c.title())}</category>\n')
            for t in (tags[n % len(tags)], tags[(n * 7) % len(tags)]):
                f.write(f'<category domain="post_tag" nicename="{t}">{cdata(t)}</category>\n')
            f.write("</item>\n")
        f.write("</channel>\n</rss>\n")


def run(cmd, env):
    """Runs a command; returns (seconds, peak RSS in MiB, stdout). Output goes to files:
    a pipe nobody reads while waiting would stall a long report."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"bench/import.py: {' '.join(cmd)} failed:\n{stderr[-3000:]}\n{stdout[-3000:]}")
    return elapsed, usage.ru_maxrss / 1024, stdout


class Database:
    """A fresh, empty database of one backend; dropped by drop()."""

    def __init__(self, backend, work, name):
        self.backend, self.name = backend, f"folio_b_import_{os.getpid()}_{name}"
        if backend == "sqlite":
            self.dir = os.path.join(work, name)
            os.makedirs(self.dir)
            self.url = f"sqlite://{self.dir}/folio.db"
            return
        var = {"mariadb": "FOLIO_TEST_MARIADB_URL", "postgres": "FOLIO_TEST_POSTGRES_URL"}[backend]
        base = os.environ.get(var) or sys.exit(f"bench/import.py: {backend} needs {var} (eval \"$(scripts/services start)\")")
        self.base = base.rstrip("/")
        self.url = f"{self.base}/{self.name}"
        self.sql(f"CREATE DATABASE {self.name}")

    def sql(self, statement):
        m = re.match(r"\w+://([^:]+):([^@]+)@([^:/]+):(\d+)", self.base)
        user, password, host, port = m.groups()
        if self.backend == "mariadb":
            cmd = ["mysql", f"-h{host}", f"-P{port}", f"-u{user}", f"-p{password}", "-e", statement]
        else:
            cmd = ["psql", f"postgresql://{user}:{password}@{host}:{port}/postgres", "-qc", statement]
        subprocess.run(cmd, check=True, capture_output=True)

    def drop(self):
        if self.backend != "sqlite":
            self.sql(f"DROP DATABASE IF EXISTS {self.name}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=10000)
    parser.add_argument("--backends", default="sqlite,mariadb,postgres")
    parser.add_argument("--out", default=os.path.join(ROOT, f"bench/results/import-{datetime.date.today()}.md"))
    args = parser.parse_args()
    folio = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release/folio")
    if not os.path.exists(folio):
        sys.exit("bench/import.py: build the release binary first (cargo build --release)")
    work = tempfile.mkdtemp(prefix="folio-bench-import-")
    rows = []
    try:
        small, big = os.path.join(work, "small.xml"), os.path.join(work, "big.xml")
        write_wxr(small, max(args.posts // 10, 1))
        write_wxr(big, args.posts)
        size = os.path.getsize(big) / 1024 / 1024
        for backend in args.backends.split(","):
            def env_for(db):
                env = dict(os.environ, FOLIO_DATABASE_URL=db.url, FOLIO_DATA_DIR=os.path.join(work, db.name + "-data"), FOLIO_LOG="warn")
                return env
            dbs = []
            try:
                # The small file first, for memory at a tenth of the posts.
                db = Database(backend, work, f"{backend}_small"); dbs.append(db)
                small_s, small_rss, _ = run([folio, "import", "wordpress", small], env_for(db))
                db = Database(backend, work, f"{backend}_wp"); dbs.append(db)
                dry_s, dry_rss, _ = run([folio, "import", "wordpress", "--dry-run", big], env_for(db))
                wp_s, wp_rss, report = run([folio, "import", "wordpress", big], env_for(db))
                imported = re.search(r"^posts\s+(\d+)", report, re.M)
                if not imported or int(imported.group(1)) != args.posts:
                    sys.exit(f"bench/import.py: expected {args.posts} posts imported:\n{report}")
                again_s, _, _ = run([folio, "import", "wordpress", big], env_for(db))
                export = os.path.join(work, f"{backend}-export.json")
                run([folio, "export", "-o", export], env_for(db))
                db = Database(backend, work, f"{backend}_native"); dbs.append(db)
                native_s, native_rss, _ = run([folio, "import", export], env_for(db))
            finally:
                for d in dbs:
                    d.drop()
            rows.append((backend, wp_s, args.posts / wp_s, native_s, wp_s / native_s, dry_s, again_s, small_rss, wp_rss, native_rss))
            print(f"{backend}: {wp_s:.1f} s ({args.posts / wp_s:.0f} posts/s); native import {native_s:.1f} s; RSS {small_rss:.0f} → {wp_rss:.0f} MiB", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    lines = [
        f"# Import: {args.posts:,} WordPress posts ({size:.0f} MiB of WXR)",
        "",
        f"Commit {commit}, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores. "
        f"`bench/import.py --posts {args.posts}`. Reference: `folio import` of Folio's own export of the same site, same run.",
        "",
        "| backend | `import wordpress` | posts/s | reference: `folio import` | ratio | `--dry-run` | second run (all skipped) | peak RSS, 1/10 of the posts | peak RSS | reference RSS |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for b, wp_s, rate, native_s, ratio, dry_s, again_s, small_rss, wp_rss, native_rss in rows:
        lines.append(f"| {b} | {wp_s:.1f} s | {rate:.0f} | {native_s:.1f} s | {ratio:.2f}× | {dry_s:.1f} s | {again_s:.1f} s | "
                     f"{small_rss:.0f} MiB | {wp_rss:.0f} MiB | {native_rss:.0f} MiB |")
    text = "\n".join(lines) + "\n"
    print(text)
    with open(args.out, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
