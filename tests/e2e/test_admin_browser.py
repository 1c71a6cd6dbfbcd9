"""The writers' admin in a real browser (headless Chromium), from an empty site.

One story, in order: the first visit to /admin/ leads to the set-up page (allowed from
loopback without a token); creating the owner signs them in; they write a post with a
heading, a list and a code block, upload an image from the editor (which inserts its
Markdown), see the live preview render it all (JavaScript), publish it and find it on the
home page, with the image in a responsive `<picture>` served with year-long caching, and
in the Atom feed; they schedule a second post for
tomorrow, which the list shows as scheduled and the home page does not show; they sign
out, and the admin asks them to sign in again. No page may log a browser error (failed
loads, script errors, Content-Security-Policy violations).

FOLIO_UPDATE_SCREENSHOTS=1 writes docs/screenshots/admin-editor.png and admin-posts.png;
otherwise the screenshots go to a temporary directory.
"""

from __future__ import annotations

import os
import time
import urllib.parse
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator

import pytest

from support import OWNER_EMAIL, OWNER_NAME, OWNER_PASSWORD, REPO_ROOT, Folio, gradient_png, http_request

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs /usr/bin/chromium and /usr/bin/chromedriver (Debian: chromium, chromium-driver)",
)

WIDTH, HEIGHT = 1280, 900
WAIT_S = 15.0  # page loads and form posts on a busy CI machine
PUBLIC_WAIT_S = 5.0  # a write reaches the public pages within about a second

PUBLISHED_TITLE = "Notes from the browser test"
PUBLISHED_MARKDOWN = """\
A post written in the admin editor by a browser.

## Getting started

- write in Markdown
- watch the preview
- publish

```rust
fn main() {
    println!("hello from the editor");
}
```
"""
SCHEDULED_TITLE = "A post for tomorrow"
SCHEDULED_MARKDOWN = "This one waits for its time.\n"


# --- fixtures --------------------------------------------------------------------------


@pytest.fixture
def empty_site(make_site: Callable[..., Folio]) -> Folio:
    """`folio serve` on a fresh data directory with no user at all (serve migrates)."""
    site = make_site()
    site.start()
    return site


@pytest.fixture
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
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(WAIT_S * 2)
    try:
        yield driver
    finally:
        driver.quit()


# --- helpers ---------------------------------------------------------------------------


class Console:
    """Collects the browser's console as the story goes, to check it once per page."""

    def __init__(self, driver) -> None:
        self.driver = driver

    def assert_clean(self, where: str) -> None:
        logs = self.driver.get_log("browser")
        severe = [e["message"] for e in logs if e.get("level") == "SEVERE"]
        assert not severe, f"{where}: the browser logged errors (failed loads, script errors, CSP violations): {severe}"
        csp = [e["message"] for e in logs if "Content Security Policy" in e.get("message", "")]
        assert not csp, f"{where}: Content-Security-Policy reports: {csp}"


def path_of(driver) -> str:
    return urllib.parse.urlsplit(driver.current_url).path


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


def wait_for_path(driver, *prefixes: str) -> str:
    wait(driver, lambda d: path_of(d).startswith(prefixes), f"a page under {' or '.join(prefixes)}")
    return path_of(driver)


def page_text(driver) -> str:
    from selenium.webdriver.common.by import By

    try:
        return driver.find_element(By.TAG_NAME, "body").text
    except Exception:  # noqa: BLE001 - only for messages
        return "(no body)"


def submit_with(driver, button) -> None:
    """Clicks a submit button and waits until the browser has left the page it was on."""
    from selenium.webdriver.support import expected_conditions as ec

    html = driver.find_element("tag name", "html")
    button.click()
    wait(driver, ec.staleness_of(html), "the form to be submitted and a new page to load")


def fill(driver, form, values: dict[str, str]) -> None:
    from selenium.webdriver.common.by import By

    for name, value in values.items():
        field = form.find_element(By.NAME, name)
        field.clear()
        field.send_keys(value)


def shots_dir(tmp_path: Path) -> Path:
    if os.environ.get("FOLIO_UPDATE_SCREENSHOTS") == "1":
        out = REPO_ROOT / "docs" / "screenshots"
        out.mkdir(parents=True, exist_ok=True)
        return out
    return tmp_path


def screenshot(driver, path: Path) -> None:
    # The viewport only: the editor's panes are sized from the window height, so a
    # window stretched to the page height would only stretch them further.
    driver.execute_script("window.scrollTo(0, 0); if (document.activeElement) document.activeElement.blur();")
    assert driver.save_screenshot(str(path)), f"no screenshot written to {path}"
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000, f"{path} is not a real screenshot"


