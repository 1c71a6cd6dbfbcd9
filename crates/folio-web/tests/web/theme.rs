//! Theme overrides from FOLIO_THEME_DIR, and broken templates reported with their line.

use crate::helpers::TestApp;
use folio_store::Store;
use folio_web::{AppState, WebConfig};

#[tokio::test]
async fn a_theme_folder_overrides_single_templates() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("templates")).expect("mkdir");
    std::fs::write(
        dir.path().join("templates/post.html"),
        "{% extends \"base.html\" %}{% block content %}<p class=\"custom\">CUSTOM {{ post.title }}</p>{{ post.html }}{% endblock %}",
    )
    .expect("write");
    let path = dir.path().to_owned();
    let app = TestApp::with_config(move |c| c.theme_dir = Some(path)).await;
    app.publish("Themed <b>", "**bold** body", &[]).await;
    let page = app.get("/themed-b/").await;
    assert!(
        page.body
            .contains("<p class=\"custom\">CUSTOM Themed &lt;b&gt;</p>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<strong>bold</strong>"),
        "safe HTML is not escaped"
    );
    assert!(
        app.get("/").await.body.contains("Themed &lt;b&gt;"),
        "other templates still the default"
    );
}

#[tokio::test]
async fn a_broken_template_is_reported_with_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("templates")).expect("mkdir");
    std::fs::write(
        dir.path().join("templates/index.html"),
        "line one\nline two\n{% for x in %}\n",
    )
    .expect("write");
    let db = tempfile::tempdir().expect("tempdir");
    let store = Store::connect(&format!("sqlite://{}", db.path().join("f.db").display()))
        .await
        .expect("connect");
    let config = WebConfig {
        theme_dir: Some(dir.path().to_owned()),
        page_cache_bytes: 0,
        ..crate::helpers::config_in(&db)
    };
    let err = AppState::new(store, config)
        .err()
        .expect("broken theme refused");
    let message = err.to_string();
    assert!(
        message.contains("index.html") && message.contains("line 3"),
        "{message}"
    );
}
