//! Where media files live: a small interface, and the local data folder behind it.
//!
//! A store takes only [`MediaKey`]s, which cannot name anything outside the media folder.
//! It keeps bytes and nothing else: which files belong to which upload, who uploaded
//! them and which posts use them are the database's business.

use crate::{MediaError, MediaKey};
use async_trait::async_trait;
use bytes::Bytes;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Storage for media files. Keys are content-addressed, so a `put` under an existing key
/// writes the same bytes again and readers may cache what they get forever.
#[async_trait]
pub trait MediaStore: Send + Sync {
    /// Stores `bytes` under `key`, all or nothing: a reader sees the old file or the new
    /// one, never a part. `mime` is for backends that keep a content type (object
    /// storage); the local store gets it from the key's extension.
    async fn put(&self, key: &MediaKey, bytes: Bytes, mime: &str) -> Result<(), MediaError>;

    /// The bytes under `key`, or `None` if there are none.
    async fn get(&self, key: &MediaKey) -> Result<Option<Bytes>, MediaError>;

    /// The file under `key` as a stream of chunks with its length, for serving it: a
    /// large download is never held in memory whole. `None` if there is none. An error
    /// after the first chunk ends the stream (the response is cut short, its length
    /// unmet, so no client takes it for the whole file).
    async fn open(&self, key: &MediaKey) -> Result<Option<MediaBody>, MediaError>;

    /// Part of the file under `key`, for a `Range` request: the bytes `range` names,
    /// resolved against the file's length ([`ByteRange::resolve`]), or an empty body
    /// starting at the end when none of them is in the file (the caller answers 416
    /// with [`MediaBody::total`]). `None` if there is no file.
    async fn open_range(
        &self,
        key: &MediaKey,
        range: ByteRange,
    ) -> Result<Option<MediaBody>, MediaError>;

    /// Removes the file under `key`; removing what is not there is not an error.
    async fn delete(&self, key: &MediaKey) -> Result<(), MediaError>;

    /// Every file's key, in no particular order (a store holds only what Folio put
    /// there; anything else is skipped).
    async fn list(&self) -> Result<Vec<MediaKey>, MediaError>;
}

/// A file, or part of one, being read: how many bytes come, from where, of how many in
/// the whole file, and the bytes as they come.
pub struct MediaBody {
    /// Bytes in this body.
    pub len: u64,
    /// Offset of the first of them in the file.
    pub start: u64,
    /// The whole file's length.
    pub total: u64,
    pub chunks: futures_util::stream::BoxStream<'static, std::io::Result<Bytes>>,
}

impl MediaBody {
    /// The whole of a file of `len` bytes.
    pub fn whole(
        len: u64,
        chunks: futures_util::stream::BoxStream<'static, std::io::Result<Bytes>>,
    ) -> MediaBody {
        MediaBody {
            len,
            start: 0,
            total: len,
            chunks,
        }
    }

    /// Nothing of a file of `total` bytes: a range that misses it.
    pub fn none_of(total: u64) -> MediaBody {
        MediaBody {
            len: 0,
            start: total,
            total,
            chunks: Box::pin(futures_util::stream::empty()),
        }
    }
}

/// The bytes a `Range` request asks for (RFC 9110, one range of bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// `bytes=A-`: from offset A to the end.
    From(u64),
    /// `bytes=A-B`: from A to B, both included.
    Bounded(u64, u64),
    /// `bytes=-N`: the last N bytes.
    Last(u64),
}

