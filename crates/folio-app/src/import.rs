//! Moving a blog in (`folio import wordpress|ghost`).
//!
//! The parsers of `folio-import` turn the export into entries; this module saves them
//! (here, beside the media uploads it shares, so that the CLI and a future admin page
//! run the same code):
//! authors matched by email or created, images and downloads (PDF, audio, archives)
//! copied into the media library from the old site's upload folder, each post in its
//! own transaction with its old URLs, and a report at the end. A second run skips what the first imported, so an interrupted
//! import is finished by running it again. `--dry-run` goes through the same steps
//! without writing.

use crate::posts::{absolute_url, url_or_path, MAX_MARKDOWN_CHARS, MAX_TAGS};
use anyhow::Context;
use folio_core::{Email, PersonName, PostTitle, Role, Slug, TagName};
use folio_import::{Entry, Person, Report, UploadRoot};
use folio_store::{ImportOutcome, ImportedPost, NewUser, PostInput, Store};
use std::collections::{BTreeMap, HashMap};
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Read and convert everything, write nothing, report the same.
    pub dry_run: bool,
    /// A copy of the old site's uploads folder (`wp-content/uploads`, `content/images`).
    pub media_dir: Option<PathBuf>,
    /// Download the uploads posts use from the old site instead (http and https).
    pub fetch_media: bool,
    /// WordPress: categories become tags (else they are left out).
    pub categories_as_tags: bool,
    /// Ghost: the old site's address, for the images that are not copied in.
    pub old_url: Option<String>,
}

/// Told `(done, total)` after each post or page.
pub type OnProgress<'p> = &'p mut (dyn FnMut(usize, usize) + Send);

/// Where the posts go and what has been done so far.
struct Importer<'a, 'p> {
    store: &'a Store,
    /// Whether the database has Folio's tables yet (a dry run does not create them).
    migrated: bool,
    dry_run: bool,
    origin: String,
    /// Author key → Folio user id.
    users: HashMap<String, i64>,
    /// Who gets the posts whose author the export does not have: its first author.
    first_author: Option<i64>,
    media: Option<MediaCopier<'a>>,
    root: UploadRoot,
    /// The old site's address, for uploads named by a path only.
    old_url: String,
    report: Report,
    total: usize,
    done: usize,
    on_progress: OnProgress<'p>,
}

/// Where the old site's uploads are read from.
enum UploadSource {
    /// A copy of its uploads folder.
    Dir(PathBuf),
    /// The old site itself, over HTTP(S).
    Fetch(ureq::Agent),
}

/// How long one download may take, all of it.
const FETCH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Downloads one upload, refusing what is larger than `max` bytes.
fn fetch(agent: &ureq::Agent, url: &str, max: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(format!(
            "{url} is not an http(s) URL (for Ghost, give --old-url)"
        ));
    }
    let response = agent.get(url).call().map_err(|e| format!("{url}: {e}"))?;
    let mut bytes = Vec::new();
    response
        .into_reader()
        .take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{url}: {e}"))?;
    if bytes.len() as u64 > max {
        return Err(format!(
            "{url}: larger than {}",
            folio_media::describe_limit(max)
        ));
    }
    Ok(bytes)
}

/// Copies the old site's uploads into the media library, each once.
struct MediaCopier<'a> {
    source: UploadSource,
    media: &'a crate::media::Media,
    /// Upload path (`2023/05/cat.png`) → its new URL, or why it could not be copied.
    done: BTreeMap<String, Result<String, String>>,
}

/// A line of text cut to fit a field: control characters and newlines become spaces.
fn fit(raw: &str, max_chars: usize) -> (String, bool) {
    let clean: String = raw
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let clean = clean.split_whitespace().collect::<Vec<_>>().join(" ");
    let cut = clean.chars().count() > max_chars;
    (clean.chars().take(max_chars).collect(), cut)
}

