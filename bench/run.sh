#!/usr/bin/env bash
# Folio's benchmark harness (not a test). See bench/README.md for what each figure means.
#
#   bench/run.sh            static and scale
#   bench/run.sh static     cached post page: folio vs nginx serving the same bytes,
#                           RSS idle and under load, start-up to /readyz
#   bench/run.sh scale      home, tag page and search: 1,000 vs 100,000 posts (SQLite)
#   bench/run.sh replicas   cached post page through Nginx with deploy/nginx: 1 and 3 replicas
#                           (MariaDB + Redis; the 3 on TCP ports and on Unix sockets) vs the same
#                           Nginx serving the bytes statically, and vs Nginx proxying to that
#                           static server (the hop's ceiling), at several concurrencies; a plot
#   bench/run.sh uncached   the post page with FOLIO_PAGE_CACHE_MB=0 on SQLite, MariaDB and
#                           PostgreSQL vs the cached page
#   bench/run.sh scale-servers   `scale` on MariaDB and PostgreSQL, with `folio import` timed
#   bench/run.sh tier       replicas, uncached and scale-servers; several names may be given
#
# Knobs (environment): FOLIO_BIN (skip the release build and use this binary), ROUNDS (3),
# DURATION (10s), CONNECTIONS (64), THREADS (2), STARTS (5), SAMPLES (20),
# SCALE_SMALL (1000), SCALE_LARGE (100000), SEED (import | api), KEEP=1 (keep the work dir),
# OUT (bench/results/latest.md), CONCURRENCIES ("8 32 64 128"), PLOT (OUT's name with
# -replicas.svg), SCALE_BACKENDS ("mariadb postgres"), IMPORT_TIMEOUT (600 s),
# QUIET_MAX (1200 s in all of waiting for cargo/rustc/nextest/pytest to end before rounds).
# The server scenarios use FOLIO_TEST_{MARIADB,POSTGRES,REDIS}_URL, else scripts/services;
# their databases are named folio_b_<pid>_* and dropped on exit.
#
# Traffic goes to 127.0.0.1 only; every loop is bounded in count and time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD

[ $# -gt 0 ] || set -- all
SCENARIOS=()
for arg in "$@"; do
    case $arg in
    all) SCENARIOS+=(static scale) ;;
    tier) SCENARIOS+=(replicas uncached scale-servers) ;;
    static | scale | replicas | uncached | scale-servers | wordpress) SCENARIOS+=("$arg") ;;
    *)
        echo "usage: bench/run.sh [static|scale|replicas|uncached|scale-servers|wordpress|all|tier]..." >&2
        exit 2
        ;;
    esac
done
wants() { [[ " ${SCENARIOS[*]} " == *" $1 "* ]]; }
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
STARTS=${STARTS:-5}
SAMPLES=${SAMPLES:-20}
SCALE_SMALL=${SCALE_SMALL:-1000}
SCALE_LARGE=${SCALE_LARGE:-100000}
SEED=${SEED:-import}
OUT=${OUT:-$REPO/bench/results/latest.md}
PLOT=${PLOT:-${OUT%.md}-replicas.svg}
CONCURRENCIES=${CONCURRENCIES:-8 32 64 128}
SCALE_BACKENDS=${SCALE_BACKENDS:-mariadb postgres}
IMPORT_TIMEOUT=${IMPORT_TIMEOUT:-600}
QUIET_MAX=${QUIET_MAX:-1200}
WP_CONNECTIONS=${WP_CONNECTIONS:-32}
WP_CHILDREN=${WP_CHILDREN:-4}
WP_CONFIG_FILE=""
OWNER_EMAIL=owner@example.com

say() { printf '\n==> %s\n' "$*" >&2; }
die() {
    echo "bench/run.sh: $*" >&2
    exit 1
}

for tool in curl python3; do command -v "$tool" >/dev/null || die "needs $tool"; done
if wants static || wants replicas || wants uncached || wants wordpress; then
    command -v wrk >/dev/null || die "needs wrk (Debian: apt-get install wrk)"
fi
if wants static || wants replicas || wants wordpress; then
    NGINX=$(command -v nginx || echo /usr/sbin/nginx)
    [ -x "$NGINX" ] || die "needs nginx (Debian: apt-get install nginx-light)"
fi
if wants replicas || wants uncached || wants scale-servers || wants wordpress; then
    for tool in mysql psql; do command -v "$tool" >/dev/null || die "needs $tool (scripts/services installs it)"; done
fi

# --- build --------------------------------------------------------------------------------
if [ -z "${FOLIO_BIN:-}" ]; then
    say "cargo build --release --locked --bin folio"
    cargo build --release --locked --bin folio
    FOLIO_BIN=$REPO/target/release/folio
