"""Three `folio serve` replicas on one database behind real Nginx, with the configuration
Folio ships in deploy/nginx/folio.conf — on each of the three databases Folio runs on:
a shared SQLite file, MariaDB and PostgreSQL (every test runs once per backend).

Starting together: three replicas started at the same instant on an empty database all
become ready, and the migrations are applied once. Behaving like one site: a session made
through one replica is good on the others, a post written through one is served by the
others within about a second, and through Nginx; a scheduled post is published once, by
one replica, when its time comes. Surviving a replica's death: under a bounded load
through Nginx, one replica killed with SIGKILL and another stopped with SIGTERM cost no
failed GET. And the proxy's own promises: no /metrics from outside, Folio's clear 413 for
an oversized upload, gzip, year-long caching of assets passed through, no version banner.

MariaDB and PostgreSQL are the servers `scripts/services start` runs (it prints
FOLIO_TEST_MARIADB_URL, FOLIO_TEST_POSTGRES_URL and FOLIO_TEST_REDIS_URL); each run gets a
fresh database named folio_t_*, created and dropped here with the mysql and psql clients.
On those backends the replicas also share a Redis, a redis-server of this module's own
(the outage test stops and restarts it; no other test's Redis is touched).
"""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pytest

from databases import Database, empty_database
from support import OWNER_EMAIL, OWNER_PASSWORD, Folio, free_port, http_request, nginx_in_front, parse_html

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = pytest.mark.skipif(not Path(NGINX).exists(), reason="needs nginx (Debian: nginx-light)")

REPLICAS = 3
PROPAGATION_S = 3.0  # a write shows on every replica within about a second
SCHEDULE_AHEAD_S = 4  # a scheduled post's time, from when it is written
# Every replica looks for due posts every 5 s, but only the holder of the scheduler's lease
# publishes; a lease whose holder was killed is taken over after 30 s.
SCHEDULER_S = 40.0
ANSI = re.compile(r"\x1b\[[0-9;]*m")
ADDRESS_FAILURES = 30  # failed sign-ins one address may make in 15 minutes (admin/auth.rs)


# --- Databases ------------------------------------------------------------------------------


class RedisServer:
    """A `redis-server` of the module's own on a loopback port, nothing persisted."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        eventually(lambda: redis_cli(self.port, "ping") == "PONG", f"redis-server on port {self.port} to answer", timeout=10)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module", params=["sqlite", "mariadb", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
             redis_server: RedisServer) -> Iterator[Database]:
    """An empty database on each backend in turn, dropped after the module's tests; on the
    servers, the replicas also share the module's Redis."""
    with empty_database(request.param, "replicas", tmp_path_factory.mktemp("sqlite")) as db:
        if db.backend != "sqlite":
            db.extra_env["FOLIO_REDIS_URL"] = redis_server.url
        yield db


# --- Nginx and the replicas -------------------------------------------------------------------


class Nginx:
    """Real Nginx in front of the replicas, from deploy/nginx/folio.conf."""

    def __init__(self, root: Path, upstreams: list[str], port: int) -> None:
        self.root = root
        self.port = port
        self.url = f"http://127.0.0.1:{self.port}"
        nginx_in_front(root, f"127.0.0.1:{self.port}", upstreams)
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


@dataclass
class Cluster:
    replicas: list[Folio]
    nginx: Nginx
    database: Database
    # The replicas that did not get ready when all started together, with why.
    startup_failures: dict[str, str]

    def logs(self) -> str:
        return "\n".join(f"--- log of the replica on {r.listen} ---\n{ANSI.sub('', r.log_tail(60))}" for r in self.replicas)


