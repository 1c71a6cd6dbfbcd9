"""Helpers for Folio's black-box tests: run the `folio` binary, talk HTTP to it, read HTML.

Nothing here knows Folio's internals; it only uses the public contract (the CLI, the
environment variables and the HTTP routes in docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import html
import html.parser
import json as jsonlib
import os
import random
import re
import signal
import socket
import struct
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

REPO_ROOT = Path(__file__).resolve().parents[2]

OWNER_EMAIL = "owner@example.com"
OWNER_NAME = "Olive Owner"
OWNER_PASSWORD = "correct horse battery staple"

READY_TIMEOUT_S = 20.0
READY_POLL_S = 0.05
STOP_TIMEOUT_S = 10.0


def folio_bin() -> Path:
    """The binary under test: $FOLIO_BIN (relative to the repository root) or the debug build."""
    path = Path(os.environ.get("FOLIO_BIN", "target/debug/folio"))
    return path if path.is_absolute() else REPO_ROOT / path


def listening_socket(port: int = 0) -> socket.socket:
    """A listening TCP socket on loopback (`port` 0: one the kernel picks). Bound once and
    handed to `folio serve` (see `serve_command`), so no other process can take the port
    between choosing it and serving on it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(1024)
    return sock


def serve_command(binary: Path, sock: socket.socket, *args: str) -> tuple[list[str], tuple[int, ...]]:
    """`folio serve ARGS` taking `sock` as a service manager passes one (systemd's socket
    activation: descriptor 3, LISTEN_FDS=1, LISTEN_PID its own pid), and the descriptors
    for Popen's `pass_fds`. A shell puts the socket on descriptor 3, sets LISTEN_PID to
    its pid and execs Folio, which keeps that pid."""
    fd = sock.fileno()
    move = "" if fd == 3 else f" 3<&{fd} {fd}<&-"
    script = f'LISTEN_PID=$$ LISTEN_FDS=1; export LISTEN_PID LISTEN_FDS; exec "$@"{move}'
    # bash, not sh: dash takes only one-digit descriptors in a redirection.
    return ["/bin/bash", "-c", script, "folio-serve", str(binary), "serve", *args], (fd,)


def free_port(count: int = 1) -> int:
    """A loopback port that is free now (the first of `count` consecutive free ones), for
    a server the test starts later that cannot be handed a socket (a container, Nginx, a
    registry); Folio itself is handed one (see `listening_socket`). It is drawn at random
    from below the kernel's range for port 0, where every socket bound to port 0 lands
    (every Folio site's, every client's), so nothing else of the tests can take it before
    its server binds it."""
    low = 32768
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        pass
    for _ in range(100):
        port = random.randrange(10000, max(low - count, 10001))
        socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
        try:
            for offset, sock in enumerate(socks):
                sock.bind(("127.0.0.1", port + offset))
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
        return port
    raise AssertionError(f"no {count} free consecutive ports below the ephemeral range after 100 tries")


