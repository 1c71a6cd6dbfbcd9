"""Pages in a real browser (headless Chromium): they load without a console error or a
Content-Security-Policy violation, and their screenshots can refresh docs/screenshots/.

FOLIO_UPDATE_SCREENSHOTS=1 writes docs/screenshots/home.png and post.png; otherwise the
screenshots go to a temporary directory and are only checked to be real PNGs.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Iterator

import pytest

from support import REPO_ROOT, Folio

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs /usr/bin/chromium and /usr/bin/chromedriver (Debian: chromium, chromium-driver)",
)

WIDTH = 1280
RICH_TITLE = "Writing with Folio: a tour of the Markdown"
RICH_MARKDOWN = """\
Folio turns plain Markdown into a clean, fast page. This post shows what a writer can use.

## Headings and lists

A paragraph with *emphasis*, **strong text**, `inline code` and a [link to the home page](/).

- Lists, with **formatting**
- [x] and task items that are done
- [ ] or still open

## Code

```rust
use std::collections::HashMap;

fn word_counts(text: &str) -> HashMap<&str, usize> {
    let mut counts = HashMap::new();
    for word in text.split_whitespace() {
        *counts.entry(word).or_insert(0) += 1;
    }
    counts
}
```

## Tables and quotes

| Feature      | Supported | Notes                |
|--------------|:---------:|----------------------|
| Tables       | yes       | with alignment       |
| Footnotes    | yes       | like this one[^1]    |
| Task lists   | yes       | shown above          |

> Simplicity is prerequisite for reliability.
> — Edsger W. Dijkstra

[^1]: Footnotes collect at the end of the post.
"""


@pytest.fixture(scope="module")
def site(server: Folio) -> dict:
    for i, (title, tag) in enumerate(
        [
            ("Notes on running a blog on one small server", "Operations"),
            ("Why feeds still matter", "Web"),
            ("Keeping pages fast without a CDN", "Performance"),
        ]
    ):
        server.create_post(
            title=title,
            markdown=f"{title}. A short post with a paragraph of text so the listing has an excerpt to show.\n",
            tags=[tag],
            status="published",
            published_at=f"2024-0{i + 1}-15T10:00:00Z",
        )
    rich = server.create_post(
        title=RICH_TITLE,
        markdown=RICH_MARKDOWN,
        tags=["Writing", "Markdown"],
        status="published",
        published_at="2024-06-01T10:00:00Z",
        excerpt="Headings, lists, code, tables, quotes and footnotes: what a post can hold.",
    )
    server.create_page(title="About", markdown="A blog about building a blog.\n", status="published")
    return {"rich": rich}


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
        f"--window-size={WIDTH},900",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        "--lang=en-US",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def shots_dir(tmp_path: Path) -> Path:
    if os.environ.get("FOLIO_UPDATE_SCREENSHOTS") == "1":
        out = REPO_ROOT / "docs" / "screenshots"
        out.mkdir(parents=True, exist_ok=True)
        return out
    return tmp_path


def visit(driver, url: str) -> list[dict]:
    """Opens the page and returns what the browser logged while loading it."""
    driver.get_log("browser")  # drop anything older
    driver.get(url)
    driver.execute_script("return document.fonts ? document.fonts.ready.then(() => true) : true")
    return driver.get_log("browser")


def screenshot(driver, path: Path) -> None:
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(WIDTH, max(600, min(int(height), 4000)))
    assert driver.save_screenshot(str(path)), f"no screenshot written to {path}"
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000, f"{path} is not a real screenshot"
    driver.set_window_size(WIDTH, 900)


def assert_no_errors(logs: list[dict], page: str) -> None:
    severe = [entry["message"] for entry in logs if entry.get("level") == "SEVERE"]
    assert not severe, f"{page}: the browser logged errors (failed loads, script errors, CSP violations): {severe}"
    csp = [entry["message"] for entry in logs if "Content Security Policy" in entry.get("message", "")]
    assert not csp, f"{page}: Content-Security-Policy reports: {csp}"


def test_home_page_in_a_browser(server: Folio, site: dict, browser, tmp_path: Path) -> None:
    logs = visit(browser, server.url + "/")
    assert browser.title.strip(), "the home page has no <title>"
    assert RICH_TITLE in browser.page_source
    assert_no_errors(logs, "home")
    screenshot(browser, shots_dir(tmp_path) / "home.png")


def test_post_page_in_a_browser(server: Folio, site: dict, browser, tmp_path: Path) -> None:
    logs = visit(browser, server.url + server.path_of(site["rich"]["url"]))
    assert RICH_TITLE in browser.title, f"title is {browser.title!r}"
    assert_no_errors(logs, "post")
    rules = browser.execute_script(
        "return Array.from(document.styleSheets).reduce((n, s) => n + s.cssRules.length, 0)"
    )
    assert rules > 0, "no stylesheet rules applied: the theme's CSS did not load"
    screenshot(browser, shots_dir(tmp_path) / "post.png")


def test_an_imported_wordpress_post_in_a_browser(make_site, browser, tmp_path: Path) -> None:
    """A post of the real WordPress export, imported with its uploads, read from its old
    permalink: the browser follows the 301, every image loads, nothing is logged."""
    fixtures = REPO_ROOT / "crates/folio-import/tests/fixtures/wordpress"
    site = make_site()
    site.run("migrate")
    site.run("import", "wordpress", str(fixtures / "export.xml"), "--media-dir", str(fixtures / "uploads"))
    site.start()
    for old, new in [("/2023/01/15/hello-gutenberg/", "/hello-gutenberg/"), ("/2023/02/10/a-classic-post/", "/a-classic-post/")]:
        logs = visit(browser, site.url + old)
        assert browser.current_url == site.url + new, f"{old} led to {browser.current_url}"
        assert_no_errors(logs, new)
        # Images below the fold load lazily: bring each into view, then give them time.
        browser.execute_script("Array.from(document.images).forEach(i => { i.loading = 'eager'; i.scrollIntoView(); })")
        broken: list = []
        for _ in range(50):
            broken = browser.execute_script(
                "return Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)"
            )
            if not broken:
                break
            time.sleep(0.1)
        assert not broken, f"{new}: images that did not load: {broken}"
        browser.execute_script("window.scrollTo(0, 0)")
        assert browser.execute_script("return document.images.length") >= 2, f"{new}: its images are missing"
        screenshot(browser, shots_dir(tmp_path) / f"imported-{new.strip('/').replace('/', '-')}.png")