def start_together(replicas: list[Folio]) -> dict[str, str]:
    """Starts `folio serve` for every replica at the same instant (a barrier releases all
    the threads at once) and waits until each is ready; returns those that were not, with
    the error (their log included)."""
    barrier = threading.Barrier(len(replicas))
    failures: dict[str, str] = {}

    def launch(replica: Folio) -> None:
        barrier.wait()
        try:
            replica.start()
        except AssertionError as e:
            failures[replica.listen] = str(e)

    threads = [threading.Thread(target=launch, args=(r,)) for r in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return failures


@pytest.fixture(scope="module")
def cluster(database: Database, tmp_path_factory: pytest.TempPathFactory, folio_path: Path) -> Iterator[Cluster]:
    """Three replicas started together on the empty database (no `folio migrate` first:
    `folio serve` migrates), the owner and a token made with the CLI, and Nginx in front."""
    shared = tmp_path_factory.mktemp("shared-data")  # uploaded media
    proxy_port = free_port()
    base_url = f"http://127.0.0.1:{proxy_port}"
    env = {"FOLIO_DATA_DIR": str(shared), "FOLIO_TRUSTED_PROXIES": "127.0.0.1",
           "FOLIO_DATABASE_URL": database.url, **database.extra_env}
    replicas = [Folio(folio_path, tmp_path_factory.mktemp(f"replica{i}"), base_url=base_url, extra_env=env)
                for i in range(REPLICAS)]
    nginx = None
    try:
        failures = start_together(replicas)
        # A replica that failed to start is the first test's failure; the others still
        # get a whole cluster to test, so that one bug fails one test.
        for r in replicas:
            restart_if_needed(r)
        token = replicas[0].setup_owner(migrate=False)
        for r in replicas:
            r.token = token
        nginx = Nginx(tmp_path_factory.mktemp("nginx"), [r.listen for r in replicas], proxy_port)
        yield Cluster(replicas, nginx, database, failures)
    finally:
        if nginx is not None:
            nginx.stop()
        for r in replicas:
            r.stop()


def restart_if_needed(replica: Folio) -> None:
    if not replica.running:
        replica.proc = None
        replica.start()


# --- Helpers ----------------------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def opener_with(jar: http.cookiejar.CookieJar) -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())


def csrf_of(form: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', form)
    assert found, f"no CSRF token in the form: {form[:500]}"
    return found.group(1)


def sign_in(base: str) -> http.cookiejar.CookieJar:
    """Signs in through the form at `base`, like a browser; returns the cookies."""
    jar = http.cookiejar.CookieJar()
    opener = opener_with(jar)
    csrf = csrf_of(opener.open(base + "/admin/signin").read().decode())
    body = urllib.parse.urlencode({"email": OWNER_EMAIL, "password": OWNER_PASSWORD, "csrf": csrf, "next": "/admin/posts"}).encode()
    try:
        opener.open(base + "/admin/signin", body)
    except urllib.error.HTTPError as e:
        assert e.code == 303, f"sign-in answered {e.code}"
    assert any("session" in c.name for c in jar), f"no session cookie: {list(jar)}"
    return jar


def signed_in_get(base: str, path: str, jar: http.cookiejar.CookieJar) -> tuple[int, str]:
    try:
        with opener_with(jar).open(base + path) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, ""


def signed_in_post(base: str, path: str, form: dict[str, str], jar: http.cookiejar.CookieJar) -> tuple[int, str, str]:
    """POSTs a form with the session's cookies; returns the status, Location and body."""
    body = urllib.parse.urlencode(form).encode()
    try:
        with opener_with(jar).open(base + path, body) as resp:
            return resp.status, resp.headers.get("Location", ""), resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Location", ""), e.read().decode(errors="replace")


def eventually(check: Callable[[], bool], what: str, timeout: float = PROPAGATION_S) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.05)


def cards_titled(page: str, title: str) -> int:
    """How many post cards of a listing page carry this title."""
    return sum(1 for h in parse_html(page).where("h2", {"class": "post-card-title"}) if h.text.strip() == title)


# --- Tests ------------------------------------------------------------------------------------


def test_replicas_started_together_on_an_empty_database_all_get_ready_and_migrate_once(cluster: Cluster) -> None:
    """Three `folio serve` started at the same instant on an empty database (the cluster
    fixture does it, with no `folio migrate` before) all answer /readyz 200, and the
    migrator's lock made each migration apply once: one successful row per migration of
    this backend in `_sqlx_migrations`, and no replica failed on the way."""
    assert not cluster.startup_failures, (
        f"{len(cluster.startup_failures)} of {REPLICAS} replicas started together on an empty "
        f"{cluster.database.backend} database did not get ready:\n\n" + "\n\n".join(cluster.startup_failures.values())
    )
    for r in cluster.replicas:
        resp = r.get("/readyz")
        assert resp.status == 200, f"/readyz of {r.listen}: {resp!r}"

    expected = sorted(int(p.name.split("_")[0]) for p in cluster.database.migrations_dir.glob("*.sql"))
    rows = cluster.database.sql("SELECT version, success FROM _sqlx_migrations ORDER BY version")
    versions = [int(version) for version, _ in rows]
    assert versions == expected, f"_sqlx_migrations holds versions {versions}, the migrations are {expected}"
    failed = [version for version, success in rows if success.lower() not in ("1", "t", "true")]
    assert not failed, f"migrations recorded as unsuccessful: {failed} ({rows})"


def test_sign_in_through_one_write_through_another_read_through_the_third(cluster: Cluster) -> None:
    """A session made by signing in on replica A is accepted by B, C and Nginx; with it, a
    post is published through B's editor (its CSRF token is the session's, wherever it was
    read); C and Nginx serve the post; and an API edit through A reaches C's cached page."""
    (a, b, c), nginx = cluster.replicas, cluster.nginx
    jar = sign_in(a.url)
    for base in (b.url, c.url, nginx.url):
        status, page = signed_in_get(base, "/admin/posts", jar)
        assert status == 200 and "Sign out" in page, f"the session made on {a.listen} is not good on {base}"

    # The CSRF token read on A is good on B: it belongs to the session, kept in the database.
    csrf = csrf_of(signed_in_get(a.url, "/admin/posts/new", jar)[1])
    title = "Written through the second replica"
    status, location, page = signed_in_post(b.url, "/admin/posts/new",
                                            {"csrf": csrf, "intent": "publish", "title": title, "markdown": "Hello from B."}, jar)
    assert status == 303, f"publishing through B's editor answered {status}: {page[:500]}"
    post_id = re.search(r"/admin/posts/(\d+)", location)
    assert post_id, f"the editor redirected to {location!r}"
    post = c.api("GET", f"/api/v1/admin/posts/{post_id.group(1)}").json()
    assert post["status"] == "published", post
    path = b.path_of(post["url"])
    eventually(lambda: c.get(path).status == 200, f"{path} served by the third replica")
    eventually(lambda: cards_titled(c.get("/").text, title) == 1, "the third replica's home page lists it")
    eventually(lambda: cards_titled(http_request(nginx.url + "/").text, title) == 1, "Nginx serves it")

    # An edit through one replica reaches the cached page of another.
    assert c.get(path).status == 200  # now in C's cache
    resp = a.api("PATCH", f"/api/v1/admin/posts/{post['id']}", {"title": "Edited through the first replica"})
    assert resp.status == 200, resp
    eventually(lambda: "Edited through the first replica" in c.get(path).text, "C serves the edit, not its cached copy")


def test_a_scheduled_post_is_published_once_by_one_replica(cluster: Cluster) -> None:
    """A post scheduled a few seconds ahead is not public before its time and is public
    after it, through Nginx and on every replica; exactly one replica published it (every
    replica runs the scheduler; the lease lets one act), it is listed once, keeps its one
    revision and the time it was scheduled for."""
    replicas, nginx, db = cluster.replicas, cluster.nginx, cluster.database
    title = f"Scheduled on {db.backend}"
    at = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=SCHEDULE_AHEAD_S)).replace(microsecond=0)
    post = replicas[1].create_post(title=title, markdown="Due soon.", status="scheduled",
                                   published_at=at.strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert post["status"] == "scheduled", post
    path = replicas[1].path_of(post["url"])

    def public() -> bool:
        return cards_titled(http_request(nginx.url + "/").text, title) > 0

    if dt.datetime.now(dt.timezone.utc) < at - dt.timedelta(seconds=1):
        assert not public(), "a scheduled post is on the home page before its time"
        assert http_request(nginx.url + path).status == 404, f"{path} is public before its time"
    deadline = time.monotonic() + SCHEDULE_AHEAD_S + SCHEDULER_S
    while not public():
        assert time.monotonic() < deadline, f"the post scheduled for {at} is not public at {dt.datetime.now(dt.timezone.utc)}\n{cluster.logs()}"
        time.sleep(0.1)
    assert dt.datetime.now(dt.timezone.utc) >= at, "published before its time"

    assert http_request(nginx.url + path).status == 200
    for r in replicas:
        eventually(lambda r=r: cards_titled(r.get("/").text, title) == 1, f"the home page of {r.listen} lists it once")
        assert r.get(path).status == 200, f"{path} on {r.listen}"

    now = replicas[0].api("GET", f"/api/v1/admin/posts/{post['id']}").json()
    assert now["status"] == "published", now
    assert dt.datetime.fromisoformat(now["published_at"].replace("Z", "+00:00")) == at, now["published_at"]
    assert db.sql(f"SELECT status FROM posts WHERE id = {int(post['id'])}") == [("published",)]
    assert db.sql(f"SELECT COUNT(*) FROM revisions WHERE post_id = {int(post['id'])}") == [("1",)], \
        "publishing a scheduled post is no save: the post keeps the one revision it was written with"

    publishers = [r.listen for r in replicas
                  for ids in re.findall(r"published scheduled posts ids=\[([\d, ]*)\]", ANSI.sub("", r.log_text()))
                  if int(post["id"]) in [int(i) for i in ids.split(",") if i.strip()]]
    assert len(publishers) == 1, f"the post was published by {publishers or 'no replica'}, not once\n{cluster.logs()}"


def bounded_load(url_paths: list[str], seconds: float, max_requests: int = 20_000, threads: int = 4) -> tuple[int, list[str]]:
    """GETs the paths round-robin from `threads` threads for `seconds` or `max_requests`
    requests, whichever ends first; returns the number of requests and the failures
    (anything but 200)."""
    failures: list[str] = []
    count = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(offset: int) -> None:
        i = offset
        while time.monotonic() < stop_at:
            with lock:
                if count[0] >= max_requests:
                    return
                count[0] += 1
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

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return count[0], failures


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_a_replica_dies_under_load_and_no_reader_notices(cluster: Cluster, how: str) -> None:
    """GETs run through Nginx for 4 s while, after 1 s, one replica is killed with SIGKILL
    (Nginx retries the next replica) or stopped with SIGTERM (it drains what it has and
    exits 0): not one GET fails. The replica is started again afterwards."""
    replicas, nginx = cluster.replicas, cluster.nginx
    post = replicas[0].create_post(title=f"Read while a replica gets {how}", markdown="Steady.", status="published")
    paths = [nginx.url + p for p in ("/", replicas[0].path_of(post["url"]), "/feed.xml", "/healthz")]
    victim = replicas[1] if how == "SIGKILL" else replicas[2]
    exit_code: list[int | None] = []

    def strike() -> None:
        time.sleep(1.0)
        assert victim.proc is not None
        if how == "SIGKILL":
            victim.proc.send_signal(signal.SIGKILL)
            victim.proc.wait()
        else:
            exit_code.append(victim.stop())

    striker = threading.Thread(target=strike)
    striker.start()
    count, failures = bounded_load(paths, seconds=4.0)
    striker.join()
    print(f"{cluster.database.backend} {how}: {count} GETs through Nginx while a replica went down, {len(failures)} failed")
    try:
        assert not victim.running, f"the replica on {victim.listen} should be down"
        assert count > 100, f"only {count} requests were made; the load did not run"
        assert not failures, f"{len(failures)} of {count} GETs failed through Nginx after {how}: {failures[:10]}"
        if how == "SIGTERM":
            assert exit_code == [0], f"after SIGTERM the replica exited {exit_code} (None: it had to be killed)\n{victim.log_tail(40)}"
    finally:
        restart_if_needed(victim)


def redis_cli(port: int, *args: str) -> str:
    out = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port), *args], capture_output=True, text=True, timeout=10)
    return out.stdout.strip()


