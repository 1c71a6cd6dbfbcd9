//! Operations: liveness, readiness, Prometheus metrics, request ids and logging
//! spans, and the security headers every response carries.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;
use tracing::Instrument;

pub fn router() -> Router<AppState> {
    health_router()
        .route("/metrics", get(metrics_page))
        .route("/robots.txt", get(robots))
}

/// A request whose handler runs (a cache miss), counted in `folio_http_requests_in_flight`
/// until it is answered or dropped: the number that climbs when the database is slow.
struct InFlight;

impl InFlight {
    fn start() -> InFlight {
        in_flight().increment(1.0);
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        in_flight().decrement(1.0);
    }
}

fn in_flight() -> &'static metrics::Gauge {
    static GAUGE: OnceLock<metrics::Gauge> = OnceLock::new();
    GAUGE.get_or_init(|| metrics::gauge!("folio_http_requests_in_flight"))
}

/// Liveness and readiness alone (also served on `FOLIO_HEALTH_SOCKET`).
pub fn health_router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// The process-wide Prometheus recorder, installed on first use.
pub fn prometheus() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                metrics_exporter_prometheus::Matcher::Full(
                    "folio_http_request_duration_seconds".into(),
                ),
                &[
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                ],
            )
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        // Another recorder may already be installed (several apps in one test process).
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// Alive: the process answers. Says nothing about the database.
async fn healthz() -> &'static str {
    "ok\n"
}

/// Ready: the database answers and every migration this binary needs is applied.
///
/// Answers within two seconds whatever the database does: a probe that waits for a pool
/// timeout would be counted as failed by the orchestrator anyway, only later.
async fn readyz(State(state): State<AppState>) -> Response {
    let check = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        state.store().is_migrated(),
    )
    .await;
    match check.unwrap_or(Err(folio_store::StoreError::Unsupported(
        "no answer within 2 s".into(),
    ))) {
        Ok(true) => (
            StatusCode::OK,
            [(header::CACHE_CONTROL, "no-store")],
            "ready\n",
        )
            .into_response(),
        Ok(false) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CACHE_CONTROL, "no-store")],
            "migrations pending\n",
        )
            .into_response(),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CACHE_CONTROL, "no-store")],
                "database unavailable\n",
            )
                .into_response()
        }
    }
}

async fn metrics_page(State(state): State<AppState>) -> Response {
    metrics::gauge!("folio_page_cache_entries").set(state.cache().entry_count() as f64);
    metrics::gauge!("folio_content_generation").set(state.store().generation() as f64);
    for replica in state.store().replica_status() {
        let used = if replica.skipped.is_none() { 1.0 } else { 0.0 };
        metrics::gauge!("folio_db_replica_used", "replica" => replica.name.clone()).set(used);
        if let Some(generation) = replica.generation {
            metrics::gauge!("folio_db_replica_generation", "replica" => replica.name)
                .set(generation as f64);
        }
    }
    (
        [
            (
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        prometheus().render(),
    )
        .into_response()
}

async fn robots(State(state): State<AppState>) -> Response {
    let body = format!(
        "User-agent: *\nDisallow: /admin/\nDisallow: /api/\nDisallow: /search\n\nSitemap: {}\n",
        state.absolute("/sitemap.xml")
    );
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, crate::cache::PUBLIC_PAGE),
        ],
        axum::Extension(crate::cache::Cacheable::site()),
        body,
    )
        .into_response()
}

/// The route that answered a request, as a metrics label (`/{slug}/`, not `/hello/`).
#[derive(Debug, Clone)]
pub struct RouteLabel(pub std::sync::Arc<str>);

/// Copies the route a request matched onto its response, for [`front`], which
/// runs outside the router and cannot see it on the request.
pub async fn remember_route(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| RouteLabel(std::sync::Arc::from(p.as_str())));
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(route);
    }
    response
}

fn request_id(request: &Request) -> String {
    request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| {
            use rand::Rng;
            let n: u64 = rand::thread_rng().gen();
            let mut id = String::with_capacity(16);
            for shift in (0..16).rev() {
                id.push(char::from(
                    b"0123456789abcdef"[((n >> (shift * 4)) & 0xf) as usize],
                ));
            }
            id
        })
}

