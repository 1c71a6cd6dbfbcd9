//! The store's own rules, without HTTP: each test on a fresh database of the run's
//! backend (`FOLIO_TEST_BACKEND`: SQLite by default; `scripts/test` runs these on
//! MariaDB and PostgreSQL too).

use chrono::{Duration, Utc};
use folio_core::{Email, PersonName, PostKind, PostStatus, PostTitle, Role, Slug};
use folio_store::testing::TestDatabase;
use folio_store::{CacheTag, NewUser, PostInput, SettingsPatch, Store, StoreError};

struct Site {
    store: Store,
    author: i64,
    _db: TestDatabase,
    _dir: tempfile::TempDir,
}

async fn site() -> Site {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = TestDatabase::create(dir.path()).await;
    let store = Store::connect(&db.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let author = store
        .create_user(user("ann@example.com"))
        .await
        .expect("user")
        .id;
    Site {
        store,
        author,
        _db: db,
        _dir: dir,
    }
}

fn user(email: &str) -> NewUser {
    NewUser {
        email: Email::parse(email).expect("email"),
        name: PersonName::parse("Ann Author").expect("name"),
        role: Role::Author,
        bio: String::new(),
        password_hash: None,
    }
}

fn post(author: i64, title: &str, status: PostStatus, slug: Option<&str>) -> PostInput {
    PostInput {
        kind: PostKind::Post,
        title: PostTitle::parse(title).expect("title"),
        slug: slug.map(|s| Slug::parse(s).expect("slug")),
        markdown: format!("About {title}."),
        custom_excerpt: String::new(),
        feature_image: None,
        feature_image_alt: String::new(),
        status,
        published_at: match status {
            PostStatus::Draft => None,
            PostStatus::Published => Some(Utc::now() - Duration::minutes(1)),
            PostStatus::Scheduled => Some(Utc::now() + Duration::hours(1)),
        },
        tags: Vec::new(),
        seo_title: String::new(),
        seo_description: String::new(),
        canonical_url: String::new(),
        author_id: author,
        saved_by: Some(author),
        revision_note: String::new(),
    }
}

#[tokio::test]
async fn a_taken_email_is_a_conflict_on_its_field_from_the_databases_own_key() {
    let site = site().await;
    // No check before the insert: the unique key itself refuses it, on every engine.
    let again = site.store.create_user(user("ann@example.com")).await;
    assert!(
        matches!(again, Err(StoreError::Conflict { field: "email" })),
        "{again:?}"
    );
    assert_eq!(site.store.count_users().await.expect("count"), 1);
}

#[tokio::test]
async fn racing_saves_of_one_explicit_slug_give_one_post_and_one_conflict() {
    let site = site().await;
    let (a, b) = tokio::join!(
        site.store
            .create_post(post(site.author, "First", PostStatus::Draft, Some("same"))),
        site.store
            .create_post(post(site.author, "Second", PostStatus::Draft, Some("same"))),
    );
    let outcomes = [a.is_ok(), b.is_ok()];
    assert_eq!(outcomes.iter().filter(|ok| **ok).count(), 1, "{a:?} {b:?}");
    let err = a.err().or(b.err()).expect("one refused");
    assert!(
        matches!(err, StoreError::Conflict { field: "slug" }),
        "{err:?}"
    );
}

#[tokio::test]
async fn every_public_write_moves_the_generation_and_a_draft_does_not_show() {
    let site = site().await;
    let before = site.store.generation();
    let draft = site
        .store
        .create_post(post(site.author, "Draft", PostStatus::Draft, None))
        .await
        .expect("draft");
    assert!(site
        .store
        .public_post_by_slug(&draft.summary.slug)
        .await
        .is_err_and(|e| matches!(e, StoreError::NotFound)));
    let public = site
        .store
        .create_post(post(site.author, "Public", PostStatus::Published, None))
        .await
        .expect("public");
    assert!(site.store.generation() > before);
    let after_publish = site.store.generation();
    site.store
        .delete_post(public.summary.id)
        .await
        .expect("delete");
    assert!(site.store.generation() > after_publish);
}

#[tokio::test]
async fn writes_purge_what_they_changed_and_other_processes_learn_it() {
    let site = site().await;
    // Another process on the same database (a replica), which learns of writes only by
    // reading the generation and its purges.
    let replica = Store::connect(&site._db.url).await.expect("connect");
    replica.refresh_generation().await.expect("refresh");
    let alpha = site
        .store
        .create_post(post(site.author, "Alpha", PostStatus::Published, None))
        .await
        .expect("alpha");
    let beta = site
        .store
        .create_post(post(site.author, "Beta", PostStatus::Published, None))
        .await
        .expect("beta");
    let (a, b) = (alpha.summary.id, beta.summary.id);
    let rendered_at = replica.refresh_generation().await.expect("refresh");
    assert_eq!(rendered_at, site.store.generation());
    let alpha_page = [CacheTag::Post(a), CacheTag::Author(site.author)];
    let beta_page = [CacheTag::Post(b), CacheTag::Author(site.author)];
    for store in [&site.store, &replica] {
        assert!(store.is_fresh(rendered_at, &alpha_page));
        assert!(store.is_fresh(rendered_at, &[CacheTag::Posts]));
    }

    let edit = post(site.author, "Alpha edited", PostStatus::Published, None);
    site.store.update_post(a, edit).await.expect("edit");
    assert!(
        !site.store.is_fresh(rendered_at, &alpha_page),
        "the writer knows at once"
    );
    assert!(
        replica.is_fresh(rendered_at, &alpha_page),
        "the replica has not read it yet"
    );
    let seen = replica.refresh_generation().await.expect("refresh");
    for store in [&site.store, &replica] {
        assert!(!store.is_fresh(rendered_at, &alpha_page));
        assert!(!store.is_fresh(rendered_at, &[CacheTag::Posts]));
        assert!(
            store.is_fresh(rendered_at, &beta_page),
            "Beta's page is untouched"
        );
        assert!(
            store.is_fresh(seen, &alpha_page),
            "a render after the edit is fresh"
        );
    }

    // A draft changes no page a reader sees.
    site.store
        .create_post(post(site.author, "Draft", PostStatus::Draft, None))
        .await
        .expect("draft");
    let after_draft = replica.refresh_generation().await.expect("refresh");
    assert!(after_draft > seen, "the generation still moves");
    assert!(
        replica.is_fresh(seen, &[CacheTag::Posts]),
        "but a draft purges nothing"
    );

    // Settings purge the whole site: every page.
    site.store
        .update_settings(SettingsPatch {
            title: Some("Retitled".into()),
            ..Default::default()
        })
        .await
        .expect("settings");
    replica.refresh_generation().await.expect("refresh");
    assert!(!replica.is_fresh(after_draft, &beta_page));
    assert!(!replica.is_fresh(after_draft, &[]));
}

#[tokio::test]
async fn listings_page_through_every_post_once_by_keyset() {
    let site = site().await;
    for i in 0..7 {
        site.store
            .create_post(post(
                site.author,
                &format!("Post {i}"),
                PostStatus::Published,
                None,
            ))
            .await
            .expect("post");
    }
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = site.store.list_home(after, 3).await.expect("page");
        assert!(page.posts.len() <= 3);
        seen.extend(page.posts.iter().map(|p| p.id));
        match page.next {
            Some(cursor) => after = Some(cursor),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(seen.len(), 7, "{seen:?}");
    assert_eq!(unique.len(), 7, "no post twice: {seen:?}");
}

#[tokio::test]
async fn a_scheduled_post_is_published_once_however_many_ask() {
    let site = site().await;
    let mut due = post(site.author, "Due", PostStatus::Scheduled, None);
    due.published_at = Some(Utc::now() + Duration::seconds(1));
    let id = site
        .store
        .create_post(due)
        .await
        .expect("scheduled")
        .summary
        .id;
    let at = Utc::now() + Duration::seconds(2);
    let (a, b) = tokio::join!(
        site.store.publish_due_posts(at),
        site.store.publish_due_posts(at)
    );
    let published: Vec<i64> = [a.expect("a"), b.expect("b")].concat();
    assert_eq!(published, vec![id], "published exactly once");
    let stored = site.store.post_by_id(id).await.expect("post");
    assert_eq!(stored.summary.status, PostStatus::Published);
}

#[tokio::test]
async fn one_holder_at_a_time_has_a_lease_until_it_expires() {
    let site = site().await;
    let ttl = Duration::milliseconds(300);
    assert!(site.store.acquire_lease("job", "a", ttl).await.expect("a"));
    assert!(!site.store.acquire_lease("job", "b", ttl).await.expect("b"));
    assert!(
        site.store
            .acquire_lease("job", "a", ttl)
            .await
            .expect("renew"),
        "the holder renews it"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !site.store.acquire_lease("job", "b", ttl).await.expect("b") {
        assert!(
            std::time::Instant::now() < deadline,
            "b never took over the expired lease"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(!site.store.acquire_lease("job", "a", ttl).await.expect("a"));
}
