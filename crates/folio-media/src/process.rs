//! From uploaded bytes to the renditions Folio stores.
//!
//! The order of the checks is the defence: the byte count first, then the type from the
//! magic bytes, then the dimensions the header declares (a few bytes can declare a
//! 50,000 × 50,000 image that would need 10 GB once decoded), and only then the pixels,
//! with the decoder's own allocation limit set as well. Everything stored is an encoding
//! of decoded pixels, so no byte of the upload survives: not a payload appended after
//! the image data (a polyglot), not a comment, not EXIF with the writer's GPS position.
//!
//! Memory: the decoded image (at most `max_pixels` × 4 bytes, or × 8 briefly for 16-bit
//! PNGs), one resized copy at a time and the encoded outputs. Renditions are made from
//! the next larger one, so the full-size image is resampled only once.

use crate::kind::sniff;
use crate::{key, ImageKind, MediaError, MediaKey, YearMonth};
use bytes::Bytes;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::codecs::webp::WebPEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageEncoder, ImageError, ImageReader};
use std::io::Cursor;

/// JPEG quality of every JPEG Folio writes: visually lossless for photographs at a
/// third of the size of quality 100.
const JPEG_QUALITY: u8 = 85;
/// The WebP format cannot describe a larger side.
const WEBP_MAX_DIMENSION: u32 = 16_383;
/// What decoders may allocate besides the pixel buffer (tables, line buffers).
const DECODER_OVERHEAD: u64 = 64 * 1024 * 1024;

/// What an upload may be. The defaults suit a blog on a small server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest upload, in bytes. Default 10 MiB.
    pub max_bytes: u64,
    /// Largest width × height. Default 40 megapixels.
    pub max_pixels: u64,
    /// Largest width or height. Default 12,000.
    pub max_dimension: u32,
    /// Widths of the resized renditions; those not smaller than the image are skipped.
    /// Default 480, 960 and 1600.
    pub variant_widths: Vec<u32>,
    /// Make WebP copies only where they save bytes. Default `true`.
    ///
    /// The WebP encoder at hand is lossless only. For a JPEG that loses: a 12-megapixel
    /// photo's full-size lossless WebP is about five times the size of its JPEG, so JPEG
    /// uploads get no WebP copies. For other uploads the full-size WebP is made first and
    /// the WebP copies are kept, at every width, only if it is smaller than the original.
    /// `false` makes them always (except past WebP's 16,383-pixel limit).
    pub webp_only_when_smaller: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 10 * 1024 * 1024,
            max_pixels: 40_000_000,
            max_dimension: 12_000,
            variant_widths: vec![480, 960, 1600],
            webp_only_when_smaller: true,
        }
    }
}

impl Limits {
    /// The decoders' allocation limit: the pixel buffer of the largest allowed image at
    /// 16 bits per channel with alpha, plus the decoders' working memory.
    fn decode_budget(&self) -> u64 {
        self.max_pixels
            .saturating_mul(8)
            .saturating_add(DECODER_OVERHEAD)
    }

    fn too_many_pixels(&self, width: u32, height: u32) -> MediaError {
        MediaError::TooManyPixels {
            width,
            height,
            max_pixels: self.max_pixels,
            max_dimension: self.max_dimension,
        }
    }
}

/// One encoded image, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendition {
    pub kind: ImageKind,
    pub width: u32,
    pub height: u32,
    pub mime: &'static str,
    pub bytes: Bytes,
    /// What follows the hash in its name: `.png` for the original, `-960w.webp` for a
    /// rendition 960 pixels wide.
    pub suffix: String,
}

/// An accepted upload: the re-encoded original and its renditions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Processed {
    /// The type that was uploaded.
    pub kind: ImageKind,
    /// The size as displayed, after EXIF orientation.
    pub width: u32,
    pub height: u32,
    /// The full-size image in the uploaded type, except that a GIF is kept as PNG (its
    /// first frame).
    pub original: Rendition,
    /// Narrower copies in the original's type and in WebP, by width, and a full-size
    /// WebP unless the original is WebP already. The WebP copies are all there or all
    /// absent (see [`Limits::webp_only_when_smaller`]).
    pub variants: Vec<Rendition>,
}

impl Processed {
    /// The name to store `rendition` under. All names share the original's hash.
    pub fn key_for(&self, rendition: &Rendition, when: YearMonth) -> MediaKey {
        key::key_with_suffix(&self.original.bytes, &rendition.suffix, when)
    }

    /// The original, then the variants.
    pub fn renditions(&self) -> impl Iterator<Item = &Rendition> {
        std::iter::once(&self.original).chain(&self.variants)
    }

    /// Every rendition of one type, narrowest first: one `srcset` (a `<source>` for
    /// WebP, the `<img>` for the original's type). Empty when there are none of that type,
    /// and then there is no `<source>` to write.
    pub fn srcset_candidates(&self, kind: ImageKind) -> Vec<&Rendition> {
        let mut candidates: Vec<&Rendition> =
            self.renditions().filter(|r| r.kind == kind).collect();
        candidates.sort_by_key(|r| r.width);
        candidates
    }
}

