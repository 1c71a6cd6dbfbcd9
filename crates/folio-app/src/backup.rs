//! A whole site to one portable file and back (`folio export`, `folio import`), so a
//! backup restores on any backend and any machine.
//!
//! The file is a tar archive: `site.json` first (the store's export, which names each
//! media file by key), then every file of the media library as `media/<key>`, streamed
//! from the store and back into one, so neither side holds more than one file in memory
//! and a backup is the same bytes whichever database and store it came from. The older
//! form, one JSON document with the files base64-encoded inside it, still imports; and
//! `site.json` alone (`folio export --format json`) restores the site over a store that
//! already holds its files.

use anyhow::Context;
use base64::Engine as _;
use folio_media::{MediaKey, MediaStore};
use folio_store::export::{ImportReport, SiteExport};
use folio_store::{Store, StoreError};
use std::io::{Read, Write};
use std::sync::Arc;

/// The first member of an archive: the site.
pub const SITE_FILE: &str = "site.json";
/// The folder of the archive that holds the media files, by key.
pub const MEDIA_FOLDER: &str = "media/";

/// The largest media file an archive may hold: the largest upload Folio accepts
/// (`FOLIO_MEDIA_MAX_MB` goes up to 1024).
const LARGEST_FILE: u64 = 1024 << 20;

/// What an archive holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArchiveSummary {
    pub posts: usize,
    /// Media files in the archive.
    pub files: usize,
    /// Files the library names that the store did not have (left out, with a warning).
    pub missing: usize,
    /// Bytes of media files.
    pub bytes: u64,
}

/// Whether `head` (the first 512 bytes or fewer of a file) starts a tar archive.
pub fn is_archive(head: &[u8]) -> bool {
    head.len() >= 262 && &head[257..262] == b"ustar"
}

/// Writes the site to `out` as an archive, each media file streamed from `files` as the
/// store sends it. Returns `out` (for the caller to flush or rename) and what was
/// written. A file that changes length while it is read fails the export.
pub async fn export_archive<W: Write + Send + 'static>(
    store: &Store,
    files: Arc<dyn MediaStore>,
    out: W,
) -> anyhow::Result<(W, ArchiveSummary)> {
    let site = store.export_site().await.context("reading the site")?;
    let mut summary = ArchiveSummary {
        posts: site.posts.len(),
        ..ArchiveSummary::default()
    };
    let json = serde_json::to_vec_pretty(&site)?;
    let mut members = Vec::new();
    for entry in &site.media {
        for rendition in &entry.entry.renditions {
            let key = MediaKey::parse(&rendition.key)
                .with_context(|| format!("media entry {}", entry.entry.id))?;
            members.push((key, entry.entry.created_at.timestamp().max(0) as u64));
        }
    }
    let modified = site
        .posts
        .iter()
        .map(|p| p.updated_at.timestamp())
        .max()
        .unwrap_or(0)
        .max(0) as u64;
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || -> anyhow::Result<(W, ArchiveSummary)> {
        let mut tar = tar::Builder::new(out);
        tar.append_data(&mut header(json.len() as u64, modified), SITE_FILE, json.as_slice())
            .context("writing the archive")?;
        for (key, modified) in members {
            let body = handle
                .block_on(files.open(&key))
                .with_context(|| format!("reading the media file {key}"))?;
            let Some(body) = body else {
                tracing::warn!(key = %key, "a media file of the library is missing; exported without it");
                summary.missing += 1;
                continue;
            };
            let stream = tokio_util::io::StreamReader::new(body.chunks);
            let mut reader = Counted {
                inner: tokio_util::io::SyncIoBridge::new_with_handle(stream, handle.clone()),
                read: 0,
            };
            tar.append_data(
                &mut header(body.len, modified),
                format!("{MEDIA_FOLDER}{key}"),
                &mut reader,
            )
            .with_context(|| format!("writing the media file {key} into the archive"))?;
            anyhow::ensure!(
                reader.read == body.len,
                "the media file {key} changed while it was exported ({} bytes, {} expected); run the export again",
                reader.read,
                body.len
            );
            summary.files += 1;
            summary.bytes += body.len;
        }
        let out = tar.into_inner().context("writing the archive")?;
        Ok((out, summary))
    })
    .await
    .context("the export stopped")?
}

/// A tar member's header: a plain file, readable by all, dated `modified`.
fn header(len: u64, modified: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Regular);
    header.set_size(len);
    header.set_mode(0o644);
    header.set_mtime(modified);
    header
}

/// A reader that counts what it gave.
struct Counted<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

