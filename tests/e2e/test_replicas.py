"""Three `folio serve` replicas on one database behind real Nginx, with the configuration
Folio ships in deploy/nginx/folio.conf.

Behaving like one site: a session made through one replica is good on the others, a post
written through one is served by the others within about a second, and through Nginx.
Surviving a replica's death: under a bounded load through Nginx, one replica killed with
SIGKILL and another stopped with SIGTERM cost no failed GET. And the proxy's own promises:
no /metrics from outside, Folio's clear 413 for an oversized upload, gzip, year-long
caching of assets passed through, no version banner.

The replicas share a SQLite database here (one machine); the MariaDB and PostgreSQL runs of
the same story come with those backends.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Callable, Iterator

import pytest

from support import OWNER_EMAIL, OWNER_PASSWORD, REPO_ROOT, Folio, free_port, http_request

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = pytest.mark.skipif(not Path(NGINX).exists(), reason="needs nginx (Debian: nginx-light)")

REPLICAS = 3
PROPAGATION_S = 3.0  # a write shows on every replica within about a second


class Nginx:
    """Real Nginx in front of the replicas, from deploy/nginx/folio.conf."""

    def __init__(self, root: Path, upstreams: list[str]) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        shipped = (REPO_ROOT / "deploy" / "nginx" / "folio.conf").read_text()
        server, n = re.subn(r"listen 8080;", f"listen 127.0.0.1:{self.port};", shipped)
        assert n == 1, "deploy/nginx/folio.conf should have one `listen 8080;` line"
        (root / "folio.conf").write_text(server)
        servers = "\n".join(f"        server {u} max_fails=1 fail_timeout=5s;" for u in upstreams)
        user = "user root;" if os.geteuid() == 0 else ""
        temp = "\n".join(f"    {kind}_temp_path {root}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (root / "nginx.conf").write_text(f"""
{user}
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
{temp}
    upstream folio {{
{servers}
        keepalive 32;
    }}
    include {root}/folio.conf;
}}
""")
        self.proc = subprocess.Popen(
            [NGINX, "-p", str(root), "-c", str(root / "nginx.conf"), "-g", "daemon off;"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(root / "stderr.log", "wb"),
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if http_request(self.url + "/healthz", timeout=1).status == 200:
                    return
            except OSError:
                pass
            assert self.proc.poll() is None, (root / "stderr.log").read_text() + self.errors()
            time.sleep(0.05)
        raise AssertionError("nginx did not start: " + self.errors())

    def errors(self) -> str:
        path = self.root / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, folio_path: Path) -> Iterator[tuple[list[Folio], Nginx]]:
    shared = tmp_path_factory.mktemp("shared-data")
    proxy_root = tmp_path_factory.mktemp("nginx")
    proxy_port_holder = free_port()
    base_url = f"http://127.0.0.1:{proxy_port_holder}"
    replicas = [
        Folio(folio_path, tmp_path_factory.mktemp(f"replica{i}"), base_url=base_url,
              extra_env={"FOLIO_DATA_DIR": str(shared), "FOLIO_TRUSTED_PROXIES": "127.0.0.1"})
        for i in range(REPLICAS)
    ]
    token = replicas[0].setup_owner()
    for r in replicas:
        r.token = token
        r.start()
    nginx = Nginx(proxy_root, [r.listen for r in replicas])
    try:
        yield replicas, nginx
    finally:
        nginx.stop()
        for r in replicas:
            r.stop()


def restart_if_needed(replica: Folio) -> None:
    if not replica.running:
        replica.proc = None
        replica.start()


def sign_in(base: str) -> http.cookiejar.CookieJar:
    """Signs in through the form at `base`, like a browser; returns the cookies."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    form = opener.open(base + "/admin/signin").read().decode()
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    body = urllib.parse.urlencode({"email": OWNER_EMAIL, "password": OWNER_PASSWORD, "csrf": csrf, "next": "/admin/posts"}).encode()
    try:
        opener.open(base + "/admin/signin", body)
    except urllib.error.HTTPError as e:
        assert e.code == 303, f"sign-in answered {e.code}"
    assert any("session" in c.name for c in jar), f"no session cookie: {list(jar)}"
    return jar


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def signed_in_get(base: str, path: str, jar: http.cookiejar.CookieJar) -> tuple[int, str]:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    try:
        with opener.open(base + path) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, ""


def eventually(check: Callable[[], bool], what: str, timeout: float = PROPAGATION_S) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.05)


