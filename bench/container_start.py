#!/usr/bin/env python3
"""Container figures: the size of every image `scripts/images all` builds, and for each
server image how long it takes from `docker run` (on an empty volume: the databases
initialise theirs) to answering its own protocol on its published port, and to Docker
calling it healthy (every HEALTHCHECK runs every 3 s), five runs each.

    scripts/images all && bench/container_start.py [PREFIX]   # default folio-local

"Answering" is asked from the host, in each server's protocol: Folio's /readyz 200,
Nginx any HTTP answer, Redis PONG, MariaDB's greeting packet, PostgreSQL's answer to an
SSL request. Every container and volume it starts is removed again.

The Compose figures (stack up, rolling update, a killed replica, scaling) come from
tests/e2e/test_compose.py; docs/BENCHMARKS.md "Containers" has both.
"""

import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request

PREFIX = sys.argv[1] if len(sys.argv) > 1 else "folio-local"
RUNS = 5
LIMIT = 90  # seconds to wait for one start


def out(*args):
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_answers(port, path, want_ok):
    try:
        status = urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1).status
    except urllib.error.HTTPError as e:
        status = e.code
    except OSError:
        return False
    return status == 200 or not want_ok


def exchange(port, send, nbytes):
    """Bytes the server sends back (b"" when the port refuses or closes at once: Docker's
    proxy accepts and closes while nothing in the container listens)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            if send:
                s.sendall(send)
            return s.recv(nbytes)
    except OSError:
        return b""


def redis_answers(port):
    return exchange(port, b"PING\r\n", 16).startswith(b"+PONG")


def mariadb_answers(port):
    greeting = exchange(port, b"", 5)
    return len(greeting) == 5 and greeting[4] == 10  # protocol version 10 handshake


def postgres_answers(port):
    return exchange(port, struct.pack("!II", 8, 80877103), 1) in (b"N", b"S")  # SSLRequest


# name: (tag, container port, `docker run` options, ready probe)
SERVERS = {
    "folio": ("0.1.0", 8080, [], lambda p: http_answers(p, "/readyz", True)),
    "nginx": ("1.22", 8080, ["-e", "FOLIO_UPSTREAM=127.0.0.1:9"], lambda p: http_answers(p, "/", False)),
    "redis": ("7", 6379, [], redis_answers),
    "mariadb": ("10.11", 3306, ["-e", "MARIADB_DATABASE=folio", "-e", "MARIADB_USER=folio",
                                "-e", "MARIADB_PASSWORD=bench", "-e", "MARIADB_RANDOM_ROOT_PASSWORD=1"], mariadb_answers),
    "postgres": ("15", 5432, ["-e", "POSTGRES_USER=folio", "-e", "POSTGRES_PASSWORD=bench"], postgres_answers),
}


def health(name):
    return out("docker", "inspect", "-f", "{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}", name)


def start_once(image, container_port, options, ready, run):
    name = f"folio-bench-start-{image.split('/')[-1].replace(':', '-')}-{run}"
    subprocess.run(["docker", "rm", "-f", "-v", name], capture_output=True)
    port = free_port()
    started = time.monotonic()
    out("docker", "run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:{container_port}", *options, image)
    answering = healthy = None
    try:
        while time.monotonic() - started < LIMIT and healthy is None:
            if answering is None and ready(port):
                answering = time.monotonic() - started
            status = health(name)
            if status == "healthy":
                healthy = time.monotonic() - started
            elif status in ("unhealthy", "exited", "dead"):
                break
            time.sleep(0.05)
        if answering is None or healthy is None:
            logs = subprocess.run(["docker", "logs", "--tail", "20", name], capture_output=True, text=True)
            sys.exit(f"bench/container_start.py: {image} not answering and healthy within {LIMIT} s "
                     f"(answering: {answering}, health: {health(name)})\n{logs.stdout}{logs.stderr}")
    finally:
        # -v: the anonymous volume of the image's VOLUME goes too.
        subprocess.run(["docker", "rm", "-f", "-v", name], capture_output=True)
    return answering, healthy


def main():
    print("| image | size | `docker run` → answering | → healthy |\n|---|---|---|---|")
    for server, (tag, container_port, options, ready) in SERVERS.items():
        image = f"{PREFIX}/{server}:{tag}"
        size = int(out("docker", "image", "inspect", "-f", "{{.Size}}", image))
        runs = [start_once(image, container_port, options, ready, i) for i in range(RUNS)]
        print(f"| `{image}` | {size / 1e6:.1f} MB | " + ", ".join(f"{a:.2f} s" for a, _ in runs)
              + " | " + ", ".join(f"{h:.1f} s" for _, h in runs) + " |", flush=True)


if __name__ == "__main__":
    main()