fi
case "$FOLIO_BIN" in /*) ;; *) FOLIO_BIN=$REPO/$FOLIO_BIN ;; esac
[ -x "$FOLIO_BIN" ] || die "no folio binary at $FOLIO_BIN"
export -n FOLIO_BIN # ours, not Folio's: folio would warn about an unknown FOLIO_* variable

# --- work directory, helpers and clean-up -------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/folio-bench.XXXXXX")
chmod 755 "$WORK" # nginx's workers (user nobody when started as root) read files here
PIDS=()
DBS=() # "backend name" of each database this run created (scale-out tier); dropped on exit
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    [ "${#DBS[@]}" -eq 0 ] || drop_dbs
    [ -z "$WP_CONFIG_FILE" ] || rm -f "$WP_CONFIG_FILE"
    if [ "${KEEP:-0}" = 1 ]; then
        echo "work directory kept: $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

# ROUNDS rounds of wrk over the setups named $3... (their URLs in the associative array
# named $2), each round in a rotated order so that no setup always runs first: one
# connection, then $1 connections. Each report goes to $dir/wrk/<setup>-c<conns>-r<round>.txt.
wrk_rotated_rounds() {
    local dir=$1 conns=$2
    local -n urls=$3
    shift 3
    local setups=("$@") order r n mode setup
    for r in $(seq "$ROUNDS"); do
        order=()
        for n in "${!setups[@]}"; do order+=("${setups[$(((n + r) % ${#setups[@]}))]}"); done
        for mode in 1 "$conns"; do
            for setup in "${order[@]}"; do
                wrk_round "$dir/wrk/$setup-c$mode-r$r.txt" -t"$([ "$mode" = 1 ] && echo 1 || echo "$THREADS")" \
                    -c"$mode" -d"$DURATION" --latency "${urls[$setup]}"
            done
        done
    done
}

# The top of an nginx.conf for a scenario's own Nginx under $1 (pid, logs and temporary
# files there), with $2 worker connections; the caller writes the servers and the closing }.
nginx_head() {
    cat <<NGINX
worker_processes 2;
daemon off;
pid $1/nginx/nginx.pid;
error_log $1/nginx/error.log warn;
events { worker_connections $2; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    server_tokens off;
    client_body_temp_path $1/nginx/tmp/body;
    proxy_temp_path $1/nginx/tmp/proxy;
    fastcgi_temp_path $1/nginx/tmp/fastcgi;
    uwsgi_temp_path $1/nginx/tmp/uwsgi;
    scgi_temp_path $1/nginx/tmp/scgi;
    default_type application/octet-stream;
NGINX
}

# A server on 127.0.0.1:$1 answering with the files under $2 as UTF-8 HTML: the reference.
static_server() {
    cat <<NGINX
    server {
        listen 127.0.0.1:$1;
        types { }
        default_type text/html;
        charset utf-8;
        root $2;
        index index.html;
    }
NGINX
}

PY=$WORK/bench.py
cat >"$PY" <<'PYTHON'
"""Measurement helpers for bench/run.sh: content generation, timing loops, the report."""
import http.client, json, os, random, re, signal, socket, statistics, subprocess, sys, time
import concurrent.futures, urllib.parse
from datetime import datetime, timedelta, timezone

WORDS = ("the a of and to in is that for it as with was on be by this are or from at an "
    "which have not but they had his her all one we can there their were been has more will "
    "would when who so if no out up what about into than them only other time some could new "
    "these two may first then do any like my now over such our man me even most made after also "
    "did many before must through back years where much your way well down should because each "
    "just those people how too little state good very make world still own see men work long get "
    "here between both life being under never day same another know while last might us great old "
    "year off come since against go came right used take three cache server request response page "
    "query index latency thread memory build release binary replica database template render "
    "markdown feed search reader writer blog post tag author home title excerpt header footer").split()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prose(rng, words):
    out, sentence = [], []
    for _ in range(words):
        sentence.append(rng.choice(WORDS))
        if len(sentence) >= rng.randint(8, 18):
            out.append(" ".join(sentence).capitalize() + ".")
            sentence = []
    if sentence:
        out.append(" ".join(sentence).capitalize() + ".")
    return " ".join(out)


CODE = '''```rust
use std::collections::HashMap;

/// Counts how often each word occurs, ignoring case.
pub fn word_counts(text: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for word in text.split_whitespace() {
        let word = word.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
        if !word.is_empty() {
            *counts.entry(word).or_insert(0) += 1;
        }
    }
    counts
}

fn main() {
    let counts = word_counts("the cache serves the page; the page is fast");
    let mut top: Vec<_> = counts.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for (word, n) in top.iter().take(3) {
        println!("{word}: {n}");
    }
}
```'''


def post_body(out):
    """A realistic long post: ~1,500 words of prose in sections, a list, a quote, code."""
    rng = random.Random(1500)
    parts = [prose(rng, 90)]
    for i, heading in enumerate(["Why measure at all", "The setup", "What the numbers say", "Caveats", "What next"]):
        parts.append(f"## {heading}")
        parts += [prose(rng, 110), prose(rng, 130)]
        if i == 1:
            parts.append(CODE)
            parts.append("- " + "\n- ".join(prose(rng, 12) for _ in range(4)))
        if i == 2:
            parts.append("> " + prose(rng, 40))
            parts.append("See [the home page](/) or [the feed](/feed.xml) for more.")
    markdown = "\n\n".join(parts) + "\n"
    words = len(re.findall(r"[A-Za-z]+", markdown))
    body = {"title": "Benchmarking a blog: what one small server can do", "markdown": markdown,
            "tags": ["Benchmarks", "Rust"], "status": "published",
            "excerpt": "A long post with code, lists and a quote, used by the benchmark."}
    with open(out, "w") as f:
        json.dump(body, f)
    print(words)


def ready(host, port, timeout=1.0):
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", "/readyz")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def startup(runs, binary, out):
    """Median time from spawning `folio serve` on an existing database to /readyz 200,
    polled every 2 ms."""
    times = []
    for _ in range(runs):
        port = free_port()
        env = dict(os.environ, FOLIO_LISTEN=f"127.0.0.1:{port}")
        log = open(os.path.join(os.path.dirname(out), "startup.log"), "ab")
        t0 = time.perf_counter()
        proc = subprocess.Popen([binary, "serve"], env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        deadline = t0 + 30
        try:
            while True:
                if ready("127.0.0.1", port, timeout=0.5):
                    times.append((time.perf_counter() - t0) * 1000)
                    break
                if proc.poll() is not None or time.perf_counter() > deadline:
                    sys.exit(f"folio serve did not become ready (exit {proc.poll()})")
                time.sleep(0.002)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()
    json.dump({"runs_ms": times, "median_ms": statistics.median(times)}, open(out, "w"))


# --- the scale scenario ----------------------------------------------------------------------

RARE_WORD, COMMON_WORD, COMMON_TAG = "quokka", "zephyr", "common"


def export(out, n):
    """A Folio export (crates/folio-store/src/export.rs, format version 1) of n posts."""
    rng = random.Random(n)
    base = datetime(2015, 1, 1, tzinfo=timezone.utc)
    stamp = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
    tags = [{"id": 1, "name": "Common", "slug": COMMON_TAG, "description": ""}] + [
        {"id": k, "name": f"Topic {k}", "slug": f"topic-{k}", "description": ""} for k in range(2, 51)]
    rare_every = max(1, n // 10)
    with open(out, "w") as f:
        f.write(json.dumps({
            "format": "folio-site-export", "version": 1, "exported_at": stamp(datetime.now(timezone.utc)),
            "settings": {"title": "Folio benchmark site"},
            "users": [{"id": 1, "email": "owner@example.com", "name": "Olive Owner", "slug": "olive-owner",
                       "role": "owner", "bio": "", "password_hash": None, "created_at": stamp(base),
                       "updated_at": stamp(base), "deactivated_at": None}],
            "tags": tags, "redirects": [], "media": []})[:-1])
        f.write(', "posts": [')
        for i in range(1, n + 1):
            words = prose(rng, 120)
            if i % 10 == 0:
                words += f" The {COMMON_WORD} blows."
            if i % rare_every == 0:
                words += f" A {RARE_WORD} appears."
            at = stamp(base + timedelta(minutes=i))
            post = {"id": i, "kind": "post", "title": f"Post {i}: " + prose(rng, 6).rstrip("."),
                    "slug": f"post-{i}", "markdown": words + "\n", "custom_excerpt": "", "feature_image": None,
                    "feature_image_alt": "", "status": "published", "published_at": at, "created_at": at,
                    "updated_at": at, "author_id": 1, "seo_title": "", "seo_description": "",
                    "canonical_url": "", "tags": ([1] if i % 2 == 0 else []) + [2 + i % 49]}
            f.write(("," if i > 1 else "") + json.dumps(post))
        f.write("]}")


def seed_api(url, token, n):
    """Alternative to `folio import`: n posts through the admin API, 8 at a time. Much slower;
    for when the export format and this generator disagree (SEED=api)."""
    u = urllib.parse.urlsplit(url)
    rng = random.Random(n)
    rare_every = max(1, n // 10)
    bodies = []
    for i in range(1, n + 1):
        words = prose(rng, 120)
        if i % 10 == 0:
            words += f" The {COMMON_WORD} blows."
        if i % rare_every == 0:
            words += f" A {RARE_WORD} appears."
        bodies.append({"title": f"Post {i}: " + prose(rng, 6).rstrip("."), "slug": f"post-{i}",
                       "markdown": words + "\n", "status": "published",
                       "tags": (["Common"] if i % 2 == 0 else []) + [f"Topic {2 + i % 49}"]})

    def create(body):
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        try:
            conn.request("POST", "/api/v1/admin/posts", json.dumps(body),
                         {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            if resp.status != 201:
                raise RuntimeError(f"POST {body['slug']}: {resp.status}")
        finally:
            conn.close()

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for done, _ in enumerate(pool.map(create, bodies), 1):
            if done % 5000 == 0:
                print(f"  {done}/{n}", file=sys.stderr)


def timed_get(host, port, path):
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection(host, port, timeout=60)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    return (time.perf_counter() - t0) * 1000, resp.status, body


def latency(url, token, samples, out, *paths):
    """For each path: `samples` times, a tiny edit through the API (any write makes every
    cached page stale), then one GET (a cache miss) and a second GET (a hit). Medians."""
    u = urllib.parse.urlsplit(url)
    host, port = u.hostname, u.port

    def api(method, path, body=None):
        conn = http.client.HTTPConnection(host, port, timeout=60)
        try:
            conn.request(method, path, json.dumps(body) if body is not None else None,
                         {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
            if resp.status >= 300:
                sys.exit(f"{method} {path}: {resp.status} {data[:300]!r}")
            return json.loads(data) if data else None
        finally:
            conn.close()

    # Edit the post with id 1, an old one: it is on none of the measured pages, but any
    # write makes every cached page stale.
    post_id = 1
    result = {}
    for path in paths:
        misses, hits, status, size = [], [], None, 0
        for k in range(samples):
            api("PATCH", f"/api/v1/admin/posts/{post_id}", {"excerpt": f"edit {k} of {path}"})
            ms, status, body = timed_get(host, port, path)
            if status != 200:
                sys.exit(f"GET {path}: {status}")
            misses.append(ms)
            size = len(body)
            hits.append(timed_get(host, port, path)[0])
        result[path] = {"miss_ms": statistics.median(misses), "hit_ms": statistics.median(hits),
                        "bytes": size, "samples": samples}
    json.dump(result, open(out, "w"))


# --- the report -------------------------------------------------------------------------------

def to_ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def parse_wrk(text):
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if not m:  # wrk failed: no figure, the error kept
        return {"rps": None, "p50": None, "p99": None, "non2xx": 0, "errors": text.strip()[-200:]}
    rps = float(m.group(1))
    dist = re.search(r"Latency Distribution(.*?)\n\s*\d+ requests in", text, re.S).group(1)
    pct = {int(p): to_ms(v, u) for p, v, u in re.findall(r"(\d+)%\s+([\d.]+)(us|ms|s)\b", dist)}
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sockerr = re.search(r"Socket errors:(.*)", text)
    return {"rps": rps, "p50": pct.get(50), "p99": pct.get(99),
            "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "errors": sockerr.group(1).strip() if sockerr else ""}


def fmt(x, digits=0):
    return "–" if x is None else f"{x:,.{digits}f}"


def report(work, out):
    figures = {}
    path = os.path.join(work, "figures.txt")
    if os.path.exists(path):
        for line in open(path):
            k, _, v = line.strip().partition("=")
            figures[k] = v
    lines = ["# Folio benchmark results", "",
             f"{figures.get('date', '')} · folio {figures.get('rev', '?')} · {figures.get('cpu', '')} · "
             f"{figures.get('cores', '?')} cores · {figures.get('mem', '')} · {figures.get('kernel', '')} · "
             f"load average at the start {figures.get('load', '?')} · binary built {figures.get('binary', '?')}", ""]
    wrk_dir = os.path.join(work, "wrk")
    if os.path.isdir(wrk_dir):
        runs = {"folio": [], "nginx": []}
        for name in sorted(os.listdir(wrk_dir)):
            server = name.split("-")[0]
            runs[server].append(parse_wrk(open(os.path.join(wrk_dir, name)).read()))
        med = {s: {k: statistics.median([r[k] for r in rs if r[k] is not None] or [0])
                   for k in ("rps", "p50", "p99")} for s, rs in runs.items()}
        bad = {s: sum(r["non2xx"] for r in rs) for s, rs in runs.items()}
        errs = {s: "; ".join(r["errors"] for r in rs if r["errors"]) for s, rs in runs.items()}
        ratio = lambda k: med["folio"][k] / med["nginx"][k] if med["nginx"][k] else None
        kb = lambda k: int(figures[k]) / 1024 if figures.get(k) else None
        startup = json.load(open(os.path.join(work, "startup.json"))) if os.path.exists(os.path.join(work, "startup.json")) else None
        lines += [
            "## A cached post page: folio serve vs nginx serving the same bytes", "",
            f"wrk -t{figures['threads']} -c{figures['connections']} -d{figures['duration']} on loopback, "
            f"{figures['rounds']} alternating rounds each, medians. The page: {int(figures['page_bytes']):,} bytes "
            f"of HTML ({figures['post_words']} words of Markdown with a code block), fetched once before to fill "
            "the cache; nginx serves that file (sendfile, keep-alive, access log off, 2 workers).", "",
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
            f"| start to first /readyz 200, existing database (ms, median of {len(startup['runs_ms']) if startup else 0}) | "
            f"{fmt(startup['median_ms'] if startup else None, 1)} |",
            "",
        ]
        if startup:
            lines += [f"Start-up runs (ms): {', '.join(f'{t:.1f}' for t in startup['runs_ms'])}", ""]
        if errs["folio"] or errs["nginx"]:
            lines += [f"Socket errors: folio: {errs['folio'] or 'none'}; nginx: {errs['nginx'] or 'none'}", ""]
    small_path, large_path = os.path.join(work, "scale-small.json"), os.path.join(work, "scale-large.json")
    if os.path.exists(small_path) and os.path.exists(large_path):
        small, large = json.load(open(small_path)), json.load(open(large_path))
        lines += [
            f"## Listings and search: {small['posts']:,} vs {large['posts']:,} posts", "",
            f"Each figure: median of {small['samples']} requests, each right after a write through the API "
            "(so the page cache misses), on a fresh connection. Target: the large site within 2× the small one.", "",
            f"| page | {small['posts']:,} posts (ms) | {large['posts']:,} posts (ms) | ratio | within 2× | cached, large (ms) |",
            "|---|---:|---:|---:|:---:|---:|",
        ]
        for path, label in small["labels"].items():
            a, b = small["paths"][path], large["paths"][path]
            r = b["miss_ms"] / a["miss_ms"] if a["miss_ms"] else None
            ok = "yes" if r is not None and r <= 2 else "**no**"
            lines.append(f"| {label} `{path}` | {fmt(a['miss_ms'], 2)} | {fmt(b['miss_ms'], 2)} | "
                         f"{fmt(r, 2)} | {ok} | {fmt(b['hit_ms'], 2)} |")
        lines += ["", f"Seeding ({small['seed']}): {fmt(small['seed_s'], 1)} s for {small['posts']:,} posts, "
                      f"{fmt(large['seed_s'], 1)} s for {large['posts']:,}.", ""]
    for name, section in (("replicas", replicas_section), ("uncached", uncached_section),
                          ("wordpress", wordpress_section)):
        if os.path.exists(os.path.join(work, name, "info.json")):
            lines += section(work, figures)
    lines += scale_servers_section(work, figures)
    notes = os.path.join(work, "disturbed.txt")
    if os.path.exists(notes) and os.path.getsize(notes):
        lines += ["## Possibly disturbed", "", "A build or a test suite (cargo, rustc, nextest or pytest) ran on the machine "
                  "during these rounds, so their figures may be low:", ""]
        lines += [f"- {l.strip()}" for l in open(notes) if l.strip()] + [""]
    waits = os.path.join(work, "waits.txt")
    if os.path.exists(waits) and os.path.getsize(waits):
        lines += ["Before some rounds the script waited for a build or test run to end: " +
                  "; ".join(l.strip() for l in open(waits) if l.strip()) + ".", ""]
    text = "\n".join(lines)
    with open(out, "w") as f:
        f.write(text)
    print(text)


# --- the scale-out tier: replicas, uncached rendering, scale on the servers -------------------

def nginx_upstream(src, name, *ports):
    """deploy/nginx/upstream.conf with its `server` lines replaced by our replicas (keeping
    the options of the first one) and the upstream renamed to `name`. A replica is a port
    on 127.0.0.1 or an address such as unix:/path."""
    out, done = [], False
    for line in open(src):
        m = re.match(r"(\s*)server\s+\S+(.*)$", line)
        if m:
            if not done:
                out += [f"{m.group(1)}server {p if not p.isdigit() else '127.0.0.1:' + p}{m.group(2)}\n" for p in ports]
                done = True
            continue
        out.append(re.sub(r"^(\s*)upstream\s+folio\s*\{", rf"\1upstream {name} {{", line))
    if not done:
        sys.exit(f"{src}: no `server` line to replace")
    sys.stdout.write("".join(out))


def wrk_runs(directory):
    """{name: [parsed wrk run, ...]} for files NAME-rK.txt in directory."""
    runs = {}
    for f in sorted(os.listdir(directory)):
        m = re.match(r"(.+)-r(\d+)\.txt$", f)
        if m:
            runs.setdefault(m.group(1), []).append(parse_wrk(open(os.path.join(directory, f)).read()))
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
    info = json.load(open(os.path.join(d, "info.json")))
    runs = wrk_runs(os.path.join(d, "wrk"))
    conc = info["concurrencies"]
    get = lambda setup, c: runs.get(f"{setup}-c{c}", [])
    keys = [k for k, _ in REPLICA_LABELS]
    lines = [
        "## Scale-out: a cached post page through Nginx, 1 and 3 replicas vs Nginx static", "",
        f"Nginx {info['nginx_version']} with Folio's `deploy/nginx/folio.conf` and `upstream.conf` "
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
        "wrk, Nginx and every replica share the machine's cores.", "",
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
    lines += ["", "Target (3 replicas ≥ 0.5 × Nginx static): "
              f"on TCP ports met at {sum(met['three'])} of {len(conc)} concurrencies, "
              f"on Unix sockets at {sum(met['unix'])} of {len(conc)}.", ""]
    return lines


def replicas_plot(work, out):
    d = os.path.join(work, "replicas")
    info = json.load(open(os.path.join(d, "info.json")))
    runs = wrk_runs(os.path.join(d, "wrk"))
    figures = {}
    for line in open(os.path.join(work, "figures.txt")):
        k, _, v = line.strip().partition("=")
        figures[k] = v
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no plot: matplotlib is missing (python3 -m pip install -r bench/requirements.txt)", file=sys.stderr)
        return
    plt.rcParams["svg.hashsalt"] = "folio-bench"
    conc = info["concurrencies"]
    fig, ax = plt.subplots(figsize=(7.5, 5.4))
    for key, label, style in (("static", "Nginx, static file", "o--"),
                              ("hop", "Nginx → Nginx static over TCP (the hop's ceiling)", "x:"),
                              ("unix", "3 Folio replicas behind Nginx, Unix sockets", "D-"),
                              ("three", "3 Folio replicas behind Nginx, TCP", "s-"),
                              ("one", "1 Folio replica behind Nginx, TCP", "^-")):
        xs, ys, lo, hi = [], [], [], []
        for c in conc:
            rs = [r["rps"] for r in runs.get(f"{key}-c{c}", []) if r["rps"] is not None]
            if not rs:
                continue
            m = statistics.median(rs)
            xs.append(c)
            ys.append(m)
            lo.append(m - min(rs))
            hi.append(max(rs) - m)
        ax.errorbar(xs, ys, yerr=[lo, hi], fmt=style, capsize=3, label=label)
    half = [(c, statistics.median(rs) / 2) for c in conc
            if (rs := [r["rps"] for r in runs.get(f"static-c{c}", []) if r["rps"] is not None])]
    if half:
        ax.plot([c for c, _ in half], [h for _, h in half], color="gray", linewidth=1, linestyle="--",
                label="the target: 0.5 × Nginx static")
    ax.set_xscale("log", base=2)
    ax.set_xticks(conc)
    ax.set_xticklabels([str(c) for c in conc])
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel("concurrent connections (wrk -c)")
    ax.set_ylabel("requests/s (median; bars: min–max)")
    ax.set_title(f"A cached {info['page_bytes'] // 1024} KB post page through Nginx, "
                 f"{figures.get('cores', '?')} cores shared with wrk", fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
    fig.text(0.01, 0.01, f"folio {figures.get('rev', '?')} · {figures.get('date', '')} · bench/run.sh replicas",
             fontsize=7, color="gray")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(out, metadata={"Date": None} if out.endswith(".svg") else None)
    print(f"plot: {out}", file=sys.stderr)


def uncached_section(work, figures):
    d = os.path.join(work, "uncached")
    info = json.load(open(os.path.join(d, "info.json")))
    runs = wrk_runs(os.path.join(d, "wrk"))
    c = info["connections"]
    ref = med(runs.get(f"cached-c{c}", []), "rps")
    ref1 = med(runs.get("cached-c1", []), "rps")
    lines = [
        "## Uncached: the post page rendered from the database on every request", "",
        f"One `folio serve`, direct (no Nginx), `FOLIO_PAGE_CACHE_MB=0`, no Redis; the same "
        f"{info['post_words']}-word post on each database. The reference: the same page from the page "
        "cache (MariaDB, cache on). "
        f"`wrk -t1 -c1` (one request at a time: the time to render a page) and `wrk -t{info['threads']} -c{c}`, "
        f"`-d{info['duration']}`, {info['rounds']} rounds, the set-ups interleaved; medians. "
        "The database servers share the machine's cores with Folio and wrk.", "",
        f"| set-up | requests/s, c={c} | / cached | requests/s, c=1 | / cached | p50, c=1 (ms) | p99, c=1 (ms) | "
        f"p50, c={c} (ms) | `x-folio-cache` |",
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
    lines += ["", f"Page bytes per set-up: " + ", ".join(f"{k} {v:,}" for k, v in info["page_bytes"].items()) +
              f". Non-2xx responses: {bad}." + (f" Socket errors: {errs}." if errs else ""), ""]
    return lines


def scale_servers_section(work, figures):
    lines = []
    for backend, label in (("sqlite", "SQLite"), ("mariadb", "MariaDB"), ("postgres", "PostgreSQL")):
        sp = os.path.join(work, f"scale-{backend}-small.json")
        lp = os.path.join(work, f"scale-{backend}-large.json")
        if not os.path.exists(sp):
            continue
        small = json.load(open(sp))
        large = json.load(open(lp)) if os.path.exists(lp) else None
        failed = json.load(open(lp + ".failed")) if os.path.exists(lp + ".failed") else None
        n_large = f"{large['posts']:,}" if large else "(large site not measured)"
        lines += [f"## Listings and search on {label}: {small['posts']:,} vs {n_large} posts", "",
                  f"Each figure: median of {small['samples']} requests, each right after a write through the API "
                  "(so the page cache misses), on a fresh connection, one `folio serve` direct. "
                  "Target: the large site within 2× the small one.", ""]
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
    info = json.load(open(os.path.join(d, "info.json")))
    runs = wrk_runs(os.path.join(d, "wrk"))
    c = info["connections"]
    ref, ref1 = med(runs.get(f"folio-c{c}", []), "rps"), med(runs.get("folio-c1", []), "rps")
    lines = [
        "## Folio vs WordPress: the same post behind the same Nginx, on the same MariaDB", "",
        f"Debian's WordPress {info['wordpress']} (theme Twenty Twenty-Three, pretty permalinks, WP-Cron off) on "
        f"{info['php']} FPM with OPcache, `pm = static` with {info['children']} workers; Folio, one replica each, "
        "through `deploy/nginx/folio.conf`. Each has its own database on the same MariaDB; the post is the same "
        "(Folio's HTML of it given to WordPress as its content). `wordpress_cached`: Nginx's `fastcgi_cache` "
        "in front of PHP (10 minutes, skipped for signed-in readers). "
        f"`wrk -t1 -c1` and `wrk -t{info['threads']} -c{c}`, `-d{info['duration']}`, {info['rounds']} rounds, "
        "interleaved; medians. Ratios are to Folio with its page cache.", "",
        f"| set-up | page bytes | requests/s, c={c} | / Folio | requests/s, c=1 | / Folio | p50, c=1 (ms) | "
        f"p99, c=1 (ms) | p99, c={c} (ms) | cache header |",
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


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"post-body": lambda: post_body(*args),
     "startup": lambda: startup(int(args[0]), args[1], args[2]),
     "export": lambda: export(args[0], int(args[1])),
     "seed-api": lambda: seed_api(args[0], args[1], int(args[2])),
     "latency": lambda: latency(args[0], args[1], int(args[2]), args[3], *args[4:]),
     "nginx-upstream": lambda: nginx_upstream(args[0], args[1], *args[2:]),
     "plot": lambda: replicas_plot(args[0], args[1]),
     "report": lambda: report(args[0], args[1])}[cmd]()
PYTHON

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Points the folio CLI at a site directory and a port (exported for folio and bench.py).
use_site() {
    export FOLIO_DATA_DIR=$1/data FOLIO_LISTEN=127.0.0.1:$2 FOLIO_BASE_URL=http://127.0.0.1:$2
    mkdir -p "$FOLIO_DATA_DIR"
}

# Starts `folio serve` for the current site; sets FOLIO_PID. Waits (bounded) for /readyz.
start_folio() {
    local log=$1 i
    "$FOLIO_BIN" serve >>"$log" 2>&1 &
    FOLIO_PID=$!
    PIDS+=("$FOLIO_PID")
    for i in $(seq 400); do
        if curl -fsS -o /dev/null "$FOLIO_BASE_URL/readyz" 2>/dev/null; then return 0; fi
        kill -0 "$FOLIO_PID" 2>/dev/null || { cat "$log" >&2; die "folio serve exited"; }
        sleep 0.05
    done
    cat "$log" >&2
    die "folio serve was not ready within 20 s"
}

stop_pid() {
    local keep=() p
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}

owner_token() {
    "$FOLIO_BIN" token create --email "$OWNER_EMAIL" --label bench
}

rss_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

FIG=$WORK/figures.txt
{
    echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
    echo "rev=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$REPO" diff --quiet 2>/dev/null || echo -dirty)"
    echo "cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
    echo "cores=$(nproc)"
    echo "kernel=$(uname -sr)"
    echo "mem=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "load=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "binary=$(stat -c %y "$FOLIO_BIN" | cut -d. -f1)"
} >"$FIG"

# --- scenario 1: a cached post page, folio vs nginx -----------------------------------------
bench_static() {
    local site=$WORK/static port nginx_port token slug url path i server target sampler
    mkdir -p "$site" "$WORK/wrk"
    port=$(free_port)
    use_site "$site" "$port"
    say "folio: a site with one long post"
    "$FOLIO_BIN" migrate >/dev/null
    printf 'bench password, long enough\n' |
        "$FOLIO_BIN" user create --email "$OWNER_EMAIL" --name "Olive Owner" --role owner --password-stdin >/dev/null
    token=$(owner_token)
    start_folio "$site/serve.log"
    local words
    words=$(python3 "$PY" post-body "$site/post.json")
    curl -fsS -X POST "$FOLIO_BASE_URL/api/v1/admin/posts" -H "Authorization: Bearer $token" \
        -H 'Content-Type: application/json' --data-binary "@$site/post.json" -o "$site/created.json"
    url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$site/created.json")
    path=${url#"$FOLIO_BASE_URL"}
    slug=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["slug"])' "$site/created.json")

    # Warm the cache, then keep the exact bytes for nginx.
    curl -fsS -o /dev/null "$FOLIO_BASE_URL$path"
    mkdir -p "$WORK/www/$slug"
    curl -fsS -o "$WORK/www/$slug/index.html" "$FOLIO_BASE_URL$path"
    chmod -R a+rX "$WORK/www"
    sleep 1
    echo "idle_rss_kb=$(rss_kb "$FOLIO_PID" VmRSS)" >>"$FIG"
    {
        echo "page_bytes=$(stat -c %s "$WORK/www/$slug/index.html")"
        echo "post_words=$words"
        echo "rounds=$ROUNDS"
        echo "duration=$DURATION"
        echo "connections=$CONNECTIONS"
        echo "threads=$THREADS"
    } >>"$FIG"

    say "nginx: the same bytes as a static file"
    nginx_port=$(free_port)
    mkdir -p "$WORK/nginx/tmp"
    {
        nginx_head "$WORK" 1024
        static_server "$nginx_port" "$WORK/www"
        echo "}"
    } >"$WORK/nginx/nginx.conf"
    "$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" &
    local nginx_pid=$!
    PIDS+=("$nginx_pid")
    for i in $(seq 200); do
        curl -fsS -o /dev/null "http://127.0.0.1:$nginx_port$path" 2>/dev/null && break
        kill -0 "$nginx_pid" 2>/dev/null || { cat "$WORK/nginx/error.log" >&2; die "nginx exited"; }
        sleep 0.05
    done
    curl -fsS "http://127.0.0.1:$nginx_port$path" | cmp -s - "$WORK/www/$slug/index.html" ||
        die "nginx does not serve the saved page byte for byte"

    say "wrk: $ROUNDS rounds of $DURATION each, alternating (plus a short warm-up)"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "$FOLIO_BASE_URL$path" >/dev/null
    wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "http://127.0.0.1:$nginx_port$path" >/dev/null
    local max_rss=0
    for i in $(seq "$ROUNDS"); do
        for server in folio nginx; do
            if [ $server = folio ]; then target=$FOLIO_BASE_URL$path; else target=http://127.0.0.1:$nginx_port$path; fi
            if [ $server = folio ]; then
                # Highest VmRSS seen while wrk runs, sampled every 100 ms.
                (
                    m=0
                    while kill -0 "$FOLIO_PID" 2>/dev/null; do
                        v=$(rss_kb "$FOLIO_PID" VmRSS)
                        [ "${v:-0}" -gt "$m" ] && m=$v && echo "$m" >"$WORK/rss-max"
                        sleep 0.1
                    done
                ) &
                sampler=$!
            fi
            wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$target" >"$WORK/wrk/$server-$i.txt"
            if [ $server = folio ]; then
                kill "$sampler" 2>/dev/null || true
                wait "$sampler" 2>/dev/null || true
                local v
                v=$(cat "$WORK/rss-max" 2>/dev/null || echo 0)
                [ "$v" -gt "$max_rss" ] && max_rss=$v
            fi
            grep -E 'Requests/sec' "$WORK/wrk/$server-$i.txt" | sed "s/^/  $server round $i: /" >&2
        done
    done
    {
        echo "load_rss_max_kb=$max_rss"
        echo "load_hwm_kb=$(rss_kb "$FOLIO_PID" VmHWM)"
    } >>"$FIG"
    curl -fsS "$FOLIO_BASE_URL$path" | cmp -s - "$WORK/www/$slug/index.html" ||
        echo "warning: folio's page changed during the run (bytes differ from the saved copy)" >&2
    stop_pid "$nginx_pid"
    stop_pid "$FOLIO_PID"

    say "start-up: spawn to /readyz 200 on the existing database, $STARTS runs"
    python3 "$PY" startup "$STARTS" "$FOLIO_BIN" "$WORK/startup.json"
}

# --- scenario 2: listings and search, small vs large site -----------------------------------
# Seeds a site of $2 posts into directory $1 and measures it; writes $3 (JSON).
bench_scale_one() {
    local site=$1 n=$2 out=$3 port token t0 seed_s
    mkdir -p "$site"
    port=$(free_port)
    use_site "$site" "$port"
    "$FOLIO_BIN" migrate >/dev/null
    t0=$(date +%s.%N)
    if [ "$SEED" = import ]; then
        say "seeding $n posts: generate a Folio export, then folio import"
        python3 "$PY" export "$site/export.json" "$n"
        "$FOLIO_BIN" import "$site/export.json" >/dev/null
        token=$(owner_token)
        start_folio "$site/serve.log"
    else
        say "seeding $n posts through the API, 8 at a time"
        printf 'bench password, long enough\n' |
            "$FOLIO_BIN" user create --email "$OWNER_EMAIL" --name "Olive Owner" --role owner --password-stdin >/dev/null
        token=$(owner_token)
        start_folio "$site/serve.log"
        python3 "$PY" seed-api "$FOLIO_BASE_URL" "$token" "$n"
    fi
    seed_s=$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$t0" "$(date +%s.%N)")
    say "measuring $n posts: $SAMPLES cache misses per page"
    python3 "$PY" latency "$FOLIO_BASE_URL" "$token" "$SAMPLES" "$site/latency.json" \
        / /tag/common/ "/search?q=quokka" "/search?q=zephyr"
    python3 - "$site/latency.json" "$out" "$n" "$seed_s" "$SEED" "$SAMPLES" <<'PYTHON'
import json, sys
paths, out, n, seed_s, seed, samples = sys.argv[1:]
json.dump({"posts": int(n), "seed_s": float(seed_s), "seed": seed, "samples": int(samples),
           "paths": json.load(open(paths)),
           "labels": {"/": "home", "/tag/common/": "tag page (half the posts)",
                      "/search?q=quokka": "search, 10 matches",
                      "/search?q=zephyr": "search, a tenth of the posts match"}}, open(out, "w"))
PYTHON
    stop_pid "$FOLIO_PID"
    rm -f "$site/export.json"
}

bench_scale() {
    bench_scale_one "$WORK/scale-small" "$SCALE_SMALL" "$WORK/scale-small.json"
    bench_scale_one "$WORK/scale-large" "$SCALE_LARGE" "$WORK/scale-large.json"
}

# --- the scale-out tier: helpers for the database servers, Redis and replicas ----------------

# Waits (bounded) while a build or a test suite runs (cargo, rustc, nextest, pytest), so that
# it does not disturb a round,
# and notes a round that a build or test may have disturbed all the same.
busy() {
    pgrep -x cargo >/dev/null || pgrep rustc >/dev/null || pgrep -f nextest >/dev/null ||
        pgrep -f 'python3? -m pytest|bin/pytest' >/dev/null
}
WAITED=0 # seconds waited so far; QUIET_MAX bounds the total over the run
quiet() {
    local what=$1 waited=0
    while busy; do
        [ "$waited" -gt 0 ] || say "waiting for cargo/rustc/nextest/pytest to end before $what ($WAITED of at most $QUIET_MAX s waited so far)"
        if [ "$WAITED" -ge "$QUIET_MAX" ]; then
            echo "$what: started while a build or test ran (the run had waited $QUIET_MAX s, QUIET_MAX, and waits no more)" >>"$WORK/disturbed.txt"
            break
        fi
        sleep 5
        waited=$((waited + 5))
        WAITED=$((WAITED + 5))
    done
    [ "$waited" -eq 0 ] || echo "${waited} s before $what" >>"$WORK/waits.txt"
}
check_quiet() { if busy; then echo "$1: a build or test was running at its end" >>"$WORK/disturbed.txt"; fi; }

# One measured wrk round: waits for quiet, runs wrk, notes a disturbance. $1: output file.
wrk_round() {
    local out=$1 label
    shift
    label=$(basename "$out" .txt)
    quiet "$label"
    wrk "$@" >"$out" 2>&1 || echo "wrk exited with an error" >>"$out"
    check_quiet "$label"
    { grep -E 'Requests/sec' "$out" || echo "(no figure)"; } | sed "s/^/  $label: /" >&2
}

free_ports() { python3 -c 'import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"; }

# MariaDB, PostgreSQL and Redis: the ones in FOLIO_TEST_{MARIADB,POSTGRES,REDIS}_URL, else
# those of scripts/services (started when not running).
SERVERS_READY=0
servers() {
    [ "$SERVERS_READY" = 0 ] || return 0
    if [ -z "${FOLIO_TEST_MARIADB_URL:-}" ] || [ -z "${FOLIO_TEST_POSTGRES_URL:-}" ] || [ -z "${FOLIO_TEST_REDIS_URL:-}" ]; then
        say "scripts/services start (MariaDB, PostgreSQL and Redis on loopback)"
        eval "$("$REPO/scripts/services" start)"
    fi
    MARIADB_URL=$FOLIO_TEST_MARIADB_URL POSTGRES_URL=$FOLIO_TEST_POSTGRES_URL REDIS_URL=$FOLIO_TEST_REDIS_URL
    # ours, not Folio's (folio warns about FOLIO_* variables it does not know)
    export -n FOLIO_TEST_MARIADB_URL FOLIO_TEST_POSTGRES_URL FOLIO_TEST_REDIS_URL
    SERVERS_READY=1
}

url_part() {
    python3 -c 'import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1])
print({"user": p.username, "password": u.unquote(p.password or ""), "host": p.hostname, "port": p.port}[sys.argv[2]])' "$1" "$2"
}
# The server's URL with the database name as its path.
url_with_db() { python3 -c 'import sys, urllib.parse as u; print(u.urlsplit(sys.argv[1])._replace(path="/" + sys.argv[2]).geturl())' "$1" "$2"; }

db_sql() { # backend, one SQL statement
    local url
    case $1 in
    mariadb)
        url=$MARIADB_URL
        MYSQL_PWD=$(url_part "$url" password) mysql --protocol=TCP -h "$(url_part "$url" host)" \
            -P "$(url_part "$url" port)" -u "$(url_part "$url" user)" -e "$2"
        ;;
    postgres)
        url=$POSTGRES_URL
        PGOPTIONS="-c client_min_messages=warning" PGPASSWORD=$(url_part "$url" password) psql -X -q -v ON_ERROR_STOP=1 -h "$(url_part "$url" host)" \
            -p "$(url_part "$url" port)" -U "$(url_part "$url" user)" -d postgres -c "$2"
        ;;
    esac
}

# Creates a fresh database folio_b_<pid>_<suffix> on the server; sets DB_URL. Every database
# made here is dropped on exit (DBS).
create_db() { # backend, suffix
    local name=folio_b_$$_$2
    servers
    case $1 in
    mariadb)
        db_sql mariadb "DROP DATABASE IF EXISTS $name"
        db_sql mariadb "CREATE DATABASE $name CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        DB_URL=$(url_with_db "$MARIADB_URL" "$name")
        ;;
    postgres)
        db_sql postgres "DROP DATABASE IF EXISTS $name WITH (FORCE)"
        db_sql postgres "CREATE DATABASE $name"
        DB_URL=$(url_with_db "$POSTGRES_URL" "$name")
        ;;
    *) die "create_db: unknown backend $1" ;;
    esac
    DBS+=("$1 $name")
}
drop_db() { # backend, name
    case $1 in
    mariadb) db_sql mariadb "DROP DATABASE IF EXISTS $2" ;;
    postgres) db_sql postgres "DROP DATABASE IF EXISTS $2 WITH (FORCE)" ;;
    esac
}
drop_dbs() {
    local entry
    for entry in "${DBS[@]}"; do
        # shellcheck disable=SC2086
        drop_db $entry >/dev/null 2>&1 || echo "bench/run.sh: could not drop database ${entry#* }" >&2
    done
    DBS=()
}

# Starts `folio serve` on 127.0.0.1:PORT with the given environment; sets LAST_PID. Waits
# (bounded) for /readyz.
serve_env() { # log, port on 127.0.0.1 or unix:PATH, NAME=value...
    local log=$1 port=$2 i listen probe
    shift 2
    case $port in
    unix:*) listen=$port probe=(--unix-socket "${port#unix:}" http://localhost/readyz) ;;
    *) listen=127.0.0.1:$port probe=("http://127.0.0.1:$port/readyz") ;;
    esac
    env "$@" FOLIO_LISTEN="$listen" "$FOLIO_BIN" serve >>"$log" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
    for i in $(seq 600); do
        if curl -fsS -o /dev/null "${probe[@]}" 2>/dev/null; then return 0; fi
        kill -0 "$LAST_PID" 2>/dev/null || { tail -20 "$log" >&2; die "folio serve exited (log: $log)"; }
        sleep 0.05
    done
    tail -20 "$log" >&2
    die "folio serve on port $port was not ready within 30 s"
}

# The owner account and an API token for it; sets TOKEN. Arguments: the site's environment.
make_owner() {
    printf 'bench password, long enough\n' |
        env "$@" "$FOLIO_BIN" user create --email "$OWNER_EMAIL" --name "Olive Owner" --role owner --password-stdin >/dev/null
    TOKEN=$(env "$@" "$FOLIO_BIN" token create --email "$OWNER_EMAIL" --label bench)
}

# The long post of scenario 1, created through the API at $1; sets POST_URL and POST_WORDS.
create_post() { # api base, token, directory
    POST_WORDS=$(python3 "$PY" post-body "$3/post.json")
    curl -fsS -X POST "$1/api/v1/admin/posts" -H "Authorization: Bearer $2" \
        -H 'Content-Type: application/json' --data-binary "@$3/post.json" -o "$3/created.json"
    POST_URL=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$3/created.json")
}

cache_header() { curl -fsS -o /dev/null -D - "$@" | awk -F': ' 'tolower($1) == "x-folio-cache" { gsub("\r", "", $2); print $2 }'; }

cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }

start_nginx() { # directory with nginx.conf; sets NGINX_PID
    "$NGINX" -t -q -p "$1" -c "$1/nginx.conf" -e "$1/error.log" || die "nginx -t failed on $1/nginx.conf"
    "$NGINX" -p "$1" -c "$1/nginx.conf" -e "$1/error.log" &
    NGINX_PID=$!
    PIDS+=("$NGINX_PID")
}
wait_url() { # url: bounded wait for a 2xx
    local i
    for i in $(seq 200); do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    die "no answer from $1"
}

# --- scenario 3: a cached post page through Nginx, 1 and 3 replicas vs Nginx static ----------
# Set-ups: static (the reference: Nginx serving the bytes from a file), hop (the same proxy
# configuration in front of that static server: the most any backend can get through a
# TCP hop), one (1 replica, a thread per core), three (3 replicas on TCP ports) and unix
# (3 replicas on Unix sockets); the 3-replica set-ups run FOLIO_WORKER_THREADS=1 each, as
# docs/DEPLOYMENT.md advises for replicas that outnumber the cores.
REPLICA_SETUPS=(static hop one three unix)
bench_replicas() {
    local d=$WORK/replicas i c r k setup target path file rports p_static p_hop p_one p_three p_unix base
    unset FOLIO_DATA_DIR FOLIO_LISTEN FOLIO_BASE_URL FOLIO_DATABASE_URL
    servers
    mkdir -p "$d/wrk" "$d/data" "$d/www" "$d/nginx/tmp" "$d/sock"
    read -r -a rports <<<"$(free_ports 9)"
    p_static=${rports[4]} p_hop=${rports[5]} p_one=${rports[6]} p_three=${rports[7]} p_unix=${rports[8]}
    local one_port=${rports[0]} tports=("${rports[@]:1:3}") sockets=("$d/sock/folio-1.sock" "$d/sock/folio-2.sock" "$d/sock/folio-3.sock")
    base=http://127.0.0.1:$p_three
    create_db mariadb replicas
    local site=(FOLIO_DATA_DIR="$d/data" FOLIO_DATABASE_URL="$DB_URL" FOLIO_REDIS_URL="$REDIS_URL"
        FOLIO_BASE_URL="$base" FOLIO_TRUSTED_PROXIES=127.0.0.1)
    say "replicas: a MariaDB database, the owner, seven folio serve with Redis (1 alone, 3 on ports, 3 on sockets)"
    env "${site[@]}" "$FOLIO_BIN" migrate >/dev/null
    make_owner "${site[@]}"
    local rpids=() names=(one)
    serve_env "$d/replica-one.log" "$one_port" "${site[@]}"
    rpids+=("$LAST_PID")
    for i in 0 1 2; do
        serve_env "$d/replica-tcp-$((i + 1)).log" "${tports[$i]}" "${site[@]}" FOLIO_WORKER_THREADS=1
        rpids+=("$LAST_PID") names+=("tcp-$((i + 1))")
    done
    for i in 0 1 2; do
        serve_env "$d/replica-unix-$((i + 1)).log" "unix:${sockets[$i]}" "${site[@]}" FOLIO_WORKER_THREADS=1
        rpids+=("$LAST_PID") names+=("unix-$((i + 1))")
    done
    create_post "http://127.0.0.1:$one_port" "$TOKEN" "$d"
    path=${POST_URL#"$base"}
    # Warm every replica: the first renders the page, the others find it in Redis and keep
    # it in memory. The second fetch from each should say `hit`.
    local warm=() how
    for i in 0 1 2 3 4 5 6; do
        case $i in
        0) how=("http://127.0.0.1:$one_port$path") ;;
        [123]) how=("http://127.0.0.1:${tports[$((i - 1))]}$path") ;;
        *) how=(--unix-socket "${sockets[$((i - 4))]}" "http://localhost$path") ;;
        esac
        warm+=("$(cache_header "${how[@]}")/$(cache_header "${how[@]}")")
    done
    case $path in */) file=$d/www${path}index.html ;; *) file=$d/www$path ;; esac
    mkdir -p "$(dirname "$file")"
    curl -fsS -o "$file" "http://127.0.0.1:$one_port$path"
    chmod -R a+rX "$d/www"

    say "nginx: deploy/nginx/folio.conf for each set-up, and the same bytes as a static file"
    # upstream name, listen port, replicas (ports or unix:PATH)
    local spec name port rest
    for spec in "folio_one $p_one $one_port" "folio $p_three ${tports[*]}" \
        "folio_unix $p_unix ${sockets[*]/#/unix:}" "folio_hop $p_hop $p_static"; do
        read -r name port rest <<<"$spec"
        # shellcheck disable=SC2086 # the replicas are words
        python3 "$PY" nginx-upstream "$REPO/deploy/nginx/upstream.conf" "$name" $rest >"$d/nginx/upstream-$name.conf"
        sed -E -e "s/^([[:space:]]*)listen 8080;/\1listen 127.0.0.1:$port;/" \
            -e "s#proxy_pass http://folio;#proxy_pass http://$name;#" "$REPO/deploy/nginx/folio.conf" >"$d/nginx/server-$name.conf"
        grep -q "listen 127.0.0.1:$port;" "$d/nginx/server-$name.conf" || die "deploy/nginx/folio.conf: no 'listen 8080;' line to change"
        grep -q "proxy_pass http://$name;" "$d/nginx/server-$name.conf" || die "deploy/nginx/folio.conf: no 'proxy_pass http://folio;' line"
    done
    {
        nginx_head "$d" 4096
        echo "    # Folio's configuration, as shipped, once per set-up."
        for name in folio_one folio folio_unix folio_hop; do
            echo "    include $d/nginx/upstream-$name.conf;"
            echo "    include $d/nginx/server-$name.conf;"
        done
        echo "    # The reference: the page's bytes as a static file."
        static_server "$p_static" "$d/www"
        echo "}"
    } >"$d/nginx/nginx.conf"
    start_nginx "$d/nginx"
    local url_static=http://127.0.0.1:$p_static$path url_hop=http://127.0.0.1:$p_hop$path url_one=http://127.0.0.1:$p_one$path
    local url_three=http://127.0.0.1:$p_three$path url_unix=http://127.0.0.1:$p_unix$path
    for setup in "${REPLICA_SETUPS[@]}"; do
        eval "target=\$url_$setup"
        wait_url "$target"
        curl -fsS "$target" | cmp -s - "$file" || die "$target does not serve the saved page byte for byte"
    done
    # Through Nginx, 3 requests in a row reach the 3 replicas (round robin): all from memory?
    local via=()
    for i in 1 2 3; do via+=("$(cache_header "$url_three")" "$(cache_header "$url_unix")"); done

    local n order count=${#REPLICA_SETUPS[@]}
    for c in $CONCURRENCIES; do
        say "c=$c: a 2 s warm-up each, then $ROUNDS rounds of $DURATION, the $count set-ups interleaved"
        for setup in "${REPLICA_SETUPS[@]}"; do
            eval "target=\$url_$setup"
            wrk -t"$THREADS" -c"$c" -d2s "$target" >/dev/null 2>&1 || true
        done
        for r in $(seq "$ROUNDS"); do
            # Rotate the order from round to round, so no set-up always runs first.
            order=()
            for n in $(seq 0 $((count - 1))); do order+=("${REPLICA_SETUPS[$(((n + r) % count))]}"); done
            for setup in "${order[@]}"; do
                eval "target=\$url_$setup"
                wrk_round "$d/wrk/$setup-c$c-r$r.txt" -t"$THREADS" -c"$c" -d"$DURATION" --latency "$target"
            done
        done
    done
    for target in "$url_one" "$url_three" "$url_unix"; do
        curl -fsS "$target" | cmp -s - "$file" ||
            echo "warning: $target changed during the run (bytes differ from the saved copy)" >&2
    done
    local cpu=()
    for i in "${!rpids[@]}"; do cpu+=("${names[$i]}=$(cpu_seconds "${rpids[$i]}")"); done
    python3 - "$d/info.json" "$(stat -c %s "$file")" "$THREADS" "$DURATION" "$ROUNDS" "$CONCURRENCIES" \
        "$("$NGINX" -v 2>&1 | sed 's#.*/##')" "${cpu[*]}" "${warm[*]}" "${via[*]}" "$POST_WORDS" <<'PYTHON'
import json, sys
out, size, threads, duration, rounds, conc, nginx, cpu, warm, via, words = sys.argv[1:]
json.dump({"page_bytes": int(size), "threads": int(threads), "duration": duration, "rounds": int(rounds),
           "concurrencies": [int(c) for c in conc.split()], "nginx_version": nginx,
           "replica_cpu_s": {k: float(v) for k, v in (x.split("=") for x in cpu.split())},
           "warm_cache_headers": warm.split(), "via_nginx_cache_headers": via.split(), "post_words": int(words)},
          open(out, "w"))
PYTHON
    echo "  x-folio-cache on each replica, first/second fetch: ${warm[*]}; through nginx (TCP, Unix): ${via[*]}" >&2
    stop_pid "$NGINX_PID"
    for i in "${!rpids[@]}"; do stop_pid "${rpids[$i]}"; done
    for i in 0 1 2; do [ ! -e "${sockets[$i]}" ] || echo "warning: ${sockets[$i]} is still there after its replica stopped" >&2; done
    say "plot: $PLOT"
    python3 "$PY" plot "$WORK" "$PLOT" || echo "bench/run.sh: the plot failed (the figures are in the table)" >&2
}

