"""The Folio binary as the benchmark drives it: its CLI (migrate, user, token, import),
`folio serve` processes waited on until /readyz answers, and the long post created through
the API."""

from __future__ import annotations

import json
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from . import client, content
from .processes import Processes, run, say, wait_until
from .settings import REPO

OWNER_PASSWORD = "bench password, long enough\n"
READY_TIMEOUT = 30  # seconds from spawning `folio serve` to /readyz 200


def build() -> str:
    """`cargo build --release --locked --bin folio`; the binary's path."""
    say("cargo build --release --locked --bin folio")
    run(["cargo", "build", "--release", "--locked", "--bin", "folio"], what="cargo build")
    return str(REPO / "target" / "release" / "folio")


@dataclass
class Server:
    """One `folio serve`: its process, and where it listens (a port or a Unix socket)."""

    proc: subprocess.Popen
    port: int | None = None
    socket: str | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def url(self, path: str = "") -> str:
        return (f"http://127.0.0.1:{self.port}" if self.port else "http://localhost") + path

    def get(self, path: str) -> client.Response:
        return client.get(self.url(path), self.socket)

    def cache_header(self, path: str) -> str:
        return client.cache_header(self.url(path), self.socket)


class Folio:
    def __init__(self, binary: str, env: dict[str, str], procs: Processes) -> None:
        self.binary = binary
        self.env = env  # the run's environment, without site variables
        self.procs = procs

    def cli(self, site: dict[str, str], *args: str, stdin: str | None = None) -> str:
        """`folio ARGS` for a site (its FOLIO_* variables); its standard output."""
        return run([self.binary, *args], env={**self.env, **site}, input=stdin, what=f"folio {args[0]}")

    def migrate(self, site: dict[str, str]) -> None:
        self.cli(site, "migrate")

    def token(self, site: dict[str, str]) -> str:
        return self.cli(site, "token", "create", "--email", content.OWNER_EMAIL, "--label", "bench").strip()

    def make_owner(self, site: dict[str, str]) -> str:
        """The owner account; an API token for it."""
        self.cli(site, "user", "create", "--email", content.OWNER_EMAIL, "--name", "Olive Owner",
                 "--role", "owner", "--password-stdin", stdin=OWNER_PASSWORD)
        return self.token(site)

    def import_file(self, site: dict[str, str], export: Path, log: Path, timeout: int) -> int:
        """`folio import FILE`, its output to `log`; its exit status, 124 when it took longer
        than `timeout` seconds and was stopped (as `timeout(1)` says it; 0: no limit)."""
        with open(log, "wb") as out:
            proc = subprocess.Popen([self.binary, "import", str(export)], env={**self.env, **site},
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
            try:
                return proc.wait(timeout=timeout or None)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                return 124

    def serve(self, site: dict[str, str], log: Path, *, port: int | None = None, socket: str | None = None,
              **extra: str) -> Server:
        """`folio serve` on 127.0.0.1:port or on a Unix socket, with the site's variables and
        `extra` ones; returns once /readyz answers (BenchError after READY_TIMEOUT s, or
        when it exits first, with the end of its log)."""
        listen = f"unix:{socket}" if socket else f"127.0.0.1:{port}"
        proc = self.procs.start([self.binary, "serve"], {**self.env, **site, **extra, "FOLIO_LISTEN": listen}, log)
        server = Server(proc, port, socket)
        wait_until(f"folio serve on {listen}", lambda: client.answers(server.url("/readyz"), socket),
                   READY_TIMEOUT, proc=proc, log=log)
        return server


def create_post(api_base: str, token: str, directory: Path) -> tuple[dict, int]:
    """The long post of scenario 1, created through the API at `api_base`: the API's answer
    (also saved as created.json beside post.json, the request) and the Markdown's words."""
    body, words = content.post_body()
    (directory / "post.json").write_text(json.dumps(body))
    created = client.api(api_base, token, "POST", "/api/v1/admin/posts", body)
    (directory / "created.json").write_text(json.dumps(created))
    return created, words


def path_of(url: str, base: str) -> str:
    """The path of one of the site's URLs (its base URL removed)."""
    return url.removeprefix(base)
