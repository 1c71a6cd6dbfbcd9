//! Uploaded images and downloads: an image is processed off the async threads
//! (`folio_media::process`), a download (PDF, audio, an archive) kept byte for byte;
//! the files are written to the media store, then the library entry recorded. The API,
//! the admin library and the importers all go through [`Media::upload`] and
//! [`Media::remove`], so the rules and the order of the steps live here once.

use crate::{Error, UploadError};
use bytes::Bytes;
use chrono::Datelike;
use folio_media::{FileKind, LocalStore, MediaError, MediaKey, MediaKind, MediaStore, YearMonth};
use folio_store::{MediaRendition, NewMedia, Store};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Longest uploader's file name kept for display.
const MAX_NAME_CHARS: usize = 200;

/// The media store and the rules of uploading to it.
pub struct Media {
    files: Arc<dyn MediaStore>,
    limits: folio_media::Limits,
    /// Decoding a large image holds up to a few hundred megabytes: one at a time per
    /// CPU, and the rest wait.
    processing: Semaphore,
}

/// A file on its way in.
pub struct Upload {
    pub bytes: Bytes,
    /// The uploader's file name; shown in the library, never used to store anything.
    pub original_name: String,
    pub alt: String,
    pub uploaded_by: i64,
}

impl Media {
    /// The media library kept in `dir` (the local store), with uploads up to `max_bytes`.
    pub fn new(dir: PathBuf, max_bytes: u64) -> Media {
        Media::with_files(Arc::new(LocalStore::new(dir)), max_bytes)
    }

    /// The media library `config` names (`FOLIO_MEDIA_URL`): its folder, or its bucket,
    /// asked once so that an unreachable store, a missing bucket or refused credentials
    /// stop the command now, with the reason, rather than failing the first upload.
    pub async fn open(config: &crate::Config) -> anyhow::Result<Media> {
        if let crate::config::MediaLocation::S3(settings) = &config.media {
            let store = s3_store(settings)?;
            store
                .check()
                .await
                .map_err(|e| anyhow::anyhow!("FOLIO_MEDIA_URL: {e}"))?;
            tracing::info!(media = %store.url(), "media library in an object store");
            return Ok(Media::with_files(Arc::new(store), config.media_max_bytes()));
        }
        Media::configured(config)
    }

    /// The media library `config` names, not asked anything yet: for commands that may
    /// never touch a file (creating a user, a token).
    pub fn configured(config: &crate::Config) -> anyhow::Result<Media> {
        let files: Arc<dyn MediaStore> = match &config.media {
            crate::config::MediaLocation::Local(dir) => Arc::new(LocalStore::new(dir.clone())),
            crate::config::MediaLocation::S3(settings) => Arc::new(s3_store(settings)?),
        };
        Ok(Media::with_files(files, config.media_max_bytes()))
    }

