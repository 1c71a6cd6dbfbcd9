"""The `folio` command line: help, health check, configuration errors, graceful stop,
and a full export → import round trip that renders the same pages."""

from __future__ import annotations

import difflib
import signal
import subprocess
import time
import socket
import uuid
from typing import Callable

import pytest

from support import OWNER_EMAIL, Folio, free_port, gradient_png, http_request, listening_socket, serve_command

SUBCOMMANDS = ["serve", "migrate", "user", "token", "healthcheck", "export", "import", "media"]


def test_help_lists_every_subcommand(server: Folio) -> None:
    out = server.run("--help").stdout
    for name in SUBCOMMANDS:
        assert f" {name} " in f" {out} ".replace("\n", " "), f"`folio --help` does not list {name}:\n{out}"


@pytest.mark.parametrize("args", [[c] for c in SUBCOMMANDS] + [["user", "create"], ["user", "reset-password"], ["token", "create"], ["media", "move"]])
def test_subcommand_help(server: Folio, args: list[str]) -> None:
    proc = server.run(*args, "--help")
    assert proc.stdout.strip(), f"`folio {' '.join(args)} --help` printed nothing"


def test_healthcheck_against_running_server(server: Folio) -> None:
    proc = server.run("healthcheck", "--url", server.url, timeout=30)
    assert proc.returncode == 0


def test_healthcheck_against_closed_port(server: Folio) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    proc = server.run("healthcheck", "--url", closed, check=False, timeout=30)
    assert proc.returncode != 0, "healthcheck passed against a closed port"
    assert time.monotonic() - started < 15, "healthcheck took too long to give up"


def test_unknown_user_gets_no_token(server: Folio) -> None:
    proc = server.run("token", "create", "--email", "nobody@example.com", check=False)
    assert proc.returncode != 0
    assert proc.stdout.strip() == "", "a failed `token create` must print no token"
    assert "nobody@example.com" in proc.stderr or "user" in proc.stderr.lower(), proc.stderr


def test_bad_role_is_refused(server: Folio) -> None:
    proc = server.run(
        "user", "create", "--email", "x@example.com", "--name", "X", "--role", "wizard",
        "--password-stdin", input="a long enough password\n", check=False,
    )
    assert proc.returncode != 0
    assert "role" in proc.stderr.lower(), proc.stderr


def test_reset_password_prints_a_one_time_link_or_sets_the_password(server: Folio) -> None:
    email = "reset.me@example.com"
    server.run("user", "create", "--email", email, "--name", "Rae Reset", "--role", "author",
               "--password-stdin", input="the first long passphrase\n")
    made = server.run("user", "reset-password", "--email", email)
    link = made.stdout.strip()
    assert link.startswith(f"{server.base_url}/admin/reset/") and "\n" not in link, made.stdout
    assert "24 hours" in made.stderr, made.stderr
    path = link[len(server.base_url):]
    form = server.get(path)
    assert form.status == 200 and email in form.text

    short = server.run("user", "reset-password", "--email", email, "--password-stdin", input="short\n", check=False)
    assert short.returncode != 0 and "12 to 128" in short.stderr, short.stderr
    assert server.get(path).status == 200, "a refused password changes nothing"
    done = server.run("user", "reset-password", "--email", email, "--password-stdin", input="a fresh long passphrase\n")
    assert "changed" in done.stderr and done.stdout == ""
    assert server.get(path).status == 410, "setting the password ends any open link"

    unknown = server.run("user", "reset-password", "--email", "nobody@example.com", check=False)
    assert unknown.returncode != 0 and unknown.stdout == ""
    assert "nobody@example.com" in unknown.stderr, unknown.stderr


