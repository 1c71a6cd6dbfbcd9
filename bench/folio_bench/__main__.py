"""bench/run.sh [--dry-run] [SCENARIO]...  (or, from bench/, python3 -m folio_bench ...)

Scenarios: static, scale, replicas, uncached, scale-servers, wordpress; `all` (the default)
is static and scale, `tier` is replicas, uncached and scale-servers. Knobs are environment
variables (bench/README.md). Paths in FOLIO_BIN, OUT and PLOT are relative to the
repository's root. Traffic goes to 127.0.0.1 only; every loop is bounded in count and time.
"""

from __future__ import annotations

import os
import signal
import sys

from . import dry_run
from .folio import build
from .processes import find_tool, say
from .report import report
from .scenarios import SCENARIOS
from .session import Run
from .settings import (
    REPO,
    USAGE,
    BenchError,
    Settings,
    in_repo,
    scenarios_from,
    tools_needed,
)


def terminated(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through the clean-up, like Ctrl-C


def main(argv: list[str]) -> int:
    if "-h" in argv or "--help" in argv:
        print(USAGE + "\n\n" + (__doc__ or "").split("\n", 2)[2].strip())
        return 0
    dry = "--dry-run" in argv
    try:
        scenarios = scenarios_from([a for a in argv if a != "--dry-run"])
    except ValueError:
        print(USAGE, file=sys.stderr)
        return 2
    os.chdir(REPO)
    signal.signal(signal.SIGTERM, terminated)
    try:
        settings = Settings.from_env(dict(os.environ))
        if dry:
            return dry_run.check(scenarios, settings, dict(os.environ))
        for tool, how in tools_needed(scenarios).items():
            if not find_tool(tool):
                raise BenchError(f"needs {tool} ({how})")
        binary = str(in_repo(settings.folio_bin)) if settings.folio_bin else build()
        if not os.access(binary, os.X_OK):
            raise BenchError(f"no folio binary at {binary}")
        with Run(settings, binary, dict(os.environ)) as run:
            run.note_machine()
            for name in scenarios:
                SCENARIOS[name](run)
            settings.out.parent.mkdir(parents=True, exist_ok=True)
            say(f"results (also in {settings.out})")
            report(str(run.work), str(settings.out))
    except BenchError as e:
        print(f"bench/run.sh: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
