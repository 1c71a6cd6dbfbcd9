"""The scenarios, one module each, by the name given on the command line. Each takes the
run (folio_bench.session.Run) and leaves its files in the run's work directory, where the
report (folio_bench.report) finds them."""

from __future__ import annotations

from collections.abc import Callable

from ..session import Run
from . import replicas, scale, scale_servers, static, uncached, wordpress

SCENARIOS: dict[str, Callable[[Run], None]] = {
    "static": static.run,
    "scale": scale.run,
    "replicas": replicas.run,
    "uncached": uncached.run,
    "scale-servers": scale_servers.run,
    "wordpress": wordpress.run,
}
