//! Moving in from WordPress and Ghost: the importers run on real exports (a WXR file
//! WordPress 6.1 wrote, Ghost exports in each content format; see
//! crates/folio-import/tests/fixtures), then the site is read back through the router
//! the way readers and their old links will: every public post's text, links and
//! images on its page, and every old URL a 301 to it.

use crate::helpers::TestApp;
use folio_app::import::{ImportOptions, OnProgress};
use folio_import::Report;
use serde_json::Value;
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../folio-import/tests/fixtures")
}

fn expected(path: &str) -> Value {
    let text = std::fs::read_to_string(fixtures().join(path)).expect("fixture");
    serde_json::from_str(&text).expect("json")
}

fn no_progress() -> impl FnMut(usize, usize) + Send {
    |_, _| {}
}

async fn wordpress(app: &TestApp, options: &ImportOptions) -> Report {
    let mut progress = no_progress();
    let on: OnProgress<'_> = &mut progress;
    folio_app::import::wordpress(
        app.state.store(),
        app.state.media(),
        &fixtures().join("wordpress/export.xml"),
        options,
        on,
    )
    .await
    .expect("imports")
}

async fn ghost(app: &TestApp, file: &str, options: &ImportOptions) -> anyhow::Result<Report> {
    let mut progress = no_progress();
    folio_app::import::ghost(
        app.state.store(),
        app.state.media(),
        &fixtures().join("ghost").join(file),
        options,
        &mut progress,
    )
    .await
}

fn with_media() -> ImportOptions {
    ImportOptions {
        media_dir: Some(fixtures().join("wordpress/uploads")),
        categories_as_tags: true,
        ..Default::default()
    }
}

/// What a reader sees of a page: its text, tags gone and references decoded, and
/// whitespace removed (code highlighting splits a line into spans; a snippet is
/// compared without its whitespace too, see [`has`]).
fn visible_text(html: &str) -> String {
    let body = html.split("<body").nth(1).unwrap_or(html);
    let mut text = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&#x2F;", "/")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&");
    text.split_whitespace().collect()
}

/// Whether visible text holds a snippet, whitespace aside.
fn has(text: &str, snippet: &str) -> bool {
    text.contains(&snippet.split_whitespace().collect::<String>())
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Follows one redirect (an old URL) to the page; returns the final path and page.
async fn read(app: &TestApp, path: &str) -> (u16, String, String) {
    let first = app.get(path).await;
    if first.status.as_u16() == 301 {
        let location = first.header("location").to_owned();
        let location = location
            .strip_prefix(crate::helpers::BASE)
            .unwrap_or(&location)
            .to_owned();
        let page = app.get(&location).await;
        return (page.status.as_u16(), location, page.body);
    }
    (first.status.as_u16(), path.to_owned(), first.body)
}

/// `/2023/03/20/unicode-привет/` as a browser sends it.
fn encoded(path: &str) -> String {
    path.chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                c.to_string().bytes().map(|b| format!("%{b:02X}")).collect()
            }
        })
        .collect()
}

