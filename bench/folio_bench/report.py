"""The results: wrk's reports and the JSON files that the scenarios left in the work
directory, turned into one Markdown document (printed, and written to OUT).

The work directory is the interface: each scenario writes its files there (figures.txt,
wrk/, startup.json, scale-*.json, <scenario>/info.json and <scenario>/wrk/), and this module
reads whatever is there, so a section appears exactly when its scenario ran."""

from __future__ import annotations

import json
import os
import re
import statistics


def to_ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def parse_wrk(text):
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if not m:  # wrk failed: no figure, the error kept
        return {"rps": None, "p50": None, "p99": None, "non2xx": 0, "errors": text.strip()[-200:]}
    rps = float(m.group(1))
    dist = re.search(r"Latency Distribution(.*?)\n\s*\d+ requests in", text, re.DOTALL).group(1)
    pct = {int(p): to_ms(v, u) for p, v, u in re.findall(r"(\d+)%\s+([\d.]+)(us|ms|s)\b", dist)}
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sockerr = re.search(r"Socket errors:(.*)", text)
    return {"rps": rps, "p50": pct.get(50), "p99": pct.get(99),
            "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "errors": sockerr.group(1).strip() if sockerr else ""}


def read(path):
    with open(path) as f:
        return f.read()


def read_json(path):
    return json.loads(read(path))


def read_figures(work):
    """figures.txt: one `name=value` a line (the machine, the build, scenario 1's figures)."""
    figures = {}
    path = os.path.join(work, "figures.txt")
    if os.path.exists(path):
        for line in read(path).splitlines():
            k, _, v = line.strip().partition("=")
            figures[k] = v
    return figures


def fmt(x, digits=0):
    return "–" if x is None else f"{x:,.{digits}f}"


def report(work, out):
    figures = read_figures(work)
    lines = ["# Folio benchmark results", "",
             (f"{figures.get('date', '')} · folio {figures.get('rev', '?')} · {figures.get('cpu', '')} · "
             f"{figures.get('cores', '?')} cores · {figures.get('mem', '')} · {figures.get('kernel', '')} · "
             f"load average at the start {figures.get('load', '?')} · binary built {figures.get('binary', '?')}"), ""]
    wrk_dir = os.path.join(work, "wrk")
    if os.path.isdir(wrk_dir):
        runs = {"folio": [], "nginx": []}
        for name in sorted(os.listdir(wrk_dir)):
            server = name.split("-")[0]
            runs[server].append(parse_wrk(read(os.path.join(wrk_dir, name))))
        med = {s: {k: statistics.median([r[k] for r in rs if r[k] is not None] or [0])
                   for k in ("rps", "p50", "p99")} for s, rs in runs.items()}
        bad = {s: sum(r["non2xx"] for r in rs) for s, rs in runs.items()}
        errs = {s: "; ".join(r["errors"] for r in rs if r["errors"]) for s, rs in runs.items()}
        ratio = lambda k: med["folio"][k] / med["nginx"][k] if med["nginx"][k] else None
        kb = lambda k: int(figures[k]) / 1024 if figures.get(k) else None
        startup = read_json(os.path.join(work, "startup.json")) if os.path.exists(os.path.join(work, "startup.json")) else None
        lines += [
            "## A cached post page: folio serve vs nginx serving the same bytes", "",
            (f"wrk -t{figures['threads']} -c{figures['connections']} -d{figures['duration']} on loopback, "
            f"{figures['rounds']} alternating rounds each, medians. The page: {int(figures['page_bytes']):,} bytes "
            f"of HTML ({figures['post_words']} words of Markdown with a code block), fetched once before to fill "
            "the cache; nginx serves that file (sendfile, keep-alive, access log off, 2 workers)."), "",
            "| figure | folio | nginx | folio / nginx |",
            "|---|---:|---:|---:|",
            f"| requests/s | {fmt(med['folio']['rps'])} | {fmt(med['nginx']['rps'])} | {fmt(ratio('rps'), 2)} |",
            f"| latency p50 (ms) | {fmt(med['folio']['p50'], 2)} | {fmt(med['nginx']['p50'], 2)} | {fmt(ratio('p50'), 2)} |",
            f"| latency p99 (ms) | {fmt(med['folio']['p99'], 2)} | {fmt(med['nginx']['p99'], 2)} | {fmt(ratio('p99'), 2)} |",
            f"| non-2xx responses | {bad['folio']} | {bad['nginx']} | |",
            "",
            "| folio process | value |",
            "|---|---:|",
            f"| idle RSS after start and warm-up (MiB) | {fmt(kb('idle_rss_kb'), 1)} |",
            f"| RSS under load, highest sample (MiB) | {fmt(kb('load_rss_max_kb'), 1)} |",
            f"| peak RSS of the process, VmHWM after the load (MiB) | {fmt(kb('load_hwm_kb'), 1)} |",
            (f"| start to first /readyz 200, existing database (ms, median of {len(startup['runs_ms']) if startup else 0}) | "
            f"{fmt(startup['median_ms'] if startup else None, 1)} |"),
            "",
        ]
        if startup:
            lines += [f"Start-up runs (ms): {', '.join(f'{t:.1f}' for t in startup['runs_ms'])}", ""]
        if errs["folio"] or errs["nginx"]:
            lines += [f"Socket errors: folio: {errs['folio'] or 'none'}; nginx: {errs['nginx'] or 'none'}", ""]
    small_path, large_path = os.path.join(work, "scale-small.json"), os.path.join(work, "scale-large.json")
    if os.path.exists(small_path) and os.path.exists(large_path):
        small, large = read_json(small_path), read_json(large_path)
        lines += [
            f"## Listings and search: {small['posts']:,} vs {large['posts']:,} posts", "",
            (f"Each figure: median of {small['samples']} requests, each right after a write through the API "
            "(so the page cache misses), on a fresh connection. Target: the large site within 2× the small one."), "",
            f"| page | {small['posts']:,} posts (ms) | {large['posts']:,} posts (ms) | ratio | within 2× | cached, large (ms) |",
            "|---|---:|---:|---:|:---:|---:|",
        ]
        for path, label in small["labels"].items():
            a, b = small["paths"][path], large["paths"][path]
            r = b["miss_ms"] / a["miss_ms"] if a["miss_ms"] else None
            ok = "yes" if r is not None and r <= 2 else "**no**"
            lines.append(f"| {label} `{path}` | {fmt(a['miss_ms'], 2)} | {fmt(b['miss_ms'], 2)} | "
                         f"{fmt(r, 2)} | {ok} | {fmt(b['hit_ms'], 2)} |")
        lines += ["", (f"Seeding ({small['seed']}): {fmt(small['seed_s'], 1)} s for {small['posts']:,} posts, "
                      f"{fmt(large['seed_s'], 1)} s for {large['posts']:,}."), ""]
    for name, section in (("replicas", replicas_section), ("uncached", uncached_section),
                          ("wordpress", wordpress_section)):
        if os.path.exists(os.path.join(work, name, "info.json")):
            lines += section(work, figures)
    lines += scale_servers_section(work, figures)
    notes = os.path.join(work, "disturbed.txt")
    if os.path.exists(notes) and os.path.getsize(notes):
        lines += ["## Possibly disturbed", "", ("A build or a test suite (cargo, rustc, nextest or pytest) ran on the machine "
                  "during these rounds, so their figures may be low:"), ""]
        lines += [f"- {l.strip()}" for l in read(notes).splitlines() if l.strip()] + [""]
    waits = os.path.join(work, "waits.txt")
    if os.path.exists(waits) and os.path.getsize(waits):
        lines += ["Before some rounds the script waited for a build or test run to end: " +
                  "; ".join(l.strip() for l in read(waits).splitlines() if l.strip()) + ".", ""]
    text = "\n".join(lines)
    with open(out, "w") as f:
        f.write(text)
    print(text)


def wrk_runs(directory):
    """{name: [parsed wrk run, ...]} for files NAME-rK.txt in directory."""
    runs = {}
    for f in sorted(os.listdir(directory)):
        m = re.match(r"(.+)-r(\d+)\.txt$", f)
        if m:
            runs.setdefault(m.group(1), []).append(parse_wrk(read(os.path.join(directory, f))))
    return runs


def med(runs, key):
    vals = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def div(a, b):
    return a / b if a is not None and b else None


REPLICA_LABELS = (("static", "Nginx static"), ("hop", "Nginx → Nginx static (TCP)"), ("one", "1 replica"),
                  ("three", "3 replicas (TCP)"), ("unix", "3 replicas (Unix sockets)"))


def replicas_section(work, figures):
    d = os.path.join(work, "replicas")
    info = read_json(os.path.join(d, "info.json"))
    runs = wrk_runs(os.path.join(d, "wrk"))
    conc = info["concurrencies"]
    get = lambda setup, c: runs.get(f"{setup}-c{c}", [])
    keys = [k for k, _ in REPLICA_LABELS]
    lines = [
        "## Scale-out: a cached post page through Nginx, 1 and 3 replicas vs Nginx static", "",
        (f"Nginx {info['nginx_version']} with Folio's `deploy/nginx/folio.conf` and `upstream.conf` "
        "(only the listen address and the replicas' addresses changed), 2 workers, access log off; "
        f"`folio serve` replicas on MariaDB with Redis (`FOLIO_TRUSTED_PROXIES=127.0.0.1`): one alone "
        "(a thread per core), three on TCP ports and three on Unix sockets (`FOLIO_LISTEN=unix:…`), the "
        "threes with `FOLIO_WORKER_THREADS=1` each. "
        f"The page: {info['page_bytes']:,} bytes of HTML, warmed on every replica first. "
        "The reference is the same Nginx serving the same bytes as a static file (sendfile). "
        "A second reference, *hop*, is the same proxy configuration in front of that static server "
        "over TCP: the most any backend can serve through this hop on this machine. "
        f"`wrk -t{info['threads']} -d{info['duration']}` at each concurrency, "
        f"{info['rounds']} rounds, the {len(keys)} set-ups interleaved in every round; medians. "
        "wrk, Nginx and every replica share the machine's cores."), "",
        "| connections | " + " | ".join(f"{label} (req/s)" for _, label in REPLICA_LABELS) +
        " | hop / static | 3 TCP / static | 3 Unix / static | 3 TCP / hop | target 3 / static ≥ 0.5 (TCP, Unix) |",
        "|---:|" + "---:|" * (len(keys) + 4) + ":---:|",
    ]
    met = {"three": [], "unix": []}
    for c in conc:
        v = {k: med(get(k, c), "rps") for k in keys}
        verdict = []
        for k in ("three", "unix"):
            r = div(v[k], v["static"])
            met[k].append(r is not None and r >= 0.5)
            verdict.append("–" if r is None else ("yes" if r >= 0.5 else "**no**"))
        lines.append(f"| {c} | " + " | ".join(fmt(v[k]) for k in keys) + " | " +
                     " | ".join(fmt(x, 2) for x in (div(v["hop"], v["static"]), div(v["three"], v["static"]),
                                                    div(v["unix"], v["static"]), div(v["three"], v["hop"]))) +
                     f" | {', '.join(verdict)} |")
    lines += ["", "Latency (ms), medians over rounds:", "",
              "| connections | " + " | ".join(f"{label} p50" for _, label in REPLICA_LABELS) + " | " +
              " | ".join(f"{label} p99" for _, label in REPLICA_LABELS) + " |",
              "|---:|" + "---:|" * (2 * len(keys))]
    for c in conc:
        p = [fmt(med(get(k, c), q), 2) for q in ("p50", "p99") for k in keys]
        lines.append(f"| {c} | " + " | ".join(p) + " |")
    bad = {k: sum(r["non2xx"] for c in conc for r in get(k, c)) for k in keys}
    errs = {k: "; ".join(f"c{c}: {r['errors']}" for c in conc for r in get(k, c) if r["errors"]) for k in keys}
    rps = lambda k, c: [x["rps"] for x in get(k, c) if x["rps"] is not None]
    spread = {k: [f"{min(rps(k, c)):,.0f}–{max(rps(k, c)):,.0f}" for c in conc if rps(k, c)] for k in keys}
    lines += ["", "Non-2xx responses: " + ", ".join(f"{label} {bad[k]}" for k, label in REPLICA_LABELS) + "."]
    for k, label in REPLICA_LABELS:
        if errs[k]:
            lines.append(f"Socket errors, {label}: {errs[k]}.")
    lines += ["", "Range of requests/s over the rounds (" + ", ".join(f"c{c}" for c in conc) + "): " +
              "; ".join(f"{label} " + ", ".join(spread[k]) for k, label in REPLICA_LABELS) + "."]
    cpu = info.get("replica_cpu_s")
    if cpu:
        lines += ["", "CPU time of each replica over the whole run (s): " +
                  ", ".join(f"{k} {v:.1f}" for k, v in cpu.items()) + "."]
    lines += ["", ("Target (3 replicas ≥ 0.5 × Nginx static): "
              f"on TCP ports met at {sum(met['three'])} of {len(conc)} concurrencies, "
              f"on Unix sockets at {sum(met['unix'])} of {len(conc)}."), ""]
    return lines


def uncached_section(work, figures):
    d = os.path.join(work, "uncached")
    info = read_json(os.path.join(d, "info.json"))
    runs = wrk_runs(os.path.join(d, "wrk"))
    c = info["connections"]
    ref = med(runs.get(f"cached-c{c}", []), "rps")
    ref1 = med(runs.get("cached-c1", []), "rps")
    lines = [
        "## Uncached: the post page rendered from the database on every request", "",
        (f"One `folio serve`, direct (no Nginx), `FOLIO_PAGE_CACHE_MB=0`, no Redis; the same "
        f"{info['post_words']}-word post on each database. The reference: the same page from the page "
        "cache (MariaDB, cache on). "
        f"`wrk -t1 -c1` (one request at a time: the time to render a page) and `wrk -t{info['threads']} -c{c}`, "
        f"`-d{info['duration']}`, {info['rounds']} rounds, the set-ups interleaved; medians. "
        "The database servers share the machine's cores with Folio and wrk."), "",
        (f"| set-up | requests/s, c={c} | / cached | requests/s, c=1 | / cached | p50, c=1 (ms) | p99, c=1 (ms) | "
        f"p50, c={c} (ms) | `x-folio-cache` |"),
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for key, label in (("cached", "cached (MariaDB, page cache on)"), ("sqlite", "SQLite, uncached"),
                       ("mariadb", "MariaDB, uncached"), ("postgres", "PostgreSQL, uncached")):
        hi, one = runs.get(f"{key}-c{c}", []), runs.get(f"{key}-c1", [])
        if not hi and not one:
            continue
        a, b = med(hi, "rps"), med(one, "rps")
        lines.append(f"| {label} | {fmt(a)} | {fmt(div(a, ref), 2)} | {fmt(b)} | {fmt(div(b, ref1), 2)} | "
                     f"{fmt(med(one, 'p50'), 2)} | {fmt(med(one, 'p99'), 2)} | {fmt(med(hi, 'p50'), 2)} | "
                     f"{info['cache_header'].get(key, '?')} |")
    bad = sum(r["non2xx"] for rs in runs.values() for r in rs)
    errs = "; ".join(f"{k}: {r['errors']}" for k, rs in runs.items() for r in rs if r["errors"])
    lines += ["", "Page bytes per set-up: " + ", ".join(f"{k} {v:,}" for k, v in info["page_bytes"].items()) +
              f". Non-2xx responses: {bad}." + (f" Socket errors: {errs}." if errs else ""), ""]
    return lines


def scale_servers_section(work, figures):
    lines = []
    for backend, label in (("sqlite", "SQLite"), ("mariadb", "MariaDB"), ("postgres", "PostgreSQL")):
        sp = os.path.join(work, f"scale-{backend}-small.json")
        lp = os.path.join(work, f"scale-{backend}-large.json")
        if not os.path.exists(sp):
            continue
        small = read_json(sp)
        large = read_json(lp) if os.path.exists(lp) else None
        failed = read_json(lp + ".failed") if os.path.exists(lp + ".failed") else None
        n_large = f"{large['posts']:,}" if large else "(large site not measured)"
        lines += [f"## Listings and search on {label}: {small['posts']:,} vs {n_large} posts", "",
                  (f"Each figure: median of {small['samples']} requests, each right after a write through the API "
                  "(so the page cache misses), on a fresh connection, one `folio serve` direct. "
                  "Target: the large site within 2× the small one."), ""]
        if large:
            lines += [f"| page | {small['posts']:,} posts (ms) | {large['posts']:,} posts (ms) | ratio | within 2× | cached, large (ms) |",
                      "|---|---:|---:|---:|:---:|---:|"]
            for path, lab in small["labels"].items():
                a, b = small["paths"][path], large["paths"][path]
                r = div(b["miss_ms"], a["miss_ms"])
                ok = "yes" if r is not None and r <= 2 else "**no**"
                lines.append(f"| {lab} `{path}` | {fmt(a['miss_ms'], 2)} | {fmt(b['miss_ms'], 2)} | "
                             f"{fmt(r, 2)} | {ok} | {fmt(b['hit_ms'], 2)} |")
        else:
            lines += [f"| page | {small['posts']:,} posts (ms) | cached (ms) |", "|---|---:|---:|"]
            for path, lab in small["labels"].items():
                a = small["paths"][path]
                lines.append(f"| {lab} `{path}` | {fmt(a['miss_ms'], 2)} | {fmt(a['hit_ms'], 2)} |")
        seeds = [small] + ([large] if large else [])
        lines += ["", "Seeding with `folio import` (the export generated beforehand, not counted): " +
                  "; ".join(f"{s['posts']:,} posts in {fmt(s['import_s'], 1)} s "
                            f"({fmt(s['posts'] / s['import_s'] if s['import_s'] else None)} posts/s)" for s in seeds) + "."]
        if failed:
            lines.append(f"{failed['note']} (stopped after {fmt(failed['import_s'], 0)} s)")
        lines.append("")
    return lines


def wordpress_section(work, figures):
    d = os.path.join(work, "wordpress")
    info = read_json(os.path.join(d, "info.json"))
    runs = wrk_runs(os.path.join(d, "wrk"))
    c = info["connections"]
    ref, ref1 = med(runs.get(f"folio-c{c}", []), "rps"), med(runs.get("folio-c1", []), "rps")
    lines = [
        "## Folio vs WordPress: the same post behind the same Nginx, on the same MariaDB", "",
        (f"Debian's WordPress {info['wordpress']} (theme Twenty Twenty-Three, pretty permalinks, WP-Cron off) on "
        f"{info['php']} FPM with OPcache, `pm = static` with {info['children']} workers; Folio, one replica each, "
        "through `deploy/nginx/folio.conf`. Each has its own database on the same MariaDB; the post is the same "
        "(Folio's HTML of it given to WordPress as its content). `wordpress_cached`: Nginx's `fastcgi_cache` "
        "in front of PHP (10 minutes, skipped for signed-in readers). "
        f"`wrk -t1 -c1` and `wrk -t{info['threads']} -c{c}`, `-d{info['duration']}`, {info['rounds']} rounds, "
        "interleaved; medians. Ratios are to Folio with its page cache."), "",
        (f"| set-up | page bytes | requests/s, c={c} | / Folio | requests/s, c=1 | / Folio | p50, c=1 (ms) | "
        f"p99, c=1 (ms) | p99, c={c} (ms) | cache header |"),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for key, label in (("folio", "Folio, page cache on"), ("folio_uncached", "Folio, page cache off"),
                       ("wordpress", "WordPress, no cache"), ("wordpress_cached", "WordPress, Nginx fastcgi_cache")):
        hi, one = runs.get(f"{key}-c{c}", []), runs.get(f"{key}-c1", [])
        a, b = med(hi, "rps"), med(one, "rps")
        rf = lambda x: fmt(x, 2 if x is None or x >= 0.01 else 4)
        lines.append(f"| {label} | {info['page_bytes'].get(key, 0):,} | {fmt(a)} | {rf(div(a, ref))} | {fmt(b)} | "
                     f"{rf(div(b, ref1))} | {fmt(med(one, 'p50'), 2)} | {fmt(med(one, 'p99'), 2)} | "
                     f"{fmt(med(hi, 'p99'), 2)} | {info['cache_header'].get(key, '?')} |")
    bad = {k: sum(r["non2xx"] for r in rs) for k, rs in runs.items()}
    errs = "; ".join(f"{k}: {r['errors']}" for k, rs in runs.items() for r in rs if r["errors"])
    lines += ["", "Non-2xx responses: " + ", ".join(f"{k} {v}" for k, v in sorted(bad.items())) + "." +
              (f" Socket errors: {errs}." if errs else ""), ""]
    return lines


