"""Pages everyone can use: axe-core in a real browser (headless Chromium), and the keyboard.

One `folio serve` and one browser for the whole module. The site is set up in the browser
(the set-up page is checked before there is an owner), then given content that touches
every public page type (home and its older page, a post with an image, a table, code,
footnotes and a task list, a page, tag and author listings, search with and without
results, the 404) and every admin page (set-up, sign-in, the two-step code, post and page
lists, the editor new and existing and with errors shown, revisions and a diff, media,
settings, tokens, people, the account with two-step set-up, an invitation and a password
link, the confirm dialog, the admin's 404).

Each page is checked by axe-core (bundled by the selenium-axe-python package) with the
WCAG 2.0/2.1 A and AA rules, in the light and in the dark colour scheme (Chromium's media
emulation); the home, its older page and the post again at a phone's width; every accent
colour of the default theme on the home and post pages. A test fails with every serious or critical violation it saw: the rule, the page, the scheme and
the elements (CSS selectors).

Then the keyboard alone (real key events through WebDriver): the first Tab on a page
reaches a visible "Skip to content" link that takes focus into the main content; every
element Tab reaches shows a focus indicator that differs from its unfocused look (an
outline, shadow, border or background at 3:1 against what is behind it, or a change of
shape such as the skip link coming into view); a post is written, tagged, saved and published with Tab,
typing, Enter and Space, in an order that follows the page.

FOLIO_E2E_THEME_DIR=path runs the whole check against another theme folder (it becomes
the server's FOLIO_THEME_DIR): how a theme author checks their theme. About a minute here
(2 cores).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import struct
import time
import urllib.parse
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import pytest

from support import OWNER_EMAIL, OWNER_NAME, OWNER_PASSWORD, Folio, gradient_png, http_request

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs /usr/bin/chromium and /usr/bin/chromedriver (Debian: chromium, chromium-driver)",
)

WIDTH, HEIGHT = 1280, 900
NARROW = 360  # a small phone
WAIT_S = 15.0  # page loads and form posts on a busy CI machine

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")
SCHEMES = ("light", "dark")
ACCENTS = ("rust", "ocean", "forest", "plum", "graphite")  # folio_store::ACCENTS
FOCUS_CONTRAST = 3.0  # WCAG 1.4.11: a focus indicator against what is next to it

SECOND_EMAIL = "avery@example.com"
SECOND_PASSWORD = "a different long passphrase"

RICH_TITLE = "Everything a post can hold"


# --- axe ----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def axe_source() -> str:
    """axe.min.js as the selenium-axe-python package ships it (tests/e2e/requirements.txt)."""
    from importlib import resources

    return (resources.files("selenium_axe_python") / "axe-core" / "axe.min.js").read_text(encoding="utf-8")


RUN_AXE = """
var tags = arguments[0], done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]}).then(
  function (r) {
    done({version: axe.version, violations: r.violations.map(function (v) {
      return {id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(function (n) {
        return {impact: n.impact, target: n.target.map(String), summary: n.failureSummary || ""};
      })};
    })});
  },
  function (e) { done({error: String(e && e.stack || e)}); });