impl ByteRange {
    /// Parses a `Range` header of one byte range. `None` for anything else (another unit,
    /// several ranges, nonsense), which a server may answer with the whole file.
    pub fn parse(header: &str) -> Option<ByteRange> {
        let spec = header.trim().strip_prefix("bytes=")?.trim();
        if spec.contains(',') {
            return None;
        }
        let (first, last) = spec.split_once('-')?;
        let number = |s: &str| -> Option<u64> {
            let s = s.trim();
            (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        };
        match (first.trim().is_empty(), last.trim().is_empty()) {
            (true, false) => Some(ByteRange::Last(number(last)?)),
            (false, true) => Some(ByteRange::From(number(first)?)),
            (false, false) => {
                let (a, b) = (number(first)?, number(last)?);
                (a <= b).then_some(ByteRange::Bounded(a, b))
            }
            (true, true) => None,
        }
    }

    /// The first and last byte (included) of this range in a file of `len` bytes, or
    /// `None` when the range holds none of its bytes (416).
    pub fn resolve(self, len: u64) -> Option<(u64, u64)> {
        match self {
            ByteRange::From(start) => (start < len).then(|| (start, len - 1)),
            ByteRange::Bounded(start, end) => (start < len).then(|| (start, end.min(len - 1))),
            ByteRange::Last(n) => (n > 0 && len > 0).then(|| (len - n.min(len), len - 1)),
        }
    }
}

/// Media files in a folder of the local disk, the site's data folder by default.
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    /// Folders under `root` are made on the first `put`.
    pub fn new(root: PathBuf) -> Self {
        LocalStore { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path_of(&self, key: &MediaKey) -> PathBuf {
        // A MediaKey is relative and has no `..`, so the join stays under the root.
        self.root.join(key.as_str())
    }
}

#[async_trait]
impl MediaStore for LocalStore {
    #[tracing::instrument(name = "media.put", skip_all, fields(key = %key, bytes = bytes.len()))]
    async fn put(&self, key: &MediaKey, bytes: Bytes, _mime: &str) -> Result<(), MediaError> {
        let path = self.path_of(key);
        let key_text = key.to_string();
        run_blocking("write", key, move || {
            write_atomically(&path, |file| file.write_all(&bytes))
                .map_err(|e| MediaError::from_io("write", &key_text, e))
        })
        .await
    }

    #[tracing::instrument(name = "media.get", skip_all, fields(key = %key))]
    async fn get(&self, key: &MediaKey) -> Result<Option<Bytes>, MediaError> {
        let path = self.path_of(key);
        let key_text = key.to_string();
        run_blocking("read", key, move || match fs::read(&path) {
            Ok(bytes) => Ok(Some(Bytes::from(bytes))),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(MediaError::from_io("read", &key_text, error)),
        })
        .await
    }

    #[tracing::instrument(name = "media.open", skip_all, fields(key = %key))]
    async fn open(&self, key: &MediaKey) -> Result<Option<MediaBody>, MediaError> {
        let file = match tokio::fs::File::open(self.path_of(key)).await {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(MediaError::from_io("read", key.as_str(), error)),
        };
        let len = file
            .metadata()
            .await
            .map_err(|e| MediaError::from_io("read", key.as_str(), e))?
            .len();
        Ok(Some(MediaBody::whole(
            len,
            Box::pin(tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024)),
        )))
    }

    #[tracing::instrument(name = "media.open_range", skip_all, fields(key = %key))]
    async fn open_range(
        &self,
        key: &MediaKey,
        range: ByteRange,
    ) -> Result<Option<MediaBody>, MediaError> {
        use tokio::io::{AsyncReadExt, AsyncSeekExt};
        let failed = |e| MediaError::from_io("read", key.as_str(), e);
        let mut file = match tokio::fs::File::open(self.path_of(key)).await {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(failed(error)),
        };
        let total = file.metadata().await.map_err(failed)?.len();
        let Some((start, end)) = range.resolve(total) else {
            return Ok(Some(MediaBody::none_of(total)));
        };
        file.seek(io::SeekFrom::Start(start))
            .await
            .map_err(failed)?;
        let len = end - start + 1;
        Ok(Some(MediaBody {
            len,
            start,
            total,
            chunks: Box::pin(tokio_util::io::ReaderStream::with_capacity(
                file.take(len),
                64 * 1024,
            )),
        }))
    }

    #[tracing::instrument(name = "media.delete", skip_all, fields(key = %key))]
    async fn delete(&self, key: &MediaKey) -> Result<(), MediaError> {
        let path = self.path_of(key);
        let key_text = key.to_string();
        run_blocking("delete", key, move || match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(MediaError::from_io("delete", &key_text, error)),
        })
        .await
    }

    async fn list(&self) -> Result<Vec<MediaKey>, MediaError> {
        let root = self.root.clone();
        let listed = tokio::task::spawn_blocking(move || {
            let mut keys = Vec::new();
            let mut folders = vec![root.clone()];
            while let Some(folder) = folders.pop() {
                let entries = match fs::read_dir(&folder) {
                    Ok(entries) => entries,
                    Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
                    Err(error) => return Err(error),
                };
                for entry in entries {
                    let path = entry?.path();
                    if path.is_dir() {
                        folders.push(path);
                    } else if let Some(key) = path
                        .strip_prefix(&root)
                        .ok()
                        .and_then(|relative| relative.to_str())
                        .and_then(|relative| MediaKey::parse(relative).ok())
                    {
                        keys.push(key);
                    }
                }
            }
            Ok(keys)
        })
        .await
        .map_err(io::Error::other)
        .and_then(|listed| listed);
        listed.map_err(|e| MediaError::from_io("list", "(the media folder)", e))
    }
}