# --- scenario 4: the post page rendered from the database on every request -------------------
bench_uncached() {
    local d=$WORK/uncached setup r mode target order n ports base=http://127.0.0.1:8080 path
    unset FOLIO_DATA_DIR FOLIO_LISTEN FOLIO_BASE_URL FOLIO_DATABASE_URL
    servers
    mkdir -p "$d/wrk"
    read -r -a ports <<<"$(free_ports 4)"
    declare -A port=([cached]=${ports[0]} [sqlite]=${ports[1]} [mariadb]=${ports[2]} [postgres]=${ports[3]})
    declare -A pid headers bytes
    # One site per database, the same post on each. The same (unused) base URL everywhere,
    # so that the pages can be compared byte for byte.
    local backend site mariadb_url=""
    for backend in sqlite mariadb postgres; do
        mkdir -p "$d/$backend/data"
        site=(FOLIO_DATA_DIR="$d/$backend/data" FOLIO_BASE_URL="$base")
        if [ "$backend" != sqlite ]; then
            create_db "$backend" uncached
            site+=(FOLIO_DATABASE_URL="$DB_URL")
            if [ "$backend" = mariadb ]; then mariadb_url=$DB_URL; fi
        fi
        say "uncached: $backend, one folio serve with FOLIO_PAGE_CACHE_MB=0"
        env "${site[@]}" "$FOLIO_BIN" migrate >/dev/null
        make_owner "${site[@]}"
        serve_env "$d/$backend.log" "${port[$backend]}" "${site[@]}" FOLIO_PAGE_CACHE_MB=0
        pid[$backend]=$LAST_PID
        create_post "http://127.0.0.1:${port[$backend]}" "$TOKEN" "$d/$backend"
        path=${POST_URL#"$base"}
    done
    say "uncached: the reference, the same MariaDB site from a folio serve with its page cache on"
    serve_env "$d/cached.log" "${port[cached]}" FOLIO_DATA_DIR="$d/mariadb/data" FOLIO_BASE_URL="$base" \
        FOLIO_DATABASE_URL="$mariadb_url"
    pid[cached]=$LAST_PID
    for setup in cached sqlite mariadb postgres; do
        target=http://127.0.0.1:${port[$setup]}$path
        curl -fsS -o "$d/$setup.html" "$target"
        headers[$setup]=$(cache_header "$target")
        bytes[$setup]=$(stat -c %s "$d/$setup.html")
    done
    for setup in sqlite mariadb postgres; do
        cmp -s "$d/cached.html" "$d/$setup.html" || echo "  note: the $setup page differs from the cached MariaDB one" >&2
    done
    local setups=(cached sqlite mariadb postgres)
    for setup in "${setups[@]}"; do
        wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "http://127.0.0.1:${port[$setup]}$path" >/dev/null 2>&1 || true
    done
    local -A target=()
    for setup in "${setups[@]}"; do target[$setup]=http://127.0.0.1:${port[$setup]}$path; done
    wrk_rotated_rounds "$d" "$CONNECTIONS" target "${setups[@]}"
    local hdr="" sizes=""
    for setup in "${setups[@]}"; do
        hdr+="$setup=${headers[$setup]} "
        sizes+="$setup=${bytes[$setup]} "
    done
    python3 - "$d/info.json" "$THREADS" "$DURATION" "$ROUNDS" "$CONNECTIONS" "$POST_WORDS" "$hdr" "$sizes" <<'PYTHON'
import json, sys
out, threads, duration, rounds, conc, words, hdr, sizes = sys.argv[1:]
kv = lambda s: dict(x.split("=", 1) for x in s.split())
json.dump({"threads": int(threads), "duration": duration, "rounds": int(rounds), "connections": int(conc),
           "post_words": int(words), "cache_header": kv(hdr),
           "page_bytes": {k: int(v) for k, v in kv(sizes).items()}}, open(out, "w"))
PYTHON
    for setup in "${setups[@]}"; do stop_pid "${pid[$setup]}"; done
}

# --- scenario 5: listings and search, 1,000 vs 100,000 posts, on the database servers --------
bench_scale_server() { # backend, posts, output JSON
    local backend=$1 n=$2 out=$3 d=$WORK/scale-$1-$2 port t0 import_s export=$WORK/export-$2.json rc=0 note=""
    mkdir -p "$d/data"
    if [ ! -s "$export" ]; then
        say "generating a Folio export of $n posts"
        python3 "$PY" export "$export" "$n"
    fi
    port=$(free_port)
    local site=(FOLIO_DATA_DIR="$d/data" FOLIO_BASE_URL="http://127.0.0.1:$port")
    local dbname=""
    if [ "$backend" != sqlite ]; then
        create_db "$backend" "scale_$n"
        dbname=folio_b_$$_scale_$n
        site+=(FOLIO_DATABASE_URL="$DB_URL")
    fi
    env "${site[@]}" "$FOLIO_BIN" migrate >/dev/null
    say "$backend: folio import of $n posts (at most ${IMPORT_TIMEOUT} s)"
    quiet "import of $n posts on $backend"
    t0=$(date +%s.%N)
    timeout "$IMPORT_TIMEOUT" env "${site[@]}" "$FOLIO_BIN" import "$export" >"$d/import.log" 2>&1 || rc=$?
    import_s=$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$t0" "$(date +%s.%N)")
    check_quiet "import of $n posts on $backend"
    echo "  import: ${import_s} s (exit $rc)" >&2
    if [ "$rc" != 0 ]; then
        tail -5 "$d/import.log" >&2
        if [ "$rc" = 124 ]; then
            note="The import of $n posts on $backend did not finish within $IMPORT_TIMEOUT s (IMPORT_TIMEOUT); nothing measured at that size."
        else
            note="The import of $n posts on $backend failed (exit $rc): $(tail -1 "$d/import.log")"
        fi
        python3 -c 'import json, sys; json.dump({"posts": int(sys.argv[2]), "failed": True, "note": sys.argv[3], "import_s": float(sys.argv[4])}, open(sys.argv[1], "w"))' \
            "$out.failed" "$n" "$note" "$import_s"
        echo "$note" >>"$WORK/notes.txt"
        [ -z "$dbname" ] || { drop_db "$backend" "$dbname" || true; }
        return 0
    fi
    TOKEN=$(env "${site[@]}" "$FOLIO_BIN" token create --email "$OWNER_EMAIL" --label bench)
    serve_env "$d/serve.log" "$port" "${site[@]}"
    local spid=$LAST_PID
    say "$backend, $n posts: $SAMPLES cache misses per page"
    quiet "latency of $n posts on $backend"
    python3 "$PY" latency "http://127.0.0.1:$port" "$TOKEN" "$SAMPLES" "$d/latency.json" \
        / /tag/common/ "/search?q=quokka" "/search?q=zephyr"
    check_quiet "latency of $n posts on $backend"
    python3 - "$d/latency.json" "$out" "$n" "$import_s" "$SAMPLES" "$backend" <<'PYTHON'
import json, sys
paths, out, n, import_s, samples, backend = sys.argv[1:]
json.dump({"posts": int(n), "import_s": float(import_s), "samples": int(samples), "backend": backend,
           "paths": json.load(open(paths)),
           "labels": {"/": "home", "/tag/common/": "tag page (half the posts)",
                      "/search?q=quokka": "search, 10 matches",
                      "/search?q=zephyr": "search, a tenth of the posts match"}}, open(out, "w"))
PYTHON
    stop_pid "$spid"
    [ -z "$dbname" ] || drop_db "$backend" "$dbname"
}

bench_scale_servers() {
    local backend
    unset FOLIO_DATA_DIR FOLIO_LISTEN FOLIO_BASE_URL FOLIO_DATABASE_URL
    for backend in $SCALE_BACKENDS; do
        case $backend in sqlite | mariadb | postgres) ;; *) die "SCALE_BACKENDS: unknown backend $backend" ;; esac
        bench_scale_server "$backend" "$SCALE_SMALL" "$WORK/scale-$backend-small.json"
        bench_scale_server "$backend" "$SCALE_LARGE" "$WORK/scale-$backend-large.json"
    done
    rm -f "$WORK"/export-*.json
}