"""


@dataclass
class Finding:
    area: str
    page: str
    url: str
    scheme: str
    rule: str
    impact: str
    help: str
    targets: list[str]
    summary: str

    def __str__(self) -> str:
        targets = "; ".join(self.targets[:8]) + (f"; … {len(self.targets) - 8} more" if len(self.targets) > 8 else "")
        detail = self.summary.strip().splitlines()
        hint = f"\n      {detail[1].strip()}" if len(detail) > 1 else ""
        return f"  {self.rule} ({self.impact}) on {self.page} [{self.scheme}] {self.url}\n      {self.help}: {targets}{hint}"


@dataclass
class Audit:
    """Runs axe on the page the browser shows, in each colour scheme, and keeps what it finds."""

    driver: object
    findings: list[Finding] = field(default_factory=list)
    checked: list[tuple[str, str]] = field(default_factory=list)
    axe_version: str = ""

    def check(self, area: str, page: str, schemes: tuple[str, ...] = SCHEMES) -> None:
        driver = self.driver
        url = urllib.parse.urlsplit(driver.current_url)
        where = url.path + (f"?{url.query}" if url.query else "")
        for scheme in schemes:
            set_scheme(driver, scheme)
            if driver.execute_script("return typeof window.axe === 'undefined'"):
                driver.execute_script(axe_source())
            result = driver.execute_async_script(RUN_AXE, AXE_TAGS)
            assert "error" not in result, f"axe failed on {page} ({where}): {result['error']}"
            self.axe_version = result["version"]
            self.checked.append((area, f"{page} [{scheme}]"))
            for v in result["violations"]:
                nodes = [n for n in v["nodes"] if (n["impact"] or v["impact"]) in BLOCKING]
                if not nodes:
                    continue
                self.findings.append(Finding(
                    area, page, where, scheme, v["id"], v["impact"], v["help"],
                    [" ".join(n["target"]) for n in nodes], nodes[0]["summary"],
                ))
        set_scheme(driver, "light")

    def assert_clean(self, area: str) -> None:
        checked = [p for a, p in self.checked if a == area]
        assert checked, f"no {area} page was checked"
        found = [f for f in self.findings if f.area == area]
        assert not found, (
            f"axe {self.axe_version} ({', '.join(AXE_TAGS)}) found {len(found)} serious or critical "
            f"violations on {area} pages:\n" + "\n".join(map(str, found))
            + f"\n(checked: {', '.join(checked)})"
        )


def set_scheme(driver, scheme: str) -> None:
    """Emulates prefers-color-scheme (and reduced motion, so no colour is read mid-transition)."""
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
        "media": "",
        "features": [
            {"name": "prefers-color-scheme", "value": scheme},
            {"name": "prefers-reduced-motion", "value": "reduce"},
        ],
    })
    wait(driver, lambda d: d.execute_script(
        "return matchMedia('(prefers-color-scheme: dark)').matches === arguments[0]", scheme == "dark"),
        f"the {scheme} colour scheme")


# --- browser helpers ----------------------------------------------------------------------


def wait(driver, condition, what: str, timeout: float = WAIT_S):
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1).until(condition)
    except TimeoutException:
        raise AssertionError(
            f"timed out after {timeout:.0f} s waiting for {what}; the browser is at {driver.current_url}\n"
            f"--- page text ---\n{page_text(driver)[:2000]}"
        ) from None


def page_text(driver) -> str:
    try:
        return driver.execute_script("return document.body ? document.body.innerText : ''")
    except Exception:  # noqa: BLE001 - only for messages
        return "(no body)"


def path_of(driver) -> str:
    return urllib.parse.urlsplit(driver.current_url).path


def visit(driver, url: str, expect_path: str | None = None) -> None:
    driver.get(url)
    if expect_path is not None:
        wait(driver, lambda d: path_of(d).startswith(expect_path), f"a page under {expect_path}")


def css(driver, selector: str):
    from selenium.webdriver.common.by import By

    return wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, selector), f"an element {selector!r}")


def fill(form, values: dict[str, str]) -> None:
    from selenium.webdriver.common.by import By

    for name, value in values.items():
        el = form.find_element(By.NAME, name)
        el.clear()
        el.send_keys(value)


def submit_with(driver, button) -> None:
    """Clicks a submit button and waits until the browser has left the page it was on."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support import expected_conditions as ec

    html = driver.find_element("tag name", "html")
    # The server's answer to a wrong value is what is checked, not the browser's own.
    driver.execute_script("if (arguments[0].form) arguments[0].form.noValidate = true", button)
    try:
        button.click()
    except WebDriverException:
        # The click can report the button gone when it went because the click worked: the
        # new page is loading. Only a page that is still the same one is an error.
        if not ec.staleness_of(html)(driver):
            raise
    wait(driver, ec.staleness_of(html), "the form to be submitted and a new page to load")


def submit_form(driver, action: str, values: dict[str, str]) -> None:
    """Fills and submits the form posting to `action`. A page still settling (a script
    replacing nodes) can leave the browser holding an element that is gone: the form is
    then found again, at most three times."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    for attempt in range(3):
        form = css(driver, f'form[action="{action}"]')
        try:
            fill(form, values)
            submit_with(driver, form.find_element("css selector", 'button[type="submit"]'))
            return
        except StaleElementReferenceException:
            pass
        except WebDriverException as e:
            if "does not belong to the document" not in str(e) or attempt == 2:
                raise


def js_ready(driver) -> None:
    """admin.js has run (it shows the .js-only controls)."""
    wait(driver, lambda d: d.execute_script(
        "var e = document.querySelector('.js-only'); return !e || !e.hidden"), "admin.js to start")


def totp(secret: str, at: float | None = None) -> str:
    """RFC 6238 with Folio's parameters (SHA-1, 6 digits, 30 s): what an authenticator app shows."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", int((at or time.time()) // 30)), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return f"{(struct.unpack('>I', mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        f"--window-size={WIDTH},{HEIGHT}",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        "--lang=en-US",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(WAIT_S * 2)
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, folio_path: Path) -> Iterator[Folio]:
    """`folio serve` on an empty site (no user yet), with FOLIO_E2E_THEME_DIR as its theme."""
    extra = {}
    if os.environ.get("FOLIO_E2E_THEME_DIR"):
        extra["FOLIO_THEME_DIR"] = os.environ["FOLIO_E2E_THEME_DIR"]
    folio = Folio(folio_path, tmp_path_factory.mktemp("a11y"), extra_env=extra)
    folio.start()
    try:
        yield folio
    finally:
        folio.stop()


