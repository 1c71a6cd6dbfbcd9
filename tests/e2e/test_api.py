"""The admin and public JSON API as a client sees it: what a write returns, how each kind
of mistake is answered, and that public pages follow writes at once."""

from __future__ import annotations

import json

import pytest

from support import Folio, Response


def one(resp: Response) -> dict:
    """The object in a single-item answer, bare or wrapped as {"post": {...}}."""
    body = resp.json()
    if isinstance(body, dict) and len(body) == 1 and next(iter(body)) in ("post", "page", "data"):
        return next(iter(body.values()))
    return body


def assert_error(resp: Response, status: int, field: str | None = None) -> dict:
    assert resp.status == status, f"expected {status}: {resp!r}"
    assert resp.content_type.startswith("application/json"), resp
    error = resp.json().get("error")
    assert isinstance(error, dict), resp
    assert isinstance(error.get("code"), str) and error["code"], resp
    assert isinstance(error.get("message"), str) and error["message"], resp
    if field is not None:
        fields = error.get("fields") or {}
        assert isinstance(fields.get(field), str) and fields[field], f"no message for {field!r}: {resp!r}"
    return error


def test_create_returns_the_post(server: Folio) -> None:
    post = server.create_post(
        title="Hello, World!", markdown="First *post*.\n", tags=["Getting Started"], status="published"
    )
    assert isinstance(post["id"], (int, str))
    assert post["slug"] == "hello-world"
    assert post["status"] == "published"
    assert post["title"] == "Hello, World!"
    assert post["url"] == f"{server.base_url}/hello-world/"
    tags = [{"name": t["name"], "slug": t["slug"]} for t in post["tags"]]
    assert tags == [{"name": "Getting Started", "slug": "getting-started"}]

    page = server.get(post["url"])
    assert page.status == 200, page
    assert "Hello, World!" in page.text and "<em>post</em>" in page.text

    public = server.api("GET", "/api/v1/posts/hello-world", auth=False)
    assert public.status == 200, public
    assert one(public)["title"] == "Hello, World!"


def test_explicit_slug_and_page(server: Folio) -> None:
    post = server.create_post(title="Whatever", slug="chosen-slug", markdown="x\n", status="published")
    assert post["slug"] == "chosen-slug" and post["url"] == f"{server.base_url}/chosen-slug/"
    page = server.create_page(title="Contact", markdown="Write to us.\n", status="published")
    assert page["url"] == f"{server.base_url}/contact/"
    assert server.get("/contact/").status == 200


def test_duplicate_slug_is_409(server: Folio) -> None:
    server.create_post(title="Taken", slug="taken-slug", markdown="x\n", status="published")
    assert_error(
        server.api("POST", "/api/v1/admin/posts", {"title": "Again", "slug": "taken-slug", "markdown": "y\n"}),
        409,
        "slug",
    )
    # Posts and pages share one namespace: both live at /{slug}/.
    assert_error(
        server.api("POST", "/api/v1/admin/pages", {"title": "Again", "slug": "taken-slug", "markdown": "y\n"}),
        409,
        "slug",
    )


@pytest.mark.parametrize(
    "fields, bad_field",
    [
        ({"title": "   ", "markdown": "x"}, "title"),
        ({"title": "Ok", "markdown": "x", "slug": "Not A Slug"}, "slug"),
        ({"title": "Ok", "markdown": "x", "slug": "admin"}, "slug"),
        ({"title": "Ok", "markdown": "x", "status": "live"}, "status"),
        ({"title": "Ok", "markdown": "x", "status": "published", "published_at": "yesterday"}, "published_at"),
    ],
)
def test_invalid_fields_are_422(server: Folio, fields: dict, bad_field: str) -> None:
    fields = {**fields}
    fields.setdefault("slug", "must-not-be-written")
    assert_error(server.api("POST", "/api/v1/admin/posts", fields), 422, bad_field)
    # Nothing is written when a request fails.
    assert server.get("/must-not-be-written/").status == 404
    assert server.api("GET", "/api/v1/posts/must-not-be-written", auth=False).status == 404


def test_malformed_json_is_400(server: Folio) -> None:
    resp = server.request(
        "POST", "/api/v1/admin/posts", b'{"title": "broken', {"Content-Type": "application/json"}, server.token
    )
    assert_error(resp, 400)


