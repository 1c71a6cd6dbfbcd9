use bytes::Bytes;
use folio_media::{ByteRange, LocalStore, MediaKey, MediaStore};
use futures_util::StreamExt;
use std::path::Path;
use std::sync::Arc;

fn key(text: &str) -> MediaKey {
    MediaKey::parse(text).expect("a valid key")
}

/// Every file under `root`, relative, sorted: temporary files included.
fn files_under(root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("a readable folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let relative = path.strip_prefix(root).expect("under the root");
                found.push(relative.to_string_lossy().into_owned());
            }
        }
    }
    found.sort();
    found
}

/// What every store must do, checked on a store that starts empty: reads of what is not
/// there, writes, whole replacements, deletes (twice), and a listing of exactly what is
/// there. The S3 tests run it on a bucket (`s3.rs`).
pub async fn the_store_contract(store: &dyn MediaStore) {
    let original = key("2026/11/0123456789abcdef.png");
    let variant = key("2026/11/0123456789abcdef-480w.webp");
    let listed = async || {
        let mut keys: Vec<String> = store
            .list()
            .await
            .expect("a listing")
            .into_iter()
            .map(String::from)
            .collect();
        keys.sort();
        keys
    };

    assert_eq!(store.get(&original).await.expect("a read"), None);
    assert!(listed().await.is_empty());
    store
        .put(&original, Bytes::from_static(b"png bytes"), "image/png")
        .await
        .expect("a write");
    store
        .put(&variant, Bytes::from_static(b"webp bytes"), "image/webp")
        .await
        .expect("a write");
    assert_eq!(
        store.get(&original).await.expect("a read"),
        Some(Bytes::from_static(b"png bytes"))
    );
    assert_eq!(
        listed().await,
        vec![variant.to_string(), original.to_string()]
    );

    // Writing the same key again replaces the file whole.
    store
        .put(&original, Bytes::from_static(b"new png bytes"), "image/png")
        .await
        .expect("a rewrite");
    assert_eq!(
        store.get(&original).await.expect("a read"),
        Some(Bytes::from_static(b"new png bytes"))
    );

    // A large file is read as a stream of chunks, with its length known first.
    let big = key("2026/11/0123456789abcdef-big.pdf");
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    store
        .put(&big, Bytes::from(bytes.clone()), "application/pdf")
        .await
        .expect("a write");
    let body = store.open(&big).await.expect("an open").expect("there");
    assert_eq!(body.len, bytes.len() as u64);
    let chunks: Vec<Bytes> = body
        .chunks
        .map(|chunk| chunk.expect("a chunk"))
        .collect()
        .await;
    assert!(chunks.len() > 1, "read whole, not streamed");
    assert_eq!(chunks.concat(), bytes);
    assert!(store
        .open(&key("2026/11/ffffffffffffffff.png"))
        .await
        .expect("an open")
        .is_none());

    // Parts of it, as a Range request asks: exactly the bytes named, with where they
    // start and the whole length; a range past the end is an empty body.
    let len = bytes.len() as u64;
    for (range, first, last) in [
        (ByteRange::Bounded(1000, 1999), 1000, 1999),
        (ByteRange::Bounded(299_990, 400_000), 299_990, len - 1),
        (ByteRange::From(250_000), 250_000, len - 1),
        (ByteRange::Last(500), len - 500, len - 1),
        (ByteRange::Last(999_999), 0, len - 1),
        (ByteRange::Bounded(0, 0), 0, 0),
    ] {
        let part = store
            .open_range(&big, range)
            .await
            .expect("an open")
            .expect("there");
        assert_eq!(
            (part.start, part.len, part.total),
            (first, last - first + 1, len),
            "{range:?}"
        );
        let got: Vec<Bytes> = part.chunks.map(|c| c.expect("a chunk")).collect().await;
        assert_eq!(
            got.concat(),
            bytes[first as usize..=last as usize],
            "{range:?}"
        );
    }
    let past = store
        .open_range(&big, ByteRange::From(len))
        .await
        .expect("an open")
        .expect("there");
    assert_eq!((past.len, past.total), (0, len));
    assert!(store
        .open_range(&key("2026/11/ffffffffffffffff.png"), ByteRange::From(0))
        .await
        .expect("an open")
        .is_none());
    store.delete(&big).await.expect("a delete");

    store.delete(&original).await.expect("a delete");
    assert_eq!(store.get(&original).await.expect("a read"), None);
    store
        .delete(&original)
        .await
        .expect("deleting twice is fine");
    assert_eq!(listed().await, vec![variant.to_string()]);
}

#[tokio::test]
async fn put_get_delete_round_trip() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let store: Arc<dyn MediaStore> = Arc::new(LocalStore::new(dir.path().join("media")));
    the_store_contract(store.as_ref()).await;
    // The listing is the folder's files, no more and no less.
    assert_eq!(
        files_under(&dir.path().join("media")),
        vec!["2026/11/0123456789abcdef-480w.webp".to_owned()]
    );
}

#[tokio::test]
async fn a_failed_put_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let store = LocalStore::new(dir.path().to_path_buf());
    let blocked = key("2026/11/0123456789abcdef.png");
    // A folder where the file should go: the data is written, then the rename fails.
    std::fs::create_dir_all(dir.path().join("2026/11/0123456789abcdef.png/inside"))
        .expect("a folder in the way");

    let error = store
        .put(&blocked, Bytes::from(vec![7u8; 100_000]), "image/png")
        .await
        .expect_err("the put fails");
    assert_eq!(error.status_code(), 500);
    assert_eq!(
        error.to_string(),
        "could not write the media file 2026/11/0123456789abcdef.png"
    );
    assert!(
        files_under(dir.path()).is_empty(),
        "{:?}",
        files_under(dir.path())
    );

    // A file where a folder should go: the folder cannot be made.
    std::fs::write(dir.path().join("2027"), b"not a folder").expect("a file in the way");
    let error = store
        .put(
            &key("2027/01/0123456789abcdef.png"),
            Bytes::from_static(b"x"),
            "image/png",
        )
        .await
        .err();
    assert!(error.is_some());
    assert_eq!(files_under(dir.path()), vec!["2027".to_owned()]);
}

#[tokio::test]
async fn a_successful_put_leaves_only_the_file() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let store = Arc::new(LocalStore::new(dir.path().to_path_buf()));
    let target = key("2026/11/0123456789abcdef.jpg");
    let writers: Vec<_> = (0..8u8)
        .map(|n| {
            let store = Arc::clone(&store);
            let target = target.clone();
            tokio::spawn(async move {
                store
                    .put(&target, Bytes::from(vec![n; 50_000]), "image/jpeg")
                    .await
            })
        })
        .collect();
    for writer in writers {
        writer
            .await
            .expect("the task ran")
            .expect("the put succeeded");
    }
    assert_eq!(
        files_under(dir.path()),
        vec!["2026/11/0123456789abcdef.jpg".to_owned()]
    );
    let stored = store.get(&target).await.expect("a read").expect("a file");
    // One writer's bytes, whole, never a mix.
    assert_eq!(stored.len(), 50_000);
    assert!(stored.iter().all(|byte| *byte == stored[0]));
}

#[test]
fn crafted_names_never_become_keys() {
    for crafted in [
        "../../etc/passwd",
        "/etc/passwd",
        "2026/11/..%2f",
        "2026\\11\\x.png",
        "2026/11/.x.png.1-0.tmp",
    ] {
        assert!(MediaKey::parse(crafted).is_err(), "{crafted}");
    }
}