@pytest.fixture(scope="module")
def audit(browser) -> Audit:
    return Audit(browser)


@pytest.fixture(scope="module")
def owner(site: Folio, browser, audit: Audit) -> Folio:
    """The owner, created on the set-up page (checked empty and with errors), signed in in
    the browser; the site gets an API token for making content."""
    driver = browser
    visit(driver, site.url + "/admin/", "/admin/setup")
    audit.check("admin", "set-up")
    submit_form(driver, "/admin/setup", {
        "name": OWNER_NAME, "email": "not an address", "password": "short", "password_confirm": "shorter",
    })
    css(driver, ".error-summary")
    audit.check("admin", "set-up with errors")
    submit_form(driver, "/admin/setup", {
        "name": OWNER_NAME, "email": OWNER_EMAIL, "password": OWNER_PASSWORD, "password_confirm": OWNER_PASSWORD,
    })
    wait(driver, lambda d: path_of(d).startswith(("/admin/posts", "/admin/signin")), "the admin after set-up")
    if path_of(driver).startswith("/admin/signin"):
        submit_form(driver, "/admin/signin", {"email": OWNER_EMAIL, "password": OWNER_PASSWORD})
    wait(driver, lambda d: path_of(d).startswith("/admin/posts"), "the post list")
    site.token = site.run("token", "create", "--email", OWNER_EMAIL, "--label", "a11y").stdout.strip()
    site.run("user", "create", "--email", SECOND_EMAIL, "--name", "Avery Author", "--role", "author",
             "--password-stdin", input=SECOND_PASSWORD + "\n")
    return site


RICH_MARKDOWN = """\
A post that uses everything the Markdown pipeline offers, so that every element of the
theme is on the page at least once.

## An image

{image}

## A table

| Feature      | Supported | Notes                |
|--------------|:---------:|----------------------|
| Tables       | yes       | with alignment       |
| Footnotes    | yes       | like this one[^1]    |
| Task lists   | yes       | below                |

## Code

Some `inline code`, and a block:

```rust
/// Counts the words of a text.
fn word_counts(text: &str) -> std::collections::HashMap<&str, usize> {
    let mut counts = std::collections::HashMap::new();
    for word in text.split_whitespace() {
        *counts.entry(word).or_insert(0) += 1; // 42
    }
    counts
}
```

```python
def greet(name: str) -> str:
    return f"Hello, {name}!"  # a comment
```

## Lists

- [x] a task that is done
- [ ] a task still open

1. first
2. second

> A quotation, with *emphasis* and a [link](https://example.com/).

~~Struck out~~, **strong**, and an autolink: https://example.com/docs.

---

Footnotes collect at the end.[^2]

[^1]: The first footnote.
[^2]: The second, with a [link back home](/).
"""


@pytest.fixture(scope="module")
def content(owner: Folio) -> dict:
    """Posts (more than a page of them), a page, tags, an author, an image, navigation."""
    site = owner
    resp = site.api("PATCH", "/api/v1/admin/settings", {
        "title": "Folio Field Notes",
        "description": "Notes on writing, reading and the web.",
        "posts_per_page": 3,
        "navigation": [{"label": "Home", "url": "/"}, {"label": "About", "url": "/about/"}],
    })
    assert resp.status == 200, resp
    image = site.upload("harbour.png", gradient_png(1200, 700), alt="A gradient from teal to violet")
    for i, (title, tag) in enumerate([
        ("Notes on running a blog on one small server", "Operations"),
        ("Why feeds still matter", "Web"),
        ("Keeping pages fast without a CDN", "Writing"),
        ("A short one", "Writing"),
    ]):
        site.create_post(title=title, markdown=f"{title}. A paragraph so that the listing has an excerpt.\n",
                         tags=[tag], status="published", published_at=f"2024-0{i + 1}-15T10:00:00Z")
    site.create_post(title="A draft nobody reads yet", markdown="Not yet.\n", status="draft")
    rich = site.create_post(
        title=RICH_TITLE,
        markdown=RICH_MARKDOWN.replace("{image}", image["markdown"]),
        tags=["Writing", "Markdown"],
        status="published",
        published_at="2024-06-01T10:00:00Z",
        feature_image=image["url"],
        feature_image_alt="A gradient from teal to violet",
        excerpt="Headings, an image, a table, code, task lists and footnotes.",
    )
    # A second revision, so that the revision list has two and a diff to show.
    resp = site.api("PATCH", f"/api/v1/admin/posts/{rich['id']}", {
        "markdown": RICH_MARKDOWN.replace("{image}", image["markdown"]) + "\nAn added last line.\n",
    })
    assert resp.status == 200, resp
    page = site.create_page(title="About", markdown="A blog about building a blog.\n\n[Write to us](mailto:hello@example.com).\n",
                            status="published", slug="about")
    return {"rich": rich, "page": page, "image": image}


