//! The Markdown → SafeHtml pipeline, fed any text. Invariant: neither the output nor
//! what a second parse and sanitization make of it holds an element, event handler,
//! style or URL that could run script — the second pass stands for a browser's parser
//! reading the output, which is where mutation XSS lives.
//!
//! The output is not required to be a fixed point of the sanitizer: html5ever's tree
//! builder re-nests misnested `<a>` and block elements differently on a second parse
//! once they are deep enough (the adoption agency's limits), which moves harmless tags
//! around; the fuzzer found such an input in its first CI runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "inert.rs"]
mod inert;

fuzz_target!(|data: &[u8]| {
    let Ok(markdown) = std::str::from_utf8(data) else { return };
    let html = folio_core::render_markdown(markdown).html.into_string();
    let again = folio_core::SafeHtml::sanitize(&html).into_string();
    inert::assert_inert(&html);
    inert::assert_inert(&again);
});