def nginx_in_front(folder: Path, listen: str, upstreams: list[str]) -> Path:
    """nginx.conf (and folio.conf, the shipped deploy/nginx/folio.conf listening on
    `listen`) in `folder`, in front of `upstreams` (host:port each); returns nginx.conf's
    path, for `nginx -p folder -c ...`."""
    shipped = (REPO_ROOT / "deploy" / "nginx" / "folio.conf").read_text()
    assert shipped.count("listen 8080;") == 1, "deploy/nginx/folio.conf should have one `listen 8080;` line"
    (folder / "folio.conf").write_text(shipped.replace("listen 8080;", f"listen {listen};"))
    servers = "\n".join(f"        server {u} max_fails=1 fail_timeout=5s;" for u in upstreams)
    user = "user root;" if os.geteuid() == 0 else ""
    temp = "\n".join(f"    {kind}_temp_path {folder}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = folder / "nginx.conf"
    conf.write_text(f"""
{user}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
{temp}
    upstream folio {{
{servers}
        keepalive 128;
    }}
    include {folder}/folio.conf;
}}
""")
    return conf


def clean_env() -> dict[str, str]:
    """This process's environment without any FOLIO_* variable (the developer's shell may
    have some; and FOLIO_BIN is ours, not Folio's)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("FOLIO_")}


# --- HTTP -------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: Any  # http.client.HTTPMessage
    body: bytes
    url: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "") or ""

    def json(self) -> Any:
        try:
            return jsonlib.loads(self.body)
        except ValueError as e:
            raise AssertionError(
                f"{self.url} answered {self.status} with a body that is not JSON: {self.body[:500]!r}"
            ) from e

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.url} {self.content_type!r} {self.body[:300]!r}>"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are answers to check, not to follow."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102
        return None


_OPENER = urllib.request.build_opener(_NoRedirect())


def http_request(
    url: str,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 15.0,
) -> Response:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            return Response(resp.status, resp.headers, resp.read(), url)
    except urllib.error.HTTPError as e:
        return Response(e.code, e.headers, e.read(), url)


def wait_for_ok(url: str, timeout: float, alive: Callable[[], bool] = lambda: True, why: Callable[[], str] = lambda: "") -> None:
    """Polls `url` until it answers 200. Fails after `timeout` seconds, or as soon as
    `alive()` turns false (the process meant to answer has died), with `why()` appended
    (a log tail, say)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if http_request(url, timeout=2).status == 200:
                return
        except OSError:
            pass
        assert time.monotonic() < deadline and alive(), f"{url} did not answer 200 within {timeout} s\n{why()}"
        time.sleep(0.2)


class Relay:
    """A TCP relay on a loopback port to `target` (which may be changed: new connections
    go to the new one), that a test can cut (every connection, open and new, is dropped)
    and restore: a server going away and coming back, or moving, without touching the
    server other tests use."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = listening_socket()
        self.port = self.listener.getsockname()[1]
        self.address = f"http://127.0.0.1:{self.port}"
        self.cut = False
        self.open: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.cut:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self.pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def set_cut(self, cut: bool) -> None:
        self.cut = cut
        if cut:
            with self.lock:
                for s in self.open:
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                self.open.clear()

    def close(self) -> None:
        self.set_cut(True)
        self.listener.close()


# --- The folio binary ---------------------------------------------------------------------


class Folio:
    """One Folio site: a data directory, the CLI run against it, and optionally a running
    `folio serve`.

    `base_url` is the public URL Folio is told about (FOLIO_BASE_URL); `url` is where this
    process really connects. They differ only when a test wants two servers that render
    the same bytes.
    """

    def __init__(
        self,
        binary: Path,
        root: Path,
        *,
        base_url: str | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.binary = binary
        self.root = root
        self.data_dir = root / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # Bound now and handed to `folio serve` when it starts: the port is this site's
        # from the first moment, even before it runs.
        self.listening: socket.socket | None = listening_socket()
        self.port = self.listening.getsockname()[1]
        self.listen = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.listen}"
        self.base_url = base_url or self.url
        self.extra_env = dict(extra_env or {})
        self.log_path = root / "serve.log"
        self.token: str | None = None
        self.proc: subprocess.Popen | None = None
        self.exit_code: int | None = None

    # CLI

    def env(self, **overrides: str) -> dict[str, str]:
        env = clean_env()
        env.update(
            FOLIO_DATA_DIR=str(self.data_dir),
            FOLIO_LISTEN=self.listen,
            FOLIO_BASE_URL=self.base_url,
        )
        env.update(self.extra_env)
        env.update(overrides)
        return env

    def run(
        self,
        *args: str,
        input: str | None = None,
        env: dict[str, str] | None = None,
        check: bool = True,
        timeout: float = 60.0,
    ) -> subprocess.CompletedProcess:
        """Runs `folio ARGS...` against this site and returns the finished process."""
        proc = subprocess.run(
            [str(self.binary), *args],
            input=input,
            env=env if env is not None else self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=None if input is not None else subprocess.DEVNULL,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"`folio {' '.join(args)}` exited {proc.returncode}\n"
                f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
            )
        return proc

    def setup_owner(self, migrate: bool = True) -> str:
        """Migrates (unless `migrate` is False: a running `folio serve` already did),
        creates the owner and an API token; returns (and keeps) the token."""
        if migrate:
            self.run("migrate")
        self.run(
            "user", "create",
            "--email", OWNER_EMAIL,
            "--name", OWNER_NAME,
            "--role", "owner",
            "--password-stdin",
            input=OWNER_PASSWORD + "\n",
        )
        out = self.run("token", "create", "--email", OWNER_EMAIL, "--label", "e2e").stdout
        token = out.strip()
        assert token and len(out.strip().splitlines()) == 1 and not re.search(r"\s", token), (
            f"`folio token create` must print only the token on stdout, printed {out!r}"
        )
        self.token = token
        return token

    # Server

    def start(self, *args: str) -> None:
        """Starts `folio serve` in the background and waits until /readyz answers 200.
        Folio gets the site's socket (see `serve_command`) unless FOLIO_LISTEN was changed
        to listen elsewhere, or FOLIO_LISTEN_REUSE_PORT asks Folio to bind the address
        itself beside other processes. This process lets go of the socket once Folio holds it, so a
        stopped site refuses connections as a real one does; a restart binds the same
        port again."""
        assert self.proc is None, "already started"
        env = self.env()
        sock, self.listening = self.listening, None
        reuse = env.get("FOLIO_LISTEN_REUSE_PORT", "").lower() in ("1", "true", "yes", "on")
        if env.get("FOLIO_LISTEN") == f"127.0.0.1:{self.port}" and not reuse:
            sock = sock or listening_socket(self.port)
            command, fds = serve_command(self.binary, sock, *args)
        else:
            command, fds = [str(self.binary), "serve", *args], ()
        log = open(self.log_path, "ab")
        self.exit_code = None
        try:
            self.proc = subprocess.Popen(
                command,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                pass_fds=fds,
            )
        finally:
            log.close()
            if sock is not None:
                sock.close()
        self.wait_ready()

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            code = self.proc.poll()
            if code is not None:
                self.proc = None
                raise AssertionError(
                    f"`folio serve` exited {code} before it was ready\n--- log ---\n{self.log_text()}"
                )
            try:
                resp = http_request(self.url + "/readyz", timeout=1.0)
                if resp.status == 200:
                    return
                last = f"{resp.status} {resp.body[:200]!r}"
            except OSError as e:
                last = repr(e)
            time.sleep(READY_POLL_S)
        self.stop()
        raise AssertionError(
            f"`folio serve` on {self.listen} was not ready within {timeout:.0f} s "
            f"(last /readyz: {last})\n--- log ---\n{self.log_text()}"
        )

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> int | None:
        """SIGTERM, then wait up to `timeout` seconds (SIGKILL after that). Returns the exit
        code, or None when it had to be killed."""
        if self.proc is None:
            return self.exit_code
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                self.exit_code = None
                return None
        self.exit_code = proc.returncode
        return self.exit_code

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"

    def log_tail(self, lines: int = 200) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    # HTTP

    def path_of(self, url_or_path: str) -> str:
        """A public URL (under base_url) or a path → the path to request."""
        if url_or_path.startswith(self.base_url):
            rest = url_or_path[len(self.base_url):]
            return rest if rest.startswith("/") else "/" + rest
        if url_or_path.startswith(("http://", "https://")):
            raise AssertionError(f"{url_or_path} is not under the base URL {self.base_url}")
        return url_or_path

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        token: str | None = None,
    ) -> Response:
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return http_request(self.url + self.path_of(path), method, body, headers)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return self.request("GET", path, headers=headers)

    def api(self, method: str, path: str, json: Any = None, *, auth: bool = True) -> Response:
        """A JSON API call as the owner (or anonymously with auth=False)."""
        body = None
        headers = {"Accept": "application/json"}
        if json is not None:
            body = jsonlib.dumps(json).encode()
            headers["Content-Type"] = "application/json"
        return self.request(method, path, body, headers, self.token if auth else None)

    def create(self, kind: str, **fields: Any) -> dict:
        """Creates a post (kind="posts") or page (kind="pages"); asserts 201."""
        resp = self.api("POST", f"/api/v1/admin/{kind}", fields)
        assert resp.status == 201, f"creating {fields.get('title')!r}: {resp!r}"
        return resp.json()

    def upload(self, file_name: str, data: bytes, alt: str = "") -> dict:
        """Uploads an image to the media library through the API; asserts 200/201."""
        resp = self.try_upload(file_name, data, alt)
        assert resp.status in (200, 201), f"uploading {file_name}: {resp!r}"
        return resp.json()

    def try_upload(self, file_name: str, data: bytes, alt: str = "") -> Response:
        """Uploads an image to the media library through the API; returns the answer."""
        body, headers = upload_form(file_name, data, alt)
        return self.request("POST", "/api/v1/admin/media", body, headers, self.token)

    def create_post(self, **fields: Any) -> dict:
        return self.create("posts", **fields)

    def create_page(self, **fields: Any) -> dict:
        return self.create("pages", **fields)


def upload_form(file_name: str, data: bytes, alt: str = "") -> tuple[bytes, dict[str, str]]:
    """The body and headers of an upload to /api/v1/admin/media (multipart/form-data)."""
    boundary = "folio-e2e-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="alt"\r\n\r\n{alt}\r\n'.encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ]
    headers = {"Accept": "application/json", "Content-Type": f"multipart/form-data; boundary={boundary}"}
    return b"".join(parts), headers


def upload_with_token(base: str, token: str, file_name: str, data: bytes, alt: str = "") -> Response:
    """Uploads a file to the media library of the site at `base` with an API token."""
    body, headers = upload_form(file_name, data, alt)
    return http_request(base + "/api/v1/admin/media", method="POST", body=body,
                        headers={**headers, "authorization": f"Bearer {token}"})


def gradient_png(width: int, height: int) -> bytes:
    """A real PNG (RGB, smooth gradients) made with the standard library only."""
    return rgb_png(width, height, lambda y: bytes(v for x in range(width) for v in (x * 255 // width, y * 255 // height, 140)))


def noise_png(width: int, height: int) -> bytes:
    """A real PNG of random pixels: it cannot be compressed, so every copy of it is big."""
    return rgb_png(width, height, lambda _y: os.urandom(width * 3))


def rgb_png(width: int, height: int, row: Callable[[int], bytes]) -> bytes:
    """A PNG (8-bit RGB) whose row `y` holds the pixels `row(y)`."""
    rows = b"".join(b"\x00" + row(y) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b"")


# --- HTML ---------------------------------------------------------------------------------


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""


@dataclass
class HtmlDoc:
    elements: list[Element] = field(default_factory=list)

    def where(self, tag: str, attrs: dict[str, str] | None = None) -> list[Element]:
        """Elements with this tag whose attributes include the given ones."""
        attrs = attrs or {}
        return [e for e in self.elements if e.tag == tag and all(e.attrs.get(k) == v for k, v in attrs.items())]

    def meta(self, key: str) -> str | None:
        """content of <meta property=key> or <meta name=key>."""
        for e in self.elements:
            if e.tag == "meta" and key in (e.attrs.get("property"), e.attrs.get("name")):
                return e.attrs.get("content")
        return None


class _Collector(html.parser.HTMLParser):
    """Collects every start tag with its attributes, and the text of elements whose text
    tests read (h1, title, script, a)."""

    TEXT_OF = {"h1", "title", "script", "a", "h2"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.doc = HtmlDoc()
        self.open: list[Element] = []

    def handle_starttag(self, tag, attrs):
        el = Element(tag, {k: (v if v is not None else "") for k, v in attrs})
        self.doc.elements.append(el)
        if tag in self.TEXT_OF:
            self.open.append(el)

    def handle_startendtag(self, tag, attrs):
        self.doc.elements.append(Element(tag, {k: (v if v is not None else "") for k, v in attrs}))

    def handle_endtag(self, tag):
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i].tag == tag:
                del self.open[i:]
                break

    def handle_data(self, data):
        for el in self.open:
            el.text += data


def parse_html(text: str) -> HtmlDoc:
    parser = _Collector()
    parser.feed(text)
    parser.close()
    return parser.doc


def visible_text(fragment: str) -> str:
    """HTML → its text with whitespace runs folded to one space (code highlighting splits
    code into spans; this gives back the code as written)."""
    no_tags = re.sub(r"<[^>]*>", "", fragment)
    return re.sub(r"\s+", " ", html.unescape(no_tags)).strip()


def same_origin(url: str, base_url: str) -> bool:
    return url == base_url or url.startswith(base_url.rstrip("/") + "/")


@contextmanager
def chromium(width: int = 1280, height: int = 900) -> Iterator[Any]:
    """Debian's headless Chromium under chromedriver (selenium), quit on the way out."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                f"--window-size={width},{height}", "--lang=en-US"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