impl<'a, 'p> Importer<'a, 'p> {
    async fn new(
        store: &'a Store,
        media: &'a crate::media::Media,
        options: &ImportOptions,
        origin: String,
        root: UploadRoot,
        on_progress: OnProgress<'p>,
    ) -> anyhow::Result<Importer<'a, 'p>> {
        let migrated = store.is_migrated().await.unwrap_or(false);
        anyhow::ensure!(
            migrated || options.dry_run,
            "the database is not migrated (run `folio migrate`)"
        );
        if let Some(url) = &options.old_url {
            anyhow::ensure!(
                url.starts_with("https://") || url.starts_with("http://"),
                "--old-url {url:?}: must start with https:// or http://"
            );
        }
        let source = match (&options.media_dir, options.fetch_media) {
            (Some(_), true) => anyhow::bail!("give --media-dir or --fetch-media, not both"),
            (Some(dir), false) => {
                anyhow::ensure!(dir.is_dir(), "--media-dir {}: not a folder", dir.display());
                Some(UploadSource::Dir(dir.clone()))
            }
            (None, true) => Some(UploadSource::Fetch(
                ureq::AgentBuilder::new()
                    .timeout(FETCH_TIMEOUT)
                    .redirects(5)
                    .build(),
            )),
            (None, false) => None,
        };
        let media = source.map(|source| MediaCopier {
            source,
            media,
            done: BTreeMap::new(),
        });
        Ok(Importer {
            store,
            migrated,
            dry_run: options.dry_run,
            origin,
            users: HashMap::new(),
            first_author: None,
            media,
            root,
            old_url: options.old_url.clone().unwrap_or_default(),
            report: Report {
                dry_run: options.dry_run,
                ..Report::default()
            },
            total: 0,
            done: 0,
            on_progress,
        })
    }

    /// Tags get their old descriptions (those that have none yet).
    async fn describe_tags(&mut self, descriptions: &[(String, String)]) {
        if self.dry_run {
            return;
        }
        for (name, description) in descriptions {
            let slug = Slug::derive(&fit(name, 100).0, "tag");
            if let Err(e) = self
                .store
                .describe_tag(slug.as_str(), &fit(description, 500).0)
                .await
            {
                self.report.warn(
                    format!("tag {name:?}"),
                    format!("its description was not kept: {e}"),
                );
            }
        }
    }

    fn tick(&mut self) {
        self.done += 1;
        (self.on_progress)(self.done, self.total);
    }

    /// Matches each author with a user by email, or creates one (role author, no
    /// password: they sign in once an owner sets one, or by API token).
    async fn people(&mut self, people: &[Person]) -> anyhow::Result<()> {
        for person in people {
            let email = Email::parse(&person.email).or_else(|_| {
                let local = Slug::derive(&person.key, "author");
                Email::parse(&format!("{}@imported.invalid", local.as_str()))
            });
            let Ok(email) = email else { continue };
            if person.email.trim().is_empty() || Email::parse(&person.email).is_err() {
                self.report.warn(
                    format!("author {:?}", person.name),
                    format!("has no usable email; given {}", email.as_str()),
                );
            }
            let found = if self.migrated {
                self.store.user_by_email(&email).await.ok()
            } else {
                None
            };
            let id = match found {
                Some(user) => {
                    self.report.existing("authors");
                    user.id
                }
                None if self.dry_run => {
                    self.report.imported("authors");
                    0
                }
                None => {
                    let (name, _) = fit(&person.name, 100);
                    let name = PersonName::parse(&name)
                        .or_else(|_| PersonName::parse("Author"))
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                    let user = self
                        .store
                        .create_user(NewUser {
                            email,
                            name,
                            role: Role::Author,
                            bio: person.bio.clone(),
                            password_hash: None,
                        })
                        .await
                        .with_context(|| format!("creating the author {:?}", person.name))?;
                    self.report.imported("authors");
                    user.id
                }
            };
            self.users.insert(person.key.clone(), id);
            self.first_author.get_or_insert(id);
        }
        Ok(())
    }

    /// The new URL of an old upload (`path` under the uploads folder, `url` where the old
    /// site served it), copying the file in the first time it is asked for.
    async fn upload(&mut self, path: &str, url: &str, uploaded_by: i64) -> Result<String, String> {
        let Some(copier) = &mut self.media else {
            return Err("neither --media-dir nor --fetch-media given".into());
        };
        if let Some(done) = copier.done.get(path) {
            return done.clone();
        }
        let (read, name) = match &copier.source {
            UploadSource::Dir(dir) => {
                let file = dir.join(path);
                let read = std::fs::read(&file)
                    .map_err(|e| format!("{} could not be read ({e})", file.display()));
                (read, file.display().to_string())
            }
            UploadSource::Fetch(agent) => {
                let (agent, url_owned, max) =
                    (agent.clone(), url.to_owned(), copier.media.max_bytes());
                let read = tokio::task::spawn_blocking(move || fetch(&agent, &url_owned, max))
                    .await
                    .unwrap_or_else(|e| Err(format!("the download stopped: {e}")));
                (read, url.to_owned())
            }
        };
        let file_name = path.rsplit('/').next().unwrap_or(path).to_owned();
        let outcome = match read {
            Err(e) => Err(e),
            Ok(bytes) if self.dry_run || !self.migrated => {
                match folio_media::MediaKind::classify(&bytes, &file_name) {
                    Ok(_) => Ok(format!("/media/{path}")),
                    Err(e) => Err(format!("{name}: {e}")),
                }
            }
            Ok(bytes) => {
                let upload = crate::media::Upload {
                    bytes: bytes.into(),
                    original_name: file_name,
                    alt: String::new(),
                    uploaded_by,
                };
                match copier.media.upload(self.store, upload).await {
                    Ok((entry, _)) => Ok(entry.url),
                    Err(e) => Err(format!("{name}: {e}")),
                }
            }
        };
        match &outcome {
            Ok(url) => {
                self.report.imported("media");
                if !self.dry_run {
                    let old = format!("{}{path}", self.root.marker());
                    match self.store.add_legacy_url(&old, url).await {
                        Ok(true) => self.report.imported("redirects"),
                        Ok(false) => self.report.existing("redirects"),
                        Err(e) => self.report.warn(old, format!("no redirect: {e}")),
                    }
                }
            }
            Err(why) => self.report.skip("media", path.to_owned(), why.clone()),
        }
        if let Some(copier) = &mut self.media {
            copier.done.insert(path.to_owned(), outcome.clone());
        }
        outcome
    }