def test_redis_stopped_and_restarted_under_load_costs_readers_nothing(cluster: Cluster, redis_server: RedisServer) -> None:
    """GETs run through Nginx for 8 s while the replicas' Redis is shut down after 1.5 s
    and started again on the same port 3 s later: not one GET fails, and afterwards the
    replicas fill Redis with pages again by themselves."""
    if cluster.database.backend == "sqlite":
        pytest.skip("the SQLite set-up runs without Redis")
    replicas, nginx = cluster.replicas, cluster.nginx
    port = redis_server.port
    post = replicas[0].create_post(title="Read while Redis restarts", markdown="Steady.", status="published")
    paths = [nginx.url + p for p in ("/", replicas[0].path_of(post["url"]), "/feed.xml")]

    def outage() -> None:
        time.sleep(1.5)
        redis_server.stop()
        assert redis_cli(port, "ping") != "PONG", "Redis should be down"
        time.sleep(3.0)
        redis_server.start()

    striker = threading.Thread(target=outage)
    striker.start()
    try:
        count, failures = bounded_load(paths, seconds=8.0)
    finally:
        striker.join()
    assert redis_cli(port, "ping") == "PONG", "Redis should be back"
    assert count > 100, f"only {count} requests were made; the load did not run"
    assert not failures, f"{len(failures)} of {count} GETs failed while Redis was down: {failures[:10]}"

    # Back to sharing: pages rendered from now on (each a new address, so each misses the
    # replica's own cache and goes to Redis) are stored in Redis again.
    tries = iter(range(1_000_000))

    def shared_again() -> bool:
        n = next(tries)
        for replica in replicas:
            http_request(f"{replica.url}/?warm={n}")
        return bool(redis_cli(port, "--scan", "--pattern", "folio:*"))

    try:
        eventually(shared_again, "the replicas store pages in Redis again after it came back", timeout=20)
    except AssertionError as e:
        raise AssertionError(f"{e}\n{cluster.logs()}") from None


