use crate::support::*;
use folio_media::{process, sniff, ImageKind, Limits, MediaError, Processed, Rendition, YearMonth};
use image::{DynamicImage, GenericImageView, ImageFormat};

fn small_limits() -> Limits {
    Limits {
        variant_widths: vec![160, 320, 5000],
        webp_only_when_smaller: false,
        ..Limits::default()
    }
}

fn processed(bytes: &[u8], limits: &Limits) -> Processed {
    match process(bytes, limits) {
        Ok(processed) => processed,
        Err(error) => panic!("the upload was refused: {error}"),
    }
}

fn decoded(rendition: &Rendition) -> DynamicImage {
    assert_eq!(
        sniff(&rendition.bytes).ok(),
        Some(rendition.kind),
        "{} is what it says",
        rendition.suffix
    );
    assert_eq!(rendition.mime, rendition.kind.mime());
    let image = image::load_from_memory(&rendition.bytes).expect("every rendition decodes");
    assert_eq!(
        image.dimensions(),
        (rendition.width, rendition.height),
        "{} has the size it says",
        rendition.suffix
    );
    image
}

fn summary(processed: &Processed) -> Vec<(ImageKind, u32, u32, String)> {
    processed
        .variants
        .iter()
        .map(|r| (r.kind, r.width, r.height, r.suffix.clone()))
        .collect()
}

fn refusal(bytes: &[u8], limits: &Limits) -> MediaError {
    match process(bytes, limits) {
        Ok(_) => panic!("the upload was accepted"),
        Err(error) => error,
    }
}

#[test]
fn each_accepted_type_round_trips_with_its_renditions() {
    let cases = [
        (
            ImageFormat::Jpeg,
            photo(400, 250),
            ImageKind::Jpeg,
            ImageKind::Jpeg,
        ),
        (
            ImageFormat::Png,
            logo(400, 250),
            ImageKind::Png,
            ImageKind::Png,
        ),
        (
            ImageFormat::Gif,
            logo(400, 250),
            ImageKind::Gif,
            ImageKind::Png,
        ),
        (
            ImageFormat::WebP,
            logo(400, 250),
            ImageKind::WebP,
            ImageKind::WebP,
        ),
    ];
    for (format, image, uploaded, stored) in cases {
        let bytes = encode(&image, format);
        let result = processed(&bytes, &small_limits());
        assert_eq!(
            (result.kind, result.width, result.height),
            (uploaded, 400, 250),
            "{format:?}"
        );
        assert_eq!(result.original.kind, stored, "{format:?}");
        assert_eq!(result.original.suffix, format!(".{}", stored.extension()));
        decoded(&result.original);

        let ext = stored.extension();
        let mut expected = vec![(stored, 160, 100, format!("-160w.{ext}"))];
        if stored != ImageKind::WebP {
            expected.push((ImageKind::WebP, 160, 100, "-160w.webp".to_owned()));
        }
        expected.push((stored, 320, 200, format!("-320w.{ext}")));
        if stored != ImageKind::WebP {
            expected.push((ImageKind::WebP, 320, 200, "-320w.webp".to_owned()));
            expected.push((ImageKind::WebP, 400, 250, "-400w.webp".to_owned()));
        }
        assert_eq!(summary(&result), expected, "{format:?}");
        for variant in &result.variants {
            decoded(variant);
        }
    }
}

