"""Nginx for the scenarios: its nginx.conf from bench/config/nginx/, and Folio's own
deploy/nginx/folio.conf and upstream.conf as shipped, only the listen address and the
replicas' addresses changed."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from . import client, templates
from .processes import Processes, tail, wait_until
from .settings import REPO, BenchError

FOLIO_CONF = REPO / "deploy" / "nginx" / "folio.conf"
UPSTREAM_CONF = REPO / "deploy" / "nginx" / "upstream.conf"


def main_conf(directory: Path, worker_connections: int, servers: str) -> str:
    """A whole nginx.conf: pid, logs and temporary files under directory/nginx/."""
    return templates.render("nginx/main.conf", dir=directory, worker_connections=worker_connections,
                            servers=servers.rstrip("\n"))


def static_server(port: int, root: Path) -> str:
    """A server on 127.0.0.1:port answering with the files under root as UTF-8 HTML."""
    return templates.render("nginx/static-server.conf", port=port, root=root)


def upstream(name: str, replicas: list[str], src: Path = UPSTREAM_CONF) -> str:
    """deploy/nginx/upstream.conf with its `server` lines replaced by our replicas (keeping
    the options of the first one) and the upstream renamed to `name`. A replica is a port
    on 127.0.0.1 or an address such as unix:/path."""
    out, done = [], False
    for line in src.read_text().splitlines(keepends=True):
        m = re.match(r"(\s*)server\s+\S+(.*)$", line)
        if m:
            if not done:
                out += [f"{m.group(1)}server {p if not p.isdigit() else '127.0.0.1:' + p}{m.group(2)}\n"
                        for p in replicas]
                done = True
            continue
        out.append(re.sub(r"^(\s*)upstream\s+folio\s*\{", rf"\1upstream {name} {{", line))
    if not done:
        raise BenchError(f"{src}: no `server` line to replace")
    return "".join(out)


def folio_server(port: int, upstream_name: str, src: Path = FOLIO_CONF) -> str:
    """deploy/nginx/folio.conf listening on 127.0.0.1:port and proxying to `upstream_name`."""
    text = src.read_text()
    text, listens = re.subn(r"(?m)^([ \t]*)listen 8080;", rf"\g<1>listen 127.0.0.1:{port};", text)
    text, proxies = re.subn(r"proxy_pass http://folio;", f"proxy_pass http://{upstream_name};", text)
    if not listens:
        raise BenchError(f"{src}: no 'listen 8080;' line to change")
    if not proxies:
        raise BenchError(f"{src}: no 'proxy_pass http://folio;' line")
    return text


def check(nginx: str, conf_dir: Path) -> None:
    """`nginx -t` on conf_dir/nginx.conf: BenchError with its message when it fails."""
    proc = subprocess.run([nginx, "-t", "-q", "-p", str(conf_dir), "-c", str(conf_dir / "nginx.conf"),
                           "-e", str(conf_dir / "error.log")], check=False, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BenchError(f"nginx -t failed on {conf_dir}/nginx.conf:\n{proc.stderr.strip()}")


def start(procs: Processes, nginx: str, conf_dir: Path, probe: str) -> subprocess.Popen:
    """Checks and starts Nginx on conf_dir/nginx.conf; returns once `probe` (a URL) answers."""
    conf_dir.joinpath("tmp").mkdir(parents=True, exist_ok=True)
    check(nginx, conf_dir)
    proc = procs.start([nginx, "-p", str(conf_dir), "-c", str(conf_dir / "nginx.conf"),
                        "-e", str(conf_dir / "error.log")], None, None)
    try:
        wait_until(f"nginx ({probe})", lambda: client.answers(probe), 10, proc=proc)
    except BenchError as e:
        raise BenchError(f"{e}\n{tail(conf_dir / 'error.log')}") from None
    return proc


def version(nginx: str) -> str:
    """1.22.1 from `nginx version: nginx/1.22.1`."""
    out = subprocess.run([nginx, "-v"], check=False, capture_output=True, text=True)
    return (out.stderr or out.stdout).strip().rsplit("/", 1)[-1]