def post_row_status(driver, title: str) -> str:
    """The status badge text of the row in the post list whose title is `title`."""
    from selenium.webdriver.common.by import By

    for row in driver.find_elements(By.CSS_SELECTOR, ".post-row"):
        if row.find_element(By.CSS_SELECTOR, ".post-row-title").text.strip() == title:
            return row.find_element(By.CSS_SELECTOR, ".status-badge").text.strip()
    raise AssertionError(f"no row titled {title!r} in the post list:\n{page_text(driver)[:2000]}")


def public_text(site: Folio, path: str, wait_for: str | None = None) -> str:
    """GET a public page like a reader; with `wait_for`, polls (briefly) until the text is
    there, since a write reaches the public pages within about a second."""
    deadline = time.monotonic() + PUBLIC_WAIT_S
    while True:
        resp = http_request(site.url + path)
        assert resp.status == 200, f"GET {path}: {resp!r}"
        if wait_for is None or wait_for in resp.text or time.monotonic() > deadline:
            return resp.text
        time.sleep(0.1)


def open_new_post(driver, console: Console, site: Folio):
    from selenium.webdriver.common.by import By

    driver.get(site.url + "/admin/posts")
    wait_for_path(driver, "/admin/posts")
    link = wait(driver, lambda d: d.find_element(By.LINK_TEXT, "New post"), 'the "New post" link')
    link.click()
    wait_for_path(driver, "/admin/posts/new")
    form = wait(driver, lambda d: d.find_element(By.ID, "editor-form"), "the editor form")
    console.assert_clean("the new post editor")
    return form


# --- the story ---------------------------------------------------------------------------