def test_sign_in_through_one_write_through_another_read_through_the_third(cluster) -> None:
    (a, b, c), nginx = cluster
    jar = sign_in(a.url)
    for replica in (b, c):
        status, page = signed_in_get(replica.url, "/admin/posts", jar)
        assert status == 200 and "Sign out" in page, f"the session made on {a.listen} is not good on {replica.listen}"

    post = b.create_post(title="Written through the second replica", markdown="Hello from B.", status="published")
    path = b.path_of(post["url"])
    eventually(lambda: c.get(path).status == 200, f"{path} served by the third replica")
    eventually(lambda: "Written through the second replica" in c.get("/").text, "the third replica's home page lists it")
    eventually(lambda: "Written through the second replica" in http_request(nginx.url + "/").text, "Nginx serves it")

    # An edit through one replica reaches the cached page of another.
    assert c.get(path).status == 200  # now in C's cache
    resp = a.api("PATCH", f"/api/v1/admin/posts/{post['id']}", {"title": "Edited through the first replica"})
    assert resp.status == 200, resp
    eventually(lambda: "Edited through the first replica" in c.get(path).text, "C serves the edit, not its cached copy")


def bounded_load(url_paths: list[str], seconds: float, threads: int = 4) -> tuple[int, list[str]]:
    """GETs the paths round-robin from `threads` threads for `seconds`; returns the number
    of requests and the failures (anything but 200)."""
    failures: list[str] = []
    count = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(offset: int) -> None:
        i = offset
        while time.monotonic() < stop_at:
            url = url_paths[i % len(url_paths)]
            i += 1
            try:
                status = http_request(url, timeout=10).status
                if status != 200:
                    with lock:
                        failures.append(f"{status} {url}")
            except OSError as e:
                with lock:
                    failures.append(f"{e!r} {url}")
            with lock:
                count[0] += 1

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return count[0], failures


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_a_replica_dies_under_load_and_no_reader_notices(cluster, how: str) -> None:
    replicas, nginx = cluster
    post = replicas[0].create_post(title=f"Read while a replica gets {how}", markdown="Steady.", status="published")
    paths = [nginx.url + p for p in ("/", replicas[0].path_of(post["url"]), "/feed.xml", "/healthz")]
    victim = replicas[1] if how == "SIGKILL" else replicas[2]

    def strike() -> None:
        time.sleep(1.0)
        assert victim.proc is not None
        if how == "SIGKILL":
            victim.proc.send_signal(signal.SIGKILL)
            victim.proc.wait()
        else:
            victim.stop()

    striker = threading.Thread(target=strike)
    striker.start()
    count, failures = bounded_load(paths, seconds=4.0)
    striker.join()
    print(f"{how}: {count} GETs through Nginx while a replica went down, {len(failures)} failed")
    try:
        assert not victim.running, f"the replica on {victim.listen} should be down"
        assert count > 100, f"only {count} requests were made; the load did not run"
        assert not failures, f"{len(failures)} of {count} GETs failed through Nginx after {how}: {failures[:10]}"
    finally:
        restart_if_needed(victim)


def test_the_proxy_keeps_its_promises(cluster) -> None:
    replicas, nginx = cluster
    metrics = http_request(nginx.url + "/metrics")
    assert metrics.status == 404, "/metrics must not be reachable through the proxy"
    assert replicas[0].get("/metrics").status == 200, "each replica still serves /metrics directly"

    home = http_request(nginx.url + "/", headers={"Accept-Encoding": "gzip"})
    assert home.status == 200 and home.headers.get("Content-Encoding") == "gzip", home.headers
    server = home.headers.get("Server", "")
    assert not re.search(r"\d", server), f"a version banner: Server: {server}"

    css = re.search(r'href="(/assets/style\.css\?v=[^"]+)"', http_request(nginx.url + "/").text)
    assert css, "the home page links its fingerprinted stylesheet"
    asset = http_request(nginx.url + css.group(1).replace("&amp;", "&"))
    assert asset.status == 200 and "immutable" in asset.headers.get("Cache-Control", ""), asset.headers

    # Folio, not Nginx, refuses an oversized upload, so the writer reads what the limit is.
    boundary = "b0undary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.png"\r\n\r\n').encode() \
        + b"\x89PNG" + b"\0" * (10 * 1024 * 1024 + 512) + f"\r\n--{boundary}--\r\n".encode()
    resp = http_request(nginx.url + "/api/v1/admin/media", "POST", body,
                        {"Authorization": f"Bearer {replicas[0].token}", "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert resp.status == 413, resp
    assert "larger than the upload limit of 10 MB" in resp.text, resp.text
