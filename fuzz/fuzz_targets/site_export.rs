//! The import parser (`folio import`), fed any bytes: parsing and checking a file never
//! panics, and what parses survives a write and a read unchanged (the export format is
//! a fixed point).
#![no_main]

use folio_store::export::{validate, SiteExport};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(site) = serde_json::from_slice::<SiteExport>(data) else {
        return;
    };
    let _ = validate(&site);
    let written = serde_json::to_string(&site).expect("an export that parsed serializes");
    let read: SiteExport = serde_json::from_str(&written).expect("what Folio writes, Folio reads");
    assert_eq!(serde_json::to_string(&read).expect("serializes"), written);
});