/// Checks an upload and makes everything Folio stores for it. CPU-bound: call it on a
/// blocking thread.
#[tracing::instrument(name = "media.process", skip_all, fields(bytes = bytes.len()))]
pub fn process(bytes: &[u8], limits: &Limits) -> Result<Processed, MediaError> {
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > limits.max_bytes {
        return Err(MediaError::TooLarge {
            size,
            limit: limits.max_bytes,
        });
    }
    let kind = sniff(bytes)?;
    let pixels = to_eight_bits(decode_bounded(bytes, kind, limits)?);
    let (width, height) = (pixels.width(), pixels.height());
    // Animated GIF encoding is not supported; a still GIF is better kept as PNG anyway.
    let stored_kind = if kind == ImageKind::Gif {
        ImageKind::Png
    } else {
        kind
    };

    let original = render(
        &pixels,
        stored_kind,
        format!(".{}", stored_kind.extension()),
    )?;
    let mut variants = Vec::new();
    let mut with_webp = stored_kind != ImageKind::WebP
        && fits_webp(width, height)
        && !(limits.webp_only_when_smaller && stored_kind == ImageKind::Jpeg);
    if with_webp {
        let full_size = render(
            &pixels,
            ImageKind::WebP,
            variant_suffix(width, ImageKind::WebP),
        )?;
        if limits.webp_only_when_smaller && full_size.bytes.len() >= original.bytes.len() {
            with_webp = false;
        } else {
            variants.push(full_size);
        }
    }

    let mut widths: Vec<u32> = limits
        .variant_widths
        .iter()
        .copied()
        .filter(|w| (1..width).contains(w))
        .collect();
    widths.sort_unstable_by(|a, b| b.cmp(a));
    widths.dedup();
    let mut larger = pixels;
    for variant_width in widths {
        let variant_height = scaled_height(width, height, variant_width);
        let resized = larger.resize_exact(variant_width, variant_height, FilterType::Lanczos3);
        variants.push(render(
            &resized,
            stored_kind,
            variant_suffix(variant_width, stored_kind),
        )?);
        if with_webp && fits_webp(variant_width, variant_height) {
            variants.push(render(
                &resized,
                ImageKind::WebP,
                variant_suffix(variant_width, ImageKind::WebP),
            )?);
        }
        larger = resized;
    }
    variants.sort_by_key(|r| (r.width, r.kind != stored_kind));

    tracing::debug!(%kind, width, height, variants = variants.len(), "processed an upload");
    Ok(Processed {
        kind,
        width,
        height,
        original,
        variants,
    })
}

/// Decodes only after the declared dimensions are known to be within the limits.
fn decode_bounded(
    bytes: &[u8],
    kind: ImageKind,
    limits: &Limits,
) -> Result<DynamicImage, MediaError> {
    let corrupt = |source: ImageError| MediaError::Corrupt {
        kind,
        source: Box::new(source),
    };
    let budget = limits.decode_budget();

    // The reader gets only the allocation limit, so that a header declaring too many
    // pixels is still read and the refusal can say how many it declared.
    let mut header_limits = image::Limits::default();
    header_limits.max_alloc = Some(budget);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), kind.image_format());
    reader.limits(header_limits);
    let mut decoder = reader.into_decoder().map_err(|error| match error {
        ImageError::Limits(_) => limits.too_many_pixels(0, 0),
        other => corrupt(other),
    })?;

    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(corrupt(ImageError::IoError(std::io::Error::other(
            "the image declares no pixels",
        ))));
    }
    if kind == ImageKind::Jpeg && !jpeg_is_complete(bytes) {
        return Err(corrupt(ImageError::IoError(std::io::Error::other(
            "the JPEG data stops before its end marker",
        ))));
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_pixels || width > limits.max_dimension || height > limits.max_dimension {
        return Err(limits.too_many_pixels(width, height));
    }
    if decoder.total_bytes() > budget {
        return Err(limits.too_many_pixels(width, height));
    }

    let mut decode_limits = image::Limits::default();
    decode_limits.max_image_width = Some(limits.max_dimension);
    decode_limits.max_image_height = Some(limits.max_dimension);
    decode_limits.max_alloc = Some(budget);
    decoder
        .set_limits(decode_limits)
        .map_err(|error| match error {
            ImageError::Limits(_) => limits.too_many_pixels(width, height),
            other => corrupt(other),
        })?;

    // A damaged EXIF block costs the writer the rotation, not the upload.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(|error| match error {
        ImageError::Limits(_) => limits.too_many_pixels(width, height),
        other => corrupt(other),
    })?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// Whether a JPEG reaches its end-of-image marker after its first scan. The image crate
