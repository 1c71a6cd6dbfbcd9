//! The names media files are stored and served under.
//!
//! Folio makes every name itself: `<year>/<month>/<hash><suffix>`, where the hash is the
//! first 16 hex digits of the SHA-256 of the stored original and the suffix is `.png` for
//! the original or `-960w.webp` for a rendition. Only `[a-z0-9/.-]` ever appear. A name
//! is content-addressed, so the bytes behind it never change and may be cached forever.
//!
//! A name that comes back from outside (a URL to serve, a library entry to delete) is a
//! string until [`MediaKey::parse`] accepts it; the stores take only a [`MediaKey`], so
//! no path that climbs out of the media folder can reach them.

use crate::{ImageKind, MediaError, MediaKind};
use sha2::{Digest, Sha256};
use std::fmt;

const MAX_KEY_LEN: usize = 200;

/// The month an upload is filed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    year: u16,
    month: u8,
}

impl YearMonth {
    /// Takes the types `chrono`'s `Datelike::year()` and `month()` return; `None` outside
    /// years 1000–9999 and months 1–12.
    pub fn new(year: i32, month: u32) -> Option<YearMonth> {
        let year = u16::try_from(year)
            .ok()
            .filter(|y| (1000..=9999).contains(y))?;
        let month = u8::try_from(month).ok().filter(|m| (1..=12).contains(m))?;
        Some(YearMonth { year, month })
    }

    pub fn year(self) -> u16 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }
}

/// A name that is safe to hand to a store: relative, made only of `[a-z0-9/.-]`, with no
/// empty, `.` or `..` segment and no segment starting with a dot (temporary files).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MediaKey(String);