def test_bad_listen_address_names_the_variable(make_site: Callable[..., Folio]) -> None:
    site = make_site()
    env = site.env(FOLIO_LISTEN="not-an-address")
    try:
        proc = subprocess.run(
            [str(site.binary), "serve"], env=env, capture_output=True, text=True, timeout=20,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("`folio serve` with FOLIO_LISTEN=not-an-address kept running")
    assert proc.returncode != 0
    assert "FOLIO_LISTEN" in proc.stderr, f"the error does not name FOLIO_LISTEN:\n{proc.stderr}"
    assert "panicked" not in proc.stderr, f"a configuration error must not be a panic:\n{proc.stderr}"


def test_unknown_variable_is_warned_about(make_site: Callable[..., Folio]) -> None:
    site = make_site(extra_env={"FOLIO_NOPE": "1"})
    site.setup_owner()
    site.start()
    assert site.stop() == 0
    assert "FOLIO_NOPE" in site.log_text(), f"no warning names FOLIO_NOPE:\n{site.log_text()}"


def test_replicas_share_a_port_and_each_answers_its_own_health_check(make_site: Callable[..., Folio]) -> None:
    """FOLIO_LISTEN_REUSE_PORT: two processes serve one address. FOLIO_HEALTH_SOCKET:
    `folio healthcheck` asks its own process, so a replica that is gone is unhealthy even
    while the shared address still answers (from the other)."""
    tag = uuid.uuid4().hex[:12]
    first = make_site(extra_env={"FOLIO_LISTEN_REUSE_PORT": "true", "FOLIO_HEALTH_SOCKET": f"@folio-a-{tag}"})
    first.setup_owner()
    first.start()
    second = make_site(extra_env={"FOLIO_LISTEN_REUSE_PORT": "true", "FOLIO_HEALTH_SOCKET": f"@folio-b-{tag}"})
    second.listen, second.url = first.listen, first.url
    second.start()  # returns at once: the shared address already answers, from `first`
    deadline = time.monotonic() + 30
    while (own := second.run("healthcheck", check=False)).returncode != 0:
        assert "Connection refused" in own.stderr, own.stderr
        assert time.monotonic() < deadline and second.running, f"the second replica never came up:\n{second.log_text()}"
        time.sleep(0.1)
    assert own.stdout.strip() == "ready"
    assert first.run("healthcheck").stdout.strip() == "ready"

    second.stop()
    assert first.get("/readyz").status == 200, "the shared address still answers"
    gone = second.run("healthcheck", check=False, timeout=30)
    assert gone.returncode != 0, "the stopped replica's own check fails"
    assert f"@folio-b-{tag}" in gone.stderr, gone.stderr
    assert first.run("healthcheck").returncode == 0

    # Without the reuse setting, a second process on a taken address is an error.
    third = make_site()
    third.listen, third.url = first.listen, first.url
    refused = third.run("serve", check=False, timeout=30)
    assert refused.returncode != 0 and "FOLIO_LISTEN" in refused.stderr, refused.stderr


def test_a_socket_passed_by_the_service_manager_outlives_a_restart(make_site: Callable[..., Folio]) -> None:
    """systemd's socket activation: `folio serve` takes the socket on descriptor 3
    (LISTEN_FDS) and ignores FOLIO_LISTEN. The manager holds the socket between two runs,
    so a reader who comes while Folio restarts waits and gets the page; nobody is refused."""
    site = make_site()
    site.setup_owner()
    sock = listening_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    # An address no process here can bind: only the passed socket can serve.
    env = site.env(FOLIO_LISTEN="192.0.2.1:80")
    command, fds = serve_command(site.binary, sock)

    def serve() -> subprocess.Popen:
        proc = subprocess.Popen(command, env=env, pass_fds=fds, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=open(site.log_path, "ab"))
        return proc

    def stop(proc: subprocess.Popen) -> None:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, site.log_text()

    first = serve()
    try:
        assert http_request(url + "/readyz", timeout=30).status == 200, site.log_text()
        assert f"listening on {url} (the socket the service manager passed" in site.log_text(), site.log_text()
        stop(first)
        # Nothing serves now, but the socket is open: the kernel completes the connection
        # and queues it, and the request waits there for the next run.
        with socket.create_connection(sock.getsockname(), timeout=60) as reader:
            reader.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            second = serve()
            try:
                answer = b""
                while chunk := reader.recv(65536):
                    answer += chunk
            finally:
                stop(second)
        assert answer.startswith(b"HTTP/1.1 200") and b"<html" in answer, answer[:500]
    finally:
        if first.poll() is None:
            first.kill()
        sock.close()


def test_sigterm_stops_gracefully(make_site: Callable[..., Folio]) -> None:
    site = make_site()
    site.setup_owner()
    site.start()
    assert site.get("/").status == 200
    proc = site.proc
    assert proc is not None
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail("`folio serve` did not stop within 10 s of SIGTERM")
    assert code == 0, f"`folio serve` exited {code} on SIGTERM"
    assert time.monotonic() - started < 10


def test_export_import_round_trip(server: Folio, make_site: Callable[..., Folio]) -> None:
    image = server.upload("photo.png", gradient_png(1000, 600), alt="A gradient")
    post = server.create_post(
        title="Exported & imported — ça marche",
        markdown="# Heading\n\nBody with `code` and a [link](/about/).\n\n```python\nprint('hi')\n```\n\n"
        + image["markdown"] + "\n",
        feature_image=image["url"],
        tags=["Round Trip", "Café"],
        status="published",
        published_at="2024-05-01T12:00:00Z",
        excerpt="An excerpt that must survive.",
    )
    server.create_post(
        title="Another exported post",
        markdown="Second body.\n",
        tags=["Round Trip"],
        status="published",
        published_at="2024-04-01T12:00:00Z",
    )
    draft = server.create_post(title="Exported draft", markdown="Draft body.\n", status="draft")
    page = server.create_page(title="Exported page", markdown="A page.\n", status="published")
    tag = next(t["slug"] for t in post["tags"] if t["name"] == "Round Trip")

    export = server.root / "export.json"
    server.run("export", "--output", str(export))
    assert export.stat().st_size > 0

    # A second, fresh site told the same public URL, listening elsewhere.
    copy = make_site(base_url=server.base_url)
    copy.run("migrate")
    copy.run("import", str(export))
    # The imported owner can be given a token (API tokens themselves are not exported).
    copy.token = copy.run("token", "create", "--email", OWNER_EMAIL, "--label", "check").stdout.strip()
    assert copy.token
    copy.start()

    paths = ["/", post["url"], page["url"], f"/tag/{tag}/"]
    for path in paths:
        original, imported = server.get(path), copy.get(path)
        assert original.status == 200, original
        assert imported.status == 200, f"{path} after import: {imported!r}"
        if original.body != imported.body:
            diff = "\n".join(
                difflib.unified_diff(
                    original.text.splitlines(), imported.text.splitlines(), "original", "imported", lineterm=""
                )
            )
            pytest.fail(f"{path} differs after export → import:\n{diff[:4000]}")

    # The library came along: the same entry, and every file with the same bytes.
    for rendition in image["renditions"]:
        original, imported = server.get(rendition["url"]), copy.get(rendition["url"])
        assert imported.status == 200 and imported.body == original.body, f"{rendition['url']} after import: {imported!r}"
    listed = copy.api("GET", "/api/v1/admin/media").json()["media"]
    assert [m["url"] for m in listed] == [image["url"]] and listed[0]["alt"] == "A gradient"

    # The draft came along, still a draft.
    assert "Exported draft" in draft_titles(copy)
    assert copy.get(f"/{draft['slug']}/").status == 404


def draft_titles(copy: Folio) -> list[str]:
    resp = copy.api("GET", "/api/v1/admin/posts?status=draft")
    assert resp.status == 200, resp
    body = resp.json()
    items = body
    if isinstance(body, dict):
        items = next((body[k] for k in ("items", "posts", "data") if k in body), None)
    assert isinstance(items, list), f"unexpected list shape: {body!r}"
    return [p["title"] for p in items]