/// runs its JPEG decoder in lenient mode, which paints the missing rows of a truncated
/// file grey instead of failing; a writer whose upload was cut off should hear about it.
///
/// Marker segments are skipped by their length up to the first scan (so an EXIF
/// thumbnail's own end marker does not count); inside scan data a 0xFF byte is always
/// followed by 0x00 or a restart marker, so the first FF D9 after that is the real end.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let mut at = 2;
    while at + 1 < bytes.len() {
        if bytes[at] != 0xFF {
            // Stray bytes between segments: tolerated, like the decoder does.
            at += 1;
            continue;
        }
        match bytes[at + 1] {
            0xFF => at += 1,
            0xDA => return bytes[at + 2..].windows(2).any(|pair| pair == [0xFF, 0xD9]),
            0xD9 => return false,
            0x01 | 0xD0..=0xD8 => at += 2,
            _ => {
                let Some(length) = bytes.get(at + 2..at + 4) else {
                    return false;
                };
                at += 2 + usize::from(u16::from_be_bytes([length[0], length[1]]));
            }
        }
    }
    false
}

/// Web images have 8 bits per channel; this also halves the memory of 16-bit PNGs
/// before the renditions are made.
fn to_eight_bits(image: DynamicImage) -> DynamicImage {
    match image {
        DynamicImage::ImageLuma8(_)
        | DynamicImage::ImageLumaA8(_)
        | DynamicImage::ImageRgb8(_)
        | DynamicImage::ImageRgba8(_) => image,
        DynamicImage::ImageLuma16(_) => DynamicImage::ImageLuma8(image.to_luma8()),
        DynamicImage::ImageLumaA16(_) => DynamicImage::ImageLumaA8(image.to_luma_alpha8()),
        DynamicImage::ImageRgb16(_) | DynamicImage::ImageRgb32F(_) => {
            DynamicImage::ImageRgb8(image.to_rgb8())
        }
        _ => DynamicImage::ImageRgba8(image.to_rgba8()),
    }
}

fn render(image: &DynamicImage, kind: ImageKind, suffix: String) -> Result<Rendition, MediaError> {
    let bytes = encode(image, kind)?;
    Ok(Rendition {
        kind,
        width: image.width(),
        height: image.height(),
        mime: kind.mime(),
        bytes: Bytes::from(bytes),
        suffix,
    })
}

fn encode(image: &DynamicImage, kind: ImageKind) -> Result<Vec<u8>, MediaError> {
    let mut out = Vec::new();
    let (width, height) = (image.width(), image.height());
    let result = match kind {
        ImageKind::Jpeg => {
            // JPEG has no alpha; a JPEG upload never has one, but be sure.
            let opaque;
            let image = if image.color().has_alpha() {
                opaque = DynamicImage::ImageRgb8(image.to_rgb8());
                &opaque
            } else {
                image
            };
            JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY).write_image(
                image.as_bytes(),
                width,
                height,
                image.color().into(),
            )
        }
        ImageKind::Png | ImageKind::Gif => {
            PngEncoder::new_with_quality(&mut out, CompressionType::Default, PngFilter::Adaptive)
                .write_image(image.as_bytes(), width, height, image.color().into())
        }
        ImageKind::WebP => WebPEncoder::new_lossless(&mut out).write_image(
            image.as_bytes(),
            width,
            height,
            image.color().into(),
        ),
    };
    result.map_err(|source| MediaError::Encode {
        kind,
        source: Box::new(source),
    })?;
    Ok(out)
}

fn variant_suffix(width: u32, kind: ImageKind) -> String {
    format!("-{width}w.{}", kind.extension())
}

fn fits_webp(width: u32, height: u32) -> bool {
    width <= WEBP_MAX_DIMENSION && height <= WEBP_MAX_DIMENSION
}

/// The height that keeps the aspect ratio, rounded, at least one pixel.
fn scaled_height(width: u32, height: u32, new_width: u32) -> u32 {
    let scaled =
        (u64::from(height) * u64::from(new_width) + u64::from(width) / 2) / u64::from(width.max(1));
    u32::try_from(scaled.max(1)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heights_keep_the_aspect_ratio() {
        assert_eq!(scaled_height(1700, 1000, 480), 282);
        assert_eq!(scaled_height(4000, 3000, 960), 720);
        assert_eq!(scaled_height(10_000, 1, 480), 1);
    }

    #[test]
    fn a_jpeg_is_complete_only_with_an_end_marker_after_its_scan() {
        // SOI, an APP1 holding a thumbnail's own FF D9, SOS, scan data, EOI.
        let complete = [
            0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x06, 0xFF, 0xD9, 0x00, 0x00, 0xFF, 0xDA, 0x00, 0x02,
            0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD9,
        ];
        assert!(jpeg_is_complete(&complete));
        assert!(!jpeg_is_complete(&complete[..complete.len() - 2]));
        // The thumbnail's end marker alone does not count.
        assert!(!jpeg_is_complete(&complete[..12]));
        assert!(!jpeg_is_complete(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00]));
    }

    #[test]
    fn too_large_is_refused_before_anything_else() {
        let limits = Limits {
            max_bytes: 4,
            ..Limits::default()
        };
        let error = process(b"<svg/>", &limits).err();
        assert!(
            matches!(error, Some(MediaError::TooLarge { size: 6, limit: 4 })),
            "{error:?}"
        );
    }
}
