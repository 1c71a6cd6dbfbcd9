//! The shared tier on a real Redis: pages rendered by one replica served by another,
//! edits announced to every replica at once, and a Redis that stops, hangs or comes
//! back never turning into an error for a reader.
//!
//! Uses the Redis of `FOLIO_TEST_REDIS_URL` (`scripts/services start`), or without it a
//! `redis-server` this test process starts; sites never share keys (each has its own
//! random site id in its keys), so tests can share one Redis. The outage tests stop
//! and hang a `redis-server` of their own.

use crate::helpers::TestApp;
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The Redis a test uses: the shared one, or a server of the test's own, stopped when
/// this is dropped.
struct TestRedis {
    url: String,
    _own: Option<OwnRedis>,
}

impl TestRedis {
    fn get() -> TestRedis {
        match std::env::var("FOLIO_TEST_REDIS_URL") {
            Ok(url) => TestRedis { url, _own: None },
            Err(_) => {
                let own = OwnRedis::start();
                TestRedis {
                    url: own.url(),
                    _own: Some(own),
                }
            }
        }
    }
}

/// The port of a `redis://host:port` URL.
fn port_of(url: &str) -> String {
    url.rsplit(':')
        .next()
        .unwrap_or("6379")
        .trim_end_matches('/')
        .to_owned()
}

