//! Folio's media layer: what happens to an image between the upload and the disk.
//!
//! An upload goes through three steps, each a module:
//!
//! 1. [`MediaKind::classify`] decides the type from the first bytes of the file, never
//!    from the content type the client sent. JPEG, PNG, GIF and WebP are images
//!    ([`sniff`]); PDF, audio, video, ZIP archives and office documents are downloads
//!    ([`FileKind`]), kept byte for byte and served as attachments; SVG, HTML and
//!    everything else are refused. Steps 2 and 3 are for images.
//! 2. [`process`] checks the size and the dimensions the header declares *before* any
//!    pixel is decoded (decompression bombs), decodes the whole image (a file that does
//!    not decode is refused), and re-encodes the pixels. Nothing of the uploaded bytes is
//!    kept: trailing payloads (polyglots), comments and EXIF (camera, GPS) are gone. It
//!    also makes the resized and WebP renditions that pages offer through `srcset`
//!    (WebP only where it saves bytes: the encoder is lossless, see [`Limits`]).
//! 3. A [`MediaStore`] keeps the renditions under names Folio makes ([`MediaKey`]):
//!    `2026/11/<hash>.png`, `2026/11/<hash>-960w.webp`. The uploader's filename is never
//!    used. [`LocalStore`] (the site's data folder) is the default backend; [`S3Store`]
//!    keeps them in an S3-compatible bucket that replicas on several machines share.
//!
//! What this crate must not do: speak HTTP, or touch the database. The web layer turns
//! [`MediaError`] into a response with [`MediaError::status_code`], caps the request body
//! before reading it, serves files with the type from [`MediaKey::kind`],
//! `X-Content-Type-Options: nosniff` and a year-long immutable `Cache-Control` (names are
//! content-addressed), and builds `srcset` from [`Processed::srcset_candidates`]. The
//! media library's rows, and which posts use a file, belong to `folio-store`.
//! [`process`] is CPU-bound and may hold a few hundred megabytes for the largest allowed
//! image: call it on a blocking thread and bound how many run at once.

mod error;
mod file;
mod key;
mod kind;
mod process;
mod s3;
mod store;

pub use error::{describe_limit, MediaError};
pub use file::{file_key, FileKind};
pub use key::{storage_key, validate_key, variant_key, MediaKey, YearMonth};
pub use kind::{sniff, ImageKind, MediaKind};
pub use process::{process, Limits, Processed, Rendition};
pub use s3::{S3Settings, S3Store};
pub use store::{ByteRange, LocalStore, MediaBody, MediaStore};
