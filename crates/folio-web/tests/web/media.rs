//! Uploads through the API and the admin library, the files they leave, how they are
//! served, and the responsive images pages make of them.

use crate::browser::Browser;
use crate::helpers::{path_of, png, TestApp};
use axum::http::{Method, StatusCode};
use folio_core::Role;
use folio_media::MediaStore;
use serde_json::{json, Value};

#[tokio::test]
async fn an_upload_is_stored_under_folio_names_with_renditions_and_served_for_a_year() {
    let app = TestApp::new().await;
    let original = png(1200, 800);
    let reply = app
        .upload(
            &app.owner,
            "../../My Holiday <script>.png",
            &original,
            "A gradient",
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let media = reply.json();
    let url = media["url"].as_str().expect("url");
    let now = chrono::Utc::now();
    let prefix = format!("/media/{}/{}/", now.format("%Y"), now.format("%m"));
    assert!(url.starts_with(&prefix) && url.ends_with(".png"), "{url}");
    assert!(!url.contains("Holiday") && !url.contains(".."), "{url}");
    assert_eq!(
        (media["width"].as_u64(), media["height"].as_u64()),
        (Some(1200), Some(800))
    );
    assert_eq!(media["original_name"], "My Holiday <script>.png");
    assert_eq!(media["markdown"], format!("![A gradient]({url})"));
    let widths: Vec<u64> = media["renditions"]
        .as_array()
        .expect("renditions")
        .iter()
        .filter(|r| r["mime"] == "image/png")
        .map(|r| r["width"].as_u64().expect("width"))
        .collect();
    assert_eq!(
        widths,
        vec![1200, 480, 960],
        "original first, then the narrower copies"
    );
    assert!(
        media["srcset"]
            .as_str()
            .expect("srcset")
            .contains("-480w.png 480w"),
        "{media}"
    );

    // Every file is under a name Folio made, in the media folder, and nothing else is.
    let stored = app.stored_files().await;
    let listed: Vec<String> = media["renditions"]
        .as_array()
        .expect("renditions")
        .iter()
        .map(|r| path_of_media(&r["url"]))
        .collect();
    let mut expected = listed.clone();
    expected.sort();
    assert_eq!(stored, expected);

    let file = app.get(url).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.header("content-type"), "image/png");
    assert_eq!(
        file.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(file.header("x-content-type-options"), "nosniff");
    let decoded = image::load_from_memory(&file.bytes).expect("a PNG");
    assert_eq!((decoded.width(), decoded.height()), (1200, 800));
    let etag = file.header("etag").to_owned();
    let again = app.get_with(url, ("if-none-match", &etag)).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);

    let narrow = media["renditions"]
        .as_array()
        .expect("renditions")
        .iter()
        .find(|r| r["width"] == 480)
        .expect("480w")
        .clone();
    let file = app.get(narrow["url"].as_str().expect("url")).await;
    assert_eq!(file.status, StatusCode::OK, "{narrow}");
    assert_eq!(
        image::load_from_memory(&file.bytes)
            .expect("decodes")
            .width(),
        480
    );

    // The same image again is the same entry, not a second one.
    let twice = app.upload(&app.owner, "copy.png", &original, "").await;
    assert_eq!(twice.status, StatusCode::OK, "{}", twice.body);
    assert_eq!(twice.json()["id"], media["id"]);
    let list = app
        .api(Method::GET, "/api/v1/admin/media", Some(&app.owner), None)
        .await
        .json();
    assert_eq!(list["media"].as_array().expect("list").len(), 1);
}

fn path_of_media(url: &Value) -> String {
    url.as_str()
        .expect("url")
        .strip_prefix("/media/")
        .expect("a media url")
        .to_owned()
}