def test_first_run_write_publish_schedule_sign_out(empty_site: Folio, browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    site, driver, console = empty_site, browser, Console(browser)
    shots = shots_dir(tmp_path)

    # 1. An empty site sends the first visitor to the set-up page.
    driver.get(site.url + "/admin/")
    wait_for_path(driver, "/admin/setup")
    console.assert_clean("the set-up page")
    setup = driver.find_element(By.CSS_SELECTOR, 'form[action="/admin/setup"]')
    fill(driver, setup, {
        "name": OWNER_NAME,
        "email": OWNER_EMAIL,
        "password": OWNER_PASSWORD,
        "password_confirm": OWNER_PASSWORD,
    })
    submit_with(driver, setup.find_element(By.CSS_SELECTOR, 'button[type="submit"]'))

    # 2. Creating the owner signs them in (or asks them to sign in once).
    landed = wait_for_path(driver, "/admin/posts", "/admin/signin")
    if landed.startswith("/admin/signin"):
        signin = driver.find_element(By.CSS_SELECTOR, 'form[action="/admin/signin"]')
        fill(driver, signin, {"email": OWNER_EMAIL, "password": OWNER_PASSWORD})
        submit_with(driver, signin.find_element(By.CSS_SELECTOR, 'button[type="submit"]'))
        wait_for_path(driver, "/admin/posts")
    assert OWNER_NAME in page_text(driver), "the admin header should show who is signed in"
    console.assert_clean("the post list")

    # 3. Write a post; the live preview renders the Markdown while typing.
    editor = open_new_post(driver, console, site)
    fill(driver, editor, {"title": PUBLISHED_TITLE, "markdown": PUBLISHED_MARKDOWN})
    preview = driver.find_element(By.CSS_SELECTOR, "[data-preview-target]")
    wait(
        driver,
        lambda d: any("Getting started" in h.text for h in preview.find_elements(By.TAG_NAME, "h2")),
        'the live preview to show the heading "Getting started"',
    )
    assert len(preview.find_elements(By.CSS_SELECTOR, "ul li")) == 3, "the preview should show the list"
    code = preview.find_elements(By.CSS_SELECTOR, "pre code")
    assert code and "hello from the editor" in code[0].text, "the preview should show the code block"

    # 3b. Upload an image from the editor: its Markdown lands in the text, the preview shows it.
    image_path = tmp_path / "harbour at dusk.png"
    image_path.write_bytes(gradient_png(1200, 700))
    markdown_area = editor.find_element(By.NAME, "markdown")
    driver.execute_script("arguments[0].focus(); arguments[0].setSelectionRange(arguments[0].value.length, arguments[0].value.length);", markdown_area)
    driver.find_element(By.ID, "editor-image-input").send_keys(str(image_path))
    wait(driver, lambda d: "](/media/" in markdown_area.get_attribute("value"), "the uploaded image's Markdown in the text")
    source = markdown_area.get_attribute("value")
    image_url = source[source.index("](/media/") + 2:].split(")", 1)[0]
    assert "harbour" not in image_url and image_url.endswith(".png"), f"the stored name is Folio's: {image_url}"
    wait(
        driver,
        lambda d: any(img.get_attribute("src").endswith(image_url) for img in preview.find_elements(By.TAG_NAME, "img")),
        "the live preview to show the uploaded image",
    )
    assert "harbour at dusk.png" in driver.page_source, "the editor's library panel should list the upload by its name"
    console.assert_clean("the editor after the live preview")
    screenshot(driver, shots / "admin-editor.png")

    # 4. Publish it: the editor (or wherever the server goes next) says so.
    submit_with(driver, driver.find_element(By.CSS_SELECTOR, 'button[name="intent"][value="publish"]'))
    wait(driver, lambda d: "published" in page_text(d).lower(), "the page to say the post is published")
    console.assert_clean("the page after publishing")

    # 5. Readers see it on the home page and in the feed.
    home = public_text(site, "/", wait_for=PUBLISHED_TITLE)
    assert PUBLISHED_TITLE in home, f"the home page does not list the published post:\n{home[:2000]}"
    driver.get(site.url + "/")
    assert PUBLISHED_TITLE in driver.page_source
    console.assert_clean("the home page")
    feed = public_text(site, "/feed.xml", wait_for=PUBLISHED_TITLE)
    assert PUBLISHED_TITLE in feed, f"/feed.xml does not have the published post:\n{feed[:2000]}"
    assert image_url in feed, "the feed should carry the image"

    # 5b. The post shows the image as a responsive picture, and the file is cached for a year.
    driver.find_element(By.LINK_TEXT, PUBLISHED_TITLE).click()
    picture_img = wait(
        driver,
        lambda d: d.find_element(By.CSS_SELECTOR, f'.post-content picture img[src="{image_url}"]'),
        "the post's image in a <picture>",
    )
    assert "480w" in picture_img.get_attribute("srcset"), picture_img.get_attribute("srcset")
    assert (picture_img.get_dom_attribute("width"), picture_img.get_dom_attribute("height")) == ("1200", "700")
    loaded = wait(driver, lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", picture_img), "the image to load")
    assert loaded > 0, "the browser could not load the image"
    console.assert_clean("the published post with its image")
    file = http_request(site.url + image_url)
    assert file.status == 200 and file.headers.get("content-type") == "image/png", file
    assert "immutable" in file.headers.get("cache-control", ""), file.headers

    # 6. Schedule a second post for tomorrow (UTC, as the label says).
    editor = open_new_post(driver, console, site)
    fill(driver, editor, {"title": SCHEDULED_TITLE, "markdown": SCHEDULED_MARKDOWN})
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    published_at = editor.find_element(By.NAME, "published_at")
    driver.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
        "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
        published_at,
        tomorrow,
    )
    assert published_at.get_attribute("value") == tomorrow, "the datetime-local input did not take the value"
    submit_with(driver, driver.find_element(By.CSS_SELECTOR, 'button[name="intent"][value="schedule"]'))
    wait(driver, lambda d: "scheduled" in page_text(d).lower(), "the page to say the post is scheduled")
    console.assert_clean("the page after scheduling")

    # 7. The list shows both, with their states.
    driver.get(site.url + "/admin/posts")
    wait_for_path(driver, "/admin/posts")
    assert post_row_status(driver, PUBLISHED_TITLE).lower() == "published"
    assert post_row_status(driver, SCHEDULED_TITLE).lower() == "scheduled"
    console.assert_clean("the post list with two posts")
    screenshot(driver, shots / "admin-posts.png")

    # 8. The scheduled post is not public yet.
    home = public_text(site, "/")
    assert PUBLISHED_TITLE in home
    assert SCHEDULED_TITLE not in home, "a post scheduled for tomorrow is already on the home page"

    # 9. Sign out: the admin is closed again.
    signout = driver.find_element(By.CSS_SELECTOR, 'form[action="/admin/signout"]')
    submit_with(driver, signout.find_element(By.CSS_SELECTOR, 'button[type="submit"]'))
    driver.get(site.url + "/admin/posts")
    wait_for_path(driver, "/admin/signin")
    assert driver.find_elements(By.CSS_SELECTOR, 'form[action="/admin/signin"]'), "no sign-in form after signing out"
    console.assert_clean("the sign-in page after signing out")
