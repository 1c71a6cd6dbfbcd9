//! Downloads: the files that are not images but that a post may offer (a PDF timetable,
//! a podcast episode, a ZIP of examples). They are kept byte for byte, never decoded,
//! and served as attachments: with the type Folio recognised, `Content-Disposition:
//! attachment` and a sandboxing `Content-Security-Policy`, so no upload can ever run
//! as a page of the site.
//!
//! As with images, the type comes from the file's first bytes. The uploader's file name
//! only picks among the formats that share one container (a `.docx`, an `.epub` and a
//! `.zip` are all ZIP archives; the bytes must still be a ZIP archive), and gives the
//! download its name: `2026/11/<hash>-ferry-timetable.pdf`, made only of `[a-z0-9-]`.

use crate::key::{key_with_suffix, MediaKey, YearMonth};
use std::fmt;

/// Longest name part of a download's key, in characters.
const MAX_STEM: usize = 60;

/// A type of download Folio keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    Pdf,
    Zip,
    Epub,
    Docx,
    Xlsx,
    Pptx,
    Odt,
    Ods,
    Odp,
    Gzip,
    TarGzip,
    SevenZip,
    Mp3,
    Ogg,
    Opus,
    Flac,
    Wav,
    M4a,
    Mp4,
    Mov,
    WebM,
}

/// Every kind, for lookups by extension.
const ALL: [FileKind; 21] = [
    FileKind::Pdf,
    FileKind::Zip,
    FileKind::Epub,
    FileKind::Docx,
    FileKind::Xlsx,
    FileKind::Pptx,
    FileKind::Odt,
    FileKind::Ods,
    FileKind::Odp,
    FileKind::Gzip,
    FileKind::TarGzip,
    FileKind::SevenZip,
    FileKind::Mp3,
    FileKind::Ogg,
    FileKind::Opus,
    FileKind::Flac,
    FileKind::Wav,
    FileKind::M4a,
    FileKind::Mp4,
    FileKind::Mov,
    FileKind::WebM,
];

/// ZIP archives by another name: which one is the uploader's extension's to say.
const ZIP_FLAVOURS: [FileKind; 7] = [
    FileKind::Epub,
    FileKind::Docx,
    FileKind::Xlsx,
    FileKind::Pptx,
    FileKind::Odt,
    FileKind::Ods,
    FileKind::Odp,
];

