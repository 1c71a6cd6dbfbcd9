//! `TestApp`: a fresh database in a temporary folder, the app's router, and users with
//! API tokens for each role.

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use folio_core::{Email, PersonName, Role};
use folio_store::testing::TestDatabase;
use folio_store::NewUser;
use folio_web::{AppState, Application, Migrations, WebConfig};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub const BASE: &str = "https://blog.example";

/// The address tests connect from unless they say otherwise: this machine.
pub fn loopback() -> std::net::SocketAddr {
    std::net::SocketAddr::from(([127, 0, 0, 1], 40000))
}

/// The configuration of a test site on `database_url` with its data in `dir`, read
/// the way `folio serve` reads its environment. With `FOLIO_TEST_MEDIA=s3` its media
/// library is a folder of its own in the test bucket (`FOLIO_TEST_S3_*`, which
/// `scripts/services` exports) instead of the data folder.
pub fn config_for(database_url: &str, dir: &std::path::Path) -> folio_app::Config {
    let mut env: Vec<(String, String)> = [
        ("FOLIO_DATABASE_URL", database_url),
        ("FOLIO_DATA_DIR", &dir.display().to_string()),
        ("FOLIO_BASE_URL", BASE),
        ("FOLIO_PAGE_CACHE_MB", "8"),
        ("FOLIO_MEDIA_MAX_MB", "10"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    if std::env::var("FOLIO_TEST_MEDIA").as_deref() == Ok("s3") {
        env.extend(test_bucket_settings());
    }
    folio_app::Config::from_sources(None, env)
        .expect("the test configuration is valid")
        .config
}

/// `FOLIO_MEDIA_URL` and its settings for a new folder in the test bucket: named after
/// this process and the time, so neither concurrent tests nor earlier runs share it.
pub fn test_bucket_settings() -> Vec<(String, String)> {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!("FOLIO_TEST_MEDIA=s3 needs {name}: run `eval \"$(scripts/services start)\"`")
        })
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let folder = format!(
        "t{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    vec![
        (
            "FOLIO_MEDIA_URL".into(),
            format!("s3://{}/{folder}", var("FOLIO_TEST_S3_BUCKET")),
        ),
        (
            "FOLIO_MEDIA_S3_ENDPOINT".into(),
            var("FOLIO_TEST_S3_ENDPOINT"),
        ),
        ("FOLIO_MEDIA_S3_REGION".into(), var("FOLIO_TEST_S3_REGION")),
        (
            "FOLIO_MEDIA_S3_ACCESS_KEY_ID".into(),
            var("FOLIO_TEST_S3_ACCESS_KEY_ID"),
        ),
        (
            "FOLIO_MEDIA_S3_SECRET_ACCESS_KEY".into(),
            var("FOLIO_TEST_S3_SECRET_ACCESS_KEY"),
        ),
    ]
}

/// The web layer's share of a test site's configuration, for a test that assembles
/// the state itself.
pub fn config_in(dir: &tempfile::TempDir) -> WebConfig {
    WebConfig::from(&config_for("sqlite://unused", dir.path()))
}

/// A PNG with smooth gradients (so it compresses like a picture, not like noise).
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 128])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("encode png");
    out.into_inner()
}

