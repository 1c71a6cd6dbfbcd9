"""The knobs of a run, read once from the environment (bench/README.md lists them), the
scenario names on the command line, and where the repository and the configuration files
are. Nothing here starts a process."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
REPO = BENCH.parent
CONFIG = BENCH / "config"

SCENARIOS = ("static", "scale", "replicas", "uncached", "scale-servers", "wordpress")
GROUPS = {"all": ("static", "scale"), "tier": ("replicas", "uncached", "scale-servers")}
BACKENDS = ("sqlite", "mariadb", "postgres")
USAGE = ("usage: bench/run.sh [--dry-run] "
         "[static|scale|replicas|uncached|scale-servers|wordpress|all|tier]...")

# Variables of the harness, not of Folio: kept out of the processes it starts, since
# `folio` warns about every FOLIO_* variable it does not know. The site variables are set
# by each scenario for its own sites.
HARNESS_VARS = ("FOLIO_BIN", "FOLIO_TEST_MARIADB_URL", "FOLIO_TEST_POSTGRES_URL", "FOLIO_TEST_REDIS_URL")
SITE_VARS = ("FOLIO_DATA_DIR", "FOLIO_LISTEN", "FOLIO_BASE_URL", "FOLIO_DATABASE_URL")


class BenchError(Exception):
    """The run cannot go on. Said on stderr as `bench/run.sh: <message>`; exit status 1."""


def scenarios_from(names: list[str]) -> list[str]:
    """The scenarios named on the command line, groups expanded, in order, each once;
    `all` (static and scale) when none is named. ValueError names an unknown one."""
    chosen: list[str] = []
    for name in names or ["all"]:
        if name in GROUPS:
            expanded = GROUPS[name]
        elif name in SCENARIOS:
            expanded = (name,)
        else:
            raise ValueError(name)
        chosen += [s for s in expanded if s not in chosen]
    return chosen


def _int(env: dict[str, str], name: str, default: int) -> int:
    value = env.get(name) or str(default)
    if not re.fullmatch(r"\d+", value.strip()):
        raise BenchError(f"{name}={value!r}: a whole number is expected")
    return int(value)


def _words(env: dict[str, str], name: str, default: str) -> list[str]:
    return (env.get(name) or default).split()


def in_repo(path: str) -> Path:
    """A path as a user gives it: relative ones are relative to the repository's root."""
    p = Path(path)
    return p if p.is_absolute() else REPO / p


@dataclass(frozen=True)
class Settings:
    rounds: int
    duration: str  # as wrk takes it: 10s, 1m
    connections: int
    threads: int
    starts: int
    samples: int
    scale_small: int
    scale_large: int
    seed: str  # import | api
    out: Path
    plot: Path
    concurrencies: list[int]
    scale_backends: list[str]
    import_timeout: int  # seconds
    quiet_max: int  # seconds
    wp_connections: int
    wp_children: int
    keep: bool
    folio_bin: str | None  # None: build the release binary
    tmpdir: str

    @classmethod
    def from_env(cls, env: dict[str, str]) -> Settings:
        out = env.get("OUT") or str(REPO / "bench" / "results" / "latest.md")
        plot = env.get("PLOT") or (out.removesuffix(".md")) + "-replicas.svg"
        concurrencies = _words(env, "CONCURRENCIES", "8 32 64 128")
        if not all(re.fullmatch(r"\d+", c) for c in concurrencies):
            raise BenchError(f"CONCURRENCIES={env.get('CONCURRENCIES')!r}: whole numbers are expected")
        backends = _words(env, "SCALE_BACKENDS", "mariadb postgres")
        for backend in backends:
            if backend not in BACKENDS:
                raise BenchError(f"SCALE_BACKENDS: unknown backend {backend}")
        seed = env.get("SEED") or "import"
        if seed not in ("import", "api"):
            raise BenchError(f"SEED={seed!r}: `import` or `api`")
        return cls(
            rounds=_int(env, "ROUNDS", 3),
            duration=env.get("DURATION") or "10s",
            connections=_int(env, "CONNECTIONS", 64),
            threads=_int(env, "THREADS", 2),
            starts=_int(env, "STARTS", 5),
            samples=_int(env, "SAMPLES", 20),
            scale_small=_int(env, "SCALE_SMALL", 1000),
            scale_large=_int(env, "SCALE_LARGE", 100000),
            seed=seed,
            out=in_repo(out),
            plot=in_repo(plot),
            concurrencies=[int(c) for c in concurrencies],
            scale_backends=backends,
            import_timeout=_int(env, "IMPORT_TIMEOUT", 600),
            quiet_max=_int(env, "QUIET_MAX", 1200),
            wp_connections=_int(env, "WP_CONNECTIONS", 32),
            wp_children=_int(env, "WP_CHILDREN", 4),
            keep=env.get("KEEP", "0") == "1",
            folio_bin=env.get("FOLIO_BIN") or None,
            tmpdir=env.get("TMPDIR") or "/tmp",
        )


def child_env(env: dict[str, str]) -> dict[str, str]:
    """The environment of every process the run starts: the caller's, less the harness's
    own variables and the site variables that each scenario sets for its sites."""
    return {k: v for k, v in env.items() if k not in HARNESS_VARS + SITE_VARS}


def tools_needed(scenarios: list[str]) -> dict[str, str]:
    """Command → how to get it, for the scenarios chosen."""
    need = {"python3": "Debian: apt-get install python3"}
    if {"static", "replicas", "uncached", "wordpress"} & set(scenarios):
        need["wrk"] = "Debian: apt-get install wrk"
    if {"static", "replicas", "wordpress"} & set(scenarios):
        need["nginx"] = "Debian: apt-get install nginx-light"
    if {"replicas", "uncached", "scale-servers", "wordpress"} & set(scenarios):
        need["mysql"] = "scripts/services installs it"
        need["psql"] = "scripts/services installs it"
    if "wordpress" in scenarios:
        need["php"] = "Debian: apt-get install php-cli"
        need["php-fpm"] = "Debian: apt-get install php-fpm php-mysql"
    return need


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
