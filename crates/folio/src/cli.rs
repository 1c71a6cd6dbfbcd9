//! The command line, as `folio --help` shows it.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "folio",
    version,
    about = "Folio: a fast, self-hosted blogging platform",
    long_about = "Folio: a fast, self-hosted blogging platform.\n\n\
        One binary is the web server, the migration job, the admin CLI and the container health check.\n\
        Configuration comes from defaults, then an optional TOML file (--config or FOLIO_CONFIG), then FOLIO_* \
        environment variables; see docs/CONFIGURATION.md.",
    after_help = "Quick start: `folio serve`, then open http://127.0.0.1:8080/"
)]
pub struct Cli {
    /// A TOML configuration file (also FOLIO_CONFIG).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Without a command, `folio` runs `serve`.
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (applies pending migrations first unless --no-migrate).
    #[command(
        after_help = "Listens on FOLIO_LISTEN (default 127.0.0.1:8080), or on the socket a service manager \
                      passed (systemd socket activation, LISTEN_FDS): see docs/DEPLOYMENT.md. \
                      Database read replicas (FOLIO_DATABASE_REPLICA_URLS) and Redis through Sentinel \
                      (FOLIO_REDIS_URL=redis+sentinel://HOST:26379/SERVICE): see docs/CONFIGURATION.md."
    )]
    Serve(ServeArgs),
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Exit 0 when the server's /readyz answers 200 (for container HEALTHCHECK).
    Healthcheck(HealthcheckArgs),
    /// Work on the media library's files.
    #[command(subcommand)]
    Media(MediaCommand),
    /// Write the whole site (settings, users, tags, posts, pages, redirects and every
    /// media file) as one tar archive: site.json, then media/<key> for each file.
    Export(ExportArgs),
    /// Load a file written by `folio export` into an empty site, or move in from
    /// WordPress (`folio import wordpress FILE.xml`) or Ghost (`folio import ghost FILE.json`).
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Do not apply migrations at start-up (when a separate `folio migrate` job does).
    #[arg(long)]
    pub no_migrate: bool,
}

#[derive(Debug, Subcommand)]
pub enum MediaCommand {
    /// Copy every file of the media library to another store, such as from the data
    /// folder to an S3 bucket before running replicas on several machines.
    ///
    /// The files the library names go from the store FOLIO_MEDIA_URL names now to the one
    /// --to names; a file already there is skipped, so running it again finishes a run
    /// that stopped and copies nothing twice. Nothing is deleted. The report ends the
    /// run (exit status 1 when a file could not be copied); then set FOLIO_MEDIA_URL to
    /// the new store and restart Folio. Sites keep serving from the old store meanwhile;
    /// files uploaded during the copy are picked up by running it again.
    Move(MediaMoveArgs),
}

#[derive(Debug, Args)]
pub struct MediaMoveArgs {
    /// The new store: file:///path, or s3://bucket (or s3://bucket/folder) with its
    /// endpoint, region and key from the FOLIO_MEDIA_S3_* settings.
    #[arg(long, value_name = "URL")]
    pub to: String,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Create(UserCreateArgs),
    /// Let a user choose a new password: prints a one-time link (valid 24 hours) to
    /// give them, or with --password-stdin sets it at once. Either way every session
    /// of theirs ends; their API tokens keep working (revoke them in the admin).
    ResetPassword(UserResetArgs),
}

