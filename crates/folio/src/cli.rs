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
    /// Write the whole site (settings, users, tags, posts, pages, redirects) as one JSON file.
    Export(ExportArgs),
    /// Load a file written by `folio export` into an empty site.
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Do not apply migrations at start-up (when a separate `folio migrate` job does).
    #[arg(long)]
    pub no_migrate: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Create(UserCreateArgs),
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
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The export file (`-` for standard input).
    pub file: PathBuf,
}