#[tokio::test]
async fn a_wordpress_export_comes_in_whole_and_its_old_urls_lead_to_it() {
    let app = TestApp::new().await;
    let report = wordpress(&app, &with_media()).await;
    let expect = expected("wordpress/expected.json");
    let posts = expect["posts"].as_array().expect("posts");
    assert_eq!(
        report.count("posts").imported,
        posts
            .iter()
            .filter(|p| p["post_type"] == "post" && p["status"] != "trash")
            .count(),
        "{report}"
    );
    assert_eq!(report.count("pages").imported, 2, "{report}");
    assert_eq!(
        report.count("posts").skipped,
        1,
        "the trashed post: {report}"
    );
    assert_eq!(report.count("authors").imported, 3, "{report}");
    assert!(report.count("media").imported >= 5, "{report}");
    assert!(report.failed.is_empty(), "{report}");
    assert_eq!(
        report.shortcodes.get("contact-form-7"),
        Some(&1),
        "{report}"
    );
    assert!(
        report
            .warnings
            .iter()
            .any(|(w, n)| w.contains("Private notes") && n.contains("private")),
        "{report}"
    );

    let alt_of = |image: &str| {
        let stem = image.rsplit_once('.').map_or(image, |(s, _)| s);
        expect["attachments"]
            .as_array()
            .expect("attachments")
            .iter()
            .find_map(|a| {
                let file = a["file"].as_str().unwrap_or("");
                let name = file.rsplit('/').next().unwrap_or("");
                let base = name.rsplit_once('.').map_or(name, |(s, _)| s);
                (stem == base || stem.starts_with(&format!("{base}-")))
                    .then(|| a["alt"].as_str().unwrap_or("").to_owned())
            })
    };
    for post in posts {
        let id = post["id"].as_i64().expect("id");
        let public = post["status"] == "publish" && post["password"] == "";
        let permalink = encoded(post["permalink"].as_str().expect("permalink"));
        let (status, path, page) = read(&app, &permalink).await;
        let title = post["title"].as_str().unwrap_or("");
        if !public {
            // Not public: a 404 at its permalink; `/?p=ID` is only the home page.
            let expected = if permalink.starts_with("/?") {
                200
            } else {
                404
            };
            assert_eq!(
                status, expected,
                "{title:?} ({}) must not be public at {permalink}",
                post["status"]
            );
            assert_eq!(
                path, permalink,
                "{title:?} ({}) must not redirect",
                post["status"]
            );
            assert!(
                !has(&visible_text(&page), title),
                "{title:?} ({}) shows at {permalink}",
                post["status"]
            );
            continue;
        }
        assert_eq!(status, 200, "{title:?}: {permalink} led to {path}");
        // A post renamed or moved to another day keeps its former URLs, as in WordPress.
        for former in strings(post, "former_permalinks") {
            let (status, moved_to, _) = read(&app, &encoded(&former)).await;
            assert_eq!(
                (status, moved_to.as_str()),
                (200, path.as_str()),
                "{title:?}: its former URL {former} does not lead to it"
            );
        }
        let text = visible_text(&page);
        assert!(has(&text, title), "{title:?} not on {path}");
        for snippet in strings(post, "texts") {
            assert!(
                has(&text, &snippet),
                "{title:?}: {snippet:?} missing from {path}:\n{text}"
            );
        }
        for link in strings(post, "links") {
            assert!(
                page.contains(&format!("href=\"{}\"", link.replace('&', "&amp;"))),
                "{title:?}: link {link} missing from {path}"
            );
        }
        for image in strings(post, "images") {
            let alt = alt_of(&image).unwrap_or_default();
            assert!(
                page.contains("src=\"/media/"),
                "{title:?}: no image of the media library on {path}"
            );
            if !alt.is_empty() {
                assert!(
                    page.contains(&format!("alt=\"{alt}\"")),
                    "{title:?}: image {image} (alt {alt:?}) missing from {path}"
                );
            }
            assert!(
                !page.contains(&format!("uploads/2023/01/{image}"))
                    && !page.contains(&format!("uploads/2023/07/{image}")),
                "{title:?}: {image} still on the old site"
            );
        }
        let moved = app.get(&format!("/?p={id}")).await;
        assert_eq!(moved.status.as_u16(), 301, "/?p={id}");
        assert_eq!(moved.header("location"), path, "/?p={id}");
    }
    // Categories became tags, and their archives lead there.
    let category = app.get("/category/cafe-culture/").await;
    assert_eq!(
        (category.status.as_u16(), category.header("location")),
        (301, "/tag/cafe-culture/")
    );
    let tag = app.get("/tag/espresso/").await;
    assert_eq!(tag.status.as_u16(), 200);
    let description = expect["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .find(|c| c["slug"] == "espresso")
        .expect("espresso")["description"]
        .as_str()
        .expect("text")
        .to_owned();
    assert!(
        !description.is_empty()
            && has(&visible_text(&tag.body), &description.replace("&amp;", "&")),
        "the category's description is not on its tag page"
    );
    // Uploads, and the resized copies posts used, lead to the media library.
    let upload = app.get("/wp-content/uploads/2023/01/harbour.png").await;
    assert_eq!(upload.status.as_u16(), 301);
    let media = upload.header("location").to_owned();
    assert!(media.starts_with("/media/"), "{media}");
    assert_eq!(app.get(&media).await.status.as_u16(), 200, "{media}");
    let resized = app
        .get("/wp-content/uploads/2023/01/harbour-300x225.png")
        .await;
    assert_eq!(resized.header("location"), media);
    assert_eq!(
        app.get("/wp-content/uploads/2023/01/nothing.png")
            .await
            .status
            .as_u16(),
        404
    );
}

/// A stand-in for the old WordPress site: serves its uploads folder over HTTP on
/// loopback (GET only, 404 for anything else). Returns its address.
async fn old_site() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = vec![0u8; 4096];
                let n = socket.read(&mut request).await.unwrap_or(0);
                let line = String::from_utf8_lossy(&request[..n])
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_owned();
                let path = line.split(' ').nth(1).unwrap_or("/").to_owned();
                let file = path
                    .strip_prefix("/wp-content/uploads/")
                    .filter(|p| !p.contains(".."))
                    .map(|p| fixtures().join("wordpress/uploads").join(p));
                let response = match file.and_then(|f| std::fs::read(f).ok()) {
                    Some(bytes) => [
                        format!(
                            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                            bytes.len()
                        )
                        .into_bytes(),
                        bytes,
                    ]
                    .concat(),
                    None => {
                        b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                            .to_vec()
                    }
                };
                let _ = socket.write_all(&response).await;
            });
        }
    });
    format!("http://{address}")
}

