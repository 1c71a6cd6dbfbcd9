"""Folio on separate hosts that share nothing but a network.

Each host is a network namespace of its own (`ip netns`), with its own address on a
bridge in a namespace of its own (the switch), its own processes and its own private
data folder: one host runs MariaDB, Redis and the object store (Garage, S3) as
`scripts/services` runs them, three run `folio serve`, and one runs Nginx with the
configuration Folio ships (deploy/nginx/folio.conf) in front of the three. The test
itself is the readers' machine, on the same bridge. No file is shared: the media
library is in the bucket.

Under a continuous, bounded load of GETs through Nginx (the home page, a post, an
uploaded image):
- an image uploaded through host A is served, byte for byte, by B and C;
- a whole web host is killed (every process in it, and its link cut, as a machine that
  loses power) and comes back: no GET fails;
- the three web hosts are restarted one by one on a new binary (a rolling update): no
  GET fails;
- one web host is cut off from Redis (its traffic to Redis dropped inside its namespace)
  while a post is edited through another: its readers get no error, and once the cut
  heals its pages show the edit within a second.

Needs root (namespaces, veth pairs, iptables inside a namespace), iproute2, iptables,
nginx, and the servers `scripts/services` installs.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest

from support import OWNER_EMAIL, REPO_ROOT, folio_bin, gradient_png, http_request, nginx_in_front, upload_with_token

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
IP = shutil.which("ip") or "/usr/sbin/ip"
IPTABLES = shutil.which("iptables") or "/usr/sbin/iptables"
pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root"),
    pytest.mark.skipif(not all(Path(p).exists() for p in (NGINX, IP, IPTABLES)), reason="needs nginx, iproute2 and iptables"),
]

SUBNET = "10.231.77"  # a /24 of the test's own; nothing else on this machine uses it
STATE, WEB, LB, READER = f"{SUBNET}.2", [f"{SUBNET}.{n}" for n in (11, 12, 13)], f"{SUBNET}.20", f"{SUBNET}.1"
REDIS_PORT, S3_PORT, MARIADB_PORT = 6380, 3910, 3307  # scripts/services' defaults, inside the state host
FRESH_S = 1.0  # after a write, or after a cut to Redis heals, every host serves the new page within this


def sh(*argv: str, check: bool = True, env: dict[str, str] | None = None, timeout: float = 120) -> str:
    out = subprocess.run(list(argv), capture_output=True, text=True, env=env, timeout=timeout)
    if check and out.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} failed ({out.returncode}):\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")
    return out.stdout


class Host:
    """A machine: a network namespace with one link to the switch, an address, a folder."""

    def __init__(self, net: "Network", role: str, addr: str) -> None:
        self.ns = f"{net.tag}-{role}"
        self.addr = addr
        self.folder = net.root / role
        self.folder.mkdir()
        sh(IP, "netns", "add", self.ns)
        outside, inside = f"{net.tag}{role}a"[:15], f"{net.tag}{role}b"[:15]
        sh(IP, "link", "add", inside, "type", "veth", "peer", "name", outside)
        sh(IP, "link", "set", inside, "netns", self.ns, "name", "eth0")
        sh(IP, "link", "set", outside, "netns", net.switch)
        sh(IP, "-n", net.switch, "link", "set", outside, "master", "br0", "up")
        self.run(IP, "addr", "add", f"{addr}/24", "dev", "eth0")
        self.run(IP, "link", "set", "eth0", "up")
        self.run(IP, "link", "set", "lo", "up")

    def run(self, *argv: str, **kwargs) -> str:
        return sh(IP, "netns", "exec", self.ns, *argv, **kwargs)

    def start(self, argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
        return subprocess.Popen([IP, "netns", "exec", self.ns, *argv], env=env, stdin=subprocess.DEVNULL,
                                stdout=open(log, "ab"), stderr=subprocess.STDOUT)

    def pids(self) -> list[int]:
        return [int(p) for p in sh(IP, "netns", "pids", self.ns, check=False).split()]

    def kill_everything(self) -> None:
        """Every process of the host, at once, as when it loses power."""
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        while self.pids():
            assert time.monotonic() < deadline, f"{self.ns}: processes left {self.pids()}"
            time.sleep(0.05)

    def link(self, up: bool) -> None:
        self.run(IP, "link", "set", "eth0", "up" if up else "down")


class Network:
    def __init__(self) -> None:
        self.tag = "fh" + secrets.token_hex(2)
        # Not under pytest's private tmp: the database server's own user must enter it.
        self.root = Path(tempfile.mkdtemp(prefix="folio-hosts-", dir="/tmp"))
        self.root.chmod(0o755)
        self.switch = f"{self.tag}-switch"
        self.hosts: list[Host] = []
        try:
            self._wire()
        except BaseException:
            self.tear_down()
            raise

    def _wire(self) -> None:
        sh(IP, "netns", "add", self.switch)
        sh(IP, "-n", self.switch, "link", "add", "br0", "type", "bridge")
        sh(IP, "-n", self.switch, "link", "set", "br0", "up")
        # The readers' machine (this process) on the same switch.
        self.reader_link = f"{self.tag}rd"
        sh(IP, "link", "add", self.reader_link, "type", "veth", "peer", "name", f"{self.tag}rs")
        sh(IP, "link", "set", f"{self.tag}rs", "netns", self.switch)
        sh(IP, "-n", self.switch, "link", "set", f"{self.tag}rs", "master", "br0", "up")
        sh(IP, "addr", "add", f"{READER}/24", "dev", self.reader_link)
        sh(IP, "link", "set", self.reader_link, "up")

    def host(self, role: str, addr: str) -> Host:
        try:
            host = Host(self, role, addr)
        except BaseException:
            sh(IP, "netns", "del", f"{self.tag}-{role}", check=False)
            raise
        self.hosts.append(host)
        return host

    def tear_down(self) -> None:
        for host in self.hosts:
            host.kill_everything()
            sh(IP, "netns", "del", host.ns, check=False)
        sh(IP, "link", "del", self.reader_link, check=False)
        sh(IP, "netns", "del", self.switch, check=False)
        shutil.rmtree(self.root, ignore_errors=True)


class WebHost:
    """A host running `folio serve` (the binary may change: a rolling update)."""

    def __init__(self, host: Host, env: dict[str, str], binary: Path) -> None:
        self.host, self.binary, self.proc = host, binary, None
        self.env = {**env, "FOLIO_DATA_DIR": str(host.folder / "data"), "FOLIO_LISTEN": f"{host.addr}:8080"}
        self.url = f"http://{host.addr}:8080"
        self.log = host.folder / "folio.log"

    def cli(self, *args: str, stdin: str | None = None) -> str:
        out = subprocess.run([IP, "netns", "exec", self.host.ns, str(self.binary), *args], env=self.env,
                             input=stdin, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, f"folio {' '.join(args)}: {out.stderr[-2000:]}"
        return out.stdout

    def start(self) -> None:
        self.proc = self.host.start([str(self.binary), "serve", "--no-migrate"], self.env, self.log)
        wait_for(lambda: answers(self.url + "/readyz"), f"{self.host.ns} ready", 60,
                 lambda: self.log.read_text(errors="replace")[-3000:])

    def readers_served(self) -> int:
        """Requests this process has answered, but for probes and metrics (its /metrics)."""
        text = http_request(self.url + "/metrics", timeout=5).text
        total = 0
        for line in text.splitlines():
            if line.startswith("folio_http_requests_total{") and not any(
                    f'route="{probe}"' in line for probe in ("/metrics", "/readyz", "/healthz")):
                total += int(float(line.rsplit(" ", 1)[1]))
        return total

    def wait_for_readers(self) -> None:
        """Until the proxy sends this host readers again (it retries a host it found down
        after its fail_timeout)."""
        served = self.readers_served()
        wait_for(lambda: self.readers_served() > served + 10, f"{self.host.ns} gets readers from Nginx", 30)

    def stop(self) -> None:
        """SIGTERM: stops accepting, finishes what it has, exits."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        assert self.proc.wait(timeout=40) == 0, self.log.read_text(errors="replace")[-3000:]