    /// Points the entry's images and downloads at the media library (when the uploads
    /// are at hand).
    async fn move_images(&mut self, entry: &mut Entry, author: i64) {
        let mut urls = folio_import::upload_urls(&entry.markdown, self.root);
        if let Some(image) = &entry.feature_image {
            if image.contains(self.root.marker()) && !urls.contains(image) {
                urls.push(image.clone());
            }
        }
        if urls.is_empty() {
            return;
        }
        if self.media.is_none() {
            let broken = urls.iter().filter(|u| u.starts_with('/')).count();
            if broken > 0 {
                entry.notes.push(format!("{broken} upload(s) not copied in will not show: import with --media-dir or --fetch-media (or --old-url to keep them on the old site)"));
            }
            if urls.len() > broken {
                entry.notes.push(format!("{} upload(s) still point at the old site (import with --media-dir or --fetch-media to copy them)", urls.len() - broken));
            }
            return;
        }
        let mut replacements = Vec::new();
        for url in urls {
            let Some(path) = self.root.upload_of(&url) else {
                continue;
            };
            // The original, where the old site served it (a resized copy names its host).
            let original = match url.find(self.root.marker()) {
                Some(at) if at > 0 => format!("{}{}{path}", &url[..at], self.root.marker()),
                _ => format!(
                    "{}{}{path}",
                    self.old_url.trim_end_matches('/'),
                    self.root.marker()
                ),
            };
            match self.upload(&path, &original, author).await {
                Ok(new) => {
                    // A resized copy's old URL (`cat-300x200.png`) leads to the image too.
                    let marker = self.root.marker();
                    let own = url
                        .find(marker)
                        .map(|at| url[at..].split(['?', '#']).next().unwrap_or("").to_owned());
                    if let Some(own) = own.filter(|own| *own != format!("{marker}{path}")) {
                        if !self.dry_run
                            && self.store.add_legacy_url(&own, &new).await.unwrap_or(false)
                        {
                            self.report.imported("redirects");
                        }
                    }
                    replacements.push((url, new));
                }
                Err(why) => entry.notes.push(format!("file {path} not copied: {why}")),
            }
        }
        entry.markdown = folio_import::replace_urls(&entry.markdown, &replacements);
        if let Some(image) = &entry.feature_image {
            if let Some((_, new)) = replacements.iter().find(|(old, _)| old == image) {
                entry.feature_image = Some(new.clone());
            }
        }
    }

