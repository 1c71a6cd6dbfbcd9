//! The Ghost importer (`folio import ghost`), fed any bytes: parsing never panics, every
//! post converts to an entry or a reason to skip it, and Lexical and Mobiledoc bodies of
//! any shape convert to Markdown or to an error, never to a panic.
#![no_main]

use folio_import::ghost::{lexical_to_markdown, mobiledoc_to_markdown, Site};
use folio_import::html::Notes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(site) = Site::parse(data) {
        let _ = site.people();
        for post in &site.posts {
            if let Ok(entry) = site.entry(post) {
                assert!(
                    !entry.markdown.contains("__GHOST_URL__"),
                    "the placeholder never reaches a post"
                );
            }
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let mut notes = Notes::default();
        let _ = lexical_to_markdown(text, &mut notes);
        let _ = mobiledoc_to_markdown(text, &mut notes);
    }
});
