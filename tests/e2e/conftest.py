"""Fixtures for the black-box tests: each test module gets its own real `folio serve` on a
fresh data directory and a free loopback port, with an owner and an API token.

The binary is $FOLIO_BIN (scripts/test sets it to target/debug/folio).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterator

import pytest

from support import Folio, folio_bin

# Servers running right now; a failing test's report gets their logs.
_LIVE: list[Folio] = []


@pytest.fixture(scope="session")
def folio_path() -> Path:
    path = folio_bin()
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(
            f"the folio binary {path} does not exist or is not executable: "
            "build it with `cargo build --bins`, or set FOLIO_BIN",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, folio_path: Path) -> Iterator[Folio]:
    """A migrated site with the owner (owner@example.com) and a token, served by
    `folio serve` for the whole test module."""
    site = Folio(folio_path, tmp_path_factory.mktemp("site"))
    _LIVE.append(site)
    try:
        site.setup_owner()
        site.start()
        yield site
    finally:
        site.stop()
        _LIVE.remove(site)


@pytest.fixture
def make_site(tmp_path_factory: pytest.TempPathFactory, folio_path: Path) -> Iterator[Callable[..., Folio]]:
    """Makes more sites for one test (`make_site(base_url=..., extra_env={...})`); each is
    stopped at the end of the test. Nothing is migrated or started: the test does that."""
    made: list[Folio] = []

    def make(**kwargs) -> Folio:
        site = Folio(folio_path, tmp_path_factory.mktemp("site"), **kwargs)
        made.append(site)
        _LIVE.append(site)
        return site

    yield make
    for site in made:
        site.stop()
        _LIVE.remove(site)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """A failing test's report ends with the log of every Folio server running then."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for site in _LIVE:
            report.sections.append((f"folio serve log ({site.listen})", site.log_tail()))