/// The one middleware around the router: gives each request an id (kept from
/// `X-Request-Id` when sane) and a tracing span that carries it, answers from the page
/// cache or keeps what the router answered, renders themed error pages, adds the
/// security headers, and counts the request in the metrics. One layer instead of five
/// keeps the per-request cost of a cache hit low.
pub async fn front(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id(&request);
    let method = request.method().clone();
    let uri = request.uri().clone();
    // A cache hit runs no handler and logs nothing: it needs no span, and creating one
    // costs a noticeable share of a hit's time.
    let key = crate::cache::key_of(&state, &request);
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    let wants_json = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let hit = match &key {
        Some(key) => crate::cache::lookup(&state, key, if_none_match.as_ref()).await,
        None => None,
    };
    let (mut response, span) = match hit {
        Some(hit) => (hit, None),
        None => {
            let _running = InFlight::start();
            let span = tracing::info_span!("request", request_id = %id, method = %method, path = %uri.path());
            let run = crate::cache::run_and_keep(&state, key, if_none_match, request, next)
                .instrument(span.clone());
            let response = if method == Method::GET || method == Method::HEAD {
                match tokio::time::timeout(state.config().read_timeout, run).await {
                    Ok(response) => response,
                    Err(_) => {
                        span.in_scope(|| {
                            tracing::warn!(
                                timeout_ms = state.config().read_timeout.as_millis() as u64,
                                "request timed out"
                            )
                        });
                        timed_out(uri.path())
                    }
                }
            } else {
                run.await
            };
            (response, Some(span))
        }
    };
    if let Some(err) = response.extensions_mut().remove::<crate::Error>() {
        let span = span.clone().unwrap_or_else(tracing::Span::none);
        response = render_error(&state, err, &method, &uri, wants_json)
            .instrument(span)
            .await;
    }
    add_security_headers(
        response.headers_mut(),
        state.config().base_url.starts_with("https://"),
        state.csp(),
    );
    let status = response.status();
    let elapsed = started.elapsed();
    let route = response.extensions().get::<RouteLabel>().map_or_else(
        || std::sync::Arc::from("unmatched"),
        |r| std::sync::Arc::clone(&r.0),
    );
    record_request(&route, &method, status, elapsed);
    if let Some(span) = span {
        if status.is_server_error() {
            span.in_scope(|| {
                tracing::warn!(
                    status = status.as_u16(),
                    elapsed_ms = elapsed.as_secs_f64() * 1000.0,
                    "request failed"
                )
            });
        } else if tracing::enabled!(tracing::Level::DEBUG) {
            span.in_scope(|| {
                tracing::debug!(
                    status = status.as_u16(),
                    elapsed_ms = elapsed.as_secs_f64() * 1000.0,
                    "request"
                )
            });
        }
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}

/// Counts a request and its latency under its route, method and status. The metric
/// handles of each combination are made once and kept, so counting a request builds no
/// label set and allocates nothing.
fn record_request(
    route: &std::sync::Arc<str>,
    method: &axum::http::Method,
    status: StatusCode,
    elapsed: std::time::Duration,
) {
    use std::collections::HashMap;
    use std::sync::{Arc, RwLock};
    type Handles = (metrics::Counter, metrics::Histogram);
    type Table = RwLock<HashMap<(Arc<str>, axum::http::Method, u16), Handles>>;
    static HANDLES: std::sync::OnceLock<Table> = std::sync::OnceLock::new();
    let table = HANDLES.get_or_init(Default::default);
    let key = (Arc::clone(route), method.clone(), status.as_u16());
    let found = table.read().ok().and_then(|t| t.get(&key).cloned());
    let (counter, histogram) = match found {
        Some(handles) => handles,
        None => {
            let labels_route = metrics::SharedString::from(Arc::clone(route));
            let handles = (
                metrics::counter!("folio_http_requests_total", "route" => labels_route.clone(), "method" => method.as_str().to_owned(), "status" => status.as_u16().to_string()),
                metrics::histogram!("folio_http_request_duration_seconds", "route" => labels_route),
            );
            if let Ok(mut t) = table.write() {
                // Bounded: routes, methods and statuses are few; unmatched paths share one route.
                if t.len() < 4096 {
                    t.insert(key, handles.clone());
                }
            }
            handles
        }
    };
    counter.increment(1);
    histogram.record(elapsed.as_secs_f64());
}

/// The answer to a reader's request that ran out of time: the API's JSON 503 under
/// `/api`, else the theme's 503 page (rendered by the caller); both say when to retry.
fn timed_out(_path: &str) -> Response {
    crate::Error::timed_out().into_response()
}

/// An [`crate::Error`] as the route group that answers shows it: JSON under `/api`, and
/// in the admin for its scripts (which ask for JSON); the sign-in page or the admin's
/// error page in the admin; else the theme's error page, unless a 404 is an old URL of
/// an imported site, which redirects (looked up only now, so no page pays for it).
async fn render_error(
    state: &AppState,
    err: crate::Error,
    method: &Method,
    uri: &axum::http::Uri,
    wants_json: bool,
) -> Response {
    let path = uri.path();
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    if under("/api") {
        return err.json();
    }
    if under("/admin") {
        if let Some(next) = &err.sign_in_then {
            let target = format!("/admin/signin?next={}", crate::admin::urlencode(next));
            return crate::admin::no_store(Redirect::to(&target).into_response());
        }
        if wants_json {
            return err.json();
        }
        let (heading, message) = err.page_text(true);
        return crate::error::finish(crate::admin::error_page(err.status, heading, &message));
    }
    if err.status == StatusCode::NOT_FOUND && (method == Method::GET || method == Method::HEAD) {
        if let Ok(Some(moved)) = crate::site::legacy_redirect(state, uri).await {
            return moved;
        }
    }
    crate::views::error_page(state, &err, path).await
}

/// The Content-Security-Policy of every page: no inline script, nothing from other
/// hosts except images (in posts, and the media library's public URL when it is plain
/// http), no framing.
pub(crate) fn content_security_policy(media_origin: Option<&str>) -> HeaderValue {
    let extra = media_origin.map(|o| format!(" {o}")).unwrap_or_default();
    let csp = format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:{extra}; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    );
    HeaderValue::from_str(&csp).unwrap_or_else(|_| content_security_policy(None))
}

/// One year, for sites whose public address is https (FOLIO_BASE_URL): browsers then
/// refuse plain http for the site, so no first request can be downgraded. Sub-domains are
/// left alone; they may be other people's sites.
const HSTS: &str = "max-age=31536000";

fn add_security_headers(h: &mut axum::http::HeaderMap, https: bool, csp: &HeaderValue) {
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert_with(|| csp.clone());
}