/// File system calls block; they run on tokio's blocking pool, one task per operation.
async fn run_blocking<T: Send + 'static>(
    action: &'static str,
    key: &MediaKey,
    work: impl FnOnce() -> Result<T, MediaError> + Send + 'static,
) -> Result<T, MediaError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|join_error| MediaError::Storage {
            action,
            key: key.to_string(),
            source: io::Error::other(join_error),
        })?
}

/// Sets temporary files apart within a process; the process id sets processes apart.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes a temporary file beside `path`, flushes it to disk and renames it over `path`,
/// so `path` never holds a partial file. On any failure the temporary file is removed.
/// Its name starts with a dot, which no valid key does, so it can never be served.
fn write_atomically(path: &Path, fill: impl FnOnce(&mut File) -> io::Result<()>) -> io::Result<()> {
    let folder = path
        .parent()
        .ok_or_else(|| io::Error::other("a media path has no folder"))?;
    let file_name = path
        .file_name()
        .ok_or_else(|| io::Error::other("a media path has no file name"))?;
    fs::create_dir_all(folder)?;
    let temp = folder.join(format!(
        ".{}.{}-{}.tmp",
        file_name.to_string_lossy(),
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));

    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)?;
    let written = fill(&mut file)
        .and_then(|()| file.sync_all())
        .and_then(|()| {
            drop(file);
            fs::rename(&temp, path)
        });
    if let Err(error) = written {
        if let Err(cleanup) = fs::remove_file(&temp) {
            tracing::warn!(temp = %temp.display(), %cleanup, "could not remove a temporary media file");
        }
        return Err(error);
    }
    // Make the rename itself durable. The file is complete either way, so a failure
    // here is worth a warning, not a failed upload.
    if let Err(error) = File::open(folder).and_then(|dir| dir.sync_all()) {
        tracing::warn!(folder = %folder.display(), %error, "could not flush a media folder");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::ByteRange;

    #[test]
    fn range_headers_of_one_byte_range_parse_and_the_rest_do_not() {
        assert_eq!(
            ByteRange::parse("bytes=0-99"),
            Some(ByteRange::Bounded(0, 99))
        );
        assert_eq!(ByteRange::parse("bytes=100-"), Some(ByteRange::From(100)));
        assert_eq!(ByteRange::parse("bytes=-100"), Some(ByteRange::Last(100)));
        assert_eq!(
            ByteRange::parse(" bytes= 5 - 9 "),
            Some(ByteRange::Bounded(5, 9))
        );
        for other in [
            "bytes=0-1,5-9",
            "bytes=9-5",
            "bytes=-",
            "bytes=a-b",
            "bytes=+1-2",
            "items=0-1",
            "bytes=18446744073709551616-",
            "",
        ] {
            assert_eq!(ByteRange::parse(other), None, "{other}");
        }
    }

    #[test]
    fn ranges_resolve_against_the_length_or_miss_it() {
        assert_eq!(ByteRange::Bounded(0, 99).resolve(50), Some((0, 49)));
        assert_eq!(ByteRange::From(49).resolve(50), Some((49, 49)));
        assert_eq!(ByteRange::From(50).resolve(50), None);
        assert_eq!(ByteRange::Last(10).resolve(50), Some((40, 49)));
        assert_eq!(ByteRange::Last(80).resolve(50), Some((0, 49)));
        assert_eq!(ByteRange::Last(0).resolve(50), None);
        assert_eq!(ByteRange::Last(5).resolve(0), None);
        assert_eq!(ByteRange::Bounded(0, 0).resolve(0), None);
    }

    use super::*;

    fn entries(folder: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(folder)
            .expect("a readable folder")
            .map(|entry| {
                entry
                    .expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_write_that_fails_halfway_leaves_nothing() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("2026/11/abc.png");
        let error = write_atomically(&path, |file| {
            file.write_all(b"half an ima")?;
            Err(io::Error::from(io::ErrorKind::StorageFull))
        })
        .expect_err("the write fails");
        assert_eq!(error.kind(), io::ErrorKind::StorageFull);
        assert!(entries(&dir.path().join("2026/11")).is_empty());
        assert!(!path.exists());
    }

    #[test]
    fn a_failed_write_keeps_the_previous_file() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("a.png");
        write_atomically(&path, |file| file.write_all(b"first")).expect("the first write");
        let failed = write_atomically(&path, |file| {
            file.write_all(b"sec")?;
            Err(io::Error::other("the disk went away"))
        });
        assert!(failed.is_err());
        assert_eq!(fs::read(&path).expect("the file is still there"), b"first");
        assert_eq!(entries(dir.path()), vec!["a.png".to_owned()]);
    }
}