def test_the_proxy_keeps_its_promises(cluster: Cluster) -> None:
    """Through Nginx: no /metrics, gzip, no version banner, immutable assets, and Folio's
    own 413 (not Nginx's) for an upload over the limit."""
    replicas, nginx = cluster.replicas, cluster.nginx
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


# --- Replicas on Unix sockets ----------------------------------------------------------------


class UnixReplica(Folio):
    """A replica listening on a Unix socket (`FOLIO_LISTEN=unix:PATH`): there is no URL of
    its own, so it is ready when `folio healthcheck` (which then asks the socket) says so."""

    def __init__(self, binary: Path, root: Path, socket: Path, **kwargs) -> None:
        super().__init__(binary, root, **kwargs)
        self.socket = socket
        self.listen = f"unix:{socket}"

    def wait_ready(self, timeout: float = 30.0) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while (check := self.run("healthcheck", check=False)).returncode != 0:
            assert self.proc.poll() is None, f"`folio serve` on {self.listen} exited\n{self.log_text()}"
            assert time.monotonic() < deadline, f"{self.listen} not ready: {check.stderr}\n{self.log_text()}"
            time.sleep(0.05)


def test_replicas_on_unix_sockets_behind_nginx(tmp_path_factory: pytest.TempPathFactory, folio_path: Path) -> None:
    """The single-machine set-up: three replicas each on its own Unix socket (one shared
    SQLite file), Nginx's upstream naming the sockets. Through Nginx a post is written and
    read, and X-Forwarded-For is believed from the socket (it counts as 127.0.0.1); a
    replica killed with SIGKILL under load costs no GET, and started again it takes over
    the socket file its predecessor left; a second server on a live socket is refused;
    one stopped with SIGTERM removes its socket file."""
    sockets = tmp_path_factory.mktemp("sockets")
    shared = tmp_path_factory.mktemp("shared-data")
    proxy_port = free_port()
    base_url = f"http://127.0.0.1:{proxy_port}"
    env = {"FOLIO_DATA_DIR": str(shared), "FOLIO_TRUSTED_PROXIES": "127.0.0.1"}
    replicas = [UnixReplica(folio_path, tmp_path_factory.mktemp(f"unix{i}"), sockets / f"folio-{i + 1}.sock",
                            base_url=base_url, extra_env=env) for i in range(REPLICAS)]
    nginx = None
    try:
        replicas[0].setup_owner()
        for r in replicas:
            r.start()
            assert r.socket.is_socket() and (r.socket.stat().st_mode & 0o777) == 0o666, r.socket
        nginx = Nginx(tmp_path_factory.mktemp("nginx-unix"), [f"unix:{r.socket}" for r in replicas], proxy_port)

        token = replicas[0].token
        created = http_request(nginx.url + "/api/v1/admin/posts", "POST",
                               b'{"title": "Over a Unix socket", "markdown": "No TCP on this hop.", "status": "published"}',
                               {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        assert created.status == 201, created
        path = replicas[0].path_of(created.json()["url"])
        for _ in range(REPLICAS):  # round robin: each replica answers once
            page = http_request(nginx.url + path)
            assert page.status == 200 and "No TCP on this hop." in page.text, page

        # The forwarded address is the client's: failed sign-ins (each for another
        # account, so only the per-address limit can bite) through Nginx lock out
        # 192.0.2.1, and a client at another address is not affected by it.
        def sign_in_as(address: str, n: int) -> int:
            form = http_request(nginx.url + "/admin/signin", headers={"X-Forwarded-For": address})
            cookie = "; ".join(c.split(";")[0] for c in form.headers.get_all("Set-Cookie") or [])
            body = urllib.parse.urlencode({"email": f"nobody{n}@example.com", "password": "not the password at all",
                                           "csrf": csrf_of(form.text)}).encode()
            return http_request(nginx.url + "/admin/signin", "POST", body,
                                {"X-Forwarded-For": address, "Cookie": cookie,
                                 "Content-Type": "application/x-www-form-urlencoded"}).status
        statuses = [sign_in_as("192.0.2.1", n) for n in range(ADDRESS_FAILURES + 1)]
        assert 429 not in statuses[:-1] and statuses[-1] == 429, f"the forwarded address was not the one limited: {statuses}"
        assert sign_in_as("192.0.2.2", 0) != 429, "another client was limited with the first"

        # SIGKILL under load: Nginx retries the next socket; the file stays behind.
        victim = replicas[1]

        def strike() -> None:
            time.sleep(1.0)
            assert victim.proc is not None
            victim.proc.send_signal(signal.SIGKILL)
            victim.proc.wait()

        striker = threading.Thread(target=strike)
        striker.start()
        count, failures = bounded_load([nginx.url + p for p in ("/", path, "/feed.xml")], seconds=3.0)
        striker.join()
        victim.proc = None
        print(f"unix sockets SIGKILL: {count} GETs through Nginx, {len(failures)} failed")
        assert count > 100 and not failures, f"{len(failures)} of {count} GETs failed: {failures[:10]}"
        assert victim.socket.is_socket(), "a killed replica cannot remove its socket file"
        victim.start()  # takes over the file nobody accepts on

        # A live socket is not taken over.
        intruder = UnixReplica(folio_path, tmp_path_factory.mktemp("intruder"), victim.socket, base_url=base_url, extra_env=env)
        refused = intruder.run("serve", check=False, timeout=30)
        assert refused.returncode != 0, refused
        assert "FOLIO_LISTEN" in refused.stderr and "another server is accepting" in refused.stderr, refused.stderr
        assert victim.run("healthcheck").returncode == 0, "the refused start left the live replica alone"

        # SIGTERM: it drains, exits 0 and removes its socket file.
        assert replicas[2].stop() == 0
        assert not replicas[2].socket.exists(), "a replica stopped with SIGTERM leaves its socket file behind"
        assert http_request(nginx.url + path).status == 200
    finally:
        if nginx is not None:
            nginx.stop()
        for r in replicas:
            r.stop()