#[test]
fn default_widths_for_a_large_photo() {
    let bytes = encode(&photo(1700, 1000), ImageFormat::Jpeg);
    let result = processed(
        &bytes,
        &Limits {
            webp_only_when_smaller: false,
            ..Limits::default()
        },
    );
    let widths: Vec<(ImageKind, u32, u32)> = result
        .variants
        .iter()
        .map(|r| (r.kind, r.width, r.height))
        .collect();
    assert_eq!(
        widths,
        vec![
            (ImageKind::Jpeg, 480, 282),
            (ImageKind::WebP, 480, 282),
            (ImageKind::Jpeg, 960, 565),
            (ImageKind::WebP, 960, 565),
            (ImageKind::Jpeg, 1600, 941),
            (ImageKind::WebP, 1600, 941),
            (ImageKind::WebP, 1700, 1000),
        ]
    );
    let jpeg_set: Vec<u32> = result
        .srcset_candidates(ImageKind::Jpeg)
        .iter()
        .map(|r| r.width)
        .collect();
    assert_eq!(jpeg_set, vec![480, 960, 1600, 1700]);
    let webp_set: Vec<u32> = result
        .srcset_candidates(ImageKind::WebP)
        .iter()
        .map(|r| r.width)
        .collect();
    assert_eq!(webp_set, vec![480, 960, 1600, 1700]);
    // Resampling keeps the picture: red still ramps up from left to right.
    let small = decoded(&result.variants[0]).to_rgb8();
    let left = small.get_pixel(2, 140);
    let right = small.get_pixel(470, 140);
    assert!(left[0] < 30 && right[0] > 220, "{left:?} {right:?}");
}

#[test]
fn an_image_narrower_than_every_width_gets_only_a_webp_copy() {
    let bytes = encode(&photo(120, 80), ImageFormat::Png);
    let result = processed(
        &bytes,
        &Limits {
            webp_only_when_smaller: false,
            ..Limits::default()
        },
    );
    assert_eq!(
        summary(&result),
        vec![(ImageKind::WebP, 120, 80, "-120w.webp".to_owned())]
    );
}

#[test]
fn webp_copies_are_made_only_where_they_save_bytes() {
    // Lossless WebP cannot beat a JPEG: a JPEG upload gets JPEG renditions only.
    let jpeg = processed(
        &encode(&photo(400, 250), ImageFormat::Jpeg),
        &small_limits_keeping_smaller(),
    );
    assert!(
        jpeg.variants.iter().all(|r| r.kind == ImageKind::Jpeg),
        "{:?}",
        summary(&jpeg)
    );
    assert!(jpeg.srcset_candidates(ImageKind::WebP).is_empty());
    let jpeg_widths: Vec<u32> = jpeg
        .srcset_candidates(ImageKind::Jpeg)
        .iter()
        .map(|r| r.width)
        .collect();
    assert_eq!(jpeg_widths, vec![160, 320, 400]);

    // Flat graphics compress better as WebP than as PNG: all the copies are there.
    let png = processed(
        &encode(&logo(400, 250), ImageFormat::Png),
        &small_limits_keeping_smaller(),
    );
    let webp_widths: Vec<u32> = png
        .srcset_candidates(ImageKind::WebP)
        .iter()
        .map(|r| r.width)
        .collect();
    assert_eq!(webp_widths, vec![160, 320, 400]);
    let full_size = png.srcset_candidates(ImageKind::WebP)[2];
    assert!(full_size.bytes.len() < png.original.bytes.len());
}

fn small_limits_keeping_smaller() -> Limits {
    Limits {
        webp_only_when_smaller: true,
        ..small_limits()
    }
}

#[test]
fn transparency_survives_and_sixteen_bit_pngs_become_eight_bit() {
    let result = processed(&encode(&logo(64, 64), ImageFormat::Png), &small_limits());
    let image = decoded(&result.original);
    assert!(image.color().has_alpha());
    assert_eq!(image.to_rgba8().get_pixel(20, 0)[3], 0);
    let webp = decoded(&result.variants[0]);
    assert_eq!(webp.to_rgba8().get_pixel(20, 0)[3], 0);

    let deep = DynamicImage::ImageRgb16(photo(64, 64).to_rgb16());
    let result = processed(&encode(&deep, ImageFormat::Png), &small_limits());
    assert_eq!(decoded(&result.original).color(), image::ColorType::Rgb8);
}

