"""Hostile content (issue 6, part 1): no XSS vector reaches a reader's browser alive.

Every vector of fixtures/xss-vectors.txt goes in through every path that ends on a public
page: the JSON API (post and page bodies, titles, slugs, excerpts, tag names, SEO fields,
feature image URL and alt text, site settings, media uploads with their file name and alt
text), the CLI (author names), search queries, and `folio import` (author bios and tag
descriptions, which no API or admin route sets, and raw slugs). Folio may refuse a vector
with a 4xx and a JSON error naming the field; what it stores and renders must be safe.

Every resulting page is checked twice:

1. **html5lib**, a parser independent of Folio's sanitizer (ammonia/html5ever): no script
   but the theme's, no event handler attribute, no `javascript:`/`vbscript:`/`data:` URL
   (`data:image/` only as an `img src`), no frame, object, embed, base, template, style,
   noscript or meta refresh, no form control outside the theme's search form, no svg or
   math outside the theme's icon.
2. **A real headless Chromium** whose `alert`, `confirm`, `prompt`, `fetch`,
   `XMLHttpRequest.open`, `document.cookie` and `eval` are replaced, before any page
   script runs, by recorders; every element then gets focus, hover, error, load and
   animation events. Nothing may be recorded, and no Content-Security-Policy violation
   may be reported: CSP is the second wall, so a violation means the first one failed.

Feeds (Atom, RSS, JSON Feed, site-wide and per tag) must parse as XML/JSON and the HTML
they carry must pass the html5lib checks; so must the public API's `html`. The sitemap
and every URL made from hostile text must be plain. The admin's lists and editors (where
media file names show) get both checks too, signed in as the owner. HTML pages keep a CSP
without 'unsafe-inline' or 'unsafe-eval' for scripts.

Run with `-s` to see how many vectors went through which path and which were refused.
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.parse
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import html5lib  # a missing html5lib is a failure (tests/e2e/requirements.txt), never a skip
import pytest

from support import OWNER_EMAIL, OWNER_PASSWORD, Folio, Response, gradient_png

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs /usr/bin/chromium and /usr/bin/chromedriver (Debian: chromium, chromium-driver)",
)

CORPUS = Path(__file__).parent / "fixtures" / "xss-vectors.txt"
# What the browser hooks record: a vector that calls none of these could not fail.
MARKERS = ("alert(", "confirm(", "prompt(", "fetch(", "XMLHttpRequest", "document.cookie", "eval(")
HOSTILE_TAG = "hostile"
PAGE_WAIT_S = 20.0

SVG_NS = "http://www.w3.org/2000/svg"
MATHML_NS = "http://www.w3.org/1998/Math/MathML"
XLINK_NS = "http://www.w3.org/1999/xlink"
ATOM = "{http://www.w3.org/2005/Atom}"
RSS_CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


# --- the corpus ----------------------------------------------------------------------------

_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|n|t|\\)")


def _unescape(match: re.Match) -> str:
    code = match.group(1)
    return {"n": "\n", "t": "\t", "\\": "\\"}.get(code) or chr(int(code[1:], 16))


def load_vectors(path: Path = CORPUS) -> list[str]:
    """The corpus: one vector a line; `#` comments and blank lines skipped; a line
    starting with `esc:` has its \\xNN, \\uNNNN, \\n, \\t and \\\\ escapes decoded."""
    vectors = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        vectors.append(_ESCAPE.sub(_unescape, line[4:]) if line.startswith("esc:") else line)
    return vectors


# --- what went where ------------------------------------------------------------------------


@dataclass
class Ledger:
    """Every (path, vector) pair sent, and each refusal with Folio's message."""

    sent: Counter = field(default_factory=Counter)
    refused: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def send(self, paths: Iterable[str]) -> None:
        self.sent.update(paths)

    def refuse(self, path: str, value: Any, reason: str) -> None:
        self.refused[path].append(f"{str(value)[:80]!r}: {reason}")

    def refusals(self, path: str) -> int:
        """Refusals on this path or its parts (navigation.url under navigation)."""
        return sum(len(r) for p, r in self.refused.items() if p == path or p.startswith(path + "."))

    def summary(self) -> str:
        lines = [f"{sum(self.sent.values())} (vector, path) pairs sent over {len(self.sent)} paths:"]
        for path, n in sorted(self.sent.items()):
            lines.append(f"  {path:32} {n:4} sent, {self.refusals(path):3} refusals (fallbacks included)")
        return "\n".join(lines)


def clear_refusal(resp: Response, what: str) -> dict[str, str]:
    """A refusal must be a 4xx with the JSON error contract, naming each refused field;
    returns `fields` (field name → reason)."""
    assert 400 <= resp.status < 500, f"{what}: a hostile value must be stored or refused with a 4xx, got {resp!r}"
    error = resp.json().get("error") if resp.content_type.startswith("application/json") else None
    assert isinstance(error, dict) and error.get("code") and error.get("message") and error.get("fields"), (
        f"{what}: a refusal must be JSON {{'error': {{code, message, fields}}}} naming the field, got {resp!r}"
    )
    return dict(error["fields"])


_INDEX = re.compile(r"\[\d+\]")  # navigation[0].url -> navigation.url


def send_with_fallbacks(
    send: Callable[[dict[str, Any]], Response],
    what: str,
    fields: dict[str, Any],
    fallbacks: dict[str, list[Any]],
    ledger: Ledger,
    fixed: Iterable[str] = (),
) -> Response | None:
    """Sends `fields`; while Folio refuses some of them (a clear 4xx naming each), records
    the refusals and sends again with each refused field's next fallback, or without it.
    Returns the accepted answer, or None when nothing is left to send. Fields named in
    `fixed` are ours (a status, a file), not hostile, and are not counted as paths."""
    fields, fallbacks = dict(fields), {k: list(v) for k, v in fallbacks.items()}
    ledger.send(f"{what}.{k}" for k in fields if k not in fixed)
    for _ in range(2 * len(fields) + 2):
        resp = send(fields)
        if resp.status in (200, 201):
            return resp
        for key, reason in clear_refusal(resp, what).items():
            top = re.split(r"[\[.]", key, maxsplit=1)[0]
            assert top in fields, f"{what}: the error names {key!r}, which was not sent: {resp!r}"
            ledger.refuse(f"{what}.{_INDEX.sub('', key)}", fields[top], reason)
            if fallbacks.get(top):
                fields[top] = fallbacks[top].pop(0)
            else:
                del fields[top]
        if not fields:
            return None
    raise AssertionError(f"{what}: still refused after every fallback: {resp!r}")