def public_pages(site: Folio, driver, content: dict) -> list[tuple[str, str]]:
    """(name, path) of one page of every public type; links are found as a reader would."""
    from selenium.webdriver.common.by import By

    post_path = site.path_of(content["rich"]["url"])
    visit(driver, site.url + post_path)
    tag_path = site.path_of(driver.find_element(By.CSS_SELECTOR, '.post-tags a[rel="tag"]').get_attribute("href"))
    author_path = site.path_of(driver.find_element(By.CSS_SELECTOR, 'a[rel="author"]').get_attribute("href"))
    visit(driver, site.url + "/")
    older = site.path_of(driver.find_element(By.CSS_SELECTOR, "a.pagination-older").get_attribute("href"))
    plain = site.path_of(driver.find_element(By.LINK_TEXT, "A short one").get_attribute("href"))
    return [
        ("home", "/"),
        ("home, older posts", older),
        ("post", post_path),
        ("page", site.path_of(content["page"]["url"])),
        ("tag listing", tag_path),
        ("author listing", author_path),
        ("search", "/search"),
        ("search with results", "/search?q=feeds"),
        ("search without results", "/search?q=zyzzyva"),
        ("404", "/no-such-page/"),
        ("post without image", plain),
    ]


def wait_for_accent(site: Folio, path: str, accent: str) -> None:
    """A write reaches the public pages (and their cache) within about a second."""
    marker = f'data-accent="{accent}"'
    deadline = time.monotonic() + WAIT_S
    while True:
        text = http_request(site.url + path).text
        if (marker in text) if accent != "rust" else ("data-accent=" not in text):
            return
        assert time.monotonic() < deadline, f"{path} never showed the accent {accent}"
        time.sleep(0.1)


# --- axe: public pages ---------------------------------------------------------------------


def test_public_pages_pass_axe(site: Folio, content: dict, browser, audit: Audit) -> None:
    pages = public_pages(site, browser, content)
    for name, path in pages:
        visit(browser, site.url + path)
        assert browser.execute_script("return document.querySelector('main') !== null"), f"{name}: no <main>"
        audit.check("public", name)
    # A phone's width, where the layout changes and code and tables scroll sideways.
    browser.set_window_size(NARROW, HEIGHT)
    try:
        for name, path in pages[:3]:
            visit(browser, site.url + path)
            audit.check("public", f"{name}, {NARROW} px wide")
    finally:
        browser.set_window_size(WIDTH, HEIGHT)
    audit.assert_clean("public")


def test_every_accent_colour_passes_axe(site: Folio, content: dict, browser, audit: Audit) -> None:
    post_path = site.path_of(content["rich"]["url"])
    try:
        for accent in ACCENTS:
            resp = site.api("PATCH", "/api/v1/admin/settings", {"accent": accent})
            assert resp.status == 200, resp
            wait_for_accent(site, "/", accent)
            wait_for_accent(site, post_path, accent)
            for name, path in (("home", "/"), ("post", post_path)):
                visit(browser, site.url + path)
                if accent != "rust":
                    assert browser.execute_script("return document.documentElement.dataset.accent") == accent
                audit.check("accent", f"{name}, accent {accent}")
    finally:
        site.api("PATCH", "/api/v1/admin/settings", {"accent": "rust"})
    audit.assert_clean("accent")


# --- axe: admin pages ----------------------------------------------------------------------