#[test]
fn a_png_polyglot_loses_its_payload() {
    let payload: &[u8] = b"<html><script>alert(document.cookie)</script></html>";
    let mut bytes = encode(&logo(200, 100), ImageFormat::Png);
    // Hidden twice: in a text chunk before the end, and appended after IEND.
    let iend = bytes.len() - 12;
    let mut chunk_key = b"Comment\0".to_vec();
    chunk_key.extend_from_slice(payload);
    bytes.splice(iend..iend, png_chunk(b"tEXt", &chunk_key));
    bytes.extend_from_slice(payload);
    assert!(contains(&bytes, b"<script>"));

    let result = processed(&bytes, &small_limits());
    for rendition in result.renditions() {
        assert!(
            !contains(&rendition.bytes, b"<script>"),
            "{} kept the payload",
            rendition.suffix
        );
        assert!(
            !contains(&rendition.bytes, b"Comment"),
            "{} kept the text chunk",
            rendition.suffix
        );
    }
    assert!(result.original.bytes.ends_with(&png_chunk(b"IEND", &[])));
}

#[test]
fn a_jpeg_loses_comments_and_exif_but_keeps_its_orientation() {
    let plain = encode(&photo(300, 200), ImageFormat::Jpeg);
    let with_comment = with_jpeg_segment(&plain, 0xFE, b"<script>alert(1)</script>");
    let bytes = with_jpeg_segment(&with_comment, 0xE1, &exif_rotated_90());
    assert!(contains(&bytes, b"<script>") && contains(&bytes, b"Exif"));

    let result = processed(&bytes, &small_limits());
    // Stored upright: the phone's "rotate on display" is applied to the pixels.
    assert_eq!((result.width, result.height), (200, 300));
    assert_eq!((result.original.width, result.original.height), (200, 300));
    for rendition in result.renditions() {
        assert!(
            !contains(&rendition.bytes, b"<script>"),
            "{} kept the comment",
            rendition.suffix
        );
        assert!(
            !contains(&rendition.bytes, b"Exif"),
            "{} kept EXIF",
            rendition.suffix
        );
        assert!(
            !contains(&rendition.bytes, b"Cam\0"),
            "{} kept the camera",
            rendition.suffix
        );
    }
    // The top-left of the upright image was the bottom-left of the stored pixels.
    let upright = decoded(&result.original).to_rgb8();
    assert!(
        upright.get_pixel(2, 2)[1] > 200,
        "{:?}",
        upright.get_pixel(2, 2)
    );
}

