//! What a URL brings in: slugs (post, tag and author paths) and listing cursors
//! (`?after=`). A slug that parses is made only of `a-z`, `0-9` and inner hyphens and
//! parses again to itself; any text derives a valid slug; a cursor that decodes encodes
//! back to a token that decodes to the same cursor.
#![no_main]

use folio_core::Slug;
use folio_store::Cursor;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(slug) = Slug::parse(text) {
        let s = slug.as_str();
        assert!(!s.is_empty() && s.len() <= 120, "{s:?}");
        assert!(
            s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{s:?}"
        );
        assert_eq!(Slug::parse(s).ok(), Some(slug.clone()));
    }
    let derived = Slug::derive(text, "post");
    assert!(
        Slug::parse(derived.as_str()).is_ok(),
        "derive({text:?}) gave {derived:?}"
    );
    if let Some(cursor) = Cursor::decode(text) {
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor), "{text:?}");
    }
});
