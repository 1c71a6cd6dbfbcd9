//! Through a real TCP socket: the server answers, reports metrics, and stops cleanly.

use crate::helpers::TestApp;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    http(addr, "GET", path).await
}

async fn http(addr: std::net::SocketAddr, method: &str, path: &str) -> String {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    exchange(
        stream,
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    )
    .await
}

/// Writes one request on a fresh connection and reads the whole answer.
async fn exchange<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    mut stream: S,
    request: String,
) -> String {
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut out = String::new();
    stream.read_to_string(&mut out).await.expect("read");
    out
}

#[tokio::test]
async fn serves_over_tcp_and_shuts_down_gracefully() {
    let app = TestApp::new().await;
    app.publish("Over the wire", "hello", &[]).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, server) = app.serve(listener);

    assert!(http_get(addr, "/healthz").await.starts_with("HTTP/1.1 200"));
    assert!(http_get(addr, "/readyz").await.starts_with("HTTP/1.1 200"));
    let page = http_get(addr, "/over-the-wire/").await;
    assert!(page.starts_with("HTTP/1.1 200") && page.contains("Over the wire"));
    let again = http_get(addr, "/over-the-wire/").await;
    assert!(again.contains("x-folio-cache: hit"), "{again}");
    // The recorder is shared by every test in this process, and others GET post pages;
    // none sends HEAD, so these two alone are counted there.
    for _ in 0..2 {
        let head = http(addr, "HEAD", "/over-the-wire/").await;
        assert!(
            head.starts_with("HTTP/1.1 200") && head.contains("x-folio-cache: hit"),
            "{head}"
        );
    }
    let metrics = http_get(addr, "/metrics").await;
    assert!(metrics.contains("folio_http_requests_total"), "{metrics}");
    assert!(
        metrics.contains(
            "folio_http_requests_total{route=\"/{slug}/\",method=\"HEAD\",status=\"200\"} 2"
        ),
        "a hit counts under the route: {metrics}"
    );
    assert!(
        metrics.contains("folio_http_request_duration_seconds_bucket"),
        "{metrics}"
    );
    assert!(
        metrics.contains("folio_page_cache_lookups_total"),
        "{metrics}"
    );

    stop.send(()).expect("signal");
    let result = tokio::time::timeout(std::time::Duration::from_secs(5), server).await;
    assert!(
        matches!(result, Ok(Ok(Ok(())))),
        "server stopped cleanly: {result:?}"
    );
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no longer listening"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn serves_over_a_unix_socket_with_connections_counted_as_from_this_machine() {
    let app = TestApp::empty().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("folio.sock");
    let listener = tokio::net::UnixListener::bind(&path).expect("bind");
    let (stop, server) = app.serve(listener);
    let get = |path: std::path::PathBuf, target: &'static str, extra: &'static str| async move {
        let stream = tokio::net::UnixStream::connect(path)
            .await
            .expect("connect");
        exchange(
            stream,
            format!("GET {target} HTTP/1.1\r\nHost: localhost\r\n{extra}Connection: close\r\n\r\n"),
        )
        .await
    };
    assert!(get(path.clone(), "/readyz", "")
        .await
        .starts_with("HTTP/1.1 200"));
    // Set-up without a token is for this machine only: a socket's peer is this machine,
    // unless it relays for someone else (no proxy is trusted here).
    let local = get(path.clone(), "/admin/setup", "").await;
    assert!(local.starts_with("HTTP/1.1 200"), "{local}");
    let relayed = get(
        path.clone(),
        "/admin/setup",
        "X-Forwarded-For: 203.0.113.9\r\n",
    )
    .await;
    assert!(relayed.starts_with("HTTP/1.1 403"), "{relayed}");

    stop.send(()).expect("signal");
    let result = tokio::time::timeout(std::time::Duration::from_secs(5), server).await;
    assert!(
        matches!(result, Ok(Ok(Ok(())))),
        "server stopped cleanly: {result:?}"
    );
}