    /// Saves one entry (or, in a dry run, checks it would be saved).
    async fn save(&mut self, mut entry: Entry) {
        let kind: &'static str = match entry.kind {
            folio_core::PostKind::Post => "posts",
            folio_core::PostKind::Page => "pages",
        };
        let label = format!(
            "{} {} {:?}",
            &kind[..kind.len() - 1],
            entry.source_id,
            entry.title
        );
        self.tick();
        if self.migrated {
            match self
                .store
                .imported_post(&self.origin, &entry.source_id)
                .await
            {
                Ok(Some(_)) => return self.report.existing(kind),
                Ok(None) => {}
                Err(e) => return self.report.failed.push((label, e.to_string())),
            }
        }
        let author = match self
            .users
            .get(&entry.author_key)
            .or(self.first_author.as_ref())
        {
            Some(id) => *id,
            None => {
                return self.report.skip(
                    kind,
                    label,
                    "its author is not in the export, and no other author is",
                )
            }
        };
        if !self.users.contains_key(&entry.author_key) {
            entry.notes.push(format!(
                "author {:?} is not in the export; given to another author",
                entry.author_key
            ));
        }
        self.move_images(&mut entry, author).await;
        let input = match self.input(&mut entry, author) {
            Ok(input) => input,
            Err(why) => return self.report.skip(kind, label, why),
        };
        for name in &entry.unknown_shortcodes {
            *self.report.shortcodes.entry(name.clone()).or_default() += 1;
        }
        for note in std::mem::take(&mut entry.notes) {
            self.report.warn(label.clone(), note);
        }
        if self.dry_run {
            return self.report.imported(kind);
        }
        let post = ImportedPost {
            origin: self.origin.clone(),
            source_id: entry.source_id.clone(),
            input,
            created_at: entry.created_at,
            updated_at: entry.updated_at,
            old_paths: entry.old_paths.clone(),
        };
        match self.store.import_post(&post).await {
            Ok(ImportOutcome::Created { redirects, .. }) => {
                self.report.imported(kind);
                for _ in 0..redirects {
                    self.report.imported("redirects");
                }
            }
            Ok(ImportOutcome::Existing { .. }) => self.report.existing(kind),
            Err(e) => self.report.failed.push((label, e.to_string())),
        }
    }

    /// Folio's checked fields for an entry; what does not fit is fitted and noted.
    fn input(&self, entry: &mut Entry, author: i64) -> Result<PostInput, String> {
        let (title, cut) = fit(&entry.title, 300);
        if cut {
            entry
                .notes
                .push("its title was longer than 300 characters and was cut".into());
        }
        let title = match PostTitle::parse(&title) {
            Ok(title) => title,
            Err(_) => {
                entry
                    .notes
                    .push("it has no title; called “Untitled”".into());
                PostTitle::parse("Untitled").map_err(|e| e.to_string())?
            }
        };
        let slug = match Slug::parse(&entry.slug) {
            Ok(slug) => Some(slug),
            Err(_) if entry.slug.trim().is_empty() => None,
            Err(_) => Some(Slug::derive(&entry.slug, "post")),
        };
        // The same limits as the API's, so that a writer can save an imported post as it is.
        let markdown_chars = entry.markdown.chars().count();
        if markdown_chars > MAX_MARKDOWN_CHARS {
            return Err(format!("its content is {markdown_chars} characters of Markdown; a post holds at most {MAX_MARKDOWN_CHARS}"));
        }
        let mut tags = Vec::new();
        for name in &entry.tags {
            let (name, _) = fit(name, 100);
            match TagName::parse(&name) {
                Ok(_) if tags.len() == MAX_TAGS => {
                    entry.notes.push(format!(
                        "tag {name:?} left out: a post has at most {MAX_TAGS} tags"
                    ));
                }
                Ok(tag) => tags.push(tag),
                Err(e) => entry.notes.push(format!("tag {name:?} left out: {e}")),
            }
        }
        let (seo_title, _) = fit(&entry.seo_title, 300);
        let (seo_description, _) = fit(&entry.seo_description, 500);
        let (custom_excerpt, _) = fit(&entry.custom_excerpt, 1000);
        let canonical_url = match entry.canonical_url.trim() {
            "" => String::new(),
            raw => absolute_url(raw).unwrap_or_else(|_| {
                entry.notes.push(format!(
                    "its canonical URL {raw:?} is not an absolute http(s) URL and was left out"
                ));
                String::new()
            }),
        };
        let feature_image = entry
            .feature_image
            .as_deref()
            .and_then(|raw| match url_or_path(raw) {
                Ok(url) => Some(url),
                Err(_) => {
                    entry.notes.push(format!(
                        "its feature image {raw:?} is not a URL and was left out"
                    ));
                    None
                }
            });
        Ok(PostInput {
            kind: entry.kind,
            title,
            slug,
            markdown: entry.markdown.clone(),
            custom_excerpt,
            feature_image,
            feature_image_alt: fit(&entry.feature_image_alt, 300).0,
            status: entry.status,
            published_at: entry.published_at,
            tags,
            seo_title,
            seo_description,
            canonical_url,
            author_id: author,
            saved_by: None,
            revision_note: "imported".into(),
        })
    }
}

/// `path:line:column` of a byte offset, for parse errors.
fn position(path: &Path, offset: u64) -> String {
    let Ok(bytes) = std::fs::read(path) else {
        return format!("{} (byte {offset})", path.display());
    };
    let upto = &bytes[..usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(bytes.len())];
    let line = upto.iter().filter(|b| **b == b'\n').count() + 1;
    let column = upto.len() - upto.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1) + 1;
    format!("{}:{line}:{column}", path.display())
}