def test_admin_pages_pass_axe(owner: Folio, content: dict, browser, audit: Audit) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    site, driver = owner, browser
    rich_id = content["rich"]["id"]

    def page(path: str, name: str, expect: str | None = None) -> None:
        visit(driver, site.url + path, expect or path.split("?")[0])
        js_ready(driver)
        audit.check("admin", name)

    page("/admin/posts", "post list")
    page("/admin/posts?status=draft", "post list, drafts")
    page("/admin/pages", "page list")

    # The editor: new, new with errors, existing with its live preview, existing with errors.
    page("/admin/posts/new", "editor, new post")
    form = css(driver, "#editor-form")
    driver.execute_script("document.querySelector('.settings-panel').open = true")
    fill(form, {"title": "An unfinished thought", "slug": "Not a slug!"})
    submit_with(driver, form.find_element(By.CSS_SELECTOR, 'button[name="intent"][value="schedule"]'))
    css(driver, ".error-summary")
    js_ready(driver)
    audit.check("admin", "editor, new post with errors")

    page(f"/admin/posts/{rich_id}", "editor, existing post")
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#editor-preview table"), "the live preview")
    audit.check("admin", "editor, existing post with the preview")
    form = css(driver, "#editor-form")
    driver.execute_script("document.querySelector('.settings-panel').open = true")
    fill(form, {"slug": "Not a slug!", "canonical_url": "not a url"})
    submit_with(driver, form.find_element(By.CSS_SELECTOR, 'button[name="intent"][value="save"]'))
    css(driver, ".error-summary")
    js_ready(driver)
    audit.check("admin", "editor, existing post with errors")

    page(f"/admin/posts/{rich_id}/revisions", "revision list")
    revision = css(driver, "a.revision-link").get_attribute("href")
    page(site.path_of(revision), "revision diff", f"/admin/posts/{rich_id}/revisions/")

    page("/admin/media", "media library")

    page("/admin/settings", "settings")
    submit_form(driver, "/admin/settings", {"timezone": "Mars/Olympus"})
    css(driver, ".error-summary")
    audit.check("admin", "settings with errors")

    page("/admin/tokens", "API tokens")
    submit_form(driver, "/admin/tokens", {"label": "laptop"})
    css(driver, "#new-token-value")
    audit.check("admin", "API tokens, a new token shown")
    js_ready(driver)
    revoke = css(driver, 'form[data-confirm] button[type="submit"]')
    revoke.click()
    css(driver, "dialog.confirm-dialog[open]")
    audit.check("admin", "confirm dialog")
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait(driver, lambda d: not d.find_elements(By.CSS_SELECTOR, "dialog.confirm-dialog"), "the dialog to close")

    page("/admin/users", "people")
    submit_form(driver, "/admin/users/invite", {"email": "not an address"})
    css(driver, ".error-summary")
    audit.check("admin", "people, invitation with errors")
    submit_form(driver, "/admin/users/invite", {"email": "sam@example.com"})
    invite_url = css(driver, "#new-link-value").text.strip()
    audit.check("admin", "people, a new invitation link shown")
    row = [r for r in driver.find_elements(By.CSS_SELECTOR, ".data-table tbody tr") if SECOND_EMAIL in r.text][0]
    submit_with(driver, row.find_element(By.XPATH, ".//button[starts-with(normalize-space(.), 'Password link')]"))
    reset_url = css(driver, "#new-link-value").text.strip()
    assert "/admin/reset/" in reset_url, reset_url


    page("/admin/posts/999999", "the admin's 404", "/admin/posts/")

    visit(driver, site.url + "/admin/posts", "/admin/posts")
    submit_with(driver, css(driver, 'form[action="/admin/signout"] button'))
    page("/admin/signin", "sign-in")
    page(site.path_of(invite_url), "invitation", "/admin/invite/")
    submit_form(driver, urllib.parse.urlsplit(invite_url).path, {"name": "Sam", "password": "short", "password_confirm": "other"})
    css(driver, ".error-summary")
    audit.check("admin", "invitation with errors")
    page(site.path_of(reset_url), "password reset", "/admin/reset/")
    submit_form(driver, urllib.parse.urlsplit(reset_url).path, {"password": "short", "password_confirm": "other"})
    css(driver, ".error-summary")
    audit.check("admin", "password reset with errors")
    page("/admin/invite/not-a-real-token", "an invitation link that does not work", "/admin/invite/")

    visit(driver, site.url + "/admin/signin", "/admin/signin")
    submit_form(driver, "/admin/signin", {"email": OWNER_EMAIL, "password": "wrong password, surely"})
    css(driver, ".alert-error, .error-summary")
    audit.check("admin", "sign-in with errors")

    # Two-step verification from set-up to sign-in, on the second account: the owner's
    # sign-in stays a password alone for the keyboard tests, whatever happens here.
    submit_form(driver, "/admin/signin", {"email": SECOND_EMAIL, "password": SECOND_PASSWORD})
    wait(driver, lambda d: path_of(d).startswith("/admin/posts"), "the post list of the second account")
    page("/admin/account", "account")
    submit_with(driver, css(driver, 'form[action="/admin/account/2fa/start"] button'))
    secret = css(driver, "#totp-secret").text.strip()
    audit.check("admin", "account, two-step set-up")
    submit_form(driver, "/admin/account/2fa/enable", {"code": "000000" if totp(secret) != "000000" else "111111"})
    css(driver, "#totp-code[aria-invalid='true']")
    audit.check("admin", "account, two-step set-up with errors")
    submit_form(driver, "/admin/account/2fa/enable", {"code": totp(secret)})
    codes = [c.text.strip() for c in driver.find_elements(By.CSS_SELECTOR, ".recovery-codes code")]
    assert codes, f"no recovery codes shown:\n{page_text(driver)[:2000]}"
    audit.check("admin", "account, recovery codes")
    visit(driver, site.url + "/admin/posts", "/admin/posts")
    submit_with(driver, css(driver, 'form[action="/admin/signout"] button'))
    visit(driver, site.url + "/admin/signin", "/admin/signin")
    submit_form(driver, "/admin/signin", {"email": SECOND_EMAIL, "password": SECOND_PASSWORD})
    css(driver, 'form[action="/admin/signin/2fa"]')
    audit.check("admin", "sign-in, two-step code")
    submit_form(driver, "/admin/signin/2fa", {"code": "000000" if totp(secret) != "000000" else "111111"})
    css(driver, 'form[action="/admin/signin/2fa"]')
    audit.check("admin", "sign-in, two-step code with errors")
    submit_form(driver, "/admin/signin/2fa", {"code": codes[0]})
    wait(driver, lambda d: path_of(d).startswith("/admin/posts"), "the post list after the two-step code")
    page("/admin/account", "account, two-step on")
    visit(driver, site.url + "/admin/posts", "/admin/posts")
    submit_with(driver, css(driver, 'form[action="/admin/signout"] button'))

    audit.assert_clean("admin")


