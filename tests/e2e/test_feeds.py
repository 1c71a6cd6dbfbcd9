"""Atom, RSS and JSON Feed, site-wide and per tag, read the way a feed reader would."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import feedparser
import pytest

from support import Folio, parse_html, visible_text

TRICKY_TITLE = "Ampersands & <angle> brackets — Grüße, 日本語 ✓"
LONG_PARAGRAPH = " ".join(
    f"Sentence number {i} of a long paragraph makes sure the feed carries the whole body, "
    "not an excerpt cut short."
    for i in range(1, 25)
)
TRICKY_MARKDOWN = f"""\
An opening paragraph with a [relative link](/about/) and **bold** text.

![A red square](/media/x.png)

```rust
fn main() {{
    let answer = 42;
    println!("{{answer}}");
}}
```

{LONG_PARAGRAPH}

The very end of the tricky post.
"""


def iso(dt: str) -> datetime:
    return datetime.fromisoformat(dt.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def site(server: Folio) -> dict:
    """Three published posts (created out of date order) and one draft."""
    tricky = server.create_post(
        title=TRICKY_TITLE,
        markdown=TRICKY_MARKDOWN,
        tags=["Rust", "Café"],
        status="published",
        published_at="2024-02-01T09:00:00Z",
    )
    newest = server.create_post(
        title="Newest post about feeds",
        markdown="The newest post, tagged **Web & Feeds**.\n",
        tags=["Web & Feeds"],
        status="published",
        published_at="2024-03-01T09:00:00Z",
    )
    oldest = server.create_post(
        title="Oldest post",
        markdown="The oldest post, also about Rust.\n",
        tags=["Rust"],
        status="published",
        published_at="2024-01-01T09:00:00Z",
    )
    draft = server.create_post(
        title="Secret draft never to be syndicated",
        markdown="Xylophonic draft body.\n",
        tags=["Rust"],
        status="draft",
    )
    for post, sent in ((tricky, "2024-02-01T09:00:00Z"), (newest, "2024-03-01T09:00:00Z"), (oldest, "2024-01-01T09:00:00Z")):
        assert post["status"] == "published", post
        assert iso(post["published_at"]) == iso(sent), f"published_at as returned: {post}"
    assert draft["status"] == "draft", draft
    tag_slug = {t["name"]: t["slug"] for p in (tricky, newest, oldest) for t in p["tags"]}
    assert set(tag_slug) == {"Rust", "Café", "Web & Feeds"}, f"tags as returned: {tag_slug}"
    return {
        "tricky": tricky,
        "newest": newest,
        "oldest": oldest,
        "draft": draft,
        "all": [newest, tricky, oldest],  # newest first
        "by_tag": {
            tag_slug["Rust"]: [tricky, oldest],
            tag_slug["Café"]: [tricky],
            tag_slug["Web & Feeds"]: [newest],
        },
    }


def fetch(server: Folio, path: str, content_types: tuple[str, ...]) -> bytes:
    resp = server.get(path)
    assert resp.status == 200, resp
    assert resp.content_type.split(";")[0].strip() in content_types, (
        f"{path} has Content-Type {resp.content_type!r}, expected one of {content_types}"
    )
    return resp.body


def parse_feed(server: Folio, path: str, version: str, content_type: tuple[str, ...]):
    body = fetch(server, path, content_type)
    # Parsed from the bytes, with no base URL given: relative links stay relative unless
    # the feed itself makes them absolute (or gives an xml:base).
    feed = feedparser.parse(body)
    assert not feed.bozo, f"{path} is not well-formed: {feed.get('bozo_exception')!r}\n{body[:2000]!r}"
    assert feed.version == version, f"{path} parsed as {feed.version!r}, expected {version}"
    return feed


def entry_html(entry) -> str:
    if entry.get("content"):
        return entry.content[0].value
    return entry.get("summary", "")


def check_entries(server: Folio, entries: list, expected: list[dict], where: str) -> None:
    assert [e.title for e in entries] == [p["title"] for p in expected], (
        f"{where}: titles (newest first, exact, drafts absent)"
    )
    assert [e.link for e in entries] == [p["url"] for p in expected], f"{where}: entry links"
    ids = [e.get("id") for e in entries]
    assert all(ids) and len(set(ids)) == len(ids), f"{where}: entry ids must be present and unique: {ids}"
    for entry, post in zip(entries, expected):
        assert entry.link.startswith(server.base_url + "/"), f"{where}: {entry.link} is not absolute"
        assert entry.get("published_parsed"), f"{where}: {entry.title!r} has no publication date"
        published = datetime(*entry.published_parsed[:6], tzinfo=timezone.utc)
        assert published == iso(post["published_at"]), f"{where}: date of {entry.title!r}"


def check_tricky_content(server: Folio, content: str, where: str) -> None:
    text = visible_text(content)
    assert "<pre" in content, f"{where}: the code block is not in the content as HTML"
    assert "let answer = 42;" in text, f"{where}: the code block's text is missing"
    assert "Sentence number 24 of a long paragraph" in text, f"{where}: content is cut short"
    assert "The very end of the tricky post." in text, f"{where}: content is not the full post"
    doc = parse_html(content)
    imgs = doc.where("img")
    assert [i.attrs.get("src") for i in imgs] == [server.base_url + "/media/x.png"], (
        f"{where}: the image's relative src must be made absolute"
    )
    assert imgs[0].attrs.get("alt") == "A red square"
    hrefs = [a.attrs.get("href") for a in doc.where("a")]
    assert server.base_url + "/about/" in hrefs, f"{where}: relative link not made absolute: {hrefs}"


ATOM_TYPES = ("application/atom+xml",)
RSS_TYPES = ("application/rss+xml", "application/xml", "text/xml")
JSON_TYPES = ("application/feed+json", "application/json")


def test_atom_feed(server: Folio, site: dict) -> None:
    feed = parse_feed(server, "/feed.xml", "atom10", ATOM_TYPES)
    assert feed.feed.get("title"), "the feed has no title"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links.get("self") == server.base_url + "/feed.xml", f"feed links: {feed.feed.links}"
    assert links.get("alternate", "").rstrip("/") == server.base_url, f"feed links: {feed.feed.links}"
    check_entries(server, feed.entries, site["all"], "/feed.xml")
    check_tricky_content(server, entry_html(feed.entries[1]), "/feed.xml")
    assert feed.entries[1].get("author") == "Olive Owner"


def test_rss_feed(server: Folio, site: dict) -> None:
    feed = parse_feed(server, "/rss.xml", "rss20", RSS_TYPES)
    assert feed.feed.get("title"), "the channel has no title"
    assert feed.feed.get("link", "").rstrip("/") == server.base_url
    check_entries(server, feed.entries, site["all"], "/rss.xml")
    check_tricky_content(server, entry_html(feed.entries[1]), "/rss.xml")


def test_json_feed(server: Folio, site: dict) -> None:
    body = fetch(server, "/feed.json", JSON_TYPES)
    feed = json.loads(body)
    check_json_feed(server, feed, "/feed.json", site["all"])
    assert feed["home_page_url"].rstrip("/") == server.base_url
    tricky = feed["items"][1]
    check_tricky_content(server, tricky["content_html"], "/feed.json")


def check_json_feed(server: Folio, feed: dict, path: str, expected: list[dict]) -> None:
    assert feed.get("version") == "https://jsonfeed.org/version/1.1", feed.get("version")
    assert feed.get("title"), f"{path}: no title"
    assert feed.get("feed_url") == server.base_url + path
    items = feed.get("items")
    assert isinstance(items, list)
    for item in items:
        for key in ("id", "url", "title", "content_html", "date_published"):
            assert isinstance(item.get(key), str) and item[key], f"{path}: item lacks {key}: {item}"
    assert [i["title"] for i in items] == [p["title"] for p in expected], f"{path}: titles"
    assert [i["url"] for i in items] == [p["url"] for p in expected], f"{path}: urls"
    assert [iso(i["date_published"]) for i in items] == [iso(p["published_at"]) for p in expected]
    ids = [i["id"] for i in items]
    assert len(set(ids)) == len(ids), f"{path}: ids must be unique: {ids}"


def test_drafts_never_appear_in_feeds(server: Folio, site: dict) -> None:
    for path in ("/feed.xml", "/rss.xml", "/feed.json"):
        body = server.get(path).text
        assert site["draft"]["title"] not in body, path
        assert "Xylophonic" not in body, path
        assert "/" + site["draft"]["slug"] + "/" not in body, path


@pytest.mark.parametrize("fmt", ["feed.xml", "rss.xml", "feed.json"])
def test_tag_feeds_hold_only_that_tags_posts(server: Folio, site: dict, fmt: str) -> None:
    for tag, expected in site["by_tag"].items():
        path = f"/tag/{tag}/{fmt}"
        if fmt == "feed.json":
            feed = json.loads(fetch(server, path, JSON_TYPES))
            check_json_feed(server, feed, path, expected)
            continue
        if fmt == "feed.xml":
            feed = parse_feed(server, path, "atom10", ATOM_TYPES)
            self_link = {link.rel: link.href for link in feed.feed.links}.get("self")
            assert self_link == server.base_url + path
        else:
            feed = parse_feed(server, path, "rss20", RSS_TYPES)
        check_entries(server, feed.entries, expected, path)


def test_unknown_tag_feed_is_404(server: Folio, site: dict) -> None:
    for fmt in ("feed.xml", "rss.xml", "feed.json"):
        assert server.get(f"/tag/no-such-tag/{fmt}").status == 404


def test_feeds_follow_writes(server: Folio, site: dict) -> None:
    """Feeds are cached; a publish or delete must show in them at once."""
    for path in ("/feed.xml", "/rss.xml", "/feed.json"):
        server.get(path)  # make sure each is cached
    fresh = server.create_post(
        title="Hot off the press",
        markdown="Just published.\n",
        tags=["Rust"],
        status="published",
    )
    try:
        for path in ("/feed.xml", "/rss.xml"):
            entries = feedparser.parse(server.get(path).body).entries
            assert entries and entries[0].title == "Hot off the press", f"{path} is stale after a publish"
        assert json.loads(server.get("/feed.json").body)["items"][0]["title"] == "Hot off the press"
        rust = next(t["slug"] for t in fresh["tags"])
        assert "Hot off the press" in server.get(f"/tag/{rust}/feed.xml").text
    finally:
        resp = server.api("DELETE", f"/api/v1/admin/posts/{fresh['id']}")
        assert resp.status in (200, 204), resp
    for path in ("/feed.xml", "/rss.xml", "/feed.json"):
        assert "Hot off the press" not in server.get(path).text, f"{path} is stale after a delete"
