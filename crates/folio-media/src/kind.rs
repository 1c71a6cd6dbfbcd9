//! The four image types Folio accepts, recognised by their magic bytes alone.
//!
//! The filename and the client's `Content-Type` are never consulted: both are chosen by
//! the uploader. A file that is not one of the four is refused here, and the refusal
//! names what the file looks like (SVG, HTML, PDF, HEIC, …) so the writer knows what to
//! convert.

use crate::{FileKind, MediaError};
use std::fmt;

/// An accepted image type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageKind {
    Jpeg,
    Png,
    Gif,
    WebP,
}

impl ImageKind {
    /// The extension Folio gives files of this type (no dot).
    pub fn extension(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "jpg",
            ImageKind::Png => "png",
            ImageKind::Gif => "gif",
            ImageKind::WebP => "webp",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Png => "image/png",
            ImageKind::Gif => "image/gif",
            ImageKind::WebP => "image/webp",
        }
    }

    /// The name a writer knows the type by.
    pub fn name(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "JPEG",
            ImageKind::Png => "PNG",
            ImageKind::Gif => "GIF",
            ImageKind::WebP => "WebP",
        }
    }

    /// The type for a Folio-made extension; `None` for anything else.
    pub fn from_extension(extension: &str) -> Option<ImageKind> {
        match extension {
            "jpg" => Some(ImageKind::Jpeg),
            "png" => Some(ImageKind::Png),
            "gif" => Some(ImageKind::Gif),
            "webp" => Some(ImageKind::WebP),
            _ => None,
        }
    }

    pub(crate) fn image_format(self) -> image::ImageFormat {
        match self {
            ImageKind::Jpeg => image::ImageFormat::Jpeg,
            ImageKind::Png => image::ImageFormat::Png,
            ImageKind::Gif => image::ImageFormat::Gif,
            ImageKind::WebP => image::ImageFormat::WebP,
        }
    }
}

impl fmt::Display for ImageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What an upload is: an image (decoded, re-encoded, resized) or a download (kept as it
/// is and served as an attachment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    Image(ImageKind),
    File(FileKind),
}

impl MediaKind {
    /// The type of an upload from its first bytes; `name` (the uploader's file name, or
    /// a stored key) only tells apart downloads that share a container. Everything that
    /// is neither an accepted image nor a download Folio keeps is refused, and the
    /// refusal names what the file looks like.
    pub fn classify(bytes: &[u8], name: &str) -> Result<MediaKind, MediaError> {
        match sniff(bytes) {
            Ok(image) => Ok(MediaKind::Image(image)),
            Err(_) => FileKind::sniff(bytes, name).map(MediaKind::File).ok_or(
                MediaError::UnsupportedUpload {
                    found: describe_refused(bytes),
                },
            ),
        }
    }

    /// The type for a Folio-made extension; `None` for anything else.
    pub fn from_extension(extension: &str) -> Option<MediaKind> {
        ImageKind::from_extension(extension)
            .map(MediaKind::Image)
            .or_else(|| FileKind::from_extension(extension).map(MediaKind::File))
    }

    pub fn mime(self) -> &'static str {
        match self {
            MediaKind::Image(kind) => kind.mime(),
            MediaKind::File(kind) => kind.mime(),
        }
    }

    pub fn is_image(self) -> bool {
        matches!(self, MediaKind::Image(_))
    }
}

impl fmt::Display for MediaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MediaKind::Image(kind) => write!(f, "{kind} image"),
            MediaKind::File(kind) => kind.fmt(f),
        }
    }
}

/// The type of an upload, from its first bytes.
pub fn sniff(bytes: &[u8]) -> Result<ImageKind, MediaError> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(ImageKind::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok(ImageKind::Png)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Ok(ImageKind::Gif)
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Ok(ImageKind::WebP)
    } else {
        Err(MediaError::UnsupportedType {
            found: describe_refused(bytes),
        })
    }
}

/// What a refused file looks like, for the message only: the decision is already made.
fn describe_refused(bytes: &[u8]) -> &'static str {
    if bytes.is_empty() {
        return "empty";
    }
    let binary: &[(&[u8], &'static str)] = &[
        (b"%PDF-", "PDF"),
        (b"BM", "BMP"),
        (b"II*\0", "TIFF"),
        (b"MM\0*", "TIFF"),
        (b"\0\0\x01\0", "an icon (ICO)"),
        (b"PK\x03\x04", "a ZIP archive (or an office document)"),
        (b"8BPS", "a Photoshop document"),
    ];
    if let Some((_, name)) = binary.iter().find(|(magic, _)| bytes.starts_with(magic)) {
        return name;
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        return match &bytes[8..12] {
            b"avif" | b"avis" => "AVIF",
            b"heic" | b"heix" | b"mif1" | b"msf1" | b"hevc" => "HEIC (convert it to JPEG first)",
            _ => "a video or another ISO media file",
        };
    }
    if bytes.len() >= 12 && bytes.starts_with(b"RIFF") {
        return "a RIFF file that is not WebP";
    }
    describe_text(bytes)
}

