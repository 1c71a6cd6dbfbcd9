"""`bench/run.sh --dry-run [SCENARIO]...`: everything a run would check and write before its
first measurement, without starting Folio or a database and without a build. It lists the
tools and settings, writes each chosen scenario's configuration files (with made-up ports)
into a temporary directory and has each server check its own (`nginx -t`, `php -l`,
`php-fpm -t`) where that server is installed; it also runs the content generators. Exit
status 0 when a real run would get past its set-up, 1 otherwise."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from . import content, nginx, templates
from .processes import find_tool
from .scenarios import wordpress
from .settings import BenchError, Settings, in_repo, tools_needed


class Checks:
    def __init__(self) -> None:
        self.failed = 0

    def ok(self, what: str) -> None:
        print(f"  ok       {what}")

    def skip(self, what: str, why: str) -> None:
        print(f"  skipped  {what}: {why}")

    def fail(self, what: str, why: str) -> None:
        self.failed += 1
        print(f"  FAILED   {what}: {why}")

    def command(self, what: str, argv: list[str]) -> None:
        proc = subprocess.run(argv, check=False, capture_output=True, text=True)
        if proc.returncode == 0:
            self.ok(what)
        else:
            self.fail(what, (proc.stderr or proc.stdout).strip())


def nginx_check(c: Checks, what: str, conf_dir: Path, conf: str) -> None:
    (conf_dir / "tmp").mkdir(parents=True, exist_ok=True)
    (conf_dir / "nginx.conf").write_text(conf)
    nginx_bin = find_tool("nginx")
    if not nginx_bin:
        c.skip(f"nginx -t: {what}", "no nginx here")
        return
    try:
        nginx.check(nginx_bin, conf_dir)
        c.ok(f"nginx -t: {what} ({conf_dir}/nginx.conf)")
    except BenchError as e:
        c.fail(f"nginx -t: {what}", str(e))


def static(c: Checks, d: Path) -> None:
    (d / "www").mkdir(parents=True)
    nginx_check(c, "scenario static", d / "nginx", nginx.main_conf(d, 1024, nginx.static_server(18080, d / "www")))


def replicas(c: Checks, d: Path) -> None:
    conf = d / "nginx"
    conf.mkdir(parents=True)
    includes = []
    for name, port, upstream in (("folio_one", 18081, ["18091"]), ("folio", 18082, ["18092", "18093", "18094"]),
                                 ("folio_unix", 18083, [f"unix:{d}/sock/folio-{i}.sock" for i in (1, 2, 3)]),
                                 ("folio_hop", 18084, ["18080"])):
        (conf / f"upstream-{name}.conf").write_text(nginx.upstream(name, upstream))
        (conf / f"server-{name}.conf").write_text(nginx.folio_server(port, name))
        includes += [f"    include {conf}/upstream-{name}.conf;", f"    include {conf}/server-{name}.conf;"]
    (d / "www").mkdir()
    servers = "\n".join(includes) + "\n" + nginx.static_server(18080, d / "www")
    nginx_check(c, "scenario replicas (deploy/nginx/folio.conf and upstream.conf, 4 set-ups)", conf,
                nginx.main_conf(d, 4096, servers))


def wordpress_files(c: Checks, d: Path) -> None:
    conf = d / "nginx"
    (conf / "fcache").mkdir(parents=True)
    (conf / "upstream-fc.conf").write_text(nginx.upstream("folio", ["18091"]))
    (conf / "upstream-fu.conf").write_text(nginx.upstream("folio_uncached", ["18092"]))
    (conf / "folio-fc.conf").write_text(nginx.folio_server(18081, "folio"))
    (conf / "folio-fu.conf").write_text(nginx.folio_server(18082, "folio_uncached"))
    servers = templates.render("nginx/wordpress-servers.conf", dir=d, wp_port=18083, wp_cached_port=18084,
                               wp_conf="folio-bench-dry-run")
    if Path("/etc/nginx/fastcgi_params").exists():
        nginx_check(c, "scenario wordpress (Folio twice, WordPress twice)", conf, nginx.main_conf(d, 4096, servers))
    else:
        c.skip("nginx -t: scenario wordpress", "no /etc/nginx/fastcgi_params (Debian's nginx-common)")
    config = d / "wp-config.php"
    config.write_text(wordpress.wp_config("folio_b_0_wordpress", "mysql://folio:it's@127.0.0.1:3307", "http://127.0.0.1:18083"))
    user, group = wordpress.fpm_user()
    fpm_conf = templates.write("wordpress/php-fpm.conf", d / "php-fpm.conf", dir=d, user=user, group=group, children=4)
    if shutil.which("php"):
        c.command(f"php -l: the WordPress config ({config})", ["php", "-l", str(config)])
        c.command("php -l: bench/config/wordpress/setup.php", ["php", "-l", str(templates.path("wordpress/setup.php"))])
    else:
        c.skip("php -l: wp-config.php and setup.php", "no php here")
    fpm = find_tool("php-fpm")
    if fpm:
        c.command(f"php-fpm -t: {fpm_conf}", [fpm, "-t", "-y", str(fpm_conf)])
    else:
        c.skip("php-fpm -t", "no php-fpm here")
    if not (wordpress.WORDPRESS / "wp-config.php").is_file():
        c.fail("WordPress", "needs Debian's wordpress and wordpress-theme-twentytwentythree")
    else:
        c.ok("WordPress is installed")


def generators(c: Checks, d: Path) -> None:
    _body, words = content.post_body()
    c.ok(f"the long post: {words} words of Markdown")
    content.export(d / "export.json", 20)
    posts = json.loads((d / "export.json").read_text())["posts"]
    c.ok(f"a generated Folio export parses ({len(posts)} posts)")


def check(scenarios: list[str], settings: Settings, env: dict[str, str]) -> int:
    c = Checks()
    print(f"scenarios: {' '.join(scenarios)}")
    print("settings: " + ", ".join(f"{k}={v}" for k, v in vars(settings).items()))
    print("tools:")
    for tool, how in tools_needed(scenarios).items():
        found = find_tool(tool)
        c.ok(f"{tool}: {found}") if found else c.fail(tool, f"missing ({how})")
    if settings.folio_bin:
        binary = in_repo(settings.folio_bin)
        c.ok(f"FOLIO_BIN {binary}") if os.access(binary, os.X_OK) else c.fail("FOLIO_BIN", f"no binary at {binary}")
    else:
        print("  (a run would build: cargo build --release --locked --bin folio)")
    if {"replicas", "uncached", "scale-servers", "wordpress"} & set(scenarios):
        names = ("FOLIO_TEST_MARIADB_URL", "FOLIO_TEST_POSTGRES_URL", "FOLIO_TEST_REDIS_URL")
        if all(env.get(k) for k in names):
            print("  servers: " + ", ".join(env[k] for k in names))
        else:
            print("  (a run would start the servers: scripts/services start)")
    print("configuration:")
    work = Path(tempfile.mkdtemp(prefix="folio-bench-dry."))
    try:
        generators(c, work)
        for name, fn in (("static", static), ("replicas", replicas), ("wordpress", wordpress_files)):
            if name in scenarios:
                fn(c, work / name)
    except BenchError as e:
        c.fail("configuration", str(e))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"dry run: {'nothing to stop a run' if not c.failed else f'{c.failed} problem(s)'}")
    return 1 if c.failed else 0