#[test]
fn svg_is_refused_whatever_the_file_is_called() {
    // A file called "photo.png" and sent as image/png: neither reaches this crate, and
    // the content decides.
    let svg = b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    let error = refusal(svg, &Limits::default());
    assert_eq!(error.status_code(), 415);
    assert_eq!(
        error.to_string(),
        "images may be JPEG, PNG, GIF or WebP; this file is SVG"
    );

    let html = refusal(b"<!doctype html><title>x</title>", &Limits::default());
    assert_eq!(
        html.to_string(),
        "images may be JPEG, PNG, GIF or WebP; this file is HTML"
    );
    let pdf = refusal(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3", &Limits::default());
    assert_eq!(
        pdf.to_string(),
        "images may be JPEG, PNG, GIF or WebP; this file is PDF"
    );
}

#[test]
fn svg_behind_a_png_signature_does_not_decode() {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
    let error = refusal(&bytes, &Limits::default());
    assert!(
        matches!(
            error,
            MediaError::Corrupt {
                kind: ImageKind::Png,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.status_code(), 422);
}

#[test]
fn declared_bombs_are_refused_before_decoding() {
    let limits = Limits::default();
    let cases: [(&str, Vec<u8>, (u32, u32)); 5] = [
        (
            "png 50000²",
            png_declaring(50_000, 50_000),
            (50_000, 50_000),
        ),
        (
            "png 7000² (under the side limit)",
            png_declaring(7_000, 7_000),
            (7_000, 7_000),
        ),
        ("png too wide", png_declaring(13_000, 10), (13_000, 10)),
        ("gif", gif_declaring(65_535, 65_535), (65_535, 65_535)),
        ("webp", webp_declaring(16_383, 16_383), (16_383, 16_383)),
    ];
    for (name, bytes, (width, height)) in cases {
        assert!(bytes.len() < 200, "{name} is a few bytes");
        let started = std::time::Instant::now();
        let error = refusal(&bytes, &limits);
        // Had the pixels been decoded, these few bytes would have been Corrupt, and
        // slow.
        match error {
            MediaError::TooManyPixels {
                width: w,
                height: h,
                ..
            } => assert_eq!((w, h), (width, height), "{name}"),
            other => panic!("{name}: {other:?}"),
        }
        assert_eq!(error_status(&bytes, &limits), 422, "{name}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "{name}"
        );
    }
}

fn error_status(bytes: &[u8], limits: &Limits) -> u16 {
    refusal(bytes, limits).status_code()
}

#[test]
fn a_real_image_over_the_pixel_limit_is_refused() {
    let limits = Limits {
        max_pixels: 10_000,
        ..Limits::default()
    };
    let error = refusal(&encode(&photo(200, 100), ImageFormat::Png), &limits);
    assert!(
        matches!(
            error,
            MediaError::TooManyPixels {
                width: 200,
                height: 100,
                max_pixels: 10_000,
                ..
            }
        ),
        "{error:?}"
    );
    let limits = Limits {
        max_dimension: 150,
        ..Limits::default()
    };
    let error = refusal(&encode(&photo(200, 100), ImageFormat::Jpeg), &limits);
    assert!(
        matches!(error, MediaError::TooManyPixels { width: 200, .. }),
        "{error:?}"
    );
}

#[test]
fn too_large_uploads_are_413_with_both_sizes() {
    let bytes = encode(&noise(300, 200), ImageFormat::Png);
    assert!(bytes.len() > 100_000);
    let limits = Limits {
        max_bytes: 10 * 1024,
        ..Limits::default()
    };
    let error = refusal(&bytes, &limits);
    assert_eq!(error.status_code(), 413);
    assert!(matches!(error, MediaError::TooLarge { limit: 10240, .. }));
    assert!(
        error.to_string().ends_with("; the limit is 10 KB"),
        "{error}"
    );
}

#[test]
fn truncated_files_are_corrupt() {
    for (format, kind) in [
        (ImageFormat::Jpeg, ImageKind::Jpeg),
        (ImageFormat::Png, ImageKind::Png),
        (ImageFormat::Gif, ImageKind::Gif),
        (ImageFormat::WebP, ImageKind::WebP),
    ] {
        let bytes = encode(&photo(300, 200), format);
        for cut in [bytes.len() / 2, 40] {
            let error = match process(&bytes[..cut], &Limits::default()) {
                Ok(_) => panic!("{format:?} cut at {cut} of {} was accepted", bytes.len()),
                Err(error) => error,
            };
            assert!(
                matches!(error, MediaError::Corrupt { kind: k, .. } if k == kind),
                "{format:?} cut at {cut}: {error:?}"
            );
            assert_eq!(error.status_code(), 422);
            assert!(
                error.to_string().contains("truncated or damaged"),
                "{error}"
            );
        }
    }
}

#[test]
fn every_name_of_an_upload_shares_the_hash_of_its_original() {
    let result = processed(
        &encode(&photo(400, 250), ImageFormat::Jpeg),
        &small_limits(),
    );
    let when = YearMonth::new(2026, 11).expect("a valid month");
    let original = result.key_for(&result.original, when);
    assert_eq!(
        original,
        folio_media::storage_key(&result.original.bytes, ImageKind::Jpeg, when)
    );
    let stem = original.as_str().trim_end_matches(".jpg");
    let names: Vec<String> = result
        .variants
        .iter()
        .map(|r| result.key_for(r, when).to_string())
        .collect();
    assert_eq!(
        names,
        vec![
            format!("{stem}-160w.jpg"),
            format!("{stem}-160w.webp"),
            format!("{stem}-320w.jpg"),
            format!("{stem}-320w.webp"),
            format!("{stem}-400w.webp"),
        ]
    );
    assert_eq!(
        result.key_for(&result.variants[1], when),
        folio_media::variant_key(&result.original.bytes, ImageKind::WebP, 160, when)
    );
    // The same upload gets the same names: the library can see a duplicate.
    let again = processed(
        &encode(&photo(400, 250), ImageFormat::Jpeg),
        &small_limits(),
    );
    assert_eq!(again.key_for(&again.original, when), original);
}