# --- the keyboard ---------------------------------------------------------------------------


# Page-side helpers: focusState(el) is how an element looks (outline, shadow, border,
# background, of itself and its ::before/::after), what is behind it and whether it is on
# screen; describe(el) names it for messages ("button “Save draft”", "input#editor:title").
FOCUS_JS = """
function paint(e, pseudo) {
  var s = getComputedStyle(e, pseudo);
  return {outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0 ? s.outlineWidth + " " + s.outlineStyle + " " + s.outlineColor : "",
          outlineColor: s.outlineColor, shadow: s.boxShadow, border: [s.borderTopColor, s.borderRightColor, s.borderBottomColor, s.borderLeftColor, s.borderBottomWidth].join(" "),
          background: s.backgroundColor, color: s.color,
          decoration: s.textDecorationLine + " " + s.textDecorationThickness + " " + s.textDecorationColor,
          decorationColor: s.textDecorationColor,
          transform: s.transform};
}
function background(e) {
  for (; e; e = e.parentElement) {
    var c = getComputedStyle(e).backgroundColor;
    if (c && c !== "transparent" && !/rgba\\(.*, 0\\)$/.test(c)) return c;
  }
  return getComputedStyle(document.documentElement).backgroundColor;
}
function focusState(el) {
  var r = el.getBoundingClientRect();
  return {self: paint(el, null), before: paint(el, "::before"), after: paint(el, "::after"),
          around: background(el.parentElement), visible: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0
            && r.top < innerHeight && r.left < innerWidth && getComputedStyle(el).visibility !== "hidden"};
}
function describe(e) {
  if (!e || e === document.body || e === document.documentElement) return "";
  var text = (e.getAttribute("aria-label") || e.innerText || e.value || e.name || e.id || "").trim().replace(/\\s+/g, " ").slice(0, 40);
  return e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (text ? " “" + text + "”" : "");
}
"""
FOCUS_STATE = FOCUS_JS + "return focusState(arguments[0]);"
DESCRIBE = FOCUS_JS + "return describe(arguments[0]);"
# Where focus is now: the element, its name and its look, in one round trip.
STOP = FOCUS_JS + "var el = document.activeElement; return [el, describe(el), el && el !== document.body ? focusState(el) : null];"


def parse_rgb(value: str) -> tuple[float, float, float, float] | None:
    m = re.search(r"rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)", value or "")
    if not m:
        return None
    return float(m[1]), float(m[2]), float(m[3]), float(m[4]) if m[4] is not None else 1.0


def contrast(a: str, b: str) -> float:
    def luminance(c: tuple[float, float, float, float]) -> float:
        def chan(v: float) -> float:
            v /= 255
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        return 0.2126 * chan(c[0]) + 0.7152 * chan(c[1]) + 0.0722 * chan(c[2])

    ca, cb = parse_rgb(a), parse_rgb(b)
    if not ca or not cb or ca[3] == 0:
        return 1.0
    la, lb = luminance(ca), luminance(cb)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def colours_in(value: str) -> list[str]:
    return re.findall(r"rgba?\([^)]*\)", value or "")


