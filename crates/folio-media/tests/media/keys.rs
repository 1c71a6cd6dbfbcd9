use folio_media::{storage_key, validate_key, variant_key, ImageKind, MediaKey, YearMonth};
use proptest::prelude::*;
use std::path::{Component, Path};

fn kind() -> impl Strategy<Value = ImageKind> {
    prop_oneof![
        Just(ImageKind::Jpeg),
        Just(ImageKind::Png),
        Just(ImageKind::Gif),
        Just(ImageKind::WebP)
    ]
}

/// Strings made of the characters that matter for paths, so the interesting cases come
/// up often.
fn path_like() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("/".to_owned()),
            Just(".".to_owned()),
            Just("..".to_owned()),
            Just("\\".to_owned()),
            Just("-".to_owned()),
            Just("%2e".to_owned()),
            Just("\0".to_owned()),
            Just("~".to_owned()),
            Just("C:".to_owned()),
            "[a-z0-9]{1,4}",
            "[A-Z]{1,2}",
            any::<char>().prop_map(String::from),
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

fn stays_inside(key: &str) -> bool {
    Path::new(key)
        .components()
        .all(|component| matches!(component, Component::Normal(_)))
}

proptest! {
    #[test]
    fn an_accepted_key_never_leaves_the_media_folder(key in path_like()) {
        if validate_key(&key).is_ok() {
            prop_assert!(stays_inside(&key), "{key:?}");
            prop_assert!(!key.contains(".."));
            prop_assert!(!key.starts_with('/'));
            prop_assert!(key.chars().all(|c| matches!(c, 'a'..='z' | '0'..='9' | '/' | '.' | '-')));
            prop_assert!(key.split('/').all(|segment| !segment.is_empty() && !segment.starts_with('.')));
        }
    }

    #[test]
    fn traversal_is_always_refused(prefix in path_like(), suffix in path_like()) {
        for bad in [format!("{prefix}..{suffix}"), format!("/{prefix}"), format!("{prefix}\\{suffix}")] {
            prop_assert!(validate_key(&bad).is_err(), "{bad:?}");
            prop_assert!(MediaKey::parse(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_folio_makes_are_valid(
        bytes in proptest::collection::vec(any::<u8>(), 0..64),
        kind in kind(),
        width in 1u32..100_000,
        year in 1000i32..=9999,
        month in 1u32..=12,
    ) {
        let when = YearMonth::new(year, month).expect("a valid month");
        for key in [storage_key(&bytes, kind, when), variant_key(&bytes, kind, width, when)] {
            prop_assert!(validate_key(key.as_str()).is_ok(), "{key}");
            prop_assert_eq!(MediaKey::parse(key.as_str()).ok(), Some(key.clone()));
            prop_assert!(stays_inside(key.as_str()));
            prop_assert_eq!(key.kind(), Some(folio_media::MediaKind::Image(kind)));
        }
    }
}