#[tokio::test]
async fn bad_uploads_are_refused_with_a_reason_and_leave_nothing_behind() {
    let app = TestApp::with_config(|c| c.media_max_mb = 1).await;
    let cases: [(&str, Vec<u8>, u16, &str); 4] = [
        (
            "page.png",
            b"<html><script>alert(1)</script></html>".to_vec(),
            415,
            "keeps images (JPEG, PNG, GIF, WebP) and downloads (PDF, audio, video, ZIP archives and office documents); this file is HTML",
        ),
        (
            "big.png",
            vec![0x89; 1100 * 1024],
            413,
            "larger than the upload limit of 1 MB",
        ),
        (
            "cut.png",
            png(300, 200)[..200].to_vec(),
            422,
            "could not be read",
        ),
        (
            "fake.gif",
            [b"GIF89a".as_slice(), &[0xff, 0xff, 0xff, 0xff], &[0; 64]].concat(),
            422,
            "pixels",
        ),
    ];
    for (name, bytes, status, reason) in cases {
        let reply = app.upload(&app.owner, name, &bytes, "").await;
        assert_eq!(reply.status.as_u16(), status, "{name}: {}", reply.body);
        let error = &reply.json()["error"];
        assert!(
            error["fields"]["file"]
                .as_str()
                .unwrap_or_default()
                .contains(reason),
            "{name}: {error}"
        );
    }
    let reply = app
        .api(
            Method::POST,
            "/api/v1/admin/media",
            Some(&app.owner),
            Some(json!({"file": "x"})),
        )
        .await;
    assert!(reply.status.is_client_error(), "{}", reply.body);
    let (content_type, body) = crate::helpers::multipart(&[("alt", "no file")], None);
    let request = axum::http::Request::post("/api/v1/admin/media")
        .header("authorization", format!("Bearer {}", app.owner))
        .header("content-type", content_type)
        .body(axum::body::Body::from(body))
        .expect("request");
    let reply = app.send(request).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(reply.body.contains("field named `file`"), "{}", reply.body);
    let anonymous = app.upload("not-a-token", "a.png", &png(10, 10), "").await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    let stored = app.stored_files().await;
    assert!(stored.is_empty(), "{stored:?}");
    let list = app
        .api(Method::GET, "/api/v1/admin/media", Some(&app.owner), None)
        .await
        .json();
    assert_eq!(list["media"], json!([]));
}

#[tokio::test]
async fn media_urls_that_folio_could_not_have_made_are_not_found() {
    let app = TestApp::new().await;
    std::fs::create_dir_all(app.media_dir()).expect("media dir");
    std::fs::write(app.media_dir().join("secret.png"), b"x").expect("write");
    for path in [
        "/media/../folio.db",
        "/media/%2e%2e/folio.db",
        "/media/2026/11/ABC.png",
        "/media/2026/11/a.svg",
        "/media/.hidden.png",
        "/media/2026/11/nothing.png",
    ] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!reply.body.contains("SQLite"), "{path}");
    }
}