def focus_problem(focused: dict, unfocused: dict) -> str | None:
    """Why the focused look is not a visible focus indicator (None when it is)."""
    if not focused["visible"]:
        return "it is not on screen when focused"
    around = focused["around"]
    changed = []
    for part in ("self", "before", "after"):
        f, u = focused[part], unfocused[part]
        if f["outline"] and f["outline"] != u["outline"]:
            changed.append(("outline", [f["outlineColor"]]))
        if f["shadow"] != u["shadow"] and f["shadow"] != "none":
            changed.append(("box-shadow", colours_in(f["shadow"])))
        if f["border"] != u["border"]:
            changed.append(("border", colours_in(f["border"])))
        if f["background"] != u["background"]:
            changed.append(("background", [f["background"]]))
        if f["decoration"] != u["decoration"] and "underline" in f["decoration"]:
            changed.append(("underline", [f["decorationColor"]]))
        if f["transform"] != u["transform"]:
            changed.append(("shape", []))  # the skip link, moved into view
    if not changed:
        return "its focused look is the same as its unfocused look"
    for kind, colours in changed:
        if kind == "shape" or any(contrast(c, around) >= FOCUS_CONTRAST for c in colours):
            return None
    best = max((contrast(c, around) for _, cs in changed for c in cs), default=1.0)
    return f"its focus indicator ({', '.join(k for k, _ in changed)}) has {best:.2f}:1 against {around}, under {FOCUS_CONTRAST}:1"


