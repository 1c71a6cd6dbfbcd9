#!/usr/bin/env python3
"""Container figures: the size of every image `scripts/images` builds, and how long the
Folio image takes from `docker run` to answering /readyz and to Docker calling it
healthy (its HEALTHCHECK runs every 3 s), three runs each.

    scripts/images all && bench/container_start.py [IMAGE]   # default folio-local/folio:0.1.0

The Compose figures (stack up, rolling update, a killed replica, scaling) come from
tests/e2e/test_compose.py; docs/BENCHMARKS.md "Containers" has both.
"""

import subprocess
import sys
import time
import urllib.request

IMAGE = sys.argv[1] if len(sys.argv) > 1 else "folio-local/folio:0.1.0"
PORT = 18090


def out(*args):
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()


def main():
    print("| image | size |\n|---|---|")
    for line in out("docker", "images", "--format", "{{.Repository}}:{{.Tag}} {{.Size}}").splitlines():
        name, size = line.split()
        if name.startswith("folio-local/"):
            print(f"| `{name}` | {size} |")
    runs = []
    for i in range(3):
        name = f"folio-bench-start-{i}"
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
        started = time.monotonic()
        out("docker", "run", "-d", "--name", name, "-p", f"127.0.0.1:{PORT}:8080", IMAGE)
        serving = healthy = None
        try:
            while time.monotonic() - started < 60 and healthy is None:
                if serving is None:
                    try:
                        urllib.request.urlopen(f"http://127.0.0.1:{PORT}/readyz", timeout=1)
                        serving = time.monotonic() - started
                    except OSError:
                        pass
                if out("docker", "inspect", "-f", "{{.State.Health.Status}}", name) == "healthy":
                    healthy = time.monotonic() - started
                time.sleep(0.05)
        finally:
            subprocess.run(["docker", "rm", "-f", name], capture_output=True)
        if serving is None or healthy is None:
            sys.exit(f"bench/container_start.py: {IMAGE} did not become ready and healthy within 60 s")
        runs.append((serving, healthy))
    print(f"\n{IMAGE}: `docker run` to /readyz 200: " + ", ".join(f"{s:.2f} s" for s, _ in runs)
          + "; to healthy: " + ", ".join(f"{h:.1f} s" for _, h in runs))


if __name__ == "__main__":
    main()