    /// The media library over `files`, with uploads up to `max_bytes`.
    pub fn with_files(files: Arc<dyn MediaStore>, max_bytes: u64) -> Media {
        let limits = folio_media::Limits {
            max_bytes,
            ..Default::default()
        };
        let permits = std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1);
        Media {
            files,
            limits,
            processing: Semaphore::new(permits),
        }
    }

    /// The largest upload, in bytes.
    pub fn max_bytes(&self) -> u64 {
        self.limits.max_bytes
    }

    /// The request body limit for upload routes: the file and a little for the form.
    pub fn body_limit(&self) -> usize {
        usize::try_from(self.limits.max_bytes.saturating_add(64 * 1024)).unwrap_or(usize::MAX)
    }

    pub fn files(&self) -> &Arc<dyn MediaStore> {
        &self.files
    }

    /// Checks and stores an upload, then records it in the library: an image is
    /// re-encoded and resized, a download kept as it is. Returns the entry and whether
    /// it is new (the same file uploaded again is one entry). Files are written before
    /// the row, so a row never names a missing file; a failure between the two leaves
    /// only unreferenced, content-named files.
    pub async fn upload(
        &self,
        store: &Store,
        upload: Upload,
    ) -> Result<(folio_store::Media, bool), Error> {
        let size = upload.bytes.len() as u64;
        if size > self.limits.max_bytes {
            return Err(MediaError::TooLarge {
                size,
                limit: self.limits.max_bytes,
            }
            .into());
        }
        if let MediaKind::File(kind) = MediaKind::classify(&upload.bytes, &upload.original_name)? {
            return self.keep_file(store, upload, kind).await;
        }
        let processed = {
            let _permit = self
                .processing
                .acquire()
                .await
                .map_err(|_| UploadError::Malformed("the server is stopping".into()))?;
            let limits = self.limits.clone();
            let bytes = upload.bytes;
            tokio::task::spawn_blocking(move || folio_media::process(&bytes, &limits))
                .await
                .map_err(|e| MediaError::Encode {
                    kind: folio_media::ImageKind::Png,
                    source: Box::new(e),
                })??
        };
        let when = this_month();
        // The original last: once it is there, every rendition it lists is.
        for rendition in processed
            .variants
            .iter()
            .chain(std::iter::once(&processed.original))
        {
            self.files
                .put(
                    &processed.key_for(rendition, when),
                    rendition.bytes.clone(),
                    rendition.mime,
                )
                .await?;
        }
        let renditions = processed
            .renditions()
            .map(|r| MediaRendition {
                key: processed.key_for(r, when).to_string(),
                mime: r.mime.to_owned(),
                width: r.width,
                height: r.height,
                bytes: r.bytes.len() as u64,
            })
            .collect();
        let original_key = processed.key_for(&processed.original, when);
        let new = NewMedia {
            storage_key: original_key.to_string(),
            mime: processed.original.mime.to_owned(),
            width: processed.width,
            height: processed.height,
            byte_size: processed.original.bytes.len() as u64,
            renditions,
            original_name: display_name(&upload.original_name),
            alt: upload.alt.trim().chars().take(1000).collect(),
            uploaded_by: Some(upload.uploaded_by),
        };
        Ok(store.add_media(new).await?)
    }

    /// Stores a download byte for byte and records it: no renditions, no dimensions.
    async fn keep_file(
        &self,
        store: &Store,
        upload: Upload,
        kind: FileKind,
    ) -> Result<(folio_store::Media, bool), Error> {
        let name = display_name(&upload.original_name);
        let key = folio_media::file_key(&upload.bytes, kind, &name, this_month());
        let byte_size = upload.bytes.len() as u64;
        self.files.put(&key, upload.bytes, kind.mime()).await?;
        let new = NewMedia {
            storage_key: key.to_string(),
            mime: kind.mime().to_owned(),
            width: 0,
            height: 0,
            byte_size,
            renditions: vec![MediaRendition {
                key: key.to_string(),
                mime: kind.mime().to_owned(),
                width: 0,
                height: 0,
                bytes: byte_size,
            }],
            original_name: name,
            alt: upload.alt.trim().chars().take(1000).collect(),
            uploaded_by: Some(upload.uploaded_by),
        };
        Ok(store.add_media(new).await?)
    }

    /// Removes an entry from the library, then its files. Pages that still show the
    /// image lose it; the library says how many use it before anyone deletes it.
    pub async fn remove(&self, store: &Store, media: &folio_store::Media) -> Result<(), Error> {
        store
            .delete_media(media.id)
            .await
            .map_err(Error::not_found("media"))?;
        for rendition in &media.renditions {
            match MediaKey::parse(&rendition.key) {
                Ok(key) => {
                    if let Err(err) = self.files.delete(&key).await {
                        tracing::warn!(error = %err, key = %key, "could not delete a media file; it is orphaned");
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, key = %rendition.key, "a media entry named an invalid file")
                }
            }
        }
        Ok(())
    }
}

/// What [`copy_library`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CopyReport {
    /// Files written to the new store.
    pub copied: usize,
    /// Files the new store held already (an earlier run's).
    pub already_there: usize,
    /// Files the library names that the old store does not have: their entries show
    /// nothing on either store.
    pub missing: Vec<String>,
    /// Files that could not be copied, and why; running again retries them.
    pub failed: Vec<(String, String)>,
}

impl CopyReport {
    /// Every file the library names is on the new store.
    pub fn complete(&self) -> bool {
        self.missing.is_empty() && self.failed.is_empty()
    }
}