# --- scenario 6: Folio vs WordPress, behind the same Nginx, on the same MariaDB --------------
bench_wordpress() {
    local d=$WORK/wordpress setup r mode n order ports base path wp_path fpm
    unset FOLIO_DATA_DIR FOLIO_LISTEN FOLIO_BASE_URL FOLIO_DATABASE_URL
    servers
    fpm=$(command -v php-fpm8.2 || ls /usr/sbin/php-fpm* 2>/dev/null | head -1)
    [ -n "$fpm" ] && [ -x "$fpm" ] || die "needs php-fpm (Debian: apt-get install php-fpm php-mysql)"
    [ -f /usr/share/wordpress/wp-config.php ] || die "needs WordPress (Debian: apt-get install wordpress wordpress-theme-twentytwentythree)"
    mkdir -p "$d/wrk" "$d/data" "$d/nginx/tmp" "$d/nginx/fcache"
    read -r -a ports <<<"$(free_ports 6)"
    # folio (cache on), folio (cache off): replicas; then nginx: folio, folio uncached, wp, wp cached
    local p_fc=${ports[0]} p_fu=${ports[1]} n_fc=${ports[2]} n_fu=${ports[3]} n_wp=${ports[4]} n_wpc=${ports[5]}

    say "wordpress: Folio on MariaDB, one replica with its page cache and one without"
    create_db mariadb folio_vs_wp
    base=http://127.0.0.1:$n_fc
    local site=(FOLIO_DATA_DIR="$d/data" FOLIO_DATABASE_URL="$DB_URL" FOLIO_BASE_URL="$base" FOLIO_TRUSTED_PROXIES=127.0.0.1)
    env "${site[@]}" "$FOLIO_BIN" migrate >/dev/null
    make_owner "${site[@]}"
    serve_env "$d/folio-cached.log" "$p_fc" "${site[@]}"
    local pid_fc=$LAST_PID
    serve_env "$d/folio-uncached.log" "$p_fu" "${site[@]}" FOLIO_PAGE_CACHE_MB=0
    local pid_fu=$LAST_PID
    create_post "http://127.0.0.1:$p_fc" "$TOKEN" "$d"
    path=${POST_URL#"$base"}

    say "wordpress: Debian's WordPress on php-fpm, its own database on the same MariaDB, the same post"
    create_db mariadb wordpress
    local wp_db=folio_b_$$_wordpress wp_conf=folio-bench-$$
    WP_CONFIG_FILE=/etc/wordpress/config-$wp_conf.php
    python3 - "$WP_CONFIG_FILE" "$wp_db" "$MARIADB_URL" "http://127.0.0.1:$n_wp" <<'PYTHON'
import secrets, sys, urllib.parse as u
out, db, url, home = sys.argv[1:]
p = u.urlsplit(url)
keys = "".join(f"define('{k}', '{secrets.token_hex(32)}');\n" for k in (
    "AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT", "SECURE_AUTH_SALT",
    "LOGGED_IN_SALT", "NONCE_SALT"))
open(out, "w").write(f"""<?php
// Written by Folio's bench/run.sh for one run; removed at its end.
define('DB_NAME', '{db}');
define('DB_USER', '{p.username}');
define('DB_PASSWORD', '{u.unquote(p.password or "")}');
define('DB_HOST', '{p.hostname}:{p.port}');
define('WP_HOME', '{home}');
define('WP_SITEURL', '{home}');
define('DISABLE_WP_CRON', true);
define('WP_DEBUG', false);
{keys}""")
PYTHON
    chmod 644 "$WP_CONFIG_FILE"
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); open(sys.argv[2],"w").write(d["html"]); open(sys.argv[3],"w").write(d["title"])' \
        "$d/created.json" "$d/post.html" "$d/post.title"
    cat >"$d/setup.php" <<'PHP'
<?php
// Installs WordPress into its empty database and adds the benchmark post; prints its URL.
$_SERVER['HTTP_HOST'] = '127.0.0.1';
$_SERVER['WORDPRESS_CONFIG'] = $argv[1];
define('WP_INSTALLING', true);
require '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
$r = wp_install('Folio benchmark site', 'olive', 'owner@example.com', false, '', 'bench password, long enough');
global $wp_rewrite;
$wp_rewrite->set_permalink_structure('/%postname%/');
$wp_rewrite->flush_rules();
$id = wp_insert_post(array(
    'post_title' => file_get_contents($argv[3]),
    'post_name' => $argv[4],
    'post_content' => file_get_contents($argv[2]),
    'post_excerpt' => 'A long post with code, lists and a quote, used by the benchmark.',
    'post_status' => 'publish',
    'post_author' => $r['user_id'],
    'tags_input' => array('Benchmarks', 'Rust'),
), true);
if (is_wp_error($id)) { fwrite(STDERR, $id->get_error_message() . "\n"); exit(1); }
echo get_permalink($id), "\n";
PHP
    local slug
    slug=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["slug"])' "$d/created.json")
    wp_path=$(php "$d/setup.php" "$wp_conf" "$d/post.html" "$d/post.title" "$slug" 2>"$d/setup.err" | tail -1) ||
        { cat "$d/setup.err" >&2; die "WordPress set-up failed"; }
    wp_path=${wp_path#"http://127.0.0.1:$n_wp"}
    [ -n "$wp_path" ] || { cat "$d/setup.err" >&2; die "WordPress set-up printed no post URL"; }

    local user=www-data
    id -u www-data >/dev/null 2>&1 && [ "$(id -u)" = 0 ] || user=$(id -un)
    cat >"$d/php-fpm.conf" <<FPM
[global]
pid = $d/php-fpm.pid
error_log = $d/php-fpm.log
daemonize = no
[wordpress]
user = $user
group = $(id -gn "$user")
listen = $d/php.sock
listen.mode = 0666
pm = static
pm.max_children = $WP_CHILDREN
FPM
    "$fpm" -F -R -y "$d/php-fpm.conf" >>"$d/php-fpm.log" 2>&1 &
    local fpm_pid=$!
    PIDS+=("$fpm_pid")

    say "nginx: deploy/nginx/folio.conf for each Folio, and WordPress with and without fastcgi_cache"
    python3 "$PY" nginx-upstream "$REPO/deploy/nginx/upstream.conf" folio "$p_fc" >"$d/nginx/upstream-fc.conf"
    python3 "$PY" nginx-upstream "$REPO/deploy/nginx/upstream.conf" folio_uncached "$p_fu" >"$d/nginx/upstream-fu.conf"
    sed -E "s/^([[:space:]]*)listen 8080;/\1listen 127.0.0.1:$n_fc;/" "$REPO/deploy/nginx/folio.conf" >"$d/nginx/folio-fc.conf"
    sed -E -e "s/^([[:space:]]*)listen 8080;/\1listen 127.0.0.1:$n_fu;/" \
        -e "s#proxy_pass http://folio;#proxy_pass http://folio_uncached;#" "$REPO/deploy/nginx/folio.conf" >"$d/nginx/folio-fu.conf"
    local wp_php="
        include /etc/nginx/fastcgi_params;
        fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
        fastcgi_param WORDPRESS_CONFIG $wp_conf;
        fastcgi_param HTTP_HOST 127.0.0.1:$n_wp;
        fastcgi_pass unix:$d/php.sock;"
    {
        nginx_head "$d" 4096
        cat <<NGINX
    fastcgi_cache_path $d/nginx/fcache levels=1:2 keys_zone=wordpress:10m max_size=100m inactive=10m;

    include $d/nginx/upstream-fc.conf;
    include $d/nginx/folio-fc.conf;
    include $d/nginx/upstream-fu.conf;
    include $d/nginx/folio-fu.conf;

    # WordPress, every request to PHP.
    server {
        listen 127.0.0.1:$n_wp;
        server_tokens off;
        root /usr/share/wordpress;
        index index.php;
        location / { try_files \$uri \$uri/ /index.php?\$args; }
        location ~ \\.php\$ { $wp_php
        }
    }
    # WordPress with Nginx's FastCGI cache (the usual set-up: readers who are not signed
    # in get a cached page for 10 minutes). sendfile is off here: a cached chunked response
    # sent with sendfile and tcp_nopush stalls 40 ms per request on a keep-alive connection
    # (the last chunk waits for a delayed ACK): 25 requests/s on one connection instead of
    # about 9,000.
    server {
        listen 127.0.0.1:$n_wpc;
        server_tokens off;
        sendfile off;
        root /usr/share/wordpress;
        index index.php;
        set \$skip_cache 0;
        if (\$request_method = POST) { set \$skip_cache 1; }
        if (\$http_cookie ~* "comment_author|wordpress_[a-f0-9]+|wp-postpass|wordpress_logged_in") { set \$skip_cache 1; }
        location / { try_files \$uri \$uri/ /index.php?\$args; }
        location ~ \\.php\$ { $wp_php
            fastcgi_cache wordpress;
            fastcgi_cache_key "\$scheme\$request_method\$host\$request_uri";
            fastcgi_cache_valid 200 301 302 10m;
            fastcgi_cache_bypass \$skip_cache;
            fastcgi_no_cache \$skip_cache;
            add_header X-Cache \$upstream_cache_status;
        }
    }
}
NGINX
    } >"$d/nginx/nginx.conf"
    start_nginx "$d/nginx"
    declare -A url=([folio]=http://127.0.0.1:$n_fc$path [folio_uncached]=http://127.0.0.1:$n_fu$path
        [wordpress]=http://127.0.0.1:$n_wp$wp_path [wordpress_cached]=http://127.0.0.1:$n_wpc$wp_path)
    declare -A bytes hdr
    for setup in folio folio_uncached wordpress wordpress_cached; do
        wait_url "${url[$setup]}"
        curl -fsS -o "$d/$setup.html" "${url[$setup]}"
        curl -fsS -o /dev/null -D "$d/$setup.headers" "${url[$setup]}"
        bytes[$setup]=$(stat -c %s "$d/$setup.html")
        hdr[$setup]=$(awk -F': ' 'tolower($1) == "x-folio-cache" || tolower($1) == "x-cache" { gsub("\r", "", $2); print $2 }' "$d/$setup.headers")
    done
    grep -q "quokka\|Why measure at all" "$d/wordpress.html" || echo "  note: the WordPress page does not show the post's text" >&2

    local setups=(folio folio_uncached wordpress wordpress_cached)
    for setup in "${setups[@]}"; do
        wrk -t"$THREADS" -c"$WP_CONNECTIONS" -d2s "${url[$setup]}" >/dev/null 2>&1 || true
    done
    wrk_rotated_rounds "$d" "$WP_CONNECTIONS" url "${setups[@]}"
    local sizes="" hdrs=""
    for setup in "${setups[@]}"; do
        sizes+="$setup=${bytes[$setup]} "
        hdrs+="$setup=${hdr[$setup]:-none} "
    done
    python3 - "$d/info.json" "$THREADS" "$DURATION" "$ROUNDS" "$WP_CONNECTIONS" "$WP_CHILDREN" "$sizes" "$hdrs" \
        "$(dpkg-query -W -f '${Version}' wordpress 2>/dev/null || echo '?')" "$("$fpm" -v | head -1 | cut -d' ' -f1-2)" <<'PYTHON'
import json, sys
out, threads, duration, rounds, conc, children, sizes, hdrs, wp, php = sys.argv[1:]
kv = lambda s: dict(x.split("=", 1) for x in s.split())
json.dump({"threads": int(threads), "duration": duration, "rounds": int(rounds), "connections": int(conc),
           "children": int(children), "page_bytes": {k: int(v) for k, v in kv(sizes).items()},
           "cache_header": kv(hdrs), "wordpress": wp, "php": php}, open(out, "w"))
PYTHON
    stop_pid "$NGINX_PID"
    stop_pid "$fpm_pid"
    stop_pid "$pid_fc"
    stop_pid "$pid_fu"
    rm -f "$WP_CONFIG_FILE"
}

for scenario in "${SCENARIOS[@]}"; do
    case $scenario in
    static) bench_static ;;
    scale) bench_scale ;;
    replicas) bench_replicas ;;
    uncached) bench_uncached ;;
    scale-servers) bench_scale_servers ;;
    wordpress) bench_wordpress ;;
    esac
done

mkdir -p "$(dirname "$OUT")"
say "results (also in $OUT)"
python3 "$PY" report "$WORK" "$OUT"
