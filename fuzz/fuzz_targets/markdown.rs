//! The Markdown → SafeHtml pipeline, fed any text. Invariants: the output, parsed and
//! sanitized again (standing for a browser's parser reading it, which is where mutation
//! XSS lives), is unchanged; and it holds no element, event handler, style or URL that
//! could run script.
//!
//! A single sanitizer pass is not always a fixed point: html5ever's tree builder
//! re-nests misnested `<a>` and block elements differently on a second parse once they
//! are deep enough (the adoption agency's limits); the fuzzer found such an input in its
//! first CI runs (fuzz/seeds/markdown/misnested-anchors.md). `folio_core`'s sanitizer
//! now repeats until its output is stable, and this target holds it to that.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "inert.rs"]
mod inert;

fuzz_target!(|data: &[u8]| {
    let Ok(markdown) = std::str::from_utf8(data) else {
        return;
    };
    let html = folio_core::render_markdown(markdown).html.into_string();
    let again = folio_core::SafeHtml::sanitize(&html).into_string();
    assert_eq!(again, html, "the sanitized output is not a fixed point");
    inert::assert_inert(&html);
});