fn open_file(path: &Path) -> anyhow::Result<BufReader<std::fs::File>> {
    let file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(BufReader::with_capacity(256 * 1024, file))
}

/// Imports a WordPress export (WXR) into the store.
pub async fn wordpress(
    store: &Store,
    media: &crate::media::Media,
    file: &Path,
    options: &ImportOptions,
    on_progress: OnProgress<'_>,
) -> anyhow::Result<Report> {
    // First pass: the whole file is read (and checked) before anything is written.
    let site = folio_import::wordpress::Site::scan(open_file(file)?, options.categories_as_tags)
        .map_err(|e| {
            anyhow::anyhow!(
                "{}: {}; nothing was imported",
                position(file, e.offset),
                e.message
            )
        })?;
    let base = [
        &site.channel.base_blog_url,
        &site.channel.base_site_url,
        &site.channel.link,
    ]
    .into_iter()
    .find(|u| !u.is_empty())
    .map_or_else(String::new, |u| u.trim_end_matches('/').to_owned());
    let mut importer = Importer::new(
        store,
        media,
        options,
        format!("wordpress:{base}"),
        UploadRoot::WordPress,
        on_progress,
    )
    .await?;
    if importer.old_url.is_empty() {
        importer.old_url = base.clone();
    }
    tracing::info!(
        file = %file.display(),
        wxr = %site.channel.wxr_version,
        site = %base,
        entries = site.entries,
        authors = site.authors.len(),
        "importing a WordPress export"
    );
    importer.people(&site.people()).await?;
    importer.total = site.entries;
    for (kind, n) in &site.types {
        if !matches!(kind.as_str(), "post" | "page" | "attachment") {
            importer
                .report
                .not_content
                .insert(format!("{kind} item(s)"), *n);
        }
    }
    if site.comments > 0 {
        importer.report.not_content.insert(
            "approved comment(s) (Folio has no comments yet)".into(),
            site.comments,
        );
    }
    // Second pass: one item in memory at a time.
    for record in folio_import::wordpress::Reader::new(open_file(file)?) {
        let record =
            record.map_err(|e| anyhow::anyhow!("{}: {}", position(file, e.offset), e.message))?;
        let folio_import::wordpress::Record::Item(item) = record else {
            continue;
        };
        match site.entry(&item) {
            Ok(Some(entry)) => importer.save(entry).await,
            Ok(None) => {}
            Err(skip) => {
                importer.tick();
                let kind = if item.post_type == "page" {
                    "pages"
                } else {
                    "posts"
                };
                importer.report.skip(kind, skip.what, skip.why);
            }
        }
    }
    importer.describe_tags(&site.tag_descriptions()).await;
    if !importer.dry_run {
        for (old, new) in site.category_paths() {
            match importer.store.add_legacy_url(&old, &new).await {
                Ok(true) => importer.report.imported("redirects"),
                Ok(false) => importer.report.existing("redirects"),
                Err(e) => importer.report.warn(old, format!("no redirect: {e}")),
            }
        }
    }
    Ok(importer.report)
}

/// Imports a Ghost JSON export into the store.
pub async fn ghost(
    store: &Store,
    media: &crate::media::Media,
    file: &Path,
    options: &ImportOptions,
    on_progress: OnProgress<'_>,
) -> anyhow::Result<Report> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let mut site = folio_import::ghost::Site::parse(&bytes)
        .map_err(|e| anyhow::anyhow!("{}: {e}; nothing was imported", file.display()))?;
    site.old_url = options.old_url.clone().unwrap_or_default();
    drop(bytes);
    anyhow::ensure!(
        !options.fetch_media || options.old_url.is_some(),
        "--fetch-media needs --old-url: a Ghost export does not say where the site was"
    );
    let mut importer = Importer::new(
        store,
        media,
        options,
        "ghost".into(),
        UploadRoot::Ghost,
        on_progress,
    )
    .await?;
    tracing::info!(file = %file.display(), version = %site.version, entries = site.posts.len(), "importing a Ghost export");
    importer.people(&site.people()).await?;
    importer.total = site.posts.len();
    for post in &site.posts {
        match site.entry(post) {
            Ok(entry) => importer.save(entry).await,
            Err(skip) => {
                importer.tick();
                importer.report.skip("posts", skip.what, skip.why);
            }
        }
    }
    importer.describe_tags(&site.tag_descriptions()).await;
    Ok(importer.report)
}
