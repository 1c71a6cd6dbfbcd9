"""Scenario 6: Folio against Debian's WordPress on php-fpm, behind the same Nginx, on the
same MariaDB, with the same post; each uncached and each cached (Folio's page cache; Nginx's
fastcgi_cache for WordPress).

Debian's WordPress reads its settings only from /etc/wordpress/config-<name>.php: the run
writes one there, config-folio-bench-<pid>.php, and removes it at its end."""

from __future__ import annotations

import grp
import json
import os
import pwd
import secrets
import subprocess
import urllib.parse
from pathlib import Path

from .. import client, load, nginx, templates
from ..folio import create_post, path_of
from ..processes import find_tool, free_ports, say, wait_until, warn
from ..session import Run
from ..settings import BenchError

WORDPRESS = Path("/usr/share/wordpress")
SETUPS = ("folio", "folio_uncached", "wordpress", "wordpress_cached")
WP_KEYS = ("AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT", "SECURE_AUTH_SALT",
           "LOGGED_IN_SALT", "NONCE_SALT")


def php_string(s: str) -> str:
    """s inside a single-quoted PHP string."""
    return s.replace("\\", "\\\\").replace("'", "\\'")


def wp_config(db_name: str, server_url: str, home: str) -> str:
    """bench/config/wordpress/wp-config.php for the database db_name on the server at
    server_url, with fresh secret keys."""
    p = urllib.parse.urlsplit(server_url)
    keys = "\n".join(f"define('{k}', '{secrets.token_hex(32)}');" for k in WP_KEYS)
    return templates.render("wordpress/wp-config.php", db_name=php_string(db_name),
                            db_user=php_string(p.username or ""),
                            db_password=php_string(urllib.parse.unquote(p.password or "")),
                            db_host=php_string(f"{p.hostname}:{p.port}"), home=php_string(home), keys=keys)


def fpm_user() -> tuple[str, str]:
    """php-fpm's pool user and group: www-data when we are root and it exists, else us."""
    user = pwd.getpwuid(os.getuid()).pw_name
    if os.getuid() == 0:
        try:
            pwd.getpwnam("www-data")
            user = "www-data"
        except KeyError:
            pass
    return user, grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name


def versions(fpm: str) -> tuple[str, str]:
    """WordPress's Debian version, and `PHP 8.2.x` from php-fpm -v."""
    wp = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "wordpress"], check=False,
                        capture_output=True, text=True)
    php = subprocess.run([fpm, "-v"], check=False, capture_output=True, text=True).stdout.splitlines()
    return (wp.stdout.strip() if wp.returncode == 0 else "?"), (" ".join(php[0].split()[:2]) if php else "?")


