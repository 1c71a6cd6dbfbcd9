"""What the benchmark writes into Folio: the long post of the page scenarios, and the sites
of 1,000 and 100,000 posts of the scale scenarios (as a Folio export, or through the API).
Seeded generators, so every run writes the same text."""

from __future__ import annotations

import concurrent.futures
import http.client
import json
import random
import re
import sys
import urllib.parse
from datetime import UTC, datetime, timedelta

from .settings import BenchError

WORDS = ("the a of and to in is that for it as with was on be by this are or from at an "  # noqa: SIM905 - words, not a list to edit
    "which have not but they had his her all one we can there their were been has more will "
    "would when who so if no out up what about into than them only other time some could new "
    "these two may first then do any like my now over such our man me even most made after also "
    "did many before must through back years where much your way well down should because each "
    "just those people how too little state good very make world still own see men work long get "
    "here between both life being under never day same another know while last might us great old "
    "year off come since against go came right used take three cache server request response page "
    "query index latency thread memory build release binary replica database template render "
    "markdown feed search reader writer blog post tag author home title excerpt header footer").split()


def prose(rng: random.Random, words: int) -> str:
    """`words` random words in sentences of 8 to 18."""
    out, sentence = [], []
    for _ in range(words):
        sentence.append(rng.choice(WORDS))
        if len(sentence) >= rng.randint(8, 18):
            out.append(" ".join(sentence).capitalize() + ".")
            sentence = []
    if sentence:
        out.append(" ".join(sentence).capitalize() + ".")
    return " ".join(out)


CODE = '''```rust
use std::collections::HashMap;

/// Counts how often each word occurs, ignoring case.
pub fn word_counts(text: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for word in text.split_whitespace() {
        let word = word.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
        if !word.is_empty() {
            *counts.entry(word).or_insert(0) += 1;
        }
    }
    counts
}

fn main() {
    let counts = word_counts("the cache serves the page; the page is fast");
    let mut top: Vec<_> = counts.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for (word, n) in top.iter().take(3) {
        println!("{word}: {n}");
    }
}
```'''


POST_TITLE = "Benchmarking a blog: what one small server can do"


def post_body() -> tuple[dict, int]:
    """A realistic long post: ~1,500 words of prose in sections, a list, a quote, code.
    The API body that creates it, and the number of words of its Markdown."""
    rng = random.Random(1500)
    parts = [prose(rng, 90)]
    for i, heading in enumerate(["Why measure at all", "The setup", "What the numbers say", "Caveats", "What next"]):
        parts.append(f"## {heading}")
        parts += [prose(rng, 110), prose(rng, 130)]
        if i == 1:
            parts.append(CODE)
            parts.append("- " + "\n- ".join(prose(rng, 12) for _ in range(4)))
        if i == 2:
            parts.append("> " + prose(rng, 40))
            parts.append("See [the home page](/) or [the feed](/feed.xml) for more.")
    markdown = "\n\n".join(parts) + "\n"
    words = len(re.findall(r"[A-Za-z]+", markdown))
    body = {"title": POST_TITLE, "markdown": markdown,
            "tags": ["Benchmarks", "Rust"], "status": "published",
            "excerpt": "A long post with code, lists and a quote, used by the benchmark."}
    return body, words


# --- the scale scenario ----------------------------------------------------------------------

# On either site: the rare word in exactly ten posts, the common one in a tenth of them,
# the common tag on every second post.
RARE_WORD, COMMON_WORD, COMMON_TAG = "quokka", "zephyr", "common"
OWNER_EMAIL = "owner@example.com"


def export(out, n: int) -> None:
    """A Folio export (crates/folio-store/src/export.rs, format version 1) of n posts."""
    rng = random.Random(n)
    base = datetime(2015, 1, 1, tzinfo=UTC)
    stamp = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
    tags = [{"id": 1, "name": "Common", "slug": COMMON_TAG, "description": ""}] + [
        {"id": k, "name": f"Topic {k}", "slug": f"topic-{k}", "description": ""} for k in range(2, 51)]
    rare_every = max(1, n // 10)
    with open(out, "w") as f:
        f.write(json.dumps({
            "format": "folio-site-export", "version": 1, "exported_at": stamp(datetime.now(UTC)),
            "settings": {"title": "Folio benchmark site"},
            "users": [{"id": 1, "email": OWNER_EMAIL, "name": "Olive Owner", "slug": "olive-owner",
                       "role": "owner", "bio": "", "password_hash": None, "created_at": stamp(base),
                       "updated_at": stamp(base), "deactivated_at": None}],
            "tags": tags, "redirects": [], "media": []})[:-1])
        f.write(', "posts": [')
        for i in range(1, n + 1):
            words = prose(rng, 120)
            if i % 10 == 0:
                words += f" The {COMMON_WORD} blows."
            if i % rare_every == 0:
                words += f" A {RARE_WORD} appears."
            at = stamp(base + timedelta(minutes=i))
            post = {"id": i, "kind": "post", "title": f"Post {i}: " + prose(rng, 6).rstrip("."),
                    "slug": f"post-{i}", "markdown": words + "\n", "custom_excerpt": "", "feature_image": None,
                    "feature_image_alt": "", "status": "published", "published_at": at, "created_at": at,
                    "updated_at": at, "author_id": 1, "seo_title": "", "seo_description": "",
                    "canonical_url": "", "tags": ([1] if i % 2 == 0 else []) + [2 + i % 49]}
            f.write(("," if i > 1 else "") + json.dumps(post))
        f.write("]}")


def seed_api(url: str, token: str, n: int) -> None:
    """Alternative to `folio import`: n posts through the admin API, 8 at a time. Much slower;
    for when the export format and this generator disagree (SEED=api)."""
    u = urllib.parse.urlsplit(url)
    rng = random.Random(n)
    rare_every = max(1, n // 10)
    bodies = []
    for i in range(1, n + 1):
        words = prose(rng, 120)
        if i % 10 == 0:
            words += f" The {COMMON_WORD} blows."
        if i % rare_every == 0:
            words += f" A {RARE_WORD} appears."
        bodies.append({"title": f"Post {i}: " + prose(rng, 6).rstrip("."), "slug": f"post-{i}",
                       "markdown": words + "\n", "status": "published",
                       "tags": (["Common"] if i % 2 == 0 else []) + [f"Topic {2 + i % 49}"]})

    def create(body):
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        try:
            conn.request("POST", "/api/v1/admin/posts", json.dumps(body),
                         {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            if resp.status != 201:
                raise BenchError(f"POST {body['slug']}: {resp.status}")
        finally:
            conn.close()

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for done, _ in enumerate(pool.map(create, bodies), 1):
            if done % 5000 == 0:
                print(f"  {done}/{n}", file=sys.stderr)
