//! WordPress content to Markdown (shortcodes, classic paragraphs, blocks), fed any
//! text: the conversion never panics, and its Markdown, rendered by Folio's pipeline,
//! is as inert as any writer's (the sanitizer runs last, whatever the importer made).
#![no_main]

use folio_import::html::{to_markdown, Attachment, Attachments, Notes};
use libfuzzer_sys::fuzz_target;

#[path = "inert.rs"]
mod inert;

fuzz_target!(|data: &[u8]| {
    let Ok(html) = std::str::from_utf8(data) else {
        return;
    };
    let mut attachments = Attachments::new();
    attachments.insert(
        "1".into(),
        Attachment {
            url: "javascript:alert(1)".into(),
            alt: "\"><script>".into(),
            caption: "<img onerror=x>".into(),
        },
    );
    let mut notes = Notes::default();
    let markdown = to_markdown(html, &attachments, &mut notes);
    let html = folio_core::render_markdown(&markdown).html.into_string();
    inert::assert_inert(&html);
    inert::assert_inert(&folio_core::SafeHtml::sanitize(&html).into_string());
});