/// Copies every file the library names (each entry's original and renditions) from
/// `from` to `to`. A file `to` already holds is skipped: names are content-addressed,
/// so the same name is the same bytes, and a run that stopped half-way is finished by
/// running it again. Nothing is deleted from either store, and the library's rows do
/// not change (they name files, not stores): once the copy is complete, point
/// `FOLIO_MEDIA_URL` at the new store. `on_progress(done, total)` follows the files.
pub async fn copy_library(
    store: &Store,
    from: &dyn MediaStore,
    to: &dyn MediaStore,
    on_progress: crate::import::OnProgress<'_>,
) -> Result<CopyReport, Error> {
    let mut keys: Vec<String> = Vec::new();
    let mut before = None;
    loop {
        let page = store.list_media(before, 500).await?;
        let Some(last) = page.last() else { break };
        before = Some(last.id);
        keys.extend(
            page.iter()
                .flat_map(|entry| entry.renditions.iter().map(|r| r.key.clone())),
        );
    }
    keys.sort();
    keys.dedup();
    let there: std::collections::HashSet<String> =
        to.list().await?.into_iter().map(String::from).collect();
    let mut report = CopyReport::default();
    let total = keys.len();
    on_progress(0, total);
    for (done, text) in keys.into_iter().enumerate() {
        if there.contains(&text) {
            report.already_there += 1;
        } else {
            match MediaKey::parse(&text) {
                Err(e) => report.failed.push((text, e.to_string())),
                Ok(key) => match from.get(&key).await {
                    Ok(None) => report.missing.push(text),
                    Err(e) => report.failed.push((text, format!("reading it: {e}"))),
                    Ok(Some(bytes)) => {
                        let mime = key.kind().map_or("application/octet-stream", |k| k.mime());
                        match to.put(&key, bytes, mime).await {
                            Ok(()) => report.copied += 1,
                            Err(e) => report.failed.push((text, format!("writing it: {e}"))),
                        }
                    }
                },
            }
        }
        on_progress(done + 1, total);
    }
    Ok(report)
}

impl std::fmt::Display for CopyReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} file(s) copied, {} already there, {} missing from the old store, {} failed",
            self.copied,
            self.already_there,
            self.missing.len(),
            self.failed.len()
        )?;
        for key in &self.missing {
            writeln!(
                f,
                "  missing: {key} (the library names it; the old store does not have it)"
            )?;
        }
        for (key, why) in &self.failed {
            writeln!(f, "  failed: {key}: {why}")?;
        }
        Ok(())
    }
}

impl crate::App {
    /// Takes a file into the library for `actor`: an image checked, re-encoded, resized
    /// and stored, a download checked and stored as it is. The same file again is the
    /// same entry (`false`: it was already there).
    pub async fn upload_media(
        &self,
        actor: &folio_core::Actor,
        bytes: Bytes,
        original_name: String,
        alt: String,
    ) -> Result<(folio_store::Media, bool), Error> {
        let upload = Upload {
            bytes,
            original_name,
            alt,
            uploaded_by: actor.user_id,
        };
        self.media().upload(self.store(), upload).await
    }

    /// Removes entry `id` and its files, if `actor` may (their own images; editors and
    /// above anyone's).
    pub async fn delete_media(&self, actor: &folio_core::Actor, id: i64) -> Result<(), Error> {
        let media = self
            .store()
            .media_by_id(id)
            .await
            .map_err(Error::not_found("media"))?;
        if !actor.may_delete_media(media.uploaded_by) {
            return Err(Error::Forbidden(
                "you may delete only files you uploaded".into(),
            ));
        }
        self.media().remove(self.store(), &media).await
    }
}

/// The client of the bucket `FOLIO_MEDIA_URL` names; its errors name the setting.
fn s3_store(settings: &folio_media::S3Settings) -> anyhow::Result<folio_media::S3Store> {
    folio_media::S3Store::new(settings).map_err(|e| anyhow::anyhow!("FOLIO_MEDIA_URL: {e}"))
}

/// The month uploads are filed under now.
fn this_month() -> YearMonth {
    let today = folio_store::now();
    YearMonth::new(today.year(), today.month()).unwrap_or_else(|| unreachable!("a real date"))
}

/// The uploader's file name as shown: its last path segment, no control characters,
/// at most 200 characters.
fn display_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    last.chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect::<String>()
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::display_name;

    #[test]
    fn display_names_lose_paths_and_controls() {
        assert_eq!(display_name("C:\\Users\\me\\cat.png"), "cat.png");
        assert_eq!(display_name("../../etc/passwd"), "passwd");
        assert_eq!(display_name("a\u{0}b\nc.png"), "abc.png");
        assert_eq!(display_name(&"x".repeat(500)).len(), 200);
    }
}