def press(driver, *keys: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    chain = ActionChains(driver)
    for key in keys:
        chain.send_keys(key)
    chain.perform()


def shift_tab(driver) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()


def active(driver):
    return driver.execute_script("return document.activeElement")


TO_TOP = """
window.scrollTo(0, 0);
var b = document.body; b.setAttribute("tabindex", "-1"); b.focus({preventScroll: true}); b.removeAttribute("tabindex");
"""


def to_top(driver) -> None:
    """Focus back at the top of the page, as just after loading it (the next Tab starts there)."""
    driver.execute_script(TO_TOP)


def describe(driver, el) -> str:
    return driver.execute_script(DESCRIBE, el)


def tab_walk(driver, limit: int = 90) -> list[tuple[object, str, dict]]:
    """Presses Tab from the top of the page until focus leaves the page or comes back
    round; returns each element reached (once, in order) with its focused look."""
    from selenium.webdriver.common.keys import Keys

    to_top(driver)
    seen: list[tuple[object, str, dict]] = []
    ids: set[str] = set()
    for _ in range(limit):
        press(driver, Keys.TAB)
        el, name, state = driver.execute_script(STOP)
        if not name:
            break
        if el.id in ids:
            if el.id == seen[0][0].id:
                break
            continue  # date inputs keep focus while Tab moves through their parts
        ids.add(el.id)
        seen.append((el, name, state))
    return seen


def skip_link_works(driver, where: str) -> None:
    """The first Tab reaches a visible skip link; Enter on it puts focus in <main>."""
    from selenium.webdriver.common.keys import Keys

    to_top(driver)
    press(driver, Keys.TAB)
    link = active(driver)
    state = driver.execute_script(FOCUS_STATE, link)
    assert link.tag_name == "a" and link.text.strip() == "Skip to content", (
        f"{where}: the first Tab reached {describe(driver, link)}, not a “Skip to content” link")
    assert state["visible"], f"{where}: the skip link is focused but not on screen"
    target = link.get_attribute("href").split("#", 1)[1]
    press(driver, Keys.ENTER)
    in_main = "var m = document.getElementById(arguments[0]); return !!m && m.tagName === 'MAIN' && m.contains(document.activeElement)"
    if not driver.execute_script(in_main, target):
        press(driver, Keys.TAB)  # a <main> without tabindex: the next Tab starts there
    assert driver.execute_script(in_main, target), (
        f"{where}: after the skip link, focus is on {describe(driver, active(driver)) or 'the page'}, not in <main>")


@pytest.fixture
def signed_in(owner: Folio, content: dict, browser) -> Folio:
    """The browser signed in as the owner (the admin test signs out and in again)."""
    visit(browser, owner.url + "/admin/posts")
    if path_of(browser).startswith("/admin/signin"):
        submit_form(browser, "/admin/signin", {"email": OWNER_EMAIL, "password": OWNER_PASSWORD})
        wait(browser, lambda d: path_of(d).startswith("/admin/posts"), "the post list after signing in")
    return owner


def test_skip_link_on_admin_and_public_pages(signed_in: Folio, content: dict, browser) -> None:
    site, driver = signed_in, browser
    for path in ("/admin/posts", "/admin/settings", f"/admin/posts/{content['rich']['id']}",
                 "/", site.path_of(content["rich"]["url"]), "/search?q=feeds", "/no-such-page/"):
        visit(driver, site.url + path)
        js_ready(driver)
        skip_link_works(driver, path)


def test_every_focused_element_shows_it(signed_in: Folio, content: dict, browser) -> None:
    site, driver = signed_in, browser
    pages = ["/admin/posts", f"/admin/posts/{content['rich']['id']}", "/admin/users", "/admin/tokens",
             "/admin/media", "/", site.path_of(content["rich"]["url"]), "/search?q=feeds"]
    problems: list[str] = []
    for scheme in SCHEMES:
        for path in pages:
            visit(driver, site.url + path)
            js_ready(driver)
            set_scheme(driver, scheme)
            walk = tab_walk(driver)
            assert len(walk) > 3, f"{path}: Tab reached only {[n for _, n, _ in walk]}"
            driver.execute_script("if (document.activeElement) document.activeElement.blur();")
            for el, name, focused in walk:
                problem = focus_problem(focused, driver.execute_script(FOCUS_STATE, el))
                if problem:
                    problems.append(f"{path} [{scheme}] {name}: {problem}")
        set_scheme(driver, "light")
    assert not problems, "elements without a visible focus indicator:\n  " + "\n  ".join(problems)


def test_write_save_and_publish_with_the_keyboard_alone(signed_in: Folio, browser) -> None:
    from selenium.webdriver.common.keys import Keys

    site, driver = signed_in, browser
    title = "Written without a mouse"
    body = "Every key counts.\n\n## A heading\n\n- one\n- two\n"

    # From the top of the post list: Tab to "New post", Enter.
    visit(driver, site.url + "/admin/posts", "/admin/posts")
    js_ready(driver)
    to_top(driver)
    stops = []
    for _ in range(30):
        press(driver, Keys.TAB)
        stops.append(describe(driver, active(driver)))
        if active(driver).text.strip() == "New post":
            break
    else:
        raise AssertionError(f"Tab never reached “New post”: {stops}")
    press(driver, Keys.ENTER)
    wait(driver, lambda d: path_of(d) == "/admin/posts/new", "the new post editor")
    js_ready(driver)

    # The order Tab follows through the editor: the page's own reading order.
    walk = [name for _, name, _ in tab_walk(driver)]
    order = ["a “Skip to content”", "a “Posts”", "a “Back to Posts”", "button “Save draft”", "button “Preview”", "button “Publish now”",
             "input#editor:title", "textarea#editor:markdown", "input#editor:published-at", "button “Schedule”",
             "summary “Post settings”"]
    positions = []
    for wanted in order:
        hits = [i for i, name in enumerate(walk) if name.lower().startswith(wanted.lower())]
        assert hits, f"Tab never reached {wanted} in the editor; it went: {walk}"
        positions.append(hits[0])
    assert positions == sorted(positions), f"the editor's Tab order is not the page order: {walk}"

    # The title has focus on a new post: type it; Tab to the text; Tab on to the settings.
    visit(driver, site.url + "/admin/posts/new", "/admin/posts/new")
    js_ready(driver)
    assert active(driver).get_attribute("id") == "editor:title", "a new post should start in its title"
    press(driver, title)

    def tab_to(wanted: str, limit: int = 20, back: bool = False) -> list[str]:
        went = []
        for _ in range(limit):
            shift_tab(driver) if back else press(driver, Keys.TAB)
            went.append(describe(driver, active(driver)))
            if went[-1].lower().startswith(wanted.lower()):
                return went
        raise AssertionError(f"{'Shift+' if back else ''}Tab never reached {wanted}: {went}")

    went = tab_to("textarea#editor:markdown", limit=3)
    press(driver, body)
    tab_to("summary “Post settings”")
    press(driver, Keys.ENTER)
    wait(driver, lambda d: d.execute_script("return document.querySelector('.settings-panel').open"), "the settings to open")
    tab_to("input#editor:tags", limit=3)
    press(driver, "Keyboard, Access")
    went = tab_to("button “Save draft”", back=True, limit=40)
    assert "input#editor:title" in [w.split(" “")[0] for w in went], f"Shift+Tab to Save skipped the title: {went}"

    html = driver.find_element("tag name", "html")
    press(driver, Keys.ENTER)
    from selenium.webdriver.support import expected_conditions as ec

    wait(driver, ec.staleness_of(html), "the editor to save")
    wait(driver, lambda d: re.fullmatch(r"/admin/posts/\d+", path_of(d)), "the saved post's editor")
    post_id = int(path_of(driver).rsplit("/", 1)[1])
    saved = site.api("GET", f"/api/v1/admin/posts/{post_id}").json()
    assert (saved["title"], saved["status"]) == (title, "draft"), saved
    # A form sends a textarea's line breaks as CRLF (HTML's form encoding).
    assert saved["markdown"].replace("\r\n", "\n").strip() == body.strip(), saved["markdown"]
    assert sorted(t["name"] if isinstance(t, dict) else t for t in saved["tags"]) == ["Access", "Keyboard"], saved["tags"]

    # Publish: from the top of the page, Tab to "Publish now", Space.
    js_ready(driver)
    to_top(driver)
    tab_to("button “Publish now”")
    html = driver.find_element("tag name", "html")
    press(driver, Keys.SPACE)
    wait(driver, ec.staleness_of(html), "the editor to publish")
    published = site.api("GET", f"/api/v1/admin/posts/{post_id}").json()
    assert published["status"] == "published", published