def test_missing_or_wrong_token_is_401(server: Folio) -> None:
    body = json.dumps({"title": "Nope", "markdown": "x", "slug": "unauthorised"}).encode()
    headers = {"Content-Type": "application/json"}
    assert_error(server.request("POST", "/api/v1/admin/posts", body, headers), 401)
    assert_error(server.request("POST", "/api/v1/admin/posts", body, headers, token="not-a-real-token"), 401)
    assert_error(server.request("GET", "/api/v1/admin/posts", None, {}), 401)
    assert server.get("/unauthorised/").status == 404


def test_pages_follow_edits_at_once(server: Folio) -> None:
    post = server.create_post(title="Before the edit", markdown="Original body.\n", status="published")
    assert "Before the edit" in server.get(post["url"]).text
    assert "Before the edit" in server.get("/").text  # both now cached

    resp = server.api("PATCH", f"/api/v1/admin/posts/{post['id']}", {"title": "After the edit"})
    assert resp.status == 200, resp
    assert one(resp)["title"] == "After the edit"
    assert "After the edit" in server.get(post["url"]).text, "the post page is stale after an edit"
    home = server.get("/").text
    assert "After the edit" in home and "Before the edit" not in home, "the home page is stale"


def test_changed_slug_redirects(server: Folio) -> None:
    post = server.create_post(title="Moving post", slug="old-place", markdown="x\n", status="published")
    resp = server.api("PATCH", f"/api/v1/admin/posts/{post['id']}", {"slug": "new-place"})
    assert resp.status == 200, resp
    assert one(resp)["url"] == f"{server.base_url}/new-place/"
    old = server.get("/old-place/")
    assert old.status == 301, old
    location = old.headers.get("Location", "")
    assert location in ("/new-place/", f"{server.base_url}/new-place/"), location
    assert server.get("/new-place/").status == 200


def test_scheduled_and_draft_posts_are_not_public(server: Folio) -> None:
    scheduled = server.create_post(
        title="From the future",
        slug="from-the-future",
        markdown="Not yet.\n",
        status="scheduled",
        published_at="2999-01-01T00:00:00Z",
    )
    assert scheduled["status"] == "scheduled"
    draft = server.create_post(title="Hidden draft", slug="hidden-draft", markdown="Not yet.\n", status="draft")
    assert draft["status"] == "draft"
    for slug in ("from-the-future", "hidden-draft"):
        assert server.get(f"/{slug}/").status == 404
        assert server.api("GET", f"/api/v1/posts/{slug}", auth=False).status == 404
    home = server.get("/").text
    assert "From the future" not in home and "Hidden draft" not in home
    fetched = server.api("GET", f"/api/v1/admin/posts/{draft['id']}")
    assert fetched.status == 200 and one(fetched)["title"] == "Hidden draft", fetched


def test_delete(server: Folio) -> None:
    post = server.create_post(title="Short-lived", slug="short-lived", markdown="x\n", status="published")
    assert server.get("/short-lived/").status == 200
    resp = server.api("DELETE", f"/api/v1/admin/posts/{post['id']}")
    assert resp.status in (200, 204), resp
    assert server.get("/short-lived/").status == 404
    assert_error(server.api("GET", f"/api/v1/admin/posts/{post['id']}"), 404)


def test_conditional_get(server: Folio) -> None:
    server.create_post(title="Cacheable", slug="cacheable", markdown="x\n", status="published")
    first = server.get("/cacheable/")
    etag = first.headers.get("ETag")
    assert first.status == 200 and etag, first.headers
    again = server.get("/cacheable/", headers={"If-None-Match": etag})
    assert again.status == 304, again
    assert again.body == b""


def test_operational_endpoints(server: Folio) -> None:
    assert server.get("/healthz").status == 200
    assert server.get("/readyz").status == 200
    metrics = server.get("/metrics")
    assert metrics.status == 200 and metrics.content_type.startswith("text/plain"), metrics
    openapi = server.api("GET", "/api/v1/openapi.json", auth=False)
    assert openapi.status == 200, openapi
    doc = openapi.json()
    assert str(doc.get("openapi", "")).startswith("3."), doc.get("openapi")
    assert "/api/v1/admin/posts" in doc.get("paths", {}), sorted(doc.get("paths", {}))
