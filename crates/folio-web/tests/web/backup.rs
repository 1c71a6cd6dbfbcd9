//! `folio export` and `folio import` as archives (folio_app::backup): the site and its
//! media files out of one site and into an empty one, and archives that are not what an
//! export writes refused with nothing imported.

use crate::helpers::{png, TestApp};
use axum::http::StatusCode;
use folio_app::backup::{export_archive, import_archive, is_archive};
use std::io::Cursor;

/// An archive of `members` (name, bytes), in that order.
fn archive(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for (name, bytes) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        tar.append_data(&mut header, name, *bytes).expect("append");
    }
    tar.into_inner().expect("finish")
}

/// An archive's members, `site.json` without its `exported_at`.
fn members(archive: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut tar = tar::Archive::new(Cursor::new(archive));
    let mut out = Vec::new();
    for entry in tar.entries().expect("entries") {
        let mut entry = entry.expect("entry");
        let name = entry.path().expect("path").display().to_string();
        let mut content = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut content).expect("read");
        if name == "site.json" {
            let mut site: serde_json::Value = serde_json::from_slice(&content).expect("json");
            site.as_object_mut().expect("object").remove("exported_at");
            content = site.to_string().into_bytes();
        }
        out.push((name, content));
    }
    out
}

async fn export_of(app: &TestApp) -> Vec<u8> {
    let files = std::sync::Arc::clone(app.state.media().files());
    let (bytes, summary) = export_archive(app.state.store(), files, Vec::new())
        .await
        .expect("exports");
    assert_eq!(summary.missing, 0);
    bytes
}

#[tokio::test]
async fn an_archive_carries_the_site_and_every_file_into_an_empty_site() {
    let app = TestApp::new().await;
    let image = app
        .upload(&app.owner, "wide.png", &png(900, 500), "Dusk")
        .await
        .json();
    let pdf = [b"%PDF-1.7\n".as_slice(), &[0u8, 1, 2, 255], b"\n%%EOF\n"].concat();
    let file = app.upload(&app.owner, "notes.pdf", &pdf, "").await.json();
    app.publish(
        "Archived",
        &format!(
            "{}\n\nThe {}.",
            image["markdown"].as_str().expect("markdown"),
            file["markdown"].as_str().expect("markdown")
        ),
        &["kept"],
    )
    .await;
    let bytes = export_of(&app).await;
    assert!(is_archive(&bytes[..512]));

    // site.json first, then each file of the library under media/, as it is stored.
    let listed = members(&bytes);
    for (name, content) in &listed[1..] {
        let key = name.strip_prefix("media/").expect("under media/");
        assert_eq!(&app.get(&format!("/media/{key}")).await.bytes, content);
    }
    let names: Vec<&str> = listed.iter().map(|(n, _)| n.as_str()).collect();
    let renditions = image["renditions"].as_array().expect("renditions").len();
    assert_eq!(names[0], "site.json");
    assert_eq!(names.len(), 1 + renditions + 1, "{names:?}");

    let copy = TestApp::empty().await;
    let files = std::sync::Arc::clone(copy.state.media().files());
    let report = import_archive(copy.state.store(), files, Cursor::new(bytes.clone()))
        .await
        .expect("imports");
    assert_eq!((report.posts, report.media), (1, 2));
    for url in [&image["url"], &file["url"]] {
        let url = url.as_str().expect("url");
        let (a, b) = (app.get(url).await, copy.get(url).await);
        assert_eq!(b.status, StatusCode::OK, "{url}");
        assert_eq!(a.bytes, b.bytes, "{url}");
    }
    let (a, b) = (app.get("/archived/").await, copy.get("/archived/").await);
    assert_eq!((a.status, &a.body), (StatusCode::OK, &b.body));
    // The copy's backup is the original's: every file byte for byte, the site the same
    // but for the time of the export.
    assert!(
        members(&export_of(&copy).await) == listed,
        "the copy's export differs"
    );
}

#[tokio::test]
async fn archives_that_an_export_could_not_have_written_import_nothing() {
    let app = TestApp::new().await;
    let image = app
        .upload(&app.owner, "wide.png", &png(300, 200), "Dusk")
        .await
        .json();
    let good = export_of(&app).await;
    let site_json = {
        let mut tar = tar::Archive::new(Cursor::new(&good));
        let mut first = tar
            .entries()
            .expect("entries")
            .next()
            .expect("a member")
            .expect("ok");
        let mut json = Vec::new();
        std::io::Read::read_to_end(&mut first, &mut json).expect("read");
        json
    };
    let key = image["url"].as_str().expect("url")["/media/".len()..].to_owned();
    let page = b"<!doctype html><script>alert(1)</script>".as_slice();
    // A member whose header claims 2 GiB, with nothing behind it.
    let mut huge = archive(&[("site.json", &site_json)]);
    huge.truncate(huge.len() - 1024);
    let mut header = tar::Header::new_gnu();
    header.set_path(format!("media/{key}")).expect("path");
    header.set_size(2 << 30);
    header.set_mode(0o644);
    header.set_cksum();
    huge.extend_from_slice(header.as_bytes());
    huge.extend_from_slice(&[0; 1024]);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            archive(&[("media/x.png", &png(2, 2))]),
            "does not start with site.json",
        ),
        (
            archive(&[("site.json", b"{ not json")]),
            "not a Folio export",
        ),
        (
            archive(&[
                ("site.json", &site_json),
                ("media/2026/01/unnamed.png", &png(2, 2)),
            ]),
            "not a media file that site.json names",
        ),
        (
            archive(&[("site.json", &site_json), ("notes.txt", b"hello")]),
            "not a media file that site.json names",
        ),
        (
            archive(&[("site.json", &site_json), (&format!("media/{key}"), page)]),
            "not the type its name says",
        ),
        (huge, "more than the 1024 MiB a media file may be"),
    ];
    for (bytes, expected) in cases {
        let copy = TestApp::empty().await;
        let files = std::sync::Arc::clone(copy.state.media().files());
        let err = import_archive(copy.state.store(), files, Cursor::new(bytes))
            .await
            .expect_err("refused");
        let message = format!("{err:#}");
        assert!(message.contains(expected), "{expected}: {message}");
        let site = copy.state.store().export_site().await.expect("export");
        assert_eq!(
            (site.users.len(), site.media.len()),
            (0, 0),
            "{expected}: something was imported"
        );
        assert_eq!(
            copy.stored_files().await,
            Vec::<String>::new(),
            "{expected}"
        );
    }
}