def answers(url: str) -> bool:
    try:
        return http_request(url, timeout=2).status == 200
    except OSError:
        return False


def wait_for(check: Callable[[], bool], what: str, timeout: float, detail: Callable[[], str] = lambda: "") -> float:
    """Waits until `check()` holds; returns the seconds it took."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, f"{what}: not within {timeout} s\n{detail()}"
        time.sleep(0.05)
    return time.monotonic() - started


class Load:
    """GETs of `urls` round-robin from two threads until stopped (or 50,000 requests);
    counts the answers and keeps every failure."""

    def __init__(self, urls: list[str], expect: dict[str, bytes] | None = None) -> None:
        self.urls, self.expect = urls, expect or {}
        self.count, self.failures = 0, []
        self._lock, self._stop = threading.Lock(), threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(2)]
        for t in self._threads:
            t.start()

    def _run(self, offset: int) -> None:
        i = offset
        while not self._stop.is_set() and self.count < 50_000:
            url = self.urls[i % len(self.urls)]
            i += 1
            try:
                reply = http_request(url, timeout=15)
                failure = None if reply.status == 200 else f"HTTP {reply.status} {url}"
                if failure is None and url in self.expect and reply.body != self.expect[url]:
                    failure = f"other bytes from {url}"
            except OSError as e:
                failure = f"{e!r} {url}"
            with self._lock:
                self.count += 1
                if failure:
                    self.failures.append(failure)

    def stop(self) -> tuple[int, list[str]]:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=30)
        return self.count, self.failures


@pytest.fixture(scope="module")
def hosts(folio_path: Path) -> Iterator[dict]:
    net = Network()
    try:
        state = net.host("state", STATE)
        web = [net.host(f"web{n + 1}", addr) for n, addr in enumerate(WEB)]
        lb = net.host("lb", LB)

        # The state host: MariaDB, Redis and Garage on its own address.
        services_env = {**os.environ, "FOLIO_SERVICES": "mariadb redis s3", "FOLIO_SERVICES_ADDR": STATE,
                        "FOLIO_SERVICES_DIR": str(state.folder / "services")}
        exports = state.run(str(REPO_ROOT / "scripts" / "services"), "start", env=services_env, timeout=900)
        found = dict(line.removeprefix("export ").split("=", 1) for line in exports.splitlines() if line.startswith("export "))
        database = f"folio_hosts_{secrets.token_hex(3)}"
        sh("mysql", "--no-defaults", "-h", STATE, "-P", str(MARIADB_PORT), "-u", "folio", "-e", f"CREATE DATABASE {database}",
           env={**os.environ, "MYSQL_PWD": "folio"})

        site = {k: v for k, v in os.environ.items() if not k.startswith("FOLIO_")}
        site.update({
            "FOLIO_DATABASE_URL": f"{found['FOLIO_TEST_MARIADB_URL']}/{database}",
            "FOLIO_REDIS_URL": found["FOLIO_TEST_REDIS_URL"],
            "FOLIO_MEDIA_URL": f"s3://{found['FOLIO_TEST_S3_BUCKET']}/hosts-{secrets.token_hex(4)}",
            "FOLIO_MEDIA_S3_ENDPOINT": found["FOLIO_TEST_S3_ENDPOINT"],
            "FOLIO_MEDIA_S3_REGION": found["FOLIO_TEST_S3_REGION"],
            "FOLIO_MEDIA_S3_ACCESS_KEY_ID": found["FOLIO_TEST_S3_ACCESS_KEY_ID"],
            "FOLIO_MEDIA_S3_SECRET_ACCESS_KEY": found["FOLIO_TEST_S3_SECRET_ACCESS_KEY"],
            "FOLIO_BASE_URL": f"http://{LB}:8080",
            "FOLIO_TRUSTED_PROXIES": LB,
            "FOLIO_LOG_FORMAT": "text",
        })
        # Each web host has a copy of the binary of its own, in its own folder.
        servers = []
        for host in web:
            binary = host.folder / "folio"
            shutil.copy2(folio_path, binary)
            servers.append(WebHost(host, site, binary))
        servers[0].cli("migrate")
        servers[0].cli("user", "create", "--email", OWNER_EMAIL, "--name", "Olive Owner", "--role", "owner",
                       "--password-stdin", stdin="correct horse battery staple\n")
        token = servers[0].cli("token", "create", "--email", OWNER_EMAIL).strip()
        for server in servers:
            server.start()

        lb_proc = lb.start([NGINX, "-p", str(lb.folder), "-c", str(nginx_in_front(lb.folder, f"{LB}:8080", [f"{a}:8080" for a in WEB])),
                            "-g", "daemon off;"],
                           dict(os.environ), lb.folder / "stderr.log")
        wait_for(lambda: answers(f"http://{LB}:8080/healthz"), "nginx", 10,
                 lambda: (lb.folder / "stderr.log").read_text(errors="replace"))
        yield {"net": net, "state": state, "web": servers, "lb": lb, "lb_proc": lb_proc, "token": token,
               "url": f"http://{LB}:8080", "services_env": services_env}
    finally:
        state_env = locals().get("services_env")
        if state_env and net.hosts:
            net.hosts[0].run(str(REPO_ROOT / "scripts" / "services"), "stop", env=state_env, check=False)
        net.tear_down()


def api(base: str, token: str, method: str, path: str, body: dict) -> dict:
    reply = http_request(base + path, method=method, body=json.dumps(body).encode(),
                         headers={"authorization": f"Bearer {token}", "content-type": "application/json"})
    assert reply.status in (200, 201), f"{method} {path}: {reply.status} {reply.text[:500]}"
    return reply.json()


def test_hosts_that_share_no_disk_serve_one_site_through_kills_updates_and_a_cut_to_redis(hosts) -> None:
    web: list[WebHost] = hosts["web"]
    token, url = hosts["token"], hosts["url"]
    report = []

    # A post and an image, written through host A (directly, not through Nginx).
    post = api(web[0].url, token, "POST", "/api/v1/admin/posts",
               {"title": "Harbour at dawn", "markdown": "The boats go out.", "status": "published"})
    path = post["url"].removeprefix(url)
    uploaded = upload_with_token(web[0].url, token, "harbour.png", gradient_png(480, 300), alt="The harbour")
    assert uploaded.status in (200, 201), uploaded.text
    image = uploaded.json()["url"].removeprefix(url)
    # Served, byte for byte, by B and C as by A (Folio stores the upload re-encoded), and
    # neither has ever had it on a disk of its own.
    stored = http_request(web[0].url + image)
    assert stored.status == 200 and stored.body.startswith(b"\x89PNG"), stored
    picture = stored.body
    for server in web[1:]:
        got = http_request(server.url + image)
        assert got.status == 200 and got.body == picture, (server.host.ns, got.status)
        wait_for(lambda s=server: "Harbour at dawn" in http_request(s.url + path).text, f"{server.host.ns} shows the post", 3)
    for server in web:
        media = server.host.folder / "data" / "media"
        assert not media.exists() or not any(media.rglob("*.*")), f"{server.host.ns} keeps media on its disk"
    report.append("an image uploaded through A served by B and C")

    urls = [url + "/", url + path, url + image]
    expect = {url + image: picture}

    # A whole web host dies (its processes and its link), and comes back.
    load = Load(urls, expect)
    wait_for(lambda: load.count >= 50, "load running", 10)
    victim = web[1]
    # Every process dies first (the kernel resets their connections, so Nginx retries
    # the requests in flight), then the machine leaves the network: new connections to
    # it time out and go to the others.
    victim.host.kill_everything()
    victim.host.link(False)
    before = load.count
    wait_for(lambda: load.count >= before + 300, "GETs while a host is down", 60)
    victim.host.link(True)
    victim.start()
    victim.wait_for_readers()
    count, failures = load.stop()
    assert not failures, f"a host killed: {len(failures)} failed of {count}: {failures[:5]}"
    report.append(f"host killed and back: {count} GETs 0 failed")

    # A rolling update: one host at a time, stopped (it drains) and started on a new binary.
    load = Load(urls, expect)
    for server in web:
        fresh = server.host.folder / "folio-next"
        shutil.copy2(folio_bin(), fresh)
        server.stop()
        server.binary = fresh
        server.start()
        # The next host goes only once Nginx sends this one readers again, as an
        # orchestrator waits for a replaced task to be in the load balancer.
        server.wait_for_readers()
    count, failures = load.stop()
    assert not failures, f"rolling update: {len(failures)} failed of {count}: {failures[:5]}"
    assert all(s.proc is not None and s.proc.poll() is None for s in web)
    report.append(f"rolling update of 3 hosts: {count} GETs 0 failed")

    # Host C cut off from Redis while the post is edited through A: C's readers get
    # answers throughout; once the cut heals, C shows the edit within a second.
    cut, writer = web[2], web[0]
    direct = [cut.url + "/", cut.url + path, cut.url + image]
    load = Load(direct, {cut.url + image: picture})
    rules = [["OUTPUT", "-d", STATE, "-p", "tcp", "--dport", str(REDIS_PORT)],
             ["INPUT", "-s", STATE, "-p", "tcp", "--sport", str(REDIS_PORT)]]
    for rule in rules:
        cut.host.run(IPTABLES, "-A", *rule, "-j", "DROP")
    try:
        before = load.count
        wait_for(lambda: load.count >= before + 100, "GETs on the cut host", 30)
        api(writer.url, token, "PATCH", f"/api/v1/admin/posts/{post['id']}", {"title": "Harbour at noon"})
        before = load.count
        wait_for(lambda: load.count >= before + 100, "GETs on the cut host after the write", 30)
    finally:
        for rule in rules:
            cut.host.run(IPTABLES, "-D", *rule, "-j", "DROP")
    healed = wait_for(lambda: "Harbour at noon" in http_request(cut.url + path).text, "the cut host shows the edit",
                      FRESH_S + 0.25)
    count, failures = load.stop()
    assert not failures, f"cut from Redis: {len(failures)} failed of {count}: {failures[:5]}"
    # And C uses Redis again: a page A has just rendered (a new address each time, so it
    # is in no host's own cache) comes to C from Redis.
    probes = iter(range(1_000_000))

    def shared_again() -> bool:
        probe = f"/?probe={next(probes)}"
        assert http_request(writer.url + probe).headers.get("x-folio-cache") == "miss"
        return http_request(cut.url + probe).headers.get("x-folio-cache") == "shared"

    again = wait_for(shared_again, "the cut host reads pages from Redis again", 20,
                     lambda: cut.log.read_text(errors="replace")[-3000:])
    report.append(f"cut from Redis: {count} GETs 0 failed, fresh {healed:.2f} s after the heal, "
                  f"sharing pages through Redis again {again:.1f} s after it")
    print("; ".join(report))
