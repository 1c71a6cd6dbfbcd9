//! Shutdown with a request in flight, alone in a test process of its own: it waits on the
//! process-wide `folio_http_requests_in_flight` gauge, which other tests' requests would
//! move if they ran beside it (as `cargo test` runs the tests of one binary).

#[allow(dead_code)] // the web tests' helpers, of which this file needs only `TestApp`
#[path = "web/helpers.rs"]
mod helpers;

use helpers::TestApp;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn shutdown_lets_an_in_flight_request_finish() {
    let app = TestApp::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, server) = app.serve(listener);

    // A write whose body is still arriving when the shutdown begins.
    let body =
        serde_json::json!({"title": "Written during shutdown", "status": "published"}).to_string();
    let (first, rest) = body.split_at(10);
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST /api/v1/admin/posts HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{first}",
        app.owner,
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write head");
    // In flight once its handler runs, waiting for the rest of the body: the gauge
    // counts it (and the request that reads the gauge), and nothing else in this process.
    wait_for("the write to be in flight", async || {
        in_flight(&app).await >= 2.0
    })
    .await;
    stop.send(()).expect("signal");
    // The shutdown has begun once the listener refuses new connections.
    wait_for("the listener to close", async || {
        tokio::net::TcpStream::connect(addr).await.is_err()
    })
    .await;
    stream.write_all(rest.as_bytes()).await.expect("write rest");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("read");
    assert!(
        answer.starts_with("HTTP/1.1 201"),
        "the in-flight request completed: {answer}"
    );
    let result = tokio::time::timeout(std::time::Duration::from_secs(5), server).await;
    assert!(
        matches!(result, Ok(Ok(Ok(())))),
        "then the server stopped: {result:?}"
    );
    let post = app
        .state
        .store()
        .public_post_by_slug("written-during-shutdown")
        .await;
    assert!(post.is_ok(), "and what it acknowledged is stored");
}

/// The `folio_http_requests_in_flight` gauge, as `/metrics` gives it.
async fn in_flight(app: &TestApp) -> f64 {
    let metrics = app.get("/metrics").await.body;
    metrics
        .lines()
        .find_map(|l| l.strip_prefix("folio_http_requests_in_flight "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

/// Polls `cond` until it holds, failing the test after five seconds.
async fn wait_for(what: &str, mut cond: impl AsyncFnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !cond().await {
        assert!(
            std::time::Instant::now() < deadline,
            "waited 5 s for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}