/// `redis-cli` against the Redis of `url`.
fn redis_cli(url: &str, args: &[&str]) -> String {
    Command::new("redis-cli")
        .args(["-p", &port_of(url)])
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// Waits until a copy of one of `app`'s pages is in Redis (they are written in the
/// background).
async fn page_stored(app: &TestApp, url: &str) -> bool {
    let site = app.state.store().site_id().await.expect("site id");
    let pattern = format!("folio:{site}:pages:*");
    within(Duration::from_secs(2), async || {
        !redis_cli(url, &["--scan", "--pattern", &pattern]).is_empty()
    })
    .await
    .is_some()
}

/// A `redis-server` owned by the test, killed when dropped.
struct OwnRedis {
    port: u16,
    child: Option<Child>,
    /// More arguments for the server, before the others (`--replicaof …`, or a
    /// configuration file).
    extra: Vec<String>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("addr")
        .port()
}

impl OwnRedis {
    fn start() -> OwnRedis {
        OwnRedis::start_with(&[])
    }

    fn start_with(extra: &[&str]) -> OwnRedis {
        let mut redis = OwnRedis {
            port: free_port(),
            child: None,
            extra: extra.iter().map(|a| a.to_string()).collect(),
        };
        redis.resume();
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts the server (again) on the same port and waits until it answers.
    fn resume(&mut self) {
        // A configuration file, when given, must come first.
        let child = Command::new("redis-server")
            .args(&self.extra)
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--enable-debug-command",
                "yes",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server (installed by scripts/services)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.cli(&["ping"]) != "PONG" {
            assert!(
                Instant::now() < deadline,
                "redis-server did not start on port {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().ok();
            child.wait().ok();
        }
    }

    fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output();
        out.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits until every app's shared tier has connected.
async fn connected(apps: &[&TestApp]) {
    let up = within(Duration::from_secs(5), async || {
        apps.iter()
            .all(|app| app.state.cache().shared().is_some_and(|s| s.is_up()))
    })
    .await;
    assert!(up.is_some(), "the shared tier did not connect to Redis");
}

async fn publish(app: &TestApp, title: &str) -> i64 {
    let post = app
        .post(json!({"title": title, "markdown": format!("About {title}."), "status": "published"}))
        .await;
    post["id"].as_i64().expect("id")
}

/// Retitles post `id` through `a`, and checks that `b`'s home page shows the new title
/// within a second.
async fn edit_shows_within_a_second(a: &TestApp, b: &TestApp, id: i64, title: &str) {
    let edit = a
        .api(
            axum::http::Method::PATCH,
            &format!("/api/v1/admin/posts/{id}"),
            Some(&a.owner),
            Some(json!({ "title": title })),
        )
        .await;
    assert_eq!(edit.status, 200, "{}", edit.body);
    let fresh = within(Duration::from_secs(1), async || {
        b.get("/").await.body.contains(title)
    })
    .await;
    assert!(
        fresh.is_some(),
        "replica B still served the old title a second after the edit"
    );
}

/// Waits up to `limit` for `cond`, polling; returns how long it took.
async fn within(limit: Duration, mut cond: impl AsyncFnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond().await {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

#[tokio::test]
async fn a_page_rendered_by_one_replica_is_served_by_the_others_from_redis() {
    let redis = TestRedis::get();
    let a = TestApp::with_shared(&redis.url).await;
    publish(&a, "Shared pages").await;
    let b = a.replica(Some(&redis.url)).await;
    connected(&[&a, &b]).await;
    let first = a.get("/shared-pages/").await;
    assert_eq!(first.header("x-folio-cache"), "miss");
    // The copy for Redis is written in the background: wait until it is there.
    assert!(
        page_stored(&a, &redis.url).await,
        "replica A did not store the page in Redis"
    );
    assert_eq!(
        b.get("/shared-pages/").await.header("x-folio-cache"),
        "shared",
        "B got A's page from Redis"
    );
    let again = b.get("/shared-pages/").await;
    assert_eq!(
        again.header("x-folio-cache"),
        "hit",
        "then from its own memory"
    );
    assert_eq!(again.body, first.body);
    assert_eq!(
        again.header("etag"),
        first.header("etag"),
        "the same validator on every replica"
    );
}

#[tokio::test]
async fn sites_sharing_a_redis_never_see_each_others_pages() {
    let redis = TestRedis::get();
    let url = redis.url.clone();
    let one = TestApp::with_shared(&url).await;
    let other = TestApp::with_shared(&url).await;
    connected(&[&one, &other]).await;
    publish(&one, "Only here").await;
    publish(&other, "Only there").await;
    // Both sites are at the same generation, so a page key differs only by site.
    assert_eq!(
        one.state.store().generation(),
        other.state.store().generation()
    );
    let page = one.get("/").await;
    assert!(page.body.contains("Only here"));
    assert!(
        page_stored(&one, &url).await,
        "the first site's home page is in Redis"
    );
    let theirs = other.get("/").await;
    assert_eq!(
        theirs.header("x-folio-cache"),
        "miss",
        "same path and generation, other site: not served from Redis"
    );
    assert!(theirs.body.contains("Only there") && !theirs.body.contains("Only here"));
}

#[tokio::test]
async fn an_edit_through_one_replica_is_served_fresh_by_another_within_a_second() {
    let redis = TestRedis::get();
    let a = TestApp::with_shared(&redis.url).await;
    let b = a.replica(Some(&redis.url)).await;
    // Only the announcements run: no database poller, so nothing else can tell B.
    let _sync = (
        folio_web::spawn_generation_sync(&a.state),
        folio_web::spawn_generation_sync(&b.state),
    );
    let id = publish(&a, "First title").await;
    b.state
        .store()
        .refresh_generation()
        .await
        .expect("generation");
    assert!(b.get("/").await.body.contains("First title"));
    assert_eq!(
        b.get("/").await.header("x-folio-cache"),
        "hit",
        "B now holds the home page"
    );
    // Both replicas listen for announcements before the edit is made.
    let site = a.state.store().site_id().await.expect("site id");
    let channel = format!("folio:{site}:generation");
    let listening = within(Duration::from_secs(5), async || {
        redis_cli(&redis.url, &["pubsub", "numsub", &channel]).ends_with('2')
    })
    .await;
    assert!(
        listening.is_some(),
        "the replicas did not subscribe to {channel}"
    );

    edit_shows_within_a_second(&a, &b, id, "Second title").await;
}

#[tokio::test]
async fn an_edit_on_one_replica_leaves_the_other_posts_cached_on_another() {
    let redis = TestRedis::get();
    let a = TestApp::with_shared(&redis.url).await;
    let b = a.replica(Some(&redis.url)).await;
    let one = publish(&a, "One").await;
    publish(&a, "Two").await;
    b.state
        .store()
        .refresh_generation()
        .await
        .expect("generation");
    for p in ["/one/", "/two/"] {
        b.get(p).await;
        assert_eq!(b.get(p).await.header("x-folio-cache"), "hit", "{p}");
    }
    assert_eq!(
        a.patch(one, json!({"title": "One edited"})).await.status,
        200
    );
    // What the poller or an announcement does on B: read the generation and its purges.
    b.state
        .store()
        .refresh_generation()
        .await
        .expect("generation");
    assert_eq!(
        b.get("/two/").await.header("x-folio-cache"),
        "hit",
        "a page the edit did not touch stays cached"
    );
    let edited = b.get("/one/").await;
    assert_eq!(edited.header("x-folio-cache"), "miss");
    assert!(edited.body.contains("One edited"));
}

#[tokio::test]
async fn redis_stopping_hanging_and_returning_never_reaches_readers() {
    let mut redis = OwnRedis::start();
    let a = TestApp::with_shared(&redis.url()).await;
    let b = a.replica(Some(&redis.url())).await;
    publish(&a, "Still here").await;
    b.state
        .store()
        .refresh_generation()
        .await
        .expect("generation"); // no poller runs here
    connected(&[&a, &b]).await;

    // Stopped: every page still answers, rendered or from the process's own memory.
    redis.kill();
    for path in ["/", "/still-here/", "/feed.xml", "/", "/still-here/"] {
        let reply = a.get(path).await;
        assert_eq!(reply.status, 200, "{path} with Redis stopped");
    }
    assert!(a.get("/still-here/").await.body.contains("Still here"));

    // Back: the tier reconnects by itself and pages are shared again.
    redis.resume();
    let mut probe = 0;
    let back = within(Duration::from_secs(10), async || {
        probe += 1;
        let path = format!("/?probe={probe}");
        a.get(&path).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        b.get(&path).await.header("x-folio-cache") == "shared"
    })
    .await;
    assert!(
        back.is_some(),
        "pages were not shared again after Redis came back"
    );

    // Hanging: a Redis that does not answer costs a bounded wait, never an error.
    let sleeper = Command::new("redis-cli")
        .args(["-p", &redis.port.to_string(), "debug", "sleep", "3"])
        .spawn()
        .expect("redis-cli");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let reply = b.get("/?while-redis-sleeps").await;
    assert_eq!(reply.status, 200);
    assert!(reply.body.contains("Still here"));
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "a hung Redis held a reader for {:?}",
        started.elapsed()
    );
    drop(sleeper);
}

/// A Redis master and its replica, with a Sentinel watching them that fails over half a
/// second after the master stops answering; all the test's own, stopped when dropped.
struct OwnSentinel {
    master: OwnRedis,
    replica: OwnRedis,
    sentinel: OwnRedis,
    _dir: tempfile::TempDir,
}

impl OwnSentinel {
    fn start() -> OwnSentinel {
        let master = OwnRedis::start();
        let replica = OwnRedis::start_with(&["--replicaof", "127.0.0.1", &master.port.to_string()]);
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("sentinel.conf");
        std::fs::write(
            &config,
            format!(
                "sentinel monitor folio 127.0.0.1 {} 1\n\
                 sentinel down-after-milliseconds folio 500\n\
                 sentinel failover-timeout folio 2000\n",
                master.port
            ),
        )
        .expect("sentinel.conf");
        let config = config.display().to_string();
        let dir_arg = dir.path().display().to_string();
        // The Sentinel is redis-server in Sentinel mode (Debian's redis-sentinel is the same).
        let sentinel = OwnRedis::start_with(&[&config, "--sentinel", "--dir", &dir_arg]);
        let group = OwnSentinel {
            master,
            replica,
            sentinel,
            _dir: dir,
        };
        let replica_port = group.replica.port.to_string();
        group.until("the replica is in sync and the Sentinel knows it", || {
            group
                .replica
                .cli(&["info", "replication"])
                .contains("master_link_status:up")
                && group
                    .sentinel
                    .cli(&["sentinel", "replicas", "folio"])
                    .contains(&replica_port)
        });
        group
    }

    fn url(&self) -> String {
        format!("redis+sentinel://127.0.0.1:{}/folio", self.sentinel.port)
    }

    /// The port the Sentinel names as the master's.
    fn master_port(&self) -> String {
        self.sentinel
            .cli(&["sentinel", "get-master-addr-by-name", "folio"])
            .lines()
            .last()
            .unwrap_or_default()
            .to_owned()
    }

    fn until(&self, what: &str, mut condition: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !condition() {
            assert!(Instant::now() < deadline, "timed out waiting until {what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[tokio::test]
async fn a_redis_failover_through_sentinel_costs_readers_nothing_and_announcements_follow_the_new_master(
) {
    let mut group = OwnSentinel::start();
    let url = group.url();
    let a = TestApp::with_shared(&url).await;
    let b = a.replica(Some(&url)).await;
    // Only the announcements run: no database poller, so nothing else can tell B.
    let _sync = (
        folio_web::spawn_generation_sync(&a.state),
        folio_web::spawn_generation_sync(&b.state),
    );
    connected(&[&a, &b]).await;
    let id = publish(&a, "First title").await;
    b.state
        .store()
        .refresh_generation()
        .await
        .expect("generation");
    assert!(b.get("/first-title/").await.body.contains("First title"));

    // Readers keep reading from both replicas while the master dies and the Sentinel
    // promotes its replica.
    let failures = std::sync::atomic::AtomicUsize::new(0);
    let served = std::sync::atomic::AtomicUsize::new(0);
    let done = std::sync::atomic::AtomicBool::new(false);
    let readers = async {
        while !done.load(std::sync::atomic::Ordering::Relaxed) {
            for app in [&a, &b] {
                for path in ["/", "/first-title/", "/feed.xml"] {
                    let reply = app.get(path).await;
                    served.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if reply.status != 200 {
                        failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            }
            tokio::task::yield_now().await;
        }
    };
    let replica_port = group.replica.port.to_string();
    let failover = async {
        group.master.kill();
        let moved = within(Duration::from_secs(20), async || {
            group.master_port() == replica_port
        })
        .await;
        // Both processes follow the new master, and listen there again.
        let site = a.state.store().site_id().await.expect("site id");
        let channel = format!("folio:{site}:generation");
        let listening = within(Duration::from_secs(10), async || {
            group
                .replica
                .cli(&["pubsub", "numsub", &channel])
                .ends_with('2')
                && [&a, &b]
                    .iter()
                    .all(|app| app.state.cache().shared().is_some_and(|s| s.is_up()))
        })
        .await;
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        (moved, listening)
    };
    let ((moved, listening), ()) = tokio::join!(failover, readers);
    assert!(moved.is_some(), "the Sentinel did not promote the replica");
    assert!(
        listening.is_some(),
        "the replicas did not subscribe again on the new master"
    );
    let served = served.into_inner();
    assert_eq!(
        failures.into_inner(),
        0,
        "readers saw errors during the failover ({served} requests)"
    );
    assert!(served > 30, "too few reads during the failover: {served}");
    eprintln!(
        "failover: the Sentinel promoted the replica {:?} after the master died; both processes \
         were on it and subscribed {:?} after that; {served} reads, 0 failed",
        moved.unwrap_or_default(),
        listening.unwrap_or_default()
    );

    // Announcements go through the new master: an edit through A shows on B at once.
    edit_shows_within_a_second(&a, &b, id, "Second title").await;
    // And pages are shared through it again.
    assert!(page_stored(&a, &format!("redis://127.0.0.1:{replica_port}")).await);
}

#[tokio::test]
async fn a_sentinel_that_knows_no_such_master_leaves_pages_served_from_memory() {
    let group = OwnSentinel::start();
    let url = format!("redis+sentinel://127.0.0.1:{}/nosuch", group.sentinel.port);
    let a = TestApp::with_shared(&url).await;
    publish(&a, "Still served").await;
    for _ in 0..3 {
        let reply = a.get("/still-served/").await;
        assert_eq!(reply.status, 200);
        assert!(reply.body.contains("Still served"));
    }
    assert!(
        !a.state.cache().shared().is_some_and(|s| s.is_up()),
        "the tier says it is up with no master"
    );
}