#[derive(Debug, Args)]
pub struct UserResetArgs {
    /// The user's email address.
    #[arg(long)]
    pub email: String,
    /// Read the new password from the first line of standard input (12 to 128
    /// characters) instead of printing a link.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Args)]
pub struct UserCreateArgs {
    /// Email address; also what the user signs in with.
    #[arg(long)]
    pub email: String,
    /// Display name, shown on their posts.
    #[arg(long)]
    pub name: String,
    /// One of owner, admin, editor, author, contributor.
    #[arg(long)]
    pub role: String,
    /// Read the password from the first line of standard input (12 to 128 characters).
    /// Without it the user has no password and signs in with API tokens only.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user and print it on stdout (and nothing else).
    Create(TokenCreateArgs),
}

#[derive(Debug, Args)]
pub struct TokenCreateArgs {
    /// The user's email address.
    #[arg(long)]
    pub email: String,
    /// A name to recognise the token by.
    #[arg(long, default_value = "cli")]
    pub label: String,
}

#[derive(Debug, Args)]
pub struct HealthcheckArgs {
    /// Base URL of the server to check (default: the local listen address).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Seconds to wait for an answer.
    #[arg(long, default_value_t = 3)]
    pub timeout: u64,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// `tar`: the site and every media file, one archive that restores anywhere.
    /// `json`: the site alone, for a restore over a store that already holds its files
    /// (the same bucket), or to read and edit.
    #[arg(long, value_enum, default_value_t = ExportFormat::Tar)]
    pub format: ExportFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Tar,
    Json,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ImportArgs {
    /// A file written by `folio export` (`-` for standard input).
    #[arg(required = true)]
    pub file: Option<PathBuf>,
    #[command(subcommand)]
    pub from: Option<ImportFrom>,
}

#[derive(Debug, Subcommand)]
pub enum ImportFrom {
    /// Import a WordPress export (Tools → Export → All content: a WXR .xml file).
    ///
    /// Posts, pages, drafts, scheduled and private posts (as drafts), categories and
    /// tags (as tags), authors (matched by email, else created without a password),
    /// excerpts, featured images and SEO fields; content converted to Markdown. Old
    /// URLs (permalinks, ?p=ID, uploads, category archives) answer with 301s. Running
    /// it again imports nothing twice. The report ends the run; exit status 1 when a
    /// post failed to save.
    #[command(name = "wordpress")]
    WordPress(WordPressArgs),
    /// Import a Ghost export (Settings → Advanced → Export content: a .json file).
    ///
    /// Posts, pages, tags, authors, feature images and meta fields; content from
    /// Lexical, Mobiledoc or HTML converted to Markdown. Members-only posts become
    /// drafts. Old URLs /{slug}/ keep working. Running it again imports nothing twice.
    Ghost(GhostArgs),
}

/// What WordPress's categories become.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CategoryMapping {
    /// Tags, beside the posts' own tags (`Uncategorized` left out).
    Tags,
    /// Nothing: only tags are imported.
    Skip,
}

#[derive(Debug, Args)]
pub struct WordPressArgs {
    /// The WXR file WordPress's exporter wrote.
    pub file: PathBuf,
    /// A copy of the old site's wp-content/uploads folder: the images posts use are
    /// copied into Folio's media library and old upload URLs redirect to them.
    /// Without it (or --fetch-media), images keep pointing at the old site.
    #[arg(long, value_name = "DIR", conflicts_with = "fetch_media")]
    pub media_dir: Option<PathBuf>,
    /// Download the images posts use from the old site (while it is still up) into
    /// Folio's media library, instead of reading them from --media-dir.
    #[arg(long)]
    pub fetch_media: bool,
    /// What categories become.
    #[arg(long, value_enum, default_value_t = CategoryMapping::Tags)]
    pub categories: CategoryMapping,
    /// Read and convert everything, write nothing, print the same report.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct GhostArgs {
    /// The JSON file Ghost's exporter wrote.
    pub file: PathBuf,
    /// A copy of the old site's content/images folder: images are copied into
    /// Folio's media library and /content/images/… URLs redirect to them.
    #[arg(long, value_name = "DIR", conflicts_with = "fetch_media")]
    pub media_dir: Option<PathBuf>,
    /// Download the images from the old site (needs --old-url) instead.
    #[arg(long)]
    pub fetch_media: bool,
    /// The old Ghost site's address (https://old.example): images not copied in with
    /// --media-dir keep loading from there (Ghost's export does not say its address).
    #[arg(long, value_name = "URL")]
    pub old_url: Option<String>,
    /// Read and convert everything, write nothing, print the same report.
    #[arg(long)]
    pub dry_run: bool,
}