/// A `multipart/form-data` body: text fields, then a file part named `file`.
/// Returns the content type (with its boundary) and the body.
pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "folio-test-boundary-7d1c";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    if let Some((file_name, bytes)) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: image/png\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub struct TestApp {
    pub state: AppState,
    pub router: axum::Router,
    pub owner: String,
    pub owner_id: i64,
    /// What it was built from; its replicas share it (the database, the media library).
    pub config: folio_app::Config,
    /// Dropped after `state` (fields drop in order): the pool goes before its database.
    /// Shared with the replicas made by [`TestApp::replica`].
    db: std::sync::Arc<TestDatabase>,
    dir: std::sync::Arc<tempfile::TempDir>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    /// The body as sent, for binary responses.
    pub bytes: bytes::Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

impl TestApp {
    pub async fn new() -> TestApp {
        TestApp::with_config(|_| {}).await
    }

    /// An app on a fresh database with no user at all (first run).
    pub async fn empty() -> TestApp {
        TestApp::build(|_| {}).await
    }

    /// An app like [`TestApp::new`] with Redis behind its page cache.
    pub async fn with_shared(redis_url: &str) -> TestApp {
        let app = TestApp::new().await;
        app.replica(Some(redis_url)).await
    }

    /// Another process of the same site: its own state and caches, the same database
    /// (and owner token), and Redis behind its page cache when `redis_url` is given.
    pub async fn replica(&self, redis_url: Option<&str>) -> TestApp {
        self.process(|config| config.redis_url = redis_url.map(str::to_owned))
            .await
            .expect("the replica starts")
    }

    /// Another process of the same site, its configuration adjusted first; the error
    /// is start-up's.
    pub async fn process(
        &self,
        adjust: impl FnOnce(&mut folio_app::Config),
    ) -> anyhow::Result<TestApp> {
        let mut config = self.config.clone();
        adjust(&mut config);
        let application = Application::build(&config, Migrations::Skip).await?;
        Ok(TestApp {
            owner: self.owner.clone(),
            owner_id: self.owner_id,
            ..TestApp::of(application, config, self.db.clone(), self.dir.clone())
        })
    }

    /// An app like [`TestApp::new`], its configuration adjusted first.
    pub async fn with_config(adjust: impl FnOnce(&mut folio_app::Config)) -> TestApp {
        let mut app = TestApp::build(adjust).await;
        app.make_owner().await;
        app
    }

    /// A fresh database and data folder, and the application `folio serve` would build
    /// on them (migrations applied), with no user yet.
    async fn build(adjust: impl FnOnce(&mut folio_app::Config)) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = TestDatabase::create(dir.path()).await;
        let mut config = config_for(&db.url, dir.path());
        adjust(&mut config);
        let application = Application::build(&config, Migrations::Apply)
            .await
            .expect("the application starts");
        TestApp::of(application, config, db.into(), dir.into())
    }

    fn of(
        application: Application,
        config: folio_app::Config,
        db: std::sync::Arc<TestDatabase>,
        dir: std::sync::Arc<tempfile::TempDir>,
    ) -> TestApp {
        TestApp {
            state: application.state().clone(),
            router: application
                .router()
                .layer(axum::extract::connect_info::MockConnectInfo(loopback())),
            owner: String::new(),
            owner_id: 0,
            config,
            db,
            dir,
        }
    }

    async fn make_owner(&mut self) {
        let (id, token) = self.user(Role::Owner, "Olive Owner").await;
        self.owner = token;
        self.owner_id = id;
    }

    /// The URL of this app's database, for a test that reaches under the store.
    pub fn database_url(&self) -> &str {
        &self.db.url
    }

    /// The URL of the same database on the server's read replica (`None` on SQLite).
    pub fn replica_database_url(&self) -> Option<String> {
        self.db.replica_url()
    }

    /// An app from a state a test assembled itself, with its owner made.
    pub async fn from_parts(state: AppState, db: TestDatabase, dir: tempfile::TempDir) -> TestApp {
        let config = config_for(&db.url, dir.path());
        let mut app = TestApp::of(
            Application::from_state(state),
            config,
            db.into(),
            dir.into(),
        );
        app.make_owner().await;
        app
    }

    /// Creates a user who can sign in with `password`; returns the id and the email.
    pub async fn writer(&self, role: Role, name: &str, password: &str) -> (i64, String) {
        let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
        let user = self
            .state
            .store()
            .create_user(NewUser {
                email: Email::parse(&email).expect("email"),
                name: PersonName::parse(name).expect("name"),
                role,
                bio: String::new(),
                password_hash: Some(folio_store::hash_password(password).expect("hash")),
            })
            .await
            .expect("create user");
        (user.id, email)
    }

    /// Creates a user with `role` and returns its id and a token.
    pub async fn user(&self, role: Role, name: &str) -> (i64, String) {
        let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
        let user = self
            .state
            .store()
            .create_user(NewUser {
                email: Email::parse(&email).expect("email"),
                name: PersonName::parse(name).expect("name"),
                role,
                bio: String::new(),
                password_hash: None,
            })
            .await
            .expect("create user");
        let token = self
            .state
            .store()
            .create_token(user.id, "test")
            .await
            .expect("token");
        (user.id, token)
    }

    /// Serves the app on `listener` (TCP or a Unix socket) until the returned sender
    /// fires; the handle gives the server's outcome.
    pub fn serve(
        &self,
        listener: impl Into<folio_web::Listener> + Send + 'static,
    ) -> (
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<std::io::Result<()>>,
    ) {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(folio_web::serve(listener, self.state.clone(), async {
            let _ = stopped.await;
        }));
        (stop, server)
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        self.send_with(self.router.clone(), request).await
    }

    /// Sends a request as if from another address.
    pub async fn send_from(&self, peer: std::net::SocketAddr, request: Request<Body>) -> Reply {
        let router = folio_web::router(self.state.clone())
            .layer(axum::extract::connect_info::MockConnectInfo(peer));
        self.send_with(router, request).await
    }

    async fn send_with(&self, router: axum::Router, request: Request<Body>) -> Reply {
        let response = router.oneshot(request).await.expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        }
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.send(Request::get(uri).body(Body::empty()).expect("request"))
            .await
    }

    pub async fn get_with(&self, uri: &str, header: (&str, &str)) -> Reply {
        self.send(
            Request::get(uri)
                .header(header.0, header.1)
                .body(Body::empty())
                .expect("request"),
        )
        .await
    }

    pub async fn api(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut builder = Request::builder().method(method).uri(uri);
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        let body = match body {
            Some(json) => {
                builder = builder.header("content-type", "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        self.send(builder.body(body).expect("request")).await
    }

    /// Uploads a file through the API as the holder of `token`.
    pub async fn upload(&self, token: &str, file_name: &str, bytes: &[u8], alt: &str) -> Reply {
        let (content_type, body) = multipart(&[("alt", alt)], Some((file_name, bytes)));
        let request = Request::post("/api/v1/admin/media")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", content_type)
            .body(Body::from(body))
            .expect("request");
        self.send(request).await
    }

    /// The folder uploads are stored in.
    /// Every file in the media store (the folder, or the bucket under
    /// `FOLIO_TEST_MEDIA=s3`), as sorted keys.
    pub async fn stored_files(&self) -> Vec<String> {
        let mut keys: Vec<String> = self
            .state
            .media()
            .files()
            .list()
            .await
            .expect("listing the media store")
            .into_iter()
            .map(String::from)
            .collect();
        keys.sort();
        keys
    }

    pub fn media_dir(&self) -> std::path::PathBuf {
        self.state.config().media_dir.clone()
    }

    /// Creates a post as the owner and returns its JSON.
    pub async fn post(&self, body: Value) -> Value {
        let reply = self
            .api(
                Method::POST,
                "/api/v1/admin/posts",
                Some(&self.owner),
                Some(body),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.json()
    }

    pub async fn publish(&self, title: &str, markdown: &str, tags: &[&str]) -> Value {
        self.post(serde_json::json!({"title": title, "markdown": markdown, "tags": tags, "status": "published"})).await
    }

    pub async fn patch(&self, id: i64, body: Value) -> Reply {
        self.api(
            Method::PATCH,
            &format!("/api/v1/admin/posts/{id}"),
            Some(&self.owner),
            Some(body),
        )
        .await
    }
}

/// The site path of an absolute URL of the test site.
pub fn path_of(url: &Value) -> String {
    url.as_str()
        .expect("url string")
        .strip_prefix(BASE)
        .expect("url on the test site")
        .to_owned()
}