# --- writing through the API and the CLI ------------------------------------------------------


def api_as(site: Folio, token: str, method: str, path: str, body: Any) -> Response:
    """A JSON API call with any user's token (support's Folio.api is the owner's)."""
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    return site.request(method, path, json.dumps(body).encode(), headers, token)


def multipart_upload(site: Folio, image: bytes, fields: dict[str, Any]) -> Response:
    """POST /api/v1/admin/media: `image` named fields["file"] (quoted the way browsers
    quote it: ", CR and LF percent-encoded), with fields["alt"] when there is one."""
    boundary = "folio-hostile-boundary"
    name = fields.get("file", "image.png")
    for raw, quoted in (('"', "%22"), ("\r", "%0D"), ("\n", "%0A")):
        name = name.replace(raw, quoted)
    parts = []
    if "alt" in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="alt"\r\n\r\n{fields["alt"]}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: image/png\r\n\r\n".encode() + image + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    headers = {"Accept": "application/json", "Content-Type": f"multipart/form-data; boundary={boundary}"}
    return site.request("POST", "/api/v1/admin/media", b"".join(parts), headers, site.token)


def create_author(site: Folio, ledger: Ledger, i: int, vector: str) -> str | None:
    """`folio user create --name VECTOR` (the only way to name a user besides set-up and
    invitations); returns the new author's API token, or None when the name is refused."""
    ledger.send(["author.name"])
    if "\x00" in vector:
        ledger.refuse("author.name", vector, "a NUL byte cannot be passed as a command-line argument")
        return None
    email = f"hostile{i}@example.com"
    proc = site.run("user", "create", "--email", email, "--name", vector, "--role", "author", check=False)
    if proc.returncode != 0:
        assert "--name" in proc.stderr, f"`folio user create` refused a name without saying why: {proc.stderr!r}"
        ledger.refuse("author.name", vector, proc.stderr.strip())
        return None
    return site.run("token", "create", "--email", email).stdout.strip()


def upload_vector_image(site: Folio, ledger: Ledger, i: int, vector: str) -> dict | None:
    """Uploads a small PNG (different for each vector, so none is a duplicate) named
    `VECTOR.png` with the vector as alt text; returns the media entry. (The API names a
    problem with the file's name `file`, so the name travels as the field "file".)"""
    image = gradient_png(16 + i, 12)
    resp = send_with_fallbacks(
        lambda f: multipart_upload(site, image, f), "media", {"file": vector + ".png", "alt": vector},
        {"file": ["image.png"]}, ledger,
    )
    return resp.json() if resp else None


def publish_vector(site: Folio, ledger: Ledger, i: int, vector: str) -> dict:
    """One published post carrying the vector in every field that takes text, written by
    an author named after it, with an uploaded image (its Markdown, as the editor inserts
    it, after the vector in the body) and tags [vector, "hostile"]."""
    token = create_author(site, ledger, i, vector) or site.token
    media = upload_vector_image(site, ledger, i, vector)
    image_markdown = media["markdown"] if media else ""
    fields = {
        name: vector
        for name in ("title", "slug", "excerpt", "feature_image", "feature_image_alt",
                     "seo_title", "seo_description", "canonical_url")
    }
    fields.update(markdown=f"{vector}\n\n{image_markdown}", tags=[vector, HOSTILE_TAG], status="published")
    fallbacks = {
        "title": [f"Hostile vector {i}"],
        "markdown": [image_markdown or f"Hostile vector {i}"],
        "tags": [[HOSTILE_TAG]],
        # A site path and a URL that carry the vector in their query, then a plain image.
        "feature_image": [f"/media/none.png?{vector}", *([media["url"]] if media else [])],
        "canonical_url": [f"{site.base_url}/canonical?{vector}"],
    }
    resp = send_with_fallbacks(
        lambda f: api_as(site, token, "POST", "/api/v1/admin/posts", f), "post", fields, fallbacks, ledger,
        fixed=("status",),
    )
    assert resp is not None and resp.status == 201, f"post for vector {i} was not created"
    return resp.json()


# --- reading pages --------------------------------------------------------------------------


def get_ok(site: Folio, path: str, kind: str = "text/html", cookie: str = "") -> Response:
    resp = site.get(path, headers={"Cookie": cookie} if cookie else None)
    assert resp.status == 200 and resp.content_type.startswith(kind), f"GET {path}: {resp!r}"
    return resp


def parse(text: str, fragment: bool = False):
    """html5lib's tree (xml.etree) of a page or fragment; HTML elements without namespace."""
    parse_fn = html5lib.parseFragment if fragment else html5lib.parse
    return parse_fn(text, treebuilder="etree", namespaceHTMLElements=False)


def older_page(text: str) -> str | None:
    """The href of a listing's link to its older page: the theme's "Older posts"
    (a.pagination-older) or the admin's (nav.pager a)."""
    root = parse(text)
    links = [a for a in root.iter("a") if "pagination-older" in a.get("class", "").split()]
    links += [a for nav in root.iter("nav") if "pager" in nav.get("class", "").split() for a in nav.iter("a")]
    return links[0].get("href") if links else None


def crawl_listing(site: Folio, first: str, cookie: str = "") -> dict[str, Response]:
    """A listing page and every older page after it."""
    pages: dict[str, Response] = {}
    path: str | None = first
    while path and path not in pages:
        pages[path] = get_ok(site, path, cookie=cookie)
        older = older_page(pages[path].text)
        path = site.path_of(older) if older else None
    return pages


def is_plain_url(url: str) -> bool:
    """A URL whose path holds only unreserved characters and percent-escapes, and nothing
    that could close an attribute or a tag once decoded."""
    path = urllib.parse.urlsplit(url).path
    return bool(re.fullmatch(r"[A-Za-z0-9\-._~%/]*", path)) and not re.search(
        r"[<>\"'`\s\x00-\x1f]", urllib.parse.unquote(path)
    )


