//! The WordPress importer's reader (`folio import wordpress`), fed any bytes: reading a
//! file never panics, and whatever items it yields convert to entries (or reasons to
//! skip them) without panicking either; old URLs normalize or are refused.
#![no_main]

use folio_import::wordpress::{Reader, Record, Site};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(site) = Site::scan(data, true) else {
        return;
    };
    let _ = site.people();
    let _ = site.category_paths();
    for record in Reader::new(data) {
        let Ok(Record::Item(item)) = record else {
            continue;
        };
        if let Ok(Some(entry)) = site.entry(&item) {
            for path in &entry.old_paths {
                if let Some(key) = folio_core::legacy::path_key(path) {
                    assert_eq!(
                        folio_core::legacy::path_key(&key).as_deref(),
                        Some(key.as_str()),
                        "a key is its own key"
                    );
                }
            }
        }
    }
});