impl FileKind {
    /// The extension Folio gives files of this type (no dot).
    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Zip => "zip",
            FileKind::Epub => "epub",
            FileKind::Docx => "docx",
            FileKind::Xlsx => "xlsx",
            FileKind::Pptx => "pptx",
            FileKind::Odt => "odt",
            FileKind::Ods => "ods",
            FileKind::Odp => "odp",
            FileKind::Gzip => "gz",
            FileKind::TarGzip => "tgz",
            FileKind::SevenZip => "7z",
            FileKind::Mp3 => "mp3",
            FileKind::Ogg => "ogg",
            FileKind::Opus => "opus",
            FileKind::Flac => "flac",
            FileKind::Wav => "wav",
            FileKind::M4a => "m4a",
            FileKind::Mp4 => "mp4",
            FileKind::Mov => "mov",
            FileKind::WebM => "webm",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Zip => "application/zip",
            FileKind::Epub => "application/epub+zip",
            FileKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileKind::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            FileKind::Odt => "application/vnd.oasis.opendocument.text",
            FileKind::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            FileKind::Odp => "application/vnd.oasis.opendocument.presentation",
            FileKind::Gzip | FileKind::TarGzip => "application/gzip",
            FileKind::SevenZip => "application/x-7z-compressed",
            FileKind::Mp3 => "audio/mpeg",
            FileKind::Ogg | FileKind::Opus => "audio/ogg",
            FileKind::Flac => "audio/flac",
            FileKind::Wav => "audio/wav",
            FileKind::M4a => "audio/mp4",
            FileKind::Mp4 => "video/mp4",
            FileKind::Mov => "video/quicktime",
            FileKind::WebM => "video/webm",
        }
    }

    /// The name a writer knows the type by.
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Pdf => "PDF",
            FileKind::Zip => "ZIP archive",
            FileKind::Epub => "EPUB book",
            FileKind::Docx => "Word document",
            FileKind::Xlsx => "Excel spreadsheet",
            FileKind::Pptx => "PowerPoint presentation",
            FileKind::Odt => "OpenDocument text",
            FileKind::Ods => "OpenDocument spreadsheet",
            FileKind::Odp => "OpenDocument presentation",
            FileKind::Gzip => "gzip file",
            FileKind::TarGzip => "tar archive",
            FileKind::SevenZip => "7-Zip archive",
            FileKind::Mp3 => "MP3 audio",
            FileKind::Ogg => "Ogg audio",
            FileKind::Opus => "Opus audio",
            FileKind::Flac => "FLAC audio",
            FileKind::Wav => "WAV audio",
            FileKind::M4a => "M4A audio",
            FileKind::Mp4 => "MP4 video",
            FileKind::Mov => "QuickTime video",
            FileKind::WebM => "WebM video",
        }
    }

    /// The type for a Folio-made extension; `None` for anything else.
    pub fn from_extension(extension: &str) -> Option<FileKind> {
        ALL.into_iter().find(|k| k.extension() == extension)
    }

    /// The download type of a file, from its first bytes; `name` (the uploader's, or a
    /// stored key) only tells apart the formats that share a container. `None` when the
    /// file is none of them.
    pub fn sniff(bytes: &[u8], name: &str) -> Option<FileKind> {
        let extension = extension_of(name);
        let ftyp = bytes.len() >= 12 && &bytes[4..8] == b"ftyp";
        if bytes.starts_with(b"%PDF-") {
            Some(FileKind::Pdf)
        } else if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
            Some(
                ZIP_FLAVOURS
                    .into_iter()
                    .find(|k| Some(k.extension()) == extension.as_deref())
                    .unwrap_or(FileKind::Zip),
            )
        } else if bytes.starts_with(&[0x1F, 0x8B]) {
            let tar = name.to_ascii_lowercase().ends_with(".tar.gz")
                || extension.as_deref() == Some("tgz");
            Some(if tar {
                FileKind::TarGzip
            } else {
                FileKind::Gzip
            })
        } else if bytes.starts_with(b"7z\xBC\xAF\x27\x1C") {
            Some(FileKind::SevenZip)
        } else if bytes.starts_with(b"ID3")
            || (bytes.len() >= 2 && bytes[0] == 0xFF && matches!(bytes[1], 0xFB | 0xF3 | 0xF2))
        {
            Some(FileKind::Mp3)
        } else if bytes.starts_with(b"OggS") {
            let opus = bytes[..bytes.len().min(64)]
                .windows(8)
                .any(|w| w == b"OpusHead");
            Some(if opus { FileKind::Opus } else { FileKind::Ogg })
        } else if bytes.starts_with(b"fLaC") {
            Some(FileKind::Flac)
        } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WAVE" {
            Some(FileKind::Wav)
        } else if ftyp {
            match &bytes[8..12] {
                b"M4A " | b"M4B " => Some(FileKind::M4a),
                b"qt  " => Some(FileKind::Mov),
                // Still images in an ISO container (HEIC, AVIF) are not downloads.
                b"avif" | b"avis" | b"heic" | b"heix" | b"mif1" | b"msf1" | b"hevc" => None,
                _ => Some(FileKind::Mp4),
            }
        } else if bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3])
            && bytes[..bytes.len().min(64)]
                .windows(4)
                .any(|w| w == b"webm")
        {
            Some(FileKind::WebM)
        } else {
            None
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The lower-cased extension of a file name, if it has one.
fn extension_of(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next()?;
    let (_, extension) = last.rsplit_once('.')?;
    Some(extension.to_ascii_lowercase())
}

/// The name of a stored download: `2026/11/<hash>-<name>.<ext>`, where `<name>` is the
/// uploader's file name without its extension, lower-cased, with every run of other
/// characters than `a-z0-9` made one `-` (at most 60 characters; left out when nothing
/// is left). The hash is of the bytes, so equal names mean equal bytes.
pub fn file_key(bytes: &[u8], kind: FileKind, original_name: &str, when: YearMonth) -> MediaKey {
    let last = original_name.rsplit(['/', '\\']).next().unwrap_or_default();
    let stem = last.to_ascii_lowercase();
    let stem = stem
        .strip_suffix(".tar.gz")
        .or_else(|| stem.rsplit_once('.').map(|(stem, _)| stem))
        .unwrap_or(&stem);
    let mut slug = String::new();
    for c in stem.chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= MAX_STEM {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    let suffix = if slug.is_empty() {
        format!(".{}", kind.extension())
    } else {
        format!("-{slug}.{}", kind.extension())
    };
    key_with_suffix(bytes, &suffix, when)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn november() -> YearMonth {
        YearMonth::new(2026, 11).expect("a valid month")
    }

    #[test]
    fn downloads_are_recognised_by_their_bytes() {
        let cases: [(&[u8], &str, Option<FileKind>); 16] = [
            (b"%PDF-1.7\n", "timetable.pdf", Some(FileKind::Pdf)),
            (b"%PDF-1.4\n", "renamed.txt", Some(FileKind::Pdf)),
            (b"PK\x03\x04rest", "examples.zip", Some(FileKind::Zip)),
            (b"PK\x03\x04rest", "Report.DOCX", Some(FileKind::Docx)),
            (b"PK\x03\x04rest", "book.epub", Some(FileKind::Epub)),
            (b"PK\x03\x04rest", "page.html", Some(FileKind::Zip)),
            (b"\x1F\x8B\x08\0", "site.tar.gz", Some(FileKind::TarGzip)),
            (b"\x1F\x8B\x08\0", "log.gz", Some(FileKind::Gzip)),
            (b"ID3\x04\0", "episode.mp3", Some(FileKind::Mp3)),
            (
                b"OggS\0\x02\0\0\0\0\0\0\0\0OpusHead",
                "a.opus",
                Some(FileKind::Opus),
            ),
            (b"RIFF\x10\0\0\0WAVEfmt ", "a.wav", Some(FileKind::Wav)),
            (b"\0\0\0\x20ftypM4A \0\0\0\0", "a.m4a", Some(FileKind::M4a)),
            (b"\0\0\0\x20ftypisom\0\0\0\0", "a.mp4", Some(FileKind::Mp4)),
            (b"\0\0\0\x18ftypheic\0\0\0\0", "photo.heic", None),
            (b"<!DOCTYPE html><script>", "notes.pdf", None),
            (
                b"\x1A\x45\xDF\xA3\x9F\x42\x82\x84webm",
                "clip.webm",
                Some(FileKind::WebM),
            ),
        ];
        for (bytes, name, expected) in cases {
            assert_eq!(FileKind::sniff(bytes, name), expected, "{name}");
        }
        assert_eq!(FileKind::sniff(b"", "empty.pdf"), None);
    }

    #[test]
    fn every_kind_round_trips_through_its_extension() {
        for kind in ALL {
            assert_eq!(FileKind::from_extension(kind.extension()), Some(kind));
        }
        assert_eq!(FileKind::from_extension("html"), None);
        assert_eq!(FileKind::from_extension("svg"), None);
    }

    #[test]
    fn keys_carry_a_safe_form_of_the_name() {
        let key = file_key(
            b"%PDF-",
            FileKind::Pdf,
            "Ferry Timetable (2023).PDF",
            november(),
        );
        let name = key.as_str().rsplit('/').next().unwrap_or_default();
        assert_eq!(name.len(), 16 + "-ferry-timetable-2023.pdf".len());
        assert!(name.ends_with("-ferry-timetable-2023.pdf"), "{key}");
        assert!(key.as_str().starts_with("2026/11/"));
        let unnamed = file_key(b"%PDF-", FileKind::Pdf, "../../é.pdf", november());
        assert_eq!(unnamed.as_str().len(), "2026/11/".len() + 16 + ".pdf".len());
        let tar = file_key(b"\x1F\x8B", FileKind::TarGzip, "site.tar.gz", november());
        assert!(tar.as_str().ends_with("-site.tgz"), "{tar}");
        let long = file_key(b"x", FileKind::Zip, &"a".repeat(500), november());
        assert!(long.as_str().len() < 120, "{long}");
        for key in [key, unnamed, tar, long] {
            assert!(MediaKey::parse(key.as_str()).is_ok(), "{key}");
        }
    }
}