def search_path(query: str) -> str:
    return "/search?q=" + urllib.parse.quote(query, safe="")


# --- check 1: html5lib ----------------------------------------------------------------------

URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "srcset", "poster", "background",
    "data", "cite", "longdesc", "lowsrc", "dynsrc", "ping", "manifest", "codebase", "icon",
}
FORBIDDEN_ELEMENTS = {
    "iframe", "frame", "frameset", "object", "embed", "applet", "base", "template", "noscript",
    "noembed", "noframes", "xmp", "plaintext", "style", "portal", "param",
}
FORM_CONTROLS = {"form", "input", "button", "textarea", "select", "option", "keygen", "isindex"}
SUBRESOURCE_RELS = {"stylesheet", "import", "preload", "modulepreload", "prefetch", "prerender", "icon"}
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f-\x9f]")


def namespace_of(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def attribute_name(key: str) -> str:
    """html5lib spells foreign attributes `{namespace}name`; xlink ones become xlink:name."""
    if key.startswith("{"):
        ns, name = key[1:].split("}", 1)
        return f"xlink:{name}" if ns == XLINK_NS else name.lower()
    return key.lower()


def bad_scheme(url: str, image_data_ok: bool = False) -> str | None:
    """The dangerous scheme a URL starts with, once every space and control character is
    gone and case is folded (what browsers ignore when they read a scheme)."""
    folded = _CONTROL_OR_SPACE.sub("", url).lower()
    for scheme in ("javascript:", "vbscript:", "data:"):
        if folded.startswith(scheme) and not (image_data_ok and folded.startswith("data:image/")):
            return scheme
    return None


def url_candidates(name: str, value: str) -> list[str]:
    """A srcset's candidate URLs (and the whole value, in case it is one data: URL)."""
    if name != "srcset":
        return [value]
    return [value] + [piece.strip().split(" ")[0] for piece in value.split(",") if piece.strip()]


@dataclass(frozen=True)
class Offence:
    url: str
    rule: str
    element: str
    context: str

    def __str__(self) -> str:
        return f"{self.url}: {self.rule}\n    parsed:  {self.element}\n    source:  {self.context}"


@dataclass(frozen=True)
class Profile:
    """What a kind of page may hold of its own making."""

    assets: tuple[str, ...] = ()  # where its own scripts, stylesheets and icons live
    json_ld: bool = False  # <script type="application/ld+json">
    search_form: bool = False  # the theme's search form and the svg icon in its button
    forms: bool = False  # any form (the admin's pages are made of them)
    fragment: bool = False  # a piece of HTML (feed or API content), not a document


PUBLIC = Profile(assets=("/assets/",), json_ld=True, search_form=True)
ADMIN = Profile(assets=("/admin/assets/",), forms=True)
FRAGMENT = Profile(fragment=True)


class ParsedPage:
    """One page (or HTML fragment from a feed or the API) as html5lib sees it, with the
    allowances of its profile."""

    def __init__(self, url: str, text: str, base_url: str, profile: Profile) -> None:
        self.url, self.text, self.base_url, self.profile = url, text, base_url, profile
        self.root = parse(text, fragment=profile.fragment)
        self.parent = {child: parent for parent in self.root.iter() for child in parent}

    def ancestors(self, el) -> Iterator:
        while el in self.parent:
            el = self.parent[el]
            yield el

    def is_own_asset(self, url: str) -> bool:
        path = url[len(self.base_url):] if url.startswith(self.base_url) else url
        return path.startswith(self.profile.assets) if self.profile.assets else False

    def theme_search_form(self, el) -> bool:
        """The theme's own GET form to /search (the element itself or an ancestor)."""
        if not self.profile.search_form:
            return False
        for form in (el, *self.ancestors(el)):
            if form.tag == "form":
                return (
                    "search-form" in form.get("class", "").split()
                    and form.get("method", "").lower() == "get"
                    and form.get("action") in (self.base_url + "/search", "/search")
                )
        return False

    def theme_icon(self, el) -> bool:
        """The svg icon inside the theme's search button."""
        button = next((a for a in self.ancestors(el) if a.tag == "button"), None)
        return (
            local_name(el.tag) == "svg"
            and button is not None
            and "search-button" in button.get("class", "").split()
            and self.theme_search_form(button)
        )

    def describe(self, el) -> str:
        attrs = " ".join(f'{attribute_name(k)}="{v}"' for k, v in el.attrib.items())
        text = (el.text or "").strip()
        return repr(f"<{local_name(el.tag)}{' ' + attrs if attrs else ''}>{text[:80]}")[:400]

    def context(self, el) -> str:
        """Where the element stands in the raw source (found by its first attribute value
        or its tag name), 100 characters either side."""
        needles = [v for v in el.attrib.values() if len(v) > 2] + [f"<{local_name(el.tag)}"]
        lowered = self.text.lower()
        for needle in needles:
            at = lowered.find(needle.lower())
            if at >= 0:
                return repr(self.text[max(0, at - 100): at + len(needle) + 100])
        return "(not found verbatim in the source)"

    def offences(self) -> list[Offence]:
        found = []
        for el in self.root.iter():
            if not isinstance(el.tag, str):  # comments
                continue
            for rule in RULES:
                reason = rule(self, el)
                if reason:
                    found.append(Offence(self.url, reason, self.describe(el), self.context(el)))
        return found


def rule_script(page: ParsedPage, el) -> str | None:
    """Guards against injected script: the only scripts allowed are the theme's JSON-LD
    (which must still parse, or something closed it early) and the site's own files."""
    if local_name(el.tag) != "script":
        return None
    text = el.text or ""
    if page.profile.json_ld and namespace_of(el.tag) == "" and el.get("type", "").lower() == "application/ld+json":
        try:
            json.loads(text)
            return None
        except ValueError:
            return "a JSON-LD script whose text is not JSON (content broke out of it)"
    if page.is_own_asset(el.get("src", "")) and not text.strip():
        return None
    return "a script element the site did not put there"


def rule_event_handlers(page: ParsedPage, el) -> str | None:
    """Guards against on* attributes (onerror, onload, onfocus, onanimationstart...)."""
    names = [attribute_name(k) for k in el.attrib if attribute_name(k).startswith("on")]
    return f"event handler attribute {', '.join(names)}" if names else None


def rule_urls(page: ParsedPage, el) -> str | None:
    """Guards against javascript:, vbscript: and data: URLs in any attribute that loads or
    navigates; data:image/ is fine as an img src only."""
    tag = local_name(el.tag)
    for key, value in el.attrib.items():
        name = attribute_name(key)
        if name not in URL_ATTRIBUTES:
            continue
        for url in url_candidates(name, value):
            scheme = bad_scheme(url, image_data_ok=(tag == "img" and name == "src"))
            if scheme:
                return f"{scheme} URL in {name}"
    if tag == "meta" and el.get("http-equiv", "").strip().lower() in ("refresh", "set-cookie"):
        return f"meta http-equiv={el.get('http-equiv')}"
    return None


def rule_forbidden_elements(page: ParsedPage, el) -> str | None:
    """Guards against frames, plugins, <base>, <style> and the raw-text elements that
    mutation XSS uses (noscript, xmp, template...)."""
    tag = local_name(el.tag)
    return f"<{tag}> element" if tag in FORBIDDEN_ELEMENTS and namespace_of(el.tag) == "" else None


def rule_forms(page: ParsedPage, el) -> str | None:
    """Guards against forms and controls (phishing, formaction) other than the theme's
    search form."""
    if page.profile.forms:
        return None
    tag = local_name(el.tag)
    if tag in FORM_CONTROLS and namespace_of(el.tag) == "" and not page.theme_search_form(el):
        return f"<{tag}> outside the theme's search form"
    return None


def rule_foreign_content(page: ParsedPage, el) -> str | None:
    """Guards against svg and math (script carriers and the root of most mutation XSS):
    only the theme's icon may be there. Reported once, at the top of the foreign tree."""
    if namespace_of(el.tag) not in (SVG_NS, MATHML_NS):
        return None
    parent = page.parent.get(el)
    if parent is not None and namespace_of(parent.tag) in (SVG_NS, MATHML_NS):
        return None
    return None if page.theme_icon(el) else f"<{local_name(el.tag)}> content outside the theme's icon"


def rule_subresources(page: ParsedPage, el) -> str | None:
    """Guards against stylesheets, preloads and icons that are not the theme's files."""
    if local_name(el.tag) != "link":
        return None
    rels = set(el.get("rel", "").lower().split())
    if rels & SUBRESOURCE_RELS and not page.is_own_asset(el.get("href", "")):
        return f"<link rel={el.get('rel')}> to something that is not the site's own file"
    return None


RULES = (rule_script, rule_event_handlers, rule_urls, rule_forbidden_elements, rule_forms,
         rule_foreign_content, rule_subresources)


def html_offences(site: Folio, pages: dict[str, Response], profile: Profile = PUBLIC) -> list[Offence]:
    return [o for url, resp in pages.items() for o in ParsedPage(url, resp.text, site.base_url, profile).offences()]


def fragment_offences(where: str, fragment: str, base_url: str) -> list[Offence]:
    return ParsedPage(where, fragment, base_url, FRAGMENT).offences()


def assert_no_offences(offences: list[Offence], what: str) -> None:
    assert not offences, (
        f"{len(offences)} dangerous things in {what} (html5lib):\n\n" + "\n\n".join(map(str, offences[:40]))
        + (f"\n\n... and {len(offences) - 40} more" if len(offences) > 40 else "")
    )


# --- feeds, sitemap, API --------------------------------------------------------------------


def parse_xml(path: str, body: bytes) -> ET.Element:
    try:
        return ET.fromstring(body)
    except ET.ParseError as e:
        raise AssertionError(f"{path} is not well-formed XML ({e}): {body[:500]!r}") from None


def sitemap_urls(site: Folio, path: str = "/sitemap.xml") -> list[str]:
    """Every <loc> of the sitemap, following a sitemap index down."""
    root = parse_xml(path, get_ok(site, path, "").body)
    locs = [(loc.text or "").strip() for loc in root.iter(SITEMAP + "loc")]
    if local_name(root.tag) != "sitemapindex":
        return locs
    return [url for loc in locs for url in sitemap_urls(site, site.path_of(loc))]


def feed_url_offences(where: str, url: str) -> list[Offence]:
    scheme = bad_scheme(url)
    return [Offence(where, f"{scheme} URL in a feed", repr(url[:200]), "")] if scheme else []


def xml_feed_offences(path: str, body: bytes, base_url: str) -> list[Offence]:
    """An Atom or RSS feed: it must parse as XML, its links must be safe, and the HTML it
    carries (Atom type="html"/"xhtml", RSS description and content:encoded) must be clean."""
    root = parse_xml(path, body)
    offences = []
    for el in root.iter():
        where = f"{path} <{local_name(el.tag)}>"
        for name in ("href", "src", "url"):
            offences += feed_url_offences(where, el.get(name, ""))
        if el.tag in ("link", "guid", "comments", ATOM + "id", ATOM + "icon", ATOM + "logo", "url"):
            offences += feed_url_offences(where, (el.text or "").strip())
        if el.get("type") == "html":
            offences += fragment_offences(where, el.text or "", base_url)
        elif el.get("type") == "xhtml":
            inner = "".join(ET.tostring(child, encoding="unicode") for child in el)
            offences += fragment_offences(where, inner, base_url)
    # An RSS item's description is HTML (RSS 2.0: "entity-encoded HTML is allowed"), and
    # readers render it so; the channel's own description is a plain phrase.
    for item in root.iter("item"):
        for el in (*item.iter("description"), *item.iter(RSS_CONTENT)):
            offences += fragment_offences(f"{path} <item><{local_name(el.tag)}>", el.text or "", base_url)
    return offences


def json_feed_offences(path: str, body: bytes, base_url: str) -> list[Offence]:
    """A JSON Feed: it must parse, its URLs must be safe and content_html clean."""
    try:
        feed = json.loads(body)
    except ValueError as e:
        raise AssertionError(f"{path} is not JSON ({e}): {body[:500]!r}") from None
    return list(json_offences(path, feed, base_url))


JSON_URL_KEYS = {"image", "icon", "favicon", "avatar", "banner_image", "feature_image"}


def json_offences(where: str, value: Any, base_url: str) -> Iterator[Offence]:
    """Walks a JSON document: `*url`, `image`, `icon`... values are URLs; `html` and
    `content_html` are HTML fragments."""
    if isinstance(value, list):
        for item in value:
            yield from json_offences(where, item, base_url)
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and key in ("html", "content_html"):
                yield from fragment_offences(f"{where} {key}", item, base_url)
            elif isinstance(item, str) and (key.endswith("url") or key in JSON_URL_KEYS):
                yield from feed_url_offences(f"{where} {key}", item)
            else:
                yield from json_offences(where, item, base_url)


def feed_offences(site: Folio, paths: Iterable[str]) -> list[Offence]:
    offences = []
    for path in paths:
        resp = site.get(path)
        assert resp.status == 200, f"GET {path}: {resp!r}"
        check = json_feed_offences if path.endswith(".json") else xml_feed_offences
        offences += check(path, resp.body, site.base_url)
    return offences


FEEDS = ("feed.xml", "rss.xml", "feed.json")


def site_feeds() -> list[str]:
    return [f"/{name}" for name in FEEDS]


# --- check 2: a real browser -----------------------------------------------------------------

# Installed with Page.addScriptToEvaluateOnNewDocument: runs in every document before any
# of its own scripts. A call from the site's own script files (/assets/*.js,
# /admin/assets/*.js: the admin's editor really fetches) goes through; any other call is
# recorded, with its arguments, and goes nowhere.
HOOKS = r"""
(() => {
  const hits = [], violations = [];
  Object.defineProperty(window, '__pwned', {value: hits});
  Object.defineProperty(window, '__csp', {value: violations});
  const fromSiteScript = () => /\/(admin\/)?assets\/[^\s:?]+\.js/.test(new Error().stack || '');
  const record = (what, args) => hits.push(`${what}(${args.map((a) => String(a)).join(', ').slice(0, 200)})`);
  const trap = (owner, name, label, blocked) => {
    const real = owner[name];
    owner[name] = function (...args) {
      if (fromSiteScript()) return real.apply(this, args);
      record(label, args);
      return blocked();
    };
  };
  for (const name of ['alert', 'confirm', 'prompt', 'eval']) trap(window, name, name, () => undefined);
  trap(window, 'fetch', 'fetch', () => Promise.reject(new TypeError('blocked by the hostile-content test')));
  trap(XMLHttpRequest.prototype, 'open', 'XMLHttpRequest.open', () => undefined);
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  Object.defineProperty(Document.prototype, 'cookie', {
    configurable: true,
    get() { if (fromSiteScript()) return cookie.get.call(this); record('document.cookie get', []); return ''; },
    set(value) { if (fromSiteScript()) return cookie.set.call(this, value); record('document.cookie set', [value]); },
  });
  document.addEventListener('securitypolicyviolation', (e) => {
    violations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline code'}` +
                    ` (${e.sourceFile || 'the page'}:${e.lineNumber}) ${e.sample || ''}`);
  }, true);
})();
"""

# Run after load: focus every element and fire the events inline handlers wait for, then
# give queued handlers and CSP reports a moment before reading the recorders.
PROVOKE = r"""
const SETTLE_MS = 30;
const done = arguments[arguments.length - 1];
const types = ['mouseover', 'mouseenter', 'pointerover', 'mousemove', 'focus', 'focusin', 'blur',
               'error', 'load', 'toggle', 'animationstart', 'animationend', 'transitionend',
               'begin', 'start', 'scroll'];
for (const el of document.querySelectorAll('*')) {
  try { if (el.focus) el.focus(); } catch (e) {}
  for (const type of types) { try { el.dispatchEvent(new Event(type)); } catch (e) {} }
}
for (const type of ['load', 'focus', 'scroll']) window.dispatchEvent(new Event(type));
setTimeout(() => done({
  pwned: window.__pwned ? Array.from(window.__pwned) : ['the hooks were not installed'],
  csp: window.__csp ? Array.from(window.__csp) : [],
  href: location.href,
}), SETTLE_MS);
"""


class HookedBrowser:
    """Headless Chromium with the recorders installed in every document it opens."""

    def __init__(self, driver) -> None:
        self.driver = driver
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": HOOKS})

    def visit(self, url: str) -> list[str]:
        """Opens the page, provokes every handler, and returns what fired: recorded calls,
        CSP violations (as events and as console reports), navigation away, real dialogs."""
        from selenium.common.exceptions import UnexpectedAlertPresentException

        findings = []
        try:
            self.driver.get(url)
            state = self.driver.execute_async_script(PROVOKE)
        except UnexpectedAlertPresentException as e:  # the hooks failed; the driver dismissed it
            self.driver.get_log("browser")
            return [f"a real dialog opened: {e.alert_text!r}"]
        findings += [f"called {hit}" for hit in state["pwned"]]
        findings += [f"CSP violation: {v}" for v in state["csp"]]
        if urllib.parse.unquote(state["href"]) != urllib.parse.unquote(url):
            findings.append(f"the page navigated away to {state['href']}")
        findings += [
            f"console: {entry['message'][:300]}"
            for entry in self.driver.get_log("browser")
            if "Content Security Policy" in entry.get("message", "")
        ]
        return findings


def browser_findings(browser: HookedBrowser, site: Folio, paths: Iterable[str]) -> dict[str, list[str]]:
    return {path: found for path in paths if (found := browser.visit(site.url + path))}


def assert_browser_clean(findings: dict[str, list[str]], what: str) -> None:
    lines = [f"{path}:\n    " + "\n    ".join(found[:10]) for path, found in list(findings.items())[:40]]
    assert not findings, f"scripts ran or were stopped only by CSP on {len(findings)} of {what}:\n" + "\n".join(lines)


# --- fixtures ---------------------------------------------------------------------------------


@dataclass
class HostileSite:
    """What was published: one post per vector, and one post and one page with them all."""

    posts: list[dict]
    combined_post: dict
    combined_page: dict

    @property
    def entries(self) -> list[dict]:
        return [*self.posts, self.combined_post, self.combined_page]

    def listing_paths(self, site: Folio) -> set[str]:
        """Home, every tag and every author listing (first pages)."""
        paths = {"/"}
        for post in self.entries:
            paths.add(site.path_of(post["author"]["url"]))
            paths.update(site.path_of(tag["url"]) for tag in post["tags"])
        return paths


@pytest.fixture(scope="module")
def vectors() -> list[str]:
    return load_vectors()


@pytest.fixture(scope="module")
def ledger() -> Iterator[Ledger]:
    """What went where; printed at the end of the module (visible with `pytest -s`)."""
    ledger = Ledger()
    yield ledger
    print("\n" + ledger.summary())
    for path, reasons in sorted(ledger.refused.items()):
        print(f"refused on {path}: " + "; ".join(reasons[:2]) + (" ..." if len(reasons) > 2 else ""))


@pytest.fixture(scope="module")
def hostile(server: Folio, vectors: list[str], ledger: Ledger) -> HostileSite:
    """Every vector through every write path of the main site (one listing page holds all)."""
    resp = server.api("PATCH", "/api/v1/admin/settings", {"posts_per_page": 100})
    assert resp.status == 200, resp
    posts = [publish_vector(server, ledger, i, v) for i, v in enumerate(vectors)]
    everything = "\n\n".join(vectors)
    ledger.send(["post.markdown (all at once)", "page.markdown (all at once)"])
    combined_post = server.create_post(title="Every vector at once", markdown=everything, status="published")
    combined_page = server.create_page(title="Every vector on a page", markdown=everything, status="published")
    return HostileSite(posts, combined_post, combined_page)


@pytest.fixture(scope="module")
def public_pages(server: Folio, hostile: HostileSite) -> dict[str, Response]:
    """Every public HTML page the content reaches: posts, the page, listings (with their
    older pages), and searches that find the hostile posts."""
    pages: dict[str, Response] = {}
    for post in hostile.entries:
        path = server.path_of(post["url"])
        pages[path] = get_ok(server, path)
    for listing in sorted(hostile.listing_paths(server)):
        pages.update(crawl_listing(server, listing))
    for query in ("alert", "onerror", "script", "javascript", "hostile"):
        pages[search_path(query)] = get_ok(server, search_path(query))
    return pages


@pytest.fixture(scope="module")
def browser() -> Iterator[HookedBrowser]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(PAGE_WAIT_S)
    driver.set_script_timeout(PAGE_WAIT_S)
    try:
        yield HookedBrowser(driver)
    finally:
        driver.quit()


# --- the tests ----------------------------------------------------------------------------------


def test_corpus_covers_the_attack_classes(vectors: list[str]) -> None:
    """The corpus is big enough, has no duplicates, and every vector calls a marker the
    browser hooks record (otherwise the browser check could not fail for it)."""
    assert 40 <= len(vectors) <= 80, f"{len(vectors)} vectors in {CORPUS}"
    duplicates = [v for v, n in Counter(vectors).items() if n > 1]
    assert not duplicates, f"duplicate vectors: {duplicates}"
    silent = [v for v in vectors if not any(m in v for m in MARKERS)]
    assert not silent, f"vectors that call none of {MARKERS}: {silent}"
    for needle in ("<svg", "<math", "annotation-xml", "<noscript", "<template", "<style", "onerror",
                   "autofocus", "onanimationstart", "javascript:", "vbscript:", "data:text/html",
                   "formaction", "xlink:href", "srcset", "poster", "background", "&#x09;", "%6A",
                   "\x00", "\u202e", "ｊａｖａ", "</title>", "</textarea>", "]]>", "--!>", "](javascript:",
                   "![", "[hostile]:", "<javascript:"):
        assert any(needle in v for v in vectors), f"no vector in {CORPUS} has {needle!r}"


# Markup each html5lib rule must catch, and what it must say.
KNOWN_BAD = {
    '<p><script>alert(1)</script></p>': "script element",
    '<img src=x onerror=alert(1)>': "event handler",
    '<a href=" j\ta\x01vascript:alert(1)">x</a>': "javascript: URL in href",
    '<img srcset="x.png 1x, data:text/html,x 2x">': "data: URL in srcset",
    '<svg><a xlink:href="javascript:alert(1)">x</a></svg>': "javascript: URL in xlink:href",
    '<meta http-equiv="Refresh" content="0;url=/">': "meta http-equiv",
    '<noscript><p>x</p></noscript>': "<noscript> element",
    '<form><button formaction="/x">x</button></form>': "outside the theme's search form",
    '<math><mi>x</mi></math>': "<math> content",
    '<link rel="stylesheet" href="http://evil.example/x.css">': "not the site's own file",
}


def test_html5lib_rules_catch_known_bad_markup() -> None:
    """The checker itself: each rule fires on markup it exists for, and an image as
    data:image/png passes, or a clean result from html5lib means nothing."""
    for markup, expected in KNOWN_BAD.items():
        found = [o.rule for o in fragment_offences("known bad", markup, "http://folio.test")]
        assert any(expected in rule for rule in found), f"{markup!r}: expected {expected!r}, found {found}"
    assert not fragment_offences("fine", '<p><img src="data:image/png;base64,iVBOR" alt="a &lt;b&gt;"></p>', "http://folio.test")


def test_every_vector_went_through_every_path(hostile: HostileSite, vectors: list[str], ledger: Ledger) -> None:
    """Each write path of a post saw every vector (accepted, or refused with a clear 4xx
    JSON error naming the field, which send_with_fallbacks asserted as it went)."""
    per_vector = {p: n for p, n in ledger.sent.items() if p.startswith(("post.", "media.", "author."))}
    short = {p: n for p, n in per_vector.items() if n != len(vectors) and "all at once" not in p}
    assert not short, f"paths that did not see all {len(vectors)} vectors: {short}"
    assert not ledger.refused.get("post.markdown"), "a Markdown body must be stored (and made safe), not refused"


def test_urls_never_carry_the_raw_vector(server: Folio, hostile: HostileSite, vectors: list[str]) -> None:
    """Slugs of posts, tags and authors made from hostile text are plain URL paths: only
    unreserved characters or percent-escapes, and never the vector itself."""
    bad = []
    for post, vector in zip(hostile.posts, vectors):
        for url in [post["url"], post["author"]["url"], *(tag["url"] for tag in post["tags"])]:
            if not is_plain_url(url) or vector in urllib.parse.unquote(url):
                bad.append(f"{url!r} (from {vector!r})")
    assert not bad, "URLs that carry hostile text:\n" + "\n".join(bad)


def test_public_pages_parse_clean_in_html5lib(server: Folio, public_pages: dict[str, Response]) -> None:
    """Posts, the page, home, tag and author listings, search results: nothing dangerous
    survives in the HTML as an independent parser reads it."""
    assert_no_offences(html_offences(server, public_pages), f"{len(public_pages)} public pages")


def test_html_pages_keep_a_strict_content_security_policy(public_pages: dict[str, Response]) -> None:
    """The second wall: every HTML page has a CSP whose script-src (or default-src) allows
    no inline script, no eval and no other host; and declares its charset (no sniffing)."""
    for path, resp in public_pages.items():
        csp = resp.headers.get("Content-Security-Policy", "")
        directives = {d.split()[0].lower(): d.split()[1:] for d in csp.split(";") if d.strip()}
        script_src = directives.get("script-src", directives.get("default-src"))
        assert script_src is not None, f"{path}: no script-src or default-src in CSP {csp!r}"
        loose = [s for s in script_src if s.lower() in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:")]
        assert not loose, f"{path}: the CSP's script sources allow {loose}: {csp!r}"
        assert "charset=utf-8" in resp.content_type.lower().replace(" ", ""), f"{path}: {resp.content_type!r}"
        assert resp.headers.get("X-Content-Type-Options", "").lower() == "nosniff", f"{path}: no nosniff"


def test_public_api_html_is_clean(server: Folio, hostile: HostileSite) -> None:
    """The public API hands `html` to other front ends as-is: it must be as clean."""
    paths = [f"/api/v1/posts/{post['slug']}" for post in hostile.entries] + ["/api/v1/posts?limit=100"]
    offences = [
        offence
        for path in paths
        for offence in json_offences(path, get_ok(server, path, "application/json").json(), server.base_url)
    ]
    assert_no_offences(offences, "the public API")


def test_feeds_parse_and_carry_clean_html(server: Folio, hostile: HostileSite) -> None:
    """Atom, RSS and JSON Feed, site-wide and for every hostile tag: well-formed, with
    safe links, and HTML content a feed reader can show without running anything."""
    tag_paths = {server.path_of(t["url"]) for p in hostile.entries for t in p["tags"]}
    paths = site_feeds() + [f"{tag}{name}" for tag in sorted(tag_paths) for name in FEEDS]
    assert_no_offences(feed_offences(server, paths), f"{len(paths)} feeds")


def test_sitemap_lists_only_plain_urls(server: Folio, hostile: HostileSite) -> None:
    """The sitemap parses, and every <loc> is a plain URL under the site."""
    locs = sitemap_urls(server)
    assert locs, "the sitemap lists nothing"
    bad = [u for u in locs if not u.startswith(server.base_url + "/") or re.search(r"[<>\"'`\s]", u)]
    assert not bad, f"sitemap URLs that are not plain URLs under the site: {bad[:20]}"


def test_browser_hooks_catch_what_they_must(server: Folio, browser: HookedBrowser) -> None:
    """The canary: a page that calls every marker and injects an inline script must be
    reported, or a clean result from the browser means nothing."""
    browser.visit(server.url + "/")
    browser.driver.execute_script(
        "alert(1); confirm(2); prompt(3); fetch('/pwn'); document.cookie; eval('4');"
        "new XMLHttpRequest().open('GET', '/pwn');"
        "const s = document.createElement('script'); s.textContent = 'alert(5)'; document.body.append(s);"
    )
    state = browser.driver.execute_async_script(PROVOKE)
    calls = " ".join(state["pwned"])
    for marker in ("alert", "confirm", "prompt", "fetch", "document.cookie", "eval", "XMLHttpRequest.open"):
        assert marker in calls, f"the hooks did not record {marker}: {state}"
    assert "alert(5)" not in calls and state["csp"], f"the CSP should have stopped and reported the inline script: {state}"
    browser.driver.get_log("browser")  # drop the canary's console reports


def test_no_script_runs_on_public_pages(server: Folio, public_pages: dict[str, Response], browser: HookedBrowser) -> None:
    """Every public page in Chromium, every element hovered and focused: nothing runs,
    and the CSP has nothing to stop."""
    assert_browser_clean(browser_findings(browser, server, public_pages), f"{len(public_pages)} public pages")


def test_search_queries(server: Folio, vectors: list[str], ledger: Ledger, browser: HookedBrowser, hostile: HostileSite) -> None:
    """Each vector as a search query: the page that echoes it is clean, in html5lib and in
    the browser."""
    ledger.send(["search.q"] * len(vectors))
    pages = {search_path(v): get_ok(server, search_path(v)) for v in vectors}
    assert_no_offences(html_offences(server, pages), "search result pages")
    assert_browser_clean(browser_findings(browser, server, pages), "search result pages")


def test_site_settings(server: Folio, vectors: list[str], ledger: Ledger, browser: HookedBrowser, hostile: HostileSite) -> None:
    """Each vector as site title, description, navigation label and URL and logo, one at
    a time: every page shows them, so a page (html5lib and browser) and the feeds are
    checked after each."""
    before = server.api("GET", "/api/v1/admin/settings").json()
    # Only what the settings add counts here; the posts' own offences are another test's.
    baseline = set(feed_offences(server, site_feeds()))
    offences, findings = [], {}
    try:
        for i, vector in enumerate(vectors):
            fields = {"title": vector, "description": vector, "logo": vector,
                      "navigation": [{"label": vector, "url": vector}]}
            fallbacks = {
                "title": [f"Hostile settings {i}"],
                "logo": [f"/media/logo.png?{vector}"],
                "navigation": [[{"label": vector, "url": "/"}], [{"label": "Home", "url": "/"}]],
            }
            send_with_fallbacks(lambda f: server.api("PATCH", "/api/v1/admin/settings", f), "settings", fields, fallbacks, ledger)
            # Any page shows the settings; a URL of its own per vector names it in failures.
            page = {f"/search?settings={i}": get_ok(server, f"/search?settings={i}")}
            offences += html_offences(server, page)
            offences += [o for o in feed_offences(server, site_feeds()) if o not in baseline]
            findings.update(browser_findings(browser, server, page))
    finally:
        restore = {k: before[k] for k in ("title", "description", "logo", "navigation") if k in before}
        server.api("PATCH", "/api/v1/admin/settings", restore)
    assert_no_offences(offences, "pages and feeds under hostile settings")
    assert_browser_clean(findings, "pages under hostile settings")


def sign_in(driver, site: Folio) -> str:
    """Signs the owner in through the admin's form; returns the session's Cookie header."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(site.url + "/admin/signin")
    form = driver.find_element(By.CSS_SELECTOR, 'form[action="/admin/signin"]')
    form.find_element(By.NAME, "email").send_keys(OWNER_EMAIL)
    form.find_element(By.NAME, "password").send_keys(OWNER_PASSWORD)
    form.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()
    WebDriverWait(driver, PAGE_WAIT_S).until(lambda d: urllib.parse.urlsplit(d.current_url).path == "/admin/posts")
    return "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())


def test_admin_pages_show_hostile_content_inertly(server: Folio, hostile: HostileSite, browser: HookedBrowser) -> None:
    """Media file names and alt texts show only in the admin, and a contributor's hostile
    title or name must not run in an editor's session: the post, page, media and people
    lists and every hostile post's editor (whose own script runs, and may fetch)."""
    cookie = sign_in(browser.driver, server)
    pages: dict[str, Response] = {}
    for listing in ("/admin/posts", "/admin/pages", "/admin/media", "/admin/users"):
        pages.update(crawl_listing(server, listing, cookie))
    for post in hostile.posts:
        pages[f"/admin/posts/{post['id']}"] = get_ok(server, f"/admin/posts/{post['id']}", cookie=cookie)
    assert_no_offences(html_offences(server, pages, ADMIN), f"{len(pages)} admin pages")
    assert_browser_clean(browser_findings(browser, server, pages), f"{len(pages)} admin pages")


@pytest.fixture(scope="module")
def site_export(server: Folio, hostile: HostileSite, tmp_path_factory: pytest.TempPathFactory) -> str:
    """`folio export` of the hostile site, as JSON text (each test edits its own copy)."""
    path = tmp_path_factory.mktemp("export") / "site.json"
    server.run("export", "--format", "json", "--output", str(path))
    return path.read_text()


def imported_site(make_site, path: Path, export: dict) -> tuple[Folio, subprocess.CompletedProcess]:
    """A fresh, migrated site and the finished `folio import` of `export` into it."""
    path.write_text(json.dumps(export))
    site = make_site()
    site.run("migrate")
    return site, site.run("import", str(path), check=False)


def test_imported_bios_and_tag_descriptions(
    site_export: str, vectors: list[str], ledger: Ledger, make_site, browser: HookedBrowser, tmp_path: Path
) -> None:
    """Author bios and tag descriptions reach pages, but no API or admin route sets them;
    `folio import` does. The site's export with a vector as every bio and every tag
    description imports, and its author, tag and post pages render clean."""
    export = json.loads(site_export)
    for i, user in enumerate(export["users"]):
        user["bio"] = vectors[i % len(vectors)]
    for i, tag in enumerate(export["tags"]):
        tag["description"] = vectors[i % len(vectors)]
    ledger.send(["import.user.bio"] * len(export["users"]) + ["import.tag.description"] * len(export["tags"]))
    site, proc = imported_site(make_site, tmp_path / "bios.json", export)
    assert proc.returncode == 0, f"`folio import` refused its own export with new bios: {proc.stderr}"
    site.start()

    published = [p for p in export["posts"] if p["status"] == "published"]
    authors = {p["author_id"] for p in published}
    listings = sorted(
        {"/"}
        | {f"/author/{u['slug']}/" for u in export["users"] if u["id"] in authors}
        | {f"/tag/{t['slug']}/" for t in export["tags"]}
    )
    pages: dict[str, Response] = {}
    for listing in listings:
        pages.update(crawl_listing(site, listing))
    for post in published:
        pages[f"/{post['slug']}/"] = get_ok(site, f"/{post['slug']}/")
    assert_no_offences(html_offences(site, pages), f"{len(pages)} pages of the imported site")
    assert_browser_clean(browser_findings(browser, site, listings), "author and tag pages of the imported site")


@pytest.mark.parametrize("kind", ["users", "tags", "posts"])
def test_imported_hostile_slugs_are_refused_or_made_plain(
    kind: str, site_export: str, vectors: list[str], ledger: Ledger, make_site, tmp_path: Path
) -> None:
    """An import file is not checked by the API: vectors as the slugs of its users, tags
    or posts must be refused with a message naming the slugs, or come out as plain URLs
    in the links of the home page and in the sitemap."""
    export = json.loads(site_export)
    for i, record in enumerate(export[kind]):
        record["slug"] = vectors[i % len(vectors)]
    ledger.send([f"import.{kind}.slug"] * len(export[kind]))
    site, proc = imported_site(make_site, tmp_path / f"{kind}.json", export)
    if proc.returncode != 0:
        assert "slug" in proc.stderr.lower(), f"`folio import` refused hostile slugs without naming them: {proc.stderr!r}"
        ledger.refuse(f"import.{kind}.slug", "the whole file", proc.stderr.strip().splitlines()[-1])
        return
    site.start()
    home = crawl_listing(site, "/")
    assert_no_offences(html_offences(site, home), f"the home page of a site imported with hostile {kind} slugs")
    links = [a.get("href", "") for resp in home.values() for a in parse(resp.text).iter("a")] + sitemap_urls(site)
    raw = sorted({url for url in links if not is_plain_url(url) or any(v in urllib.parse.unquote(url) for v in vectors)})
    assert not raw, f"URLs that carry a hostile {kind} slug as it was imported:\n" + "\n".join(map(repr, raw[:20]))