def run(r: Run) -> None:
    s = r.settings
    d = r.work / "wordpress"
    fpm = find_tool("php-fpm")
    if not fpm:
        raise BenchError("needs php-fpm (Debian: apt-get install php-fpm php-mysql)")
    if not (WORDPRESS / "wp-config.php").is_file():
        raise BenchError("needs WordPress (Debian: apt-get install wordpress wordpress-theme-twentytwentythree)")
    for sub in ("wrk", "data", "nginx/tmp", "nginx/fcache"):
        (d / sub).mkdir(parents=True)
    # Folio with its page cache and without (replicas); then Nginx's four servers.
    p_fc, p_fu, n_fc, n_fu, n_wp, n_wpc = free_ports(6)

    say("wordpress: Folio on MariaDB, one replica with its page cache and one without")
    base = f"http://127.0.0.1:{n_fc}"
    site = {"FOLIO_DATA_DIR": str(d / "data"), "FOLIO_DATABASE_URL": r.dbs.create("mariadb", "folio_vs_wp"),
            "FOLIO_BASE_URL": base, "FOLIO_TRUSTED_PROXIES": "127.0.0.1"}
    r.folio.migrate(site)
    token = r.folio.make_owner(site)
    folio_cached = r.folio.serve(site, d / "folio-cached.log", port=p_fc)
    folio_uncached = r.folio.serve(site, d / "folio-uncached.log", port=p_fu, FOLIO_PAGE_CACHE_MB="0")
    created, _ = create_post(folio_cached.url(), token, d)
    path = path_of(created["url"], base)

    say("wordpress: Debian's WordPress on php-fpm, its own database on the same MariaDB, the same post")
    r.dbs.create("mariadb", "wordpress")
    wp_conf = f"folio-bench-{os.getpid()}"
    config_file = Path(f"/etc/wordpress/config-{wp_conf}.php")
    r.remove_at_end.append(config_file)
    config_file.write_text(wp_config(r.dbs.name("wordpress"), r.dbs.servers.mariadb_url, f"http://127.0.0.1:{n_wp}"))
    config_file.chmod(0o644)
    (d / "post.html").write_text(created["html"])
    (d / "post.title").write_text(created["title"])
    setup = subprocess.run(["php", str(templates.path("wordpress/setup.php")), wp_conf, str(d / "post.html"),
                            str(d / "post.title"), created["slug"]],
                           capture_output=True, stdin=subprocess.DEVNULL, text=True, check=False)
    (d / "setup.err").write_text(setup.stderr)
    if setup.returncode != 0:
        raise BenchError(f"WordPress set-up failed:\n{setup.stderr}")
    lines = setup.stdout.splitlines()
    wp_path = path_of(lines[-1] if lines else "", f"http://127.0.0.1:{n_wp}")
    if not wp_path:
        raise BenchError(f"WordPress set-up printed no post URL:\n{setup.stderr}")

    user, group = fpm_user()
    templates.write("wordpress/php-fpm.conf", d / "php-fpm.conf", dir=d, user=user, group=group,
                    children=s.wp_children)
    fpm_proc = r.procs.start([fpm, "-F", "-R", "-y", str(d / "php-fpm.conf")], r.env, d / "php-fpm.log")
    wait_until("php-fpm's socket", lambda: (d / "php.sock").exists(), 30, proc=fpm_proc, log=d / "php-fpm.log")

    say("nginx: deploy/nginx/folio.conf for each Folio, and WordPress with and without fastcgi_cache")
    conf = d / "nginx"
    (conf / "upstream-fc.conf").write_text(nginx.upstream("folio", [str(p_fc)]))
    (conf / "upstream-fu.conf").write_text(nginx.upstream("folio_uncached", [str(p_fu)]))
    (conf / "folio-fc.conf").write_text(nginx.folio_server(n_fc, "folio"))
    (conf / "folio-fu.conf").write_text(nginx.folio_server(n_fu, "folio_uncached"))
    servers = templates.render("nginx/wordpress-servers.conf", dir=d, wp_port=n_wp, wp_cached_port=n_wpc,
                               wp_conf=wp_conf)
    (conf / "nginx.conf").write_text(nginx.main_conf(d, 4096, servers))
    urls = {"folio": f"http://127.0.0.1:{n_fc}{path}", "folio_uncached": f"http://127.0.0.1:{n_fu}{path}",
            "wordpress": f"http://127.0.0.1:{n_wp}{wp_path}", "wordpress_cached": f"http://127.0.0.1:{n_wpc}{wp_path}"}
    nginx_proc = nginx.start(r.procs, r.nginx, conf, urls["folio"])
    sizes, headers = {}, {}
    for setup_name, url in urls.items():
        wait_until(f"an answer from {url}", lambda url=url: client.answers(url), 10)
        body = client.get(url).body
        (d / f"{setup_name}.html").write_bytes(body)
        # A second request for the headers: WordPress's cached server says HIT by then.
        resp = client.get(url)
        (d / f"{setup_name}.headers").write_text("".join(f"{k}: {v}\n" for k, v in resp.headers.items()))
        sizes[setup_name] = len(body)
        headers[setup_name] = resp.header("x-folio-cache") or resp.header("x-cache") or "none"
    text = (d / "wordpress.html").read_text(errors="replace")
    if "quokka" not in text and "Why measure at all" not in text:
        warn("  note: the WordPress page does not show the post's text")

    for url in urls.values():
        load.warm_up(url, s.threads, s.wp_connections)
    load.rounds_one_and_many(r.quiet, d, s.rounds, s.threads, s.duration, s.wp_connections, urls)
    wp_version, php_version = versions(fpm)
    (d / "info.json").write_text(json.dumps({
        "threads": s.threads, "duration": s.duration, "rounds": s.rounds, "connections": s.wp_connections,
        "children": s.wp_children, "page_bytes": sizes, "cache_header": headers,
        "wordpress": wp_version, "php": php_version}))
    for proc in (nginx_proc, fpm_proc, folio_cached.proc, folio_uncached.proc):
        r.procs.stop(proc)
    config_file.unlink(missing_ok=True)