/// Loads an archive into an empty site. `site.json` must come first; each file after it
/// must be one the site names, of the type its name says, and is written to the store
/// as it is read (a failure part-way leaves only unreferenced, content-named files).
/// Then the site, in one transaction.
pub async fn import_archive<R: Read + Send + 'static>(
    store: &Store,
    files: Arc<dyn MediaStore>,
    input: R,
) -> anyhow::Result<ImportReport> {
    let handle = tokio::runtime::Handle::current();
    let site = tokio::task::spawn_blocking(move || -> anyhow::Result<SiteExport> {
        let mut archive = tar::Archive::new(input);
        let mut entries = archive.entries().context("reading the archive")?;
        let mut first = entries
            .next()
            .context("the archive is empty: not a Folio export")?
            .context("reading the archive")?;
        anyhow::ensure!(
            first.path_bytes().as_ref() == SITE_FILE.as_bytes(),
            "the archive does not start with {SITE_FILE}: not a Folio export"
        );
        let mut json = Vec::new();
        first
            .read_to_end(&mut json)
            .context("reading site.json from the archive")?;
        let site: SiteExport =
            serde_json::from_slice(&json).context("site.json in the archive is not a Folio export")?;
        let named: std::collections::BTreeSet<&str> = site
            .media
            .iter()
            .flat_map(|m| m.entry.renditions.iter().map(|r| r.key.as_str()))
            .collect();
        for entry in entries {
            let mut entry = entry.context("reading the archive")?;
            let path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let key = path
                .strip_prefix(MEDIA_FOLDER)
                .filter(|k| named.contains(k))
                .with_context(|| {
                    format!("{path} in the archive is not a media file that site.json names; nothing was imported")
                })?;
            let key = MediaKey::parse(key).with_context(|| format!("{path} in the archive"))?;
            // The header's size is the archive's word: bound it before trusting it.
            let size = entry.size();
            anyhow::ensure!(
                size <= LARGEST_FILE,
                "{path} in the archive is {size} bytes, more than the {} MiB a media file may be; nothing was imported",
                LARGEST_FILE >> 20
            );
            let mut bytes = Vec::with_capacity(size.min(1 << 20) as usize);
            entry
                .read_to_end(&mut bytes)
                .with_context(|| format!("reading {path} from the archive"))?;
            handle.block_on(put_checked(files.as_ref(), &key, bytes, &path))?;
        }
        Ok(site)
    })
    .await
    .context("the import stopped")??;
    import_rows(store, &site).await
}

/// Writes one file of an export after checking that its bytes are the type its name
/// says (it will be served with that type).
async fn put_checked(
    files: &dyn MediaStore,
    key: &MediaKey,
    bytes: Vec<u8>,
    named: &str,
) -> anyhow::Result<()> {
    let kind = folio_media::MediaKind::classify(&bytes, key.as_str())
        .ok()
        .filter(|k| Some(*k) == key.kind())
        .with_context(|| {
            format!("{named}: the file is not the type its name says; nothing was imported")
        })?;
    files
        .put(key, bytes.into(), kind.mime())
        .await
        .with_context(|| format!("writing the media file {key}"))
}

/// Loads a JSON export (files base64-encoded inside it, or none) into an empty site.
/// Files first: each key and each file's type is checked before it is written, and a
/// file written for an import that then fails is only an unreferenced, content-named
/// file. The store's part is one transaction: all of it, or nothing.
pub async fn import_site(
    store: &Store,
    files: &dyn MediaStore,
    site: &SiteExport,
) -> anyhow::Result<ImportReport> {
    for entry in &site.media {
        for (key, content) in &entry.files {
            let named = format!("media entry {}: file {key}", entry.entry.id);
            let key = MediaKey::parse(key)
                .with_context(|| format!("media entry {}: file {key:?}", entry.entry.id))?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(content)
                .with_context(|| format!("{named} is not base64"))?;
            put_checked(files, &key, bytes, &named).await?;
        }
    }
    import_rows(store, site).await
}

/// The store's part of an import, with its refusals said as a list of what was wrong.
async fn import_rows(store: &Store, site: &SiteExport) -> anyhow::Result<ImportReport> {
    store.import_site(site).await.map_err(|e| match e {
        StoreError::Invalid(fields) => {
            let list: Vec<String> = fields.0.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            anyhow::anyhow!(
                "the export is invalid, nothing was imported:\n  {}",
                list.join("\n  ")
            )
        }
        e => anyhow::Error::new(e).context("importing; nothing was imported"),
    })
}
