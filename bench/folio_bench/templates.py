"""The configuration files under bench/config/, filled in for one run.

A file there is the configuration as the server reads it, with `{{name}}` wherever the run
puts a value of its own (a port, a directory). Nginx and PHP never write two braces in a
row, so the marks cannot clash with their syntax; a mark without a value, or a value
without a mark, is an error rather than a silently broken file."""

from __future__ import annotations

import re
from pathlib import Path

from .settings import CONFIG, BenchError

MARK = re.compile(r"\{\{(\w+)\}\}")


def path(name: str) -> Path:
    """bench/config/<name>, which must exist."""
    p = CONFIG / name
    if not p.is_file():
        raise BenchError(f"missing configuration file {p}")
    return p


def marks(name: str) -> set[str]:
    return set(MARK.findall(path(name).read_text()))


def render(name: str, **values: object) -> str:
    """bench/config/<name> with every {{mark}} replaced by its value."""
    text = path(name).read_text()
    wanted = set(MARK.findall(text))
    missing, unused = wanted - values.keys(), values.keys() - wanted
    if missing or unused:
        raise BenchError(f"bench/config/{name}: no value for {sorted(missing)}, no mark for {sorted(unused)}")
    return MARK.sub(lambda m: str(values[m.group(1)]), text)


def write(name: str, out: Path, **values: object) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(name, **values))
    return out