/// A WordPress attachment that is not an image comes in as a download: the post links
/// to the library's copy, the old URL leads there, and the file is served byte for
/// byte as an attachment under its own name, sandboxed, never as a page of the site.
#[tokio::test]
async fn downloads_come_into_the_library_as_files_to_save() {
    let app = TestApp::new().await;
    let report = wordpress(&app, &with_media()).await;
    assert!(
        !report
            .skipped
            .iter()
            .any(|(what, _)| what.ends_with("ferry-timetable.pdf")),
        "{report}"
    );
    let original = std::fs::read(fixtures().join("wordpress/uploads/2023/02/ferry-timetable.pdf"))
        .expect("the fixture's PDF");

    let (status, _, page) = read(&app, "/a-classic-post/").await;
    assert_eq!(status, 200);
    let link = page
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .find(|href| href.ends_with("-ferry-timetable.pdf"))
        .unwrap_or_else(|| panic!("no link to the library's PDF:\n{page}"))
        .to_owned();
    assert!(link.starts_with("/media/2"), "{link}");
    assert!(
        !page.contains("old-blog.example/wp-content/uploads/2023/02/ferry-timetable.pdf"),
        "the post still links to the old site"
    );

    let moved = app
        .get("/wp-content/uploads/2023/02/ferry-timetable.pdf")
        .await;
    assert_eq!(moved.status.as_u16(), 301);
    assert!(
        moved.header("location").ends_with(&link),
        "{}",
        moved.header("location")
    );

    let file = app.get(&link).await;
    assert_eq!(file.status.as_u16(), 200);
    assert_eq!(
        file.bytes.as_ref(),
        original.as_slice(),
        "not byte for byte"
    );
    assert_eq!(file.header("content-type"), "application/pdf");
    assert_eq!(
        file.header("content-disposition"),
        "attachment; filename=\"ferry-timetable.pdf\""
    );
    assert!(file
        .header("content-security-policy")
        .starts_with("sandbox"));
    assert_eq!(file.header("x-content-type-options"), "nosniff");
    assert!(file.header("cache-control").contains("immutable"));

    let entry = app
        .state
        .store()
        .media_by_url(&link)
        .await
        .expect("a library entry");
    assert_eq!(
        (
            entry.mime.as_str(),
            entry.width,
            entry.height,
            entry.renditions.len()
        ),
        ("application/pdf", 0, 0, 1)
    );
    assert_eq!(entry.byte_size, original.len() as u64);
    assert_eq!(entry.original_name, "ferry-timetable.pdf");
}

