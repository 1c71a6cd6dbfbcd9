#!/usr/bin/env bash
# Folio's benchmark harness (not a test). See bench/README.md for what each figure means.
#
#   bench/run.sh            both scenarios
#   bench/run.sh static     cached post page: folio vs nginx serving the same bytes,
#                           RSS idle and under load, start-up to /readyz
#   bench/run.sh scale      home, tag page and search: 1,000 vs 100,000 posts
#
# Knobs (environment): FOLIO_BIN (skip the release build and use this binary), ROUNDS (3),
# DURATION (10s), CONNECTIONS (64), THREADS (2), STARTS (5), SAMPLES (20),
# SCALE_SMALL (1000), SCALE_LARGE (100000), SEED (import | api), KEEP=1 (keep the work dir),
# OUT (bench/results/latest.md).
#
# Traffic goes to 127.0.0.1 only; every loop is bounded in count and time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD

SCENARIO=${1:-all}
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
OWNER_EMAIL=owner@example.com

case "$SCENARIO" in static | scale | all) ;; *)
    echo "usage: bench/run.sh [static|scale|all]" >&2
    exit 2
    ;;
esac

say() { printf '\n==> %s\n' "$*" >&2; }
die() {
    echo "bench/run.sh: $*" >&2
    exit 1
}

for tool in curl python3; do command -v "$tool" >/dev/null || die "needs $tool"; done
if [ "$SCENARIO" != scale ]; then
    command -v wrk >/dev/null || die "needs wrk (Debian: apt-get install wrk)"
    NGINX=$(command -v nginx || echo /usr/sbin/nginx)
    [ -x "$NGINX" ] || die "needs nginx (Debian: apt-get install nginx-light)"
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
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [ "${KEEP:-0}" = 1 ]; then
        echo "work directory kept: $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

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
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
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
             f"{figures.get('cores', '?')} cores · {figures.get('kernel', '')}", ""]
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
    text = "\n".join(lines)
    with open(out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"post-body": lambda: post_body(*args),
     "startup": lambda: startup(int(args[0]), args[1], args[2]),
     "export": lambda: export(args[0], int(args[1])),
     "seed-api": lambda: seed_api(args[0], args[1], int(args[2])),
     "latency": lambda: latency(args[0], args[1], int(args[2]), args[3], *args[4:]),
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
    cat >"$WORK/nginx/nginx.conf" <<NGINX
worker_processes 2;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    server_tokens off;
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    types { }
    default_type text/html;
    charset utf-8;
    server {
        listen 127.0.0.1:$nginx_port;
        root $WORK/www;
        index index.html;
    }
}
NGINX
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

case "$SCENARIO" in
static) bench_static ;;
scale) bench_scale ;;
all)
    bench_static
    bench_scale
    ;;
esac

mkdir -p "$(dirname "$OUT")"
say "results (also in $OUT)"
python3 "$PY" report "$WORK" "$OUT"