impl MediaKey {
    pub fn parse(key: &str) -> Result<MediaKey, MediaError> {
        validate_key(key)?;
        Ok(MediaKey(key.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The type the name's extension says, for the `Content-Type` of a response. Folio
    /// made the name from the sniffed type, so the extension can be trusted.
    pub fn kind(&self) -> Option<MediaKind> {
        let (_, extension) = self.file_name().rsplit_once('.')?;
        MediaKind::from_extension(extension)
    }

    /// The last segment of the name: `<hash>-960w.webp`, `<hash>-ferry-timetable.pdf`.
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }

    /// The name a download is saved under: the file name without the hash that keeps
    /// names apart (`ferry-timetable.pdf`), or the whole file name when that is all
    /// there is.
    pub fn download_name(&self) -> &str {
        let name = self.file_name();
        match name.split_once('-') {
            Some((hash, rest))
                if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                rest
            }
            _ => name,
        }
    }

    /// Made only from parts this module controls.
    fn made(key: String) -> MediaKey {
        debug_assert!(
            validate_key(&key).is_ok(),
            "Folio made an invalid key: {key}"
        );
        MediaKey(key)
    }
}

impl fmt::Display for MediaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for MediaKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<MediaKey> for String {
    fn from(key: MediaKey) -> String {
        key.0
    }
}

/// The name of a stored original: `2026/11/<hash>.<ext>`. Pass the bytes that are
/// stored (`Processed::original.bytes`), so equal names mean equal bytes.
///
/// The same image uploaded twice in a month gets the same names: the library should
/// treat the second upload as the first, and never delete files another entry uses.
pub fn storage_key(original_bytes: &[u8], kind: ImageKind, when: YearMonth) -> MediaKey {
    key_with_suffix(original_bytes, &format!(".{}", kind.extension()), when)
}

/// The name of a rendition of that original: `2026/11/<hash>-<width>w.<ext>`.
pub fn variant_key(
    original_bytes: &[u8],
    kind: ImageKind,
    width: u32,
    when: YearMonth,
) -> MediaKey {
    key_with_suffix(
        original_bytes,
        &format!("-{width}w.{}", kind.extension()),
        when,
    )
}

/// `suffix` is one this crate made (see `Rendition::suffix`).
pub(crate) fn key_with_suffix(original_bytes: &[u8], suffix: &str, when: YearMonth) -> MediaKey {
    let digest = Sha256::digest(original_bytes);
    let hash: String = digest
        .iter()
        .take(8)
        .map(|byte| format!("{byte:02x}"))
        .collect();
    MediaKey::made(format!("{:04}/{:02}/{hash}{suffix}", when.year, when.month))
}

/// Refuses any name Folio could not have made. Used before serving or deleting, so a
/// crafted path can never leave the media folder.
pub fn validate_key(key: &str) -> Result<(), MediaError> {
    let refuse = |reason| Err(MediaError::InvalidKey { reason });
    if key.is_empty() {
        return refuse("the name is empty");
    }
    if key.len() > MAX_KEY_LEN {
        return refuse("the name is too long");
    }
    if let Some(bad) = key
        .chars()
        .find(|c| !matches!(c, 'a'..='z' | '0'..='9' | '/' | '.' | '-'))
    {
        return match bad {
            '\\' => refuse("it contains a backslash"),
            'A'..='Z' => refuse("it contains a capital letter"),
            _ => refuse("it contains a character Folio never uses in names"),
        };
    }
    if key.contains("..") {
        return refuse("it contains `..`");
    }
    if key.starts_with('/') {
        return refuse("it starts with `/`");
    }
    for segment in key.split('/') {
        if segment.is_empty() {
            return refuse("it has an empty path segment");
        }
        if segment.starts_with('.') {
            return refuse("a path segment starts with a dot");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn november() -> YearMonth {
        YearMonth::new(2026, 11).expect("a valid month")
    }

    #[test]
    fn names_are_dated_and_content_addressed() {
        let key = storage_key(b"pixels", ImageKind::Png, november());
        assert_eq!(key.as_str().len(), "2026/11/".len() + 16 + ".png".len());
        assert!(key.as_str().starts_with("2026/11/"));
        assert!(key.as_str().ends_with(".png"));
        assert_eq!(key, storage_key(b"pixels", ImageKind::Png, november()));
        assert_ne!(
            key,
            storage_key(b"other pixels", ImageKind::Png, november())
        );

        let variant = variant_key(b"pixels", ImageKind::WebP, 960, november());
        let stem = key.as_str().trim_end_matches(".png");
        assert_eq!(variant.as_str(), format!("{stem}-960w.webp"));
        assert_eq!(variant.kind(), Some(MediaKind::Image(ImageKind::WebP)));
        assert_eq!(key.kind(), Some(MediaKind::Image(ImageKind::Png)));
        assert_eq!(key.download_name(), key.file_name());
    }

    #[test]
    fn months_are_zero_padded_and_checked() {
        let key = storage_key(
            b"x",
            ImageKind::Jpeg,
            YearMonth::new(2027, 3).expect("a valid month"),
        );
        assert!(key.as_str().starts_with("2027/03/"));
        assert_eq!(YearMonth::new(2026, 0), None);
        assert_eq!(YearMonth::new(2026, 13), None);
        assert_eq!(YearMonth::new(-1, 1), None);
        assert_eq!(YearMonth::new(10_000, 1), None);
    }

    #[test]
    fn traversal_and_strange_names_are_refused() {
        for bad in [
            "",
            "..",
            "../etc/passwd",
            "2026/../../etc/passwd",
            "2026/11/..",
            "/etc/passwd",
            "2026\\11\\a.png",
            "..\\a.png",
            "2026/11/A.png",
            "2026//11/a.png",
            "2026/11/",
            "./a.png",
            "2026/11/.a.png.123.tmp",
            "2026/11/a.png%00",
            "2026/11/a b.png",
            "2026/11/é.png",
            "a..b",
        ] {
            assert!(validate_key(bad).is_err(), "accepted {bad:?}");
            assert!(MediaKey::parse(bad).is_err(), "parsed {bad:?}");
        }
        assert!(validate_key(&"a".repeat(MAX_KEY_LEN + 1)).is_err());
        assert!(validate_key("2026/11/0123456789abcdef-480w.webp").is_ok());
    }

    #[test]
    fn refusals_are_404_with_a_reason() {
        let error = validate_key("../x").expect_err("refused");
        assert_eq!(error.status_code(), 404);
        assert_eq!(
            error.to_string(),
            "there is no media file by that name (it contains `..`)"
        );
    }
}