#[tokio::test]
async fn uploads_can_be_fetched_from_the_old_site_instead() {
    let app = TestApp::new().await;
    let site = old_site().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let export = dir.path().join("export.xml");
    let text = std::fs::read_to_string(fixtures().join("wordpress/export.xml")).expect("fixture");
    std::fs::write(&export, text.replace("http://old-blog.example", &site)).expect("write");
    let options = ImportOptions {
        fetch_media: true,
        categories_as_tags: true,
        ..Default::default()
    };
    let mut progress = no_progress();
    let report = folio_app::import::wordpress(
        app.state.store(),
        app.state.media(),
        &export,
        &options,
        &mut progress,
    )
    .await
    .expect("imports");
    assert!(report.count("media").imported >= 6, "{report}");
    assert!(
        !report
            .skipped
            .iter()
            .any(|(what, _)| what.ends_with("ferry-timetable.pdf")),
        "the PDF was fetched like the images: {report}"
    );
    let moved = app
        .get("/wp-content/uploads/2023/01/harbour-300x225.png")
        .await;
    assert_eq!(moved.status.as_u16(), 301);
    assert_eq!(app.get(moved.header("location")).await.status.as_u16(), 200);
    let page = app.get("/hello-gutenberg/").await.body;
    assert!(
        page.contains("src=\"/media/") && !page.contains(&site),
        "images still on the old site"
    );

    let both = ImportOptions {
        fetch_media: true,
        media_dir: Some(fixtures().join("wordpress/uploads")),
        ..Default::default()
    };
    let err = folio_app::import::wordpress(
        app.state.store(),
        app.state.media(),
        &export,
        &both,
        &mut progress,
    )
    .await
    .expect_err("refused");
    assert!(err.to_string().contains("not both"), "{err}");
}

#[tokio::test]
async fn importing_twice_adds_nothing_and_a_dry_run_writes_nothing() {
    let app = TestApp::new().await;
    let dry = wordpress(
        &app,
        &ImportOptions {
            dry_run: true,
            ..with_media()
        },
    )
    .await;
    let store = app.state.store();
    let export = store.export_site().await.expect("export");
    assert_eq!(export.posts.len(), 0, "a dry run wrote posts");
    assert_eq!(
        export.users.len(),
        1,
        "a dry run wrote users (only the test's owner is there)"
    );
    assert!(export.media.is_empty() && export.legacy_urls.is_empty());
    assert!(
        dry.to_string().starts_with("Dry run: nothing was written."),
        "{dry}"
    );

    let first = wordpress(&app, &with_media()).await;
    for kind in ["posts", "pages", "authors"] {
        assert_eq!(
            dry.count(kind).imported,
            first.count(kind).imported,
            "{kind}: dry run {dry} vs {first}"
        );
    }
    let after_first = store.export_site().await.expect("export");
    let second = wordpress(&app, &with_media()).await;
    assert_eq!(
        second.count("posts").imported
            + second.count("pages").imported
            + second.count("authors").imported,
        0,
        "{second}"
    );
    assert_eq!(
        second.count("posts").existing,
        first.count("posts").imported,
        "{second}"
    );
    let after_second = store.export_site().await.expect("export");
    assert_eq!(after_second.posts.len(), after_first.posts.len());
    assert_eq!(after_second.users.len(), after_first.users.len());
    assert_eq!(after_second.media.len(), after_first.media.len());
    assert_eq!(
        after_second.legacy_urls.len(),
        after_first.legacy_urls.len()
    );
}

#[tokio::test]
async fn ghost_exports_in_every_content_format_come_in() {
    let expect = expected("ghost/expected.json");
    for (file, spec) in expect["files"].as_object().expect("files") {
        let app = TestApp::new().await;
        let report = ghost(&app, file, &ImportOptions::default())
            .await
            .expect("imports");
        assert!(report.failed.is_empty(), "{file}: {report}");
        let counts = &spec["counts"];
        assert_eq!(
            report.count("posts").imported as u64,
            counts["posts"].as_u64().expect("posts"),
            "{file}: {report}"
        );
        assert_eq!(
            report.count("pages").imported as u64,
            counts["pages"].as_u64().expect("pages"),
            "{file}: {report}"
        );
        for post in spec["posts"].as_array().expect("posts") {
            let title = post["title"].as_str().unwrap_or("");
            let public = post["status"] == "published" && post["visibility"] == "public";
            let (status, path, page) =
                read(&app, &encoded(post["old_url_path"].as_str().expect("path"))).await;
            if !public {
                assert_eq!(
                    status, 404,
                    "{file}: {title:?} ({}, {}) must not be public",
                    post["status"], post["visibility"]
                );
                continue;
            }
            assert_eq!(status, 200, "{file}: {title:?} at {path}");
            let text = visible_text(&page);
            assert!(has(&text, title), "{file}: {title:?} not on {path}");
            for snippet in strings(post, "text")
                .into_iter()
                .chain(strings(post, "code"))
            {
                assert!(
                    has(&text, &snippet),
                    "{file}: {title:?}: {snippet:?} missing from {path}:\n{text}"
                );
            }
            for link in strings(post, "links") {
                assert!(
                    page.contains(&format!("href=\"{}\"", link.replace('&', "&amp;"))),
                    "{file}: {title:?}: link {link} missing from {path}"
                );
            }
            for image in strings(post, "images") {
                assert!(
                    page.contains(&image),
                    "{file}: {title:?}: image {image} missing from {path}"
                );
            }
            for alt in strings(post, "image_alts") {
                assert!(
                    page.contains(&format!("alt=\"{alt}\"")),
                    "{file}: {title:?}: alt {alt:?} missing from {path}"
                );
            }
            for wrong in strings(&expect["conventions"], "must_not_appear_in_output") {
                assert!(
                    !page.contains(&wrong),
                    "{file}: {title:?}: {wrong:?} leaked into {path}"
                );
            }
        }
    }
}

