//! `TestApp`: a fresh database in a temporary folder, the app's router, and users with
//! API tokens for each role.

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use folio_core::{Email, PersonName, Role};
use folio_store::testing::TestDatabase;
use folio_store::{NewUser, Store};
use folio_web::{AppState, WebConfig};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub const BASE: &str = "https://blog.example";

/// The address tests connect from unless they say otherwise: this machine.
pub fn loopback() -> std::net::SocketAddr {
    std::net::SocketAddr::from(([127, 0, 0, 1], 40000))
}

/// The test configuration, with media kept in `dir`.
pub fn config_in(dir: &tempfile::TempDir) -> WebConfig {
    WebConfig {
        base_url: BASE.into(),
        theme_dir: None,
        page_cache_bytes: 8 << 20,
        media_dir: dir.path().join("media"),
        media_max_bytes: 10 << 20,
        trusted_proxies: Default::default(),
        read_timeout: folio_web::READ_TIMEOUT,
    }
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
        let dir = tempfile::tempdir().expect("tempdir");
        let db = TestDatabase::create(dir.path()).await;
        let store = Store::connect(&db.url).await.expect("connect");
        store.migrate().await.expect("migrate");
        let state = AppState::new(store, config_in(&dir)).expect("theme loads");
        let router = folio_web::router(state.clone())
            .layer(axum::extract::connect_info::MockConnectInfo(loopback()));
        TestApp {
            state,
            router,
            owner: String::new(),
            owner_id: 0,
            db: db.into(),
            dir: dir.into(),
        }
    }

    /// An app like [`TestApp::new`] with Redis behind its page cache.
    pub async fn with_shared(redis_url: &str) -> TestApp {
        let app = TestApp::new().await;
        app.replica(Some(redis_url)).await
    }

    /// Another process of the same site: its own state and caches, the same database
    /// (and owner token), and Redis behind its page cache when `redis_url` is given.
    pub async fn replica(&self, redis_url: Option<&str>) -> TestApp {
        let store = Store::connect(&self.db.url).await.expect("connect");
        store.refresh_generation().await.expect("generation");
        let shared = match redis_url {
            Some(url) => {
                let site = store.site_id().await.expect("site id");
                Some(folio_web::SharedTier::connect(url, &site).expect("redis url"))
            }
            None => None,
        };
        let state =
            AppState::with_shared(store, config_in(&self.dir), shared).expect("theme loads");
        let router = folio_web::router(state.clone())
            .layer(axum::extract::connect_info::MockConnectInfo(loopback()));
        TestApp {
            state,
            router,
            owner: self.owner.clone(),
            owner_id: self.owner_id,
            db: self.db.clone(),
            dir: self.dir.clone(),
        }
    }

    pub async fn with_config(adjust: impl FnOnce(&mut WebConfig)) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = TestDatabase::create(dir.path()).await;
        let store = Store::connect(&db.url).await.expect("connect");
        store.migrate().await.expect("migrate");
        let mut config = config_in(&dir);
        adjust(&mut config);
        let state = AppState::new(store, config).expect("theme loads");
        let router = folio_web::router(state.clone())
            .layer(axum::extract::connect_info::MockConnectInfo(loopback()));
        TestApp::from_parts(state, router, db, dir).await
    }

    /// The URL of this app's database, for a test that reaches under the store.
    pub fn database_url(&self) -> &str {
        &self.db.url
    }

    /// An app from parts a test assembled itself, with its owner made.
    pub async fn from_parts(
        state: AppState,
        router: axum::Router,
        db: TestDatabase,
        dir: tempfile::TempDir,
    ) -> TestApp {
        let mut app = TestApp {
            state,
            router,
            owner: String::new(),
            owner_id: 0,
            db: db.into(),
            dir: dir.into(),
        };
        let (id, token) = app.user(Role::Owner, "Olive Owner").await;
        app.owner = token;
        app.owner_id = id;
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
