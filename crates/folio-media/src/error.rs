//! The one error type of the media layer.
//!
//! The messages of the 4xx variants are written for the person who uploaded the file and
//! may be shown to them as they are. The 5xx variants carry their cause as `source` for
//! the log; the web layer shows a generic page for those.

use crate::ImageKind;
use std::error::Error as StdError;
use std::io;

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("the file is {}; the limit is {}", human_size(*size, Round::Up), human_size(*limit, Round::Down))]
    TooLarge { size: u64, limit: u64 },

    #[error("images may be JPEG, PNG, GIF or WebP; this file is {found}")]
    UnsupportedType { found: &'static str },

    #[error(
        "the media library keeps images (JPEG, PNG, GIF, WebP) and downloads (PDF, audio, video, \
         ZIP archives and office documents); this file is {found}"
    )]
    UnsupportedUpload { found: &'static str },

    #[error(
        "the image is {width} × {height} pixels; the limit is {} megapixels and {max_dimension} pixels on a side — \
         scale it down before uploading",
        megapixels(*max_pixels)
    )]
    TooManyPixels {
        width: u32,
        height: u32,
        max_pixels: u64,
        max_dimension: u32,
    },

    #[error(
        "the file starts like a {kind} image but could not be read; it may be truncated or damaged"
    )]
    Corrupt {
        kind: ImageKind,
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },

    /// A name that Folio could not have made: from a crafted URL, never from an upload.
    #[error("there is no media file by that name ({reason})")]
    InvalidKey { reason: &'static str },

    #[error("the media storage is full; ask the site's administrator to free some space")]
    StorageFull {
        #[source]
        source: io::Error,
    },

    /// The object store cannot be reached, or refused: for the operator (it names the
    /// store and why); the web layer tells the writer to try again and logs this.
    #[error("the media storage {store} is unavailable: {reason}")]
    Unavailable { store: String, reason: String },

    #[error("could not {action} the media file {key}")]
    Storage {
        action: &'static str,
        key: String,
        #[source]
        source: io::Error,
    },

    #[error("could not encode a {kind} rendition")]
    Encode {
        kind: ImageKind,
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },
}

impl MediaError {
    /// The HTTP status this error should be answered with.
    pub fn status_code(&self) -> u16 {
        match self {
            MediaError::TooLarge { .. } => 413,
            MediaError::UnsupportedType { .. } | MediaError::UnsupportedUpload { .. } => 415,
            MediaError::Corrupt { .. } | MediaError::TooManyPixels { .. } => 422,
            // A key that fails validation names nothing Folio stores.
            MediaError::InvalidKey { .. } => 404,
            MediaError::StorageFull { .. } => 507,
            MediaError::Unavailable { .. } => 503,
            MediaError::Storage { .. } | MediaError::Encode { .. } => 500,
        }
    }

    /// Turns an I/O failure on `key` into an error, telling a full disk apart from the
    /// rest because a writer can do nothing about the rest and an administrator can do
    /// something about a full disk.
    pub(crate) fn from_io(action: &'static str, key: &str, source: io::Error) -> MediaError {
        if is_storage_full(&source) {
            MediaError::StorageFull { source }
        } else {
            MediaError::Storage {
                action,
                key: key.to_owned(),
                source,
            }
        }
    }
}

/// ENOSPC and EDQUOT; also when they come wrapped, as from a blocking task.
fn is_storage_full(error: &io::Error) -> bool {
    const ENOSPC: i32 = 28;
    const EDQUOT: i32 = 122;
    matches!(
        error.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    ) || (cfg!(target_os = "linux") && matches!(error.raw_os_error(), Some(ENOSPC | EDQUOT)))
}

/// A size limit as a writer reads it: `10 MB`, `512 KB`.
pub fn describe_limit(bytes: u64) -> String {
    human_size(bytes, Round::Down)
}

#[derive(Clone, Copy)]
enum Round {
    Up,
    Down,
}

/// Sizes as a writer reads them in a file manager. The file's size is rounded up and the
/// limit down, so a file over the limit never reads as equal to it.
fn human_size(bytes: u64, round: Round) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    let (unit, name) = match bytes {
        b if b >= MB => (MB, "MB"),
        b if b >= KB => (KB, "KB"),
        b => return format!("{b} bytes"),
    };
    let scaled = u128::from(bytes) * 10;
    let unit = u128::from(unit);
    let tenths = match round {
        Round::Up => scaled.div_ceil(unit),
        Round::Down => scaled / unit,
    };
    match (tenths / 10, tenths % 10) {
        (whole, 0) => format!("{whole} {name}"),
        (whole, tenth) => format!("{whole}.{tenth} {name}"),
    }
}

fn megapixels(pixels: u64) -> String {
    let tenths = pixels / 100_000;
    match (tenths / 10, tenths % 10) {
        (whole, 0) => format!("{whole}"),
        (whole, tenth) => format!("{whole}.{tenth}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_large_reads_in_megabytes() {
        let error = MediaError::TooLarge {
            size: 14_889_779,
            limit: 10 * 1024 * 1024,
        };
        assert_eq!(error.to_string(), "the file is 14.2 MB; the limit is 10 MB");
        assert_eq!(error.status_code(), 413);
    }

    #[test]
    fn a_file_one_byte_over_never_reads_as_the_limit() {
        let limit = 10 * 1024 * 1024;
        let error = MediaError::TooLarge {
            size: limit + 1,
            limit,
        };
        assert_eq!(error.to_string(), "the file is 10.1 MB; the limit is 10 MB");
        let small = MediaError::TooLarge {
            size: 1500,
            limit: 1024,
        };
        assert_eq!(small.to_string(), "the file is 1.5 KB; the limit is 1 KB");
    }

    #[test]
    fn too_many_pixels_says_what_to_do() {
        let error = MediaError::TooManyPixels {
            width: 50_000,
            height: 50_000,
            max_pixels: 40_000_000,
            max_dimension: 12_000,
        };
        assert_eq!(
            error.to_string(),
            "the image is 50000 × 50000 pixels; the limit is 40 megapixels and 12000 pixels on a side — scale it down before uploading"
        );
        assert_eq!(error.status_code(), 422);
    }

    #[test]
    fn a_full_disk_is_told_apart() {
        for source in [
            io::Error::from(io::ErrorKind::StorageFull),
            io::Error::from_raw_os_error(28),
        ] {
            let error = MediaError::from_io("write", "2026/11/x.png", source);
            assert!(matches!(error, MediaError::StorageFull { .. }), "{error:?}");
            assert_eq!(error.status_code(), 507);
        }
        let other = MediaError::from_io(
            "write",
            "2026/11/x.png",
            io::Error::from(io::ErrorKind::PermissionDenied),
        );
        assert_eq!(other.status_code(), 500);
        assert_eq!(
            other.to_string(),
            "could not write the media file 2026/11/x.png"
        );
    }
}
