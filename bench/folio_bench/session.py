"""One run of the benchmark: its work directory, the processes and databases it made (all
gone at its end, also when it fails or is interrupted), the figures it notes, and what
every scenario shares (the Folio binary, the servers, the quiet rule)."""

from __future__ import annotations

import datetime as dt
import os
import platform
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from .databases import Databases
from .folio import Folio
from .load import Quiet
from .processes import Processes, find_tool, warn
from .settings import REPO, Settings, child_env, cores

if TYPE_CHECKING:
    from typing import Self  # Python 3.11


class Run:
    def __init__(self, settings: Settings, binary: str, env: dict[str, str]) -> None:
        self.settings = settings
        self.env = child_env(env)
        self.work = Path(tempfile.mkdtemp(prefix="folio-bench.", dir=settings.tmpdir))
        self.work.chmod(0o755)  # nginx's workers (user nobody when started as root) read files here
        self.procs = Processes()
        self.dbs = Databases(env, self.env)
        self.folio = Folio(binary, self.env, self.procs)
        self.quiet = Quiet(self.work, settings.quiet_max)
        self.nginx = find_tool("nginx") or "nginx"
        self.remove_at_end: list[Path] = []  # files written outside the work directory

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.procs.stop_all()
        if self.dbs.made:
            self.dbs.drop_all()
        for path in self.remove_at_end:
            path.unlink(missing_ok=True)
        if self.settings.keep:
            warn(f"work directory kept: {self.work}")
        else:
            shutil.rmtree(self.work, ignore_errors=True)

    def figure(self, **values: object) -> None:
        """Adds `name=value` lines to figures.txt (the report reads them)."""
        with open(self.work / "figures.txt", "a") as f:
            f.writelines(f"{k}={v}\n" for k, v in values.items())

    def note_machine(self) -> None:
        """The first lines of figures.txt: when, which commit, which machine and binary."""
        git = ["git", "-C", str(REPO)]
        rev = subprocess.run([*git, "rev-parse", "--short", "HEAD"], check=False, capture_output=True, text=True)
        dirty = subprocess.run([*git, "diff", "--quiet"], check=False, capture_output=True).returncode != 0
        cpu = next((line.split(": ", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "")
        mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))
        self.figure(
            date=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%MZ"),
            rev=(rev.stdout.strip() if rev.returncode == 0 else "unknown") + ("-dirty" if dirty else ""),
            cpu=cpu,
            cores=cores(),
            kernel=f"{platform.system()} {platform.release()}",
            mem=f"{mem_kb / 1048576:.0f} GiB",
            load=" ".join(Path("/proc/loadavg").read_text().split()[:3]),
            binary=dt.datetime.fromtimestamp(os.stat(self.folio.binary).st_mtime).strftime("%Y-%m-%d %H:%M:%S"),
        )