#[tokio::test]
async fn ghost_images_load_from_the_old_site_or_from_the_media_library() {
    let app = TestApp::new().await;
    let options = ImportOptions {
        old_url: Some("https://old.example/".into()),
        ..Default::default()
    };
    ghost(&app, "export-lexical.json", &options)
        .await
        .expect("imports");
    let page = app.get("/complete-editor-tour/").await.body;
    assert!(
        page.contains("src=\"https://old.example/content/images/2024/05/harbour-dawn.jpg\""),
        "{page}"
    );
    assert!(!page.contains("__GHOST_URL__"));
    // Links to the old site's own pages become this site's paths.
    assert!(page.contains("href=\"/contact/\""));

    let app = TestApp::new().await;
    let options = ImportOptions {
        old_url: Some("old.example".into()),
        ..Default::default()
    };
    let err = ghost(&app, "export-lexical.json", &options)
        .await
        .expect_err("refused")
        .to_string();
    assert!(err.contains("--old-url"), "{err}");

    // With the images at hand, they move into the media library and their old URLs follow.
    let dir = tempfile::tempdir().expect("tempdir");
    let images = dir.path().join("2024/05");
    std::fs::create_dir_all(&images).expect("mkdir");
    std::fs::write(images.join("harbour-dawn.jpg"), crate::helpers::png(64, 48)).expect("write");
    let options = ImportOptions {
        media_dir: Some(dir.path().to_owned()),
        ..Default::default()
    };
    let report = ghost(&app, "export-lexical.json", &options)
        .await
        .expect("imports");
    assert_eq!(report.count("media").imported, 1, "{report}");
    assert!(
        report.count("media").skipped > 0,
        "the images not in the folder: {report}"
    );
    let page = app.get("/complete-editor-tour/").await.body;
    let moved = app.get("/content/images/2024/05/harbour-dawn.jpg").await;
    assert_eq!(moved.status.as_u16(), 301);
    assert!(
        page.contains(&format!("src=\"{}\"", moved.header("location"))),
        "{page}"
    );
}

#[tokio::test]
async fn imported_fields_are_held_to_the_limits_and_shapes_the_api_enforces() {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let tags: Vec<Value> = (0..35).map(|i| serde_json::json!({"id": format!("t{i}"), "name": format!("Tag {i}"), "slug": format!("tag-{i}")})).collect();
    let links: Vec<Value> = (0..35)
        .map(|i| serde_json::json!({"post_id": "p1", "tag_id": format!("t{i}"), "sort_order": i}))
        .collect();
    let export = serde_json::json!({"db": [{"meta": {"version": "5.80.0"}, "data": {
        "posts": [{"id": "p1", "title": "Hostile fields", "slug": "hostile-fields", "html": "<p>Body</p>", "status": "published",
            "visibility": "public", "published_at": "2024-05-01T10:00:00.000Z", "canonical_url": "javascript:alert(1)",
            "feature_image": "javascript:alert(2)"}],
        "tags": tags, "posts_tags": links,
        "users": [{"id": "u1", "name": "Ada", "email": "ada@example.com"}],
        "posts_authors": [{"post_id": "p1", "author_id": "u1", "sort_order": 0}]}}]});
    let file = dir.path().join("hostile.json");
    std::fs::write(&file, export.to_string()).expect("write");
    let mut progress = no_progress();
    let report = folio_app::import::ghost(
        app.state.store(),
        app.state.media(),
        &file,
        &ImportOptions::default(),
        &mut progress,
    )
    .await
    .expect("imports");
    assert_eq!(report.count("posts").imported, 1, "{report}");
    let said = |what: &str| report.warnings.iter().any(|(_, w)| w.contains(what));
    assert!(
        said("canonical URL") && said("feature image") && said("at most 30 tags"),
        "{report}"
    );
    let page = app.get("/hostile-fields/").await;
    assert_eq!(page.status.as_u16(), 200);
    assert!(!page.body.contains("javascript:"), "{}", page.body);
    let post = app
        .state
        .store()
        .public_post_by_slug("hostile-fields")
        .await
        .expect("post");
    assert_eq!(
        (
            post.summary.tags.len(),
            post.canonical_url.as_str(),
            post.summary.feature_image.as_deref()
        ),
        (30, "", None)
    );
}

