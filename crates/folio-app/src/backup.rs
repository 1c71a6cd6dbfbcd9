//! A whole site to one portable document and back (`folio export`, `folio import`): the
//! store's export with the media library's files inside it, so a backup restores on
//! any backend and any machine.

use anyhow::Context;
use base64::Engine as _;
use folio_media::{MediaKey, MediaStore};
use folio_store::export::{ImportReport, SiteExport};
use folio_store::{Store, StoreError};

/// The site, with every file of its media library (base64) beside its entry. A file the
/// library names but the store lacks is left out with a warning in the log.
pub async fn export_site(store: &Store, files: &dyn MediaStore) -> anyhow::Result<SiteExport> {
    let mut site = store.export_site().await.context("reading the site")?;
    for entry in &mut site.media {
        for rendition in &entry.entry.renditions {
            let key = MediaKey::parse(&rendition.key)
                .with_context(|| format!("media entry {}", entry.entry.id))?;
            match files
                .get(&key)
                .await
                .with_context(|| format!("reading the media file {key}"))?
            {
                Some(bytes) => {
                    entry.files.insert(
                        rendition.key.clone(),
                        base64::engine::general_purpose::STANDARD.encode(bytes),
                    );
                }
                None => {
                    tracing::warn!(key = %key, "a media file of the library is missing; exported without it")
                }
            }
        }
    }
    Ok(site)
}

/// Loads an export into an empty site. Files first: each key and each file's type is
/// checked before anything is written, and a file written for an import that then
/// fails is only an unreferenced, content-named file. The store's part is one
/// transaction: all of it, or nothing.
pub async fn import_site(
    store: &Store,
    files: &dyn MediaStore,
    site: &SiteExport,
) -> anyhow::Result<ImportReport> {
    for entry in &site.media {
        for (key, content) in &entry.files {
            let key = MediaKey::parse(key)
                .with_context(|| format!("media entry {}: file {key:?}", entry.entry.id))?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(content)
                .with_context(|| {
                    format!("media entry {}: file {key} is not base64", entry.entry.id)
                })?;
            // Served with the type its name says: the bytes must be that type.
            let kind = folio_media::MediaKind::classify(&bytes, key.as_str()).ok().filter(|k| Some(*k) == key.kind()).with_context(|| {
                format!("media entry {}: file {key} is not the type its name says; nothing was imported", entry.entry.id)
            })?;
            files
                .put(&key, bytes.into(), kind.mime())
                .await
                .with_context(|| format!("writing the media file {key}"))?;
        }
    }
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