#[tokio::test]
async fn only_the_uploader_or_an_editor_deletes_and_the_files_go_with_the_entry() {
    let app = TestApp::new().await;
    let (_, contributor) = app.user(Role::Contributor, "Cora Contributor").await;
    let (_, other) = app.user(Role::Author, "Arno Author").await;
    let (_, editor) = app.user(Role::Editor, "Edda Editor").await;
    let media = app
        .upload(&contributor, "a.png", &png(600, 400), "")
        .await
        .json();
    let id = media["id"].as_i64().expect("id");
    let url = media["url"].as_str().expect("url").to_owned();

    let denied = app
        .api(
            Method::DELETE,
            &format!("/api/v1/admin/media/{id}"),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.body);
    assert_eq!(app.get(&url).await.status, StatusCode::OK);

    let deleted = app
        .api(
            Method::DELETE,
            &format!("/api/v1/admin/media/{id}"),
            Some(&editor),
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    assert_eq!(app.get(&url).await.status, StatusCode::NOT_FOUND);
    assert!(app.stored_files().await.is_empty());
    let gone = app
        .api(
            Method::DELETE,
            &format!("/api/v1/admin/media/{id}"),
            Some(&editor),
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);

    // One's own upload may be deleted by a contributor.
    let own = app
        .upload(&contributor, "b.png", &png(300, 300), "")
        .await
        .json();
    let reply = app
        .api(
            Method::DELETE,
            &format!("/api/v1/admin/media/{}", own["id"]),
            Some(&contributor),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
}

#[tokio::test]
async fn pages_offer_library_images_responsively() {
    let app = TestApp::new().await;
    let media = app
        .upload(&app.owner, "wide.png", &png(1600, 900), "Dusk")
        .await
        .json();
    let url = media["url"].as_str().expect("url");
    let post = app
        .post(json!({
            "title": "With pictures",
            "markdown": format!("Before.\n\n{}\n\nAfter.", media["markdown"].as_str().expect("markdown")),
            "feature_image": url,
            "feature_image_alt": "Dusk over water",
            "status": "published",
        }))
        .await;
    let page = app.get(&path_of(&post["url"])).await;
    assert_eq!(page.status, StatusCode::OK);
    let srcset = media["srcset"].as_str().expect("srcset");
    // The body image, rendered at save time…
    assert!(
        page.body
            .contains(&format!("<img src=\"{url}\" srcset=\"{srcset}\"")),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("width=\"1600\" height=\"900\" loading=\"lazy\""),
        "{}",
        page.body
    );
    // …and the feature image, in the post header and on the home page's card.
    assert!(page.body.contains(&format!("srcset=\"{srcset}\" sizes=\"(max-width: 70rem) 100vw, 68rem\" width=\"1600\" height=\"900\" alt=\"Dusk over water\"")), "{}", page.body);
    let home = app.get("/").await;
    assert!(
        home.body.contains(&format!("srcset=\"{srcset}\"")),
        "{}",
        home.body
    );
    if let Some(webp) = media["webp_srcset"].as_str() {
        assert!(
            page.body
                .contains(&format!("<source type=\"image/webp\" srcset=\"{webp}\"")),
            "{}",
            page.body
        );
    }
}

#[tokio::test]
async fn with_a_public_url_readers_fetch_images_from_it_and_downloads_from_the_site() {
    const PUBLIC: &str = "https://cdn.example.com/lib";
    let app = TestApp::with_config(|c| c.media_public_url = Some(format!("{PUBLIC}/"))).await;
    let image = app
        .upload(&app.owner, "wide.png", &png(1600, 900), "Dusk")
        .await
        .json();
    let pdf = [b"%PDF-1.7\n".as_slice(), b"\n%%EOF\n"].concat();
    let file = app.upload(&app.owner, "notes.pdf", &pdf, "").await.json();
    let url = image["url"].as_str().expect("url");
    let public = |site_url: &str| format!("{PUBLIC}/{}", &site_url["/media/".len()..]);
    let post = app
        .post(json!({
            "title": "With pictures",
            "markdown": format!("{}\n\nThe {}.", image["markdown"].as_str().expect("markdown"), file["markdown"].as_str().expect("markdown")),
            "feature_image": url,
            "feature_image_alt": "Dusk over water",
            "status": "published",
        }))
        .await;
    let page = app.get(&path_of(&post["url"])).await;
    assert_eq!(page.status, StatusCode::OK);
    // Every candidate of every srcset, and the src, come from the public URL…
    let srcset = |s: &str| {
        s.split(", ")
            .map(|c| match c.split_once(' ') {
                Some((u, w)) => format!("{} {w}", public(u)),
                None => public(c),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let public_srcset = srcset(image["srcset"].as_str().expect("srcset"));
    assert!(
        page.body.contains(&format!(
            "<img src=\"{}\" srcset=\"{public_srcset}\"",
            public(url)
        )),
        "{}",
        page.body
    );
    if let Some(webp) = image["webp_srcset"].as_str() {
        assert!(
            page.body.contains(&format!(
                "<source type=\"image/webp\" srcset=\"{}\"",
                srcset(webp)
            )),
            "{}",
            page.body
        );
    }
    // …and no image is fetched from the site, while the download stays a site link,
    // served with its name and sandbox.
    assert!(!page.body.contains("src=\"/media/"), "{}", page.body);
    assert!(
        !page.body.contains("src=\"https://blog.example/media/"),
        "{}",
        page.body
    );
    let file_url = file["url"].as_str().expect("url");
    assert!(
        page.body.contains(&format!("href=\"{file_url}\"")),
        "{}",
        page.body
    );
    let home = app.get("/").await;
    assert!(home.body.contains(&public_srcset), "{}", home.body);
    // Feeds too: the images from the public URL, links absolute on the site.
    let feed = app.get("/feed.json").await.json();
    let item = &feed["items"][0];
    assert_eq!(item["image"], public(url));
    let content = item["content_html"].as_str().expect("content");
    assert!(
        content.contains(&format!("src=\"{}\"", public(url))),
        "{content}"
    );
    assert!(
        content.contains(&format!("href=\"https://blog.example{file_url}\"")),
        "{content}"
    );
    // The site still serves every file: it is the origin a CDN pulls from.
    assert_eq!(app.get(url).await.status, StatusCode::OK);
    // An https URL needs nothing more from the page's CSP.
    assert!(page
        .header("content-security-policy")
        .contains("img-src 'self' https: data:;"));
}

#[tokio::test]
async fn a_plain_http_public_url_is_allowed_by_the_pages_csp_and_nothing_else_is() {
    let app = TestApp::with_config(|c| {
        c.media_public_url = Some("http://media.internal:3912/lib".into())
    })
    .await;
    let csp = app
        .get("/")
        .await
        .header("content-security-policy")
        .to_owned();
    assert!(
        csp.contains("img-src 'self' https: data: http://media.internal:3912;"),
        "{csp}"
    );
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(csp.contains("default-src 'self';"), "{csp}");
}

#[tokio::test]
async fn a_range_of_a_file_is_served_as_206_and_a_range_past_its_end_as_416() {
    let app = TestApp::new().await;
    let pdf: Vec<u8> = [b"%PDF-1.7\n".as_slice(), &[7u8; 5000], b"\n%%EOF\n"].concat();
    let url = app.upload(&app.owner, "tides.pdf", &pdf, "").await.json()["url"]
        .as_str()
        .expect("url")
        .to_owned();
    let whole = app.get(&url).await;
    assert_eq!(whole.status, StatusCode::OK);
    assert_eq!(whole.header("accept-ranges"), "bytes");
    let etag = whole.header("etag").to_owned();
    let total = pdf.len();

    for (range, first, last) in [
        ("bytes=0-8", 0, 8),
        ("bytes=5000-", 5000, total - 1),
        ("bytes=-7", total - 7, total - 1),
    ] {
        let part = app.get_with(&url, ("range", range)).await;
        assert_eq!(part.status, StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(
            part.header("content-range"),
            format!("bytes {first}-{last}/{total}"),
            "{range}"
        );
        assert_eq!(part.bytes, pdf[first..=last], "{range}");
        assert_eq!(
            part.header("content-length"),
            (last - first + 1).to_string()
        );
        // Still a download: named, sandboxed.
        assert!(part.header("content-disposition").starts_with("attachment"));
    }
    let past = app
        .get_with(&url, ("range", &format!("bytes={total}-")))
        .await;
    assert_eq!(past.status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(past.header("content-range"), format!("bytes */{total}"));
    assert!(past.bytes.is_empty());
    // Several ranges, or another unit: the whole file, as the RFC allows.
    for ignored in ["bytes=0-1,4-5", "pages=1-2", "bytes=x-"] {
        let got = app.get_with(&url, ("range", ignored)).await;
        assert_eq!(
            (got.status, got.bytes.len()),
            (StatusCode::OK, total),
            "{ignored}"
        );
    }
    // If-Range with another validator: the whole file; with this one, the part.
    let request = |if_range: &str| {
        axum::http::Request::get(&url)
            .header("range", "bytes=0-8")
            .header("if-range", if_range)
            .body(axum::body::Body::empty())
            .expect("request")
    };
    let stale = app.send(request("\"something-else\"")).await;
    assert_eq!((stale.status, stale.bytes.len()), (StatusCode::OK, total));
    let fresh = app.send(request(&etag)).await;
    assert_eq!(fresh.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(fresh.bytes, pdf[..9]);
}

#[tokio::test]
async fn the_admin_library_uploads_by_form_and_by_script_with_csrf() {
    let app = TestApp::new().await;
    let (_, email) = app
        .writer(Role::Author, "Ada Author", "a long passphrase here")
        .await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&email, "a long passphrase here").await;
    let library = browser.get("/admin/media").await;
    assert_eq!(library.status, StatusCode::OK, "{}", library.body);
    let csrf = Browser::csrf_of(&library);
    let image = png(800, 600);

    // Without the session's token nothing is stored.
    let forged = browser
        .post_multipart(
            "/admin/media",
            &[("csrf", "forged")],
            Some(("a.png", &image)),
            None,
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(app.stored_files().await.is_empty());

    // A plain form post (JavaScript off) lands back on the library.
    let posted = browser
        .post_multipart(
            "/admin/media",
            &[("csrf", &csrf), ("alt", "Chart")],
            Some(("chart.png", &image)),
            None,
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    assert_eq!(posted.header("location"), "/admin/media?m=uploaded");
    let library = browser.get("/admin/media?m=uploaded").await;
    assert!(
        library.body.contains("chart.png") && library.body.contains("800 × 600"),
        "{}",
        library.body
    );

    // The editor's script asks for JSON and sends the token in a header.
    let scripted = browser
        .post_multipart(
            "/admin/media",
            &[],
            Some(("other.png", &png(400, 300))),
            Some(&csrf),
        )
        .await;
    assert_eq!(scripted.status, StatusCode::CREATED, "{}", scripted.body);
    assert!(scripted.json()["markdown"]
        .as_str()
        .expect("markdown")
        .starts_with("![]("));

    // A refused file says why, as JSON for the script and on the page for a form.
    let cut = png(300, 200)[..200].to_vec();
    let refused = browser
        .post_multipart("/admin/media", &[], Some(("x.png", &cut)), Some(&csrf))
        .await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.body);
    assert!(refused.json()["error"]["message"]
        .as_str()
        .expect("message")
        .contains("could not be read"));
    let refused = browser
        .post_multipart(
            "/admin/media",
            &[("csrf", &csrf)],
            Some(("notes.txt", b"plain words")),
            None,
        )
        .await;
    assert_eq!(refused.status.as_u16(), 415, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("The file was not uploaded: the media library keeps images (JPEG, PNG, GIF, WebP) and downloads"),
        "{}",
        refused.body
    );

    // A download through the form: its card names its type where an image has a
    // thumbnail, and its link saves the file rather than opening a tab.
    let posted = browser
        .post_multipart(
            "/admin/media",
            &[("csrf", &csrf)],
            Some(("Harbour map.pdf", b"%PDF-1.4\n%%EOF\n")),
            None,
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let library = browser.get("/admin/media?m=uploaded").await;
    let card = library
        .body
        .split("<li class=\"media-card\">")
        .find(|card| card.contains("Harbour map.pdf"))
        .unwrap_or_else(|| panic!("no card for the PDF:\n{}", library.body));
    assert!(
        card.contains("<span class=\"media-file-type\">PDF</span>") && !card.contains("<img"),
        "{card}"
    );
    assert!(
        card.contains("(download)") && !card.contains("target=\"_blank\""),
        "{card}"
    );
    assert!(card.contains("[Harbour map.pdf](/media/"), "{card}");

    // The editor offers the library's images, and the download as a link only.
    let editor = browser.get("/admin/posts/new").await;
    assert!(
        editor.body.contains("chart.png"),
        "the editor lists library images"
    );
    let pick = editor
        .body
        .split("<li class=\"media-pick\"")
        .find(|pick| pick.contains("Harbour map.pdf"))
        .unwrap_or_else(|| panic!("the editor does not list the PDF:\n{}", editor.body));
    assert!(
        pick.contains("media-pick-file") && !pick.contains("data-media-feature"),
        "a download is no feature image: {pick}"
    );
}

/// A download (here a PDF and an MP3) is kept byte for byte, linked to from Markdown,
/// served as an attachment under a safe form of its name, and deleted with its file.
/// A page that calls itself a PDF is still refused: the bytes decide.
#[tokio::test]
async fn a_download_is_kept_as_it_is_and_served_as_an_attachment() {
    let app = TestApp::new().await;
    let pdf = [b"%PDF-1.7\n".as_slice(), &[0u8, 1, 2, 255], b"\n%%EOF\n"].concat();
    let reply = app
        .upload(&app.owner, "Ferry [times] 2024.PDF", &pdf, "")
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let media = reply.json();
    let url = media["url"].as_str().expect("url").to_owned();
    assert!(url.ends_with("-ferry-times-2024.pdf"), "{url}");
    assert_eq!(media["kind"], "file");
    assert_eq!(media["mime"], "application/pdf");
    assert_eq!(
        (media["width"].as_u64(), media["height"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(media["srcset"], "");
    assert!(media["webp_srcset"].is_null());
    assert_eq!(media["renditions"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        media["markdown"],
        format!("[Ferry \\[times\\] 2024.PDF]({url})")
    );

    let again = app
        .upload(&app.owner, "Ferry [times] 2024.PDF", &pdf, "")
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.json()["id"], media["id"]);

    let served = app.get(&url).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.bytes.as_ref(), pdf.as_slice());
    assert_eq!(served.header("content-length"), pdf.len().to_string());
    assert_eq!(served.header("content-type"), "application/pdf");
    assert_eq!(
        served.header("content-disposition"),
        "attachment; filename=\"ferry-times-2024.pdf\""
    );
    assert!(served
        .header("content-security-policy")
        .starts_with("sandbox"));

    // In a post, a download is a link; it is never turned into an image.
    let post = app
        .api(
            Method::POST,
            "/api/v1/admin/posts",
            Some(&app.owner),
            Some(
                json!({"title": "Timetable", "markdown": media["markdown"], "status": "published"}),
            ),
        )
        .await;
    assert_eq!(post.status, StatusCode::CREATED, "{}", post.body);
    let page = app.get(&path_of(&post.json()["url"])).await.body;
    assert!(
        page.contains(&format!(
            "<a href=\"{url}\" rel=\"noopener noreferrer\">Ferry [times] 2024.PDF</a>"
        )),
        "{page}"
    );
    assert!(!page.contains("<img"), "{page}");

    let mp3 = [b"ID3\x04\0\0\0\0\0\0".as_slice(), &[0xFF, 0xFB, 0x90, 0x64]].concat();
    let audio = app
        .upload(&app.owner, "episode-1.mp3", &mp3, "Episode one")
        .await;
    assert_eq!(audio.status, StatusCode::CREATED, "{}", audio.body);
    assert_eq!(audio.json()["mime"], "audio/mpeg");
    assert!(audio.json()["markdown"]
        .as_str()
        .is_some_and(|m| m.starts_with("[Episode one](/media/") && m.ends_with("-episode-1.mp3)")));

    let disguised = app
        .upload(
            &app.owner,
            "invoice.pdf",
            b"<!DOCTYPE html><script>alert(1)</script>",
            "",
        )
        .await;
    assert_eq!(disguised.status.as_u16(), 415, "{}", disguised.body);

    let id = media["id"].as_i64().expect("id");
    let deleted = app
        .api(
            Method::DELETE,
            &format!("/api/v1/admin/media/{id}"),
            Some(&app.owner),
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    assert_eq!(app.get(&url).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.stored_files().await.len(), 1, "only the MP3 is left");
}

/// `folio media move`: every file the library names reaches the new store byte for
/// byte; a second run copies nothing; a run that stopped half-way (here: a file taken
/// away from the new store) is finished by running again; a file the old store lost is
/// reported, not invented. Under `FOLIO_TEST_MEDIA=s3` this moves from a bucket to a
/// folder; otherwise from a folder to another.
#[tokio::test]
async fn the_library_moves_to_another_store_and_a_second_run_finishes_the_first() {
    let app = TestApp::new().await;
    let image = app
        .upload(&app.owner, "a.png", &png(1000, 600), "")
        .await
        .json();
    let pdf = app
        .upload(&app.owner, "notes.pdf", b"%PDF-1.4\n%%EOF\n", "")
        .await
        .json();
    let dir = tempfile::tempdir().expect("tempdir");
    let to = folio_media::LocalStore::new(dir.path().join("moved"));
    let from = app.state.media().files().clone();
    let mut no_progress = |_: usize, _: usize| {};

    let first =
        folio_app::media::copy_library(app.state.store(), from.as_ref(), &to, &mut no_progress)
            .await
            .expect("copies");
    let names = app.stored_files().await;
    assert_eq!(
        (first.copied, first.already_there, first.complete()),
        (names.len(), 0, true),
        "{first}"
    );
    for name in &names {
        let key = folio_media::MediaKey::parse(name).expect("a key");
        assert_eq!(
            to.get(&key).await.expect("read"),
            from.get(&key).await.expect("read"),
            "{name}"
        );
    }

    let again =
        folio_app::media::copy_library(app.state.store(), from.as_ref(), &to, &mut no_progress)
            .await
            .expect("copies");
    assert_eq!(
        (again.copied, again.already_there),
        (0, names.len()),
        "{again}"
    );

    // A run that stopped before the PDF: the next one copies just that.
    let pdf_key = folio_media::MediaKey::parse(&path_of_media(&pdf["url"])).expect("a key");
    to.delete(&pdf_key).await.expect("delete");
    let resumed =
        folio_app::media::copy_library(app.state.store(), from.as_ref(), &to, &mut no_progress)
            .await
            .expect("copies");
    assert_eq!(
        (resumed.copied, resumed.already_there),
        (1, names.len() - 1),
        "{resumed}"
    );

    // A file the old store lost is named in the report; the rest still moves.
    let lost = folio_media::MediaKey::parse(&path_of_media(&image["url"])).expect("a key");
    from.delete(&lost).await.expect("delete");
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let fresh = folio_media::LocalStore::new(elsewhere.path().to_path_buf());
    let partial =
        folio_app::media::copy_library(app.state.store(), from.as_ref(), &fresh, &mut no_progress)
            .await
            .expect("copies");
    assert_eq!(partial.missing, vec![lost.to_string()], "{partial}");
    assert!(!partial.complete());
    assert_eq!(partial.copied, names.len() - 1, "{partial}");
    assert!(
        partial.to_string().contains("1 missing from the old store"),
        "{partial}"
    );
}
