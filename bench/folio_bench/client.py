"""HTTP/1.1 requests to the servers of a run, over TCP or a Unix socket, one connection
each. Only to 127.0.0.1 or a local socket."""

from __future__ import annotations

import http.client
import json
import socket
import urllib.parse
from dataclasses import dataclass

from .settings import BenchError


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, socket_path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self.socket_path = socket_path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self.socket_path)
        self.sock = sock


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def json(self):
        return json.loads(self.body)


def request(url: str, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None,
            unix_socket: str | None = None, timeout: float = 60) -> Response:
    """One request on a fresh connection; OSError when there is no answer."""
    u = urllib.parse.urlsplit(url)
    if unix_socket:
        conn: http.client.HTTPConnection = UnixHTTPConnection(unix_socket, timeout)
    else:
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    target = (u.path or "/") + (f"?{u.query}" if u.query else "")
    try:
        conn.request(method, target, body, headers or {})
        resp = conn.getresponse()
        return Response(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


def answers(url: str, unix_socket: str | None = None) -> bool:
    """Whether the URL answers without an error status (as `curl -f` would succeed)."""
    try:
        return request(url, unix_socket=unix_socket, timeout=5).status < 400
    except (OSError, http.client.HTTPException):
        return False


def get(url: str, unix_socket: str | None = None) -> Response:
    """GET that must succeed: BenchError on no answer or an error status."""
    try:
        resp = request(url, unix_socket=unix_socket)
    except (OSError, http.client.HTTPException) as e:
        raise BenchError(f"GET {url}: {e}") from None
    if resp.status >= 400:
        raise BenchError(f"GET {url}: {resp.status} {resp.body[:300]!r}")
    return resp


def cache_header(url: str, unix_socket: str | None = None) -> str:
    """The x-folio-cache header of a GET (hit, miss, ...), empty when there is none."""
    return get(url, unix_socket).header("x-folio-cache") or ""


def api(base: str, token: str, method: str, path: str, body: object | None = None) -> object:
    """A request to Folio's admin API; its JSON answer. BenchError on an error status."""
    data = json.dumps(body).encode() if body is not None else None
    try:
        resp = request(base + path, method, data,
                       {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    except (OSError, http.client.HTTPException) as e:
        raise BenchError(f"{method} {path}: {e}") from None
    if resp.status >= 300:
        raise BenchError(f"{method} {path}: {resp.status} {resp.body[:300]!r}")
    return resp.json() if resp.body else None
