//! `S3Store` against a real S3-compatible server: Garage, which `scripts/services`
//! builds and starts and names in `FOLIO_TEST_S3_*`. Each test works in a folder of its
//! own in the test bucket. Without those variables the tests say so and stop, except
//! under CI, where a missing server is a failure.

use bytes::Bytes;
use folio_media::{LocalStore, MediaError, MediaKey, MediaStore, S3Settings, S3Store};
use std::sync::atomic::{AtomicU64, Ordering};

fn key(text: &str) -> MediaKey {
    MediaKey::parse(text).expect("a valid key")
}

/// The test server's settings, in a new folder of the test bucket; `None` (and a note)
/// when no server was named outside CI.
fn settings() -> Option<S3Settings> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let Ok(endpoint) = std::env::var("FOLIO_TEST_S3_ENDPOINT") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "FOLIO_TEST_S3_ENDPOINT is not set: run `eval \"$(scripts/services start)\"`"
        );
        eprintln!("skipped: no S3 server (eval \"$(scripts/services start)\" starts one)");
        return None;
    };
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    Some(S3Settings {
        bucket: var("FOLIO_TEST_S3_BUCKET"),
        prefix: format!(
            "media-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ),
        endpoint: Some(endpoint),
        region: Some(var("FOLIO_TEST_S3_REGION")),
        access_key_id: Some(var("FOLIO_TEST_S3_ACCESS_KEY_ID")),
        secret_access_key: Some(var("FOLIO_TEST_S3_SECRET_ACCESS_KEY")),
    })
}

#[tokio::test]
async fn a_bucket_keeps_the_store_contract() {
    let Some(settings) = settings() else { return };
    let store = S3Store::new(&settings).expect("a client");
    store.check().await.expect("the bucket is there");
    crate::store::the_store_contract(&store).await;
}

/// Two stores on different folders of one bucket never see each other's files: a
/// bucket can hold several sites.
#[tokio::test]
async fn folders_of_one_bucket_are_apart() {
    let (Some(one), Some(other)) = (settings(), settings()) else {
        return;
    };
    let one = S3Store::new(&one).expect("a client");
    let other = S3Store::new(&other).expect("a client");
    let k = key("2026/12/aaaaaaaaaaaaaaaa.gif");
    one.put(&k, Bytes::from_static(b"GIF89a"), "image/gif")
        .await
        .expect("a write");
    assert_eq!(other.get(&k).await.expect("a read"), None);
    assert!(other.list().await.expect("a listing").is_empty());
}

/// What an operator gets wrong is named at start-up, with what to do, and is a 503
/// (not a 500) if it happens while serving.
#[tokio::test]
async fn a_missing_bucket_wrong_keys_and_no_server_are_told_apart() {
    let Some(good) = settings() else { return };
    let message = |error: MediaError| {
        assert_eq!(error.status_code(), 503, "{error}");
        error.to_string()
    };

    let missing = S3Settings {
        bucket: "no-such-bucket-for-folio".into(),
        ..good.clone()
    };
    let error = S3Store::new(&missing)
        .expect("a client")
        .check()
        .await
        .expect_err("no bucket");
    let text = message(error);
    assert!(
        text.contains("s3://no-such-bucket-for-folio") && text.contains("does not exist"),
        "{text}"
    );

    let wrong = S3Settings {
        secret_access_key: Some("0".repeat(64)),
        ..good.clone()
    };
    let store = S3Store::new(&wrong).expect("a client");
    let text = message(store.check().await.expect_err("refused"));
    assert!(text.contains("refused the credentials"), "{text}");
    let text = message(
        store
            .put(
                &key("2026/12/bbbbbbbbbbbbbbbb.png"),
                Bytes::new(),
                "image/png",
            )
            .await
            .expect_err("refused"),
    );
    assert!(text.contains("refused the credentials"), "{text}");

    // A port nothing listens on: bound, then closed, by this test.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a port");
    let nobody = S3Settings {
        endpoint: Some(format!("http://{closed}")),
        ..good
    };
    let text = message(
        S3Store::new(&nobody)
            .expect("a client")
            .check()
            .await
            .expect_err("no server"),
    );
    assert!(text.contains("could not list"), "{text}");
}

/// A local folder and a bucket are the same interface: what one holds can be copied to
/// the other key for key, byte for byte.
#[tokio::test]
async fn a_folder_and_a_bucket_hold_the_same_files() {
    let Some(settings) = settings() else { return };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let local = LocalStore::new(dir.path().to_path_buf());
    let bucket = S3Store::new(&settings).expect("a client");
    for (k, bytes) in [
        ("2026/12/cccccccccccccccc.png", b"one".as_slice()),
        ("2026/12/cccccccccccccccc-ferry-timetable.pdf", b"%PDF-1.4"),
    ] {
        local
            .put(
                &key(k),
                Bytes::copy_from_slice(bytes),
                "application/octet-stream",
            )
            .await
            .expect("a write");
    }
    for k in local.list().await.expect("a listing") {
        let bytes = local.get(&k).await.expect("a read").expect("there");
        let mime = k
            .kind()
            .map_or("application/octet-stream", |kind| kind.mime());
        bucket.put(&k, bytes, mime).await.expect("a copy");
    }
    for k in local.list().await.expect("a listing") {
        assert_eq!(
            bucket.get(&k).await.expect("a read"),
            local.get(&k).await.expect("a read"),
            "{k}"
        );
    }
}