#[tokio::test]
async fn broken_and_foreign_files_are_refused_with_their_position_and_nothing_is_written() {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let whole = std::fs::read_to_string(fixtures().join("wordpress/export.xml")).expect("fixture");
    let truncated = dir.path().join("truncated.xml");
    std::fs::write(&truncated, &whole[..whole.len() * 2 / 3]).expect("write");
    let mut progress = no_progress();
    let err = folio_app::import::wordpress(
        app.state.store(),
        app.state.media(),
        &truncated,
        &ImportOptions::default(),
        &mut progress,
    )
    .await
    .expect_err("refused")
    .to_string();
    assert!(
        err.contains("truncated.xml:")
            && err.contains("truncated")
            && err.contains("nothing was imported"),
        "{err}"
    );
    let line: usize = err
        .split(':')
        .nth(1)
        .and_then(|l| l.parse().ok())
        .expect("a line number");
    assert!(line > 100, "{err}");

    let ghost_file = fixtures().join("ghost/export-lexical.json");
    let err = folio_app::import::wordpress(
        app.state.store(),
        app.state.media(),
        &ghost_file,
        &ImportOptions::default(),
        &mut progress,
    )
    .await
    .expect_err("refused")
    .to_string();
    assert!(err.contains("not a WordPress export"), "{err}");
    let err = ghost(&app, "../wordpress/export.xml", &ImportOptions::default())
        .await
        .expect_err("refused")
        .to_string();
    assert!(
        err.contains("not a Ghost export") && err.contains("line 1, column 1"),
        "{err}"
    );

    let future = dir.path().join("future.json");
    let text = std::fs::read_to_string(&ghost_file)
        .expect("fixture")
        .replacen("\"version\": \"5.96.0\"", "\"version\": \"99.0.0\"", 1)
        .replacen("\"version\":\"5.96.0\"", "\"version\":\"99.0.0\"", 1);
    std::fs::write(&future, text).expect("write");
    let mut progress = no_progress();
    let err = folio_app::import::ghost(
        app.state.store(),
        app.state.media(),
        &future,
        &ImportOptions::default(),
        &mut progress,
    )
    .await
    .expect_err("refused")
    .to_string();
    assert!(
        err.contains("\"99.0.0\" is not one this importer knows"),
        "{err}"
    );

    let export = app.state.store().export_site().await.expect("export");
    assert_eq!(
        (
            export.posts.len(),
            export.users.len(),
            export.legacy_urls.len()
        ),
        (0, 1, 0),
        "something was written"
    );
}

#[tokio::test]
async fn old_urls_survive_a_backup_and_restore() {
    let app = TestApp::new().await;
    wordpress(&app, &with_media()).await;
    let site = app.state.store().export_site().await.expect("export");
    assert!(site.legacy_urls.len() > 20, "{}", site.legacy_urls.len());
    let copy = TestApp::empty().await;
    copy.state
        .store()
        .import_site(&site)
        .await
        .expect("restores");
    let moved = copy.get("/2023/01/15/hello-gutenberg/").await;
    assert_eq!(
        (moved.status.as_u16(), moved.header("location")),
        (301, "/hello-gutenberg/")
    );
}