/// Recognises markup the way a browser might, case-insensitively and past leading
/// whitespace, a byte-order mark, an XML declaration, comments and a doctype.
fn describe_text(bytes: &[u8]) -> &'static str {
    let head = &bytes[..bytes.len().min(4096)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let text: String = String::from_utf8_lossy(head).to_ascii_lowercase();
    let trimmed = text.trim_start();
    if !trimmed.starts_with('<') {
        return "not one of them";
    }
    if trimmed.contains("<svg") {
        "SVG"
    } else if [
        "<!doctype html",
        "<html",
        "<head",
        "<body",
        "<script",
        "<iframe",
    ]
    .iter()
    .any(|tag| trimmed.contains(tag))
    {
        "HTML"
    } else {
        "XML or another markup"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused_as(bytes: &[u8]) -> &'static str {
        match sniff(bytes) {
            Err(MediaError::UnsupportedType { found }) => found,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn the_four_magic_numbers_are_recognised() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest").ok(), Some(ImageKind::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest").ok(), Some(ImageKind::Png));
        assert_eq!(sniff(b"GIF89a....").ok(), Some(ImageKind::Gif));
        assert_eq!(sniff(b"GIF87a....").ok(), Some(ImageKind::Gif));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8L").ok(), Some(ImageKind::WebP));
    }

    #[test]
    fn markup_is_refused_and_named() {
        assert_eq!(
            refused_as(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
            "SVG"
        );
        assert_eq!(
            refused_as(b"\xEF\xBB\xBF  <?xml version=\"1.0\"?>\n<!-- x -->\n<!DOCTYPE svg><SVG onload=alert(1)>"),
            "SVG"
        );
        assert_eq!(
            refused_as(b"<!DOCTYPE html><html><script>alert(1)</script>"),
            "HTML"
        );
        assert_eq!(refused_as(b"\n\n<script>alert(1)</script>"), "HTML");
        assert_eq!(
            refused_as(b"<?xml version=\"1.0\"?><feed/>"),
            "XML or another markup"
        );
    }

    #[test]
    fn other_binaries_are_refused_and_named() {
        assert_eq!(refused_as(b"%PDF-1.7\n"), "PDF");
        assert_eq!(refused_as(b""), "empty");
        assert_eq!(
            refused_as(b"\0\0\0\x18ftypheic\0\0\0\0"),
            "HEIC (convert it to JPEG first)"
        );
        assert_eq!(refused_as(b"\0\0\0\x1cftypavif\0\0\0\0"), "AVIF");
        assert_eq!(
            refused_as(b"RIFF\x10\0\0\0WAVEfmt "),
            "a RIFF file that is not WebP"
        );
        assert_eq!(refused_as(b"hello"), "not one of them");
        // Truncated magic numbers are not the type they start like.
        assert_eq!(refused_as(b"\xFF\xD8"), "not one of them");
        assert_eq!(refused_as(b"RIFF\0\0\0\0WEB"), "not one of them");
    }

    #[test]
    fn uploads_are_images_or_downloads_and_nothing_else() {
        assert_eq!(
            MediaKind::classify(b"\x89PNG\r\n\x1a\nrest", "a.pdf").ok(),
            Some(MediaKind::Image(ImageKind::Png))
        );
        assert_eq!(
            MediaKind::classify(b"%PDF-1.7\n", "a.png").ok(),
            Some(MediaKind::File(FileKind::Pdf))
        );
        let refused = MediaKind::classify(b"<svg onload=alert(1)>", "a.pdf")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            refused.contains("images (JPEG, PNG, GIF, WebP) and downloads (PDF")
                && refused.ends_with("this file is SVG"),
            "{refused}"
        );
        assert_eq!(
            MediaKind::from_extension("pdf"),
            Some(MediaKind::File(FileKind::Pdf))
        );
        assert_eq!(
            MediaKind::from_extension("webp"),
            Some(MediaKind::Image(ImageKind::WebP))
        );
        assert_eq!(MediaKind::from_extension("svg"), None);
    }

    #[test]
    fn the_message_names_the_accepted_types() {
        let message = sniff(b"<svg/>")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(
            message,
            "images may be JPEG, PNG, GIF or WebP; this file is SVG"
        );
    }
}
