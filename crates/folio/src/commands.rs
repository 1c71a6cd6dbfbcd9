//! What each subcommand does.

use crate::cli::{
    Cli, Command, ExportArgs, ExportFormat, HealthcheckArgs, ImportArgs, ImportFrom, MediaCommand,
    MediaMoveArgs, TokenCommand, UserCommand, UserCreateArgs, UserResetArgs,
};
use anyhow::{bail, Context};
use folio_app::config::{Config, Listen};
use folio_core::{Email, PersonName, Role};
use folio_store::Store;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub async fn run(cli: Cli, loaded: folio_app::config::Loaded) -> anyhow::Result<ExitCode> {
    let config = loaded.config;
    let config_file = cli.config.clone();
    crate::logging::init(config.log_format, &config.log);
    for warning in &loaded.warnings {
        tracing::warn!("{warning}");
    }
    match cli
        .command
        .unwrap_or(Command::Serve(crate::cli::ServeArgs { no_migrate: false }))
    {
        Command::Serve(args) => serve(config, !args.no_migrate).await,
        Command::Migrate => {
            let store = open_store(&config).await?;
            store.migrate().await.context("applying migrations")?;
            eprintln!("migrations applied");
            let indexed = store
                .catch_up_search_terms()
                .await
                .context("writing the search index")?;
            if indexed > 0 {
                eprintln!("search index: {indexed} posts indexed");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Media(MediaCommand::Move(args)) => {
            media_move(&config, config_file.as_deref(), args).await
        }
        Command::User(UserCommand::Create(args)) => create_user(&config, args).await,
        Command::User(UserCommand::ResetPassword(args)) => reset_password(&config, args).await,
        Command::Token(TokenCommand::Create(args)) => {
            let email = email_arg(&args.email)?;
            let app = migrated_app(&config).await?;
            let user = user_by_email_arg(app.store(), &email).await?;
            let token = app
                .create_token(user.id, &args.label)
                .await
                .map_err(|e| cli_error(e, "creating the token"))?;
            println!("{token}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Healthcheck(args) => healthcheck(&config, args).await,
        Command::Export(args) => export(&config, args).await,
        Command::Import(ImportArgs {
            from: Some(from), ..
        }) => import_from(&config, from).await,
        Command::Import(ImportArgs {
            file: Some(file), ..
        }) => import(&config, file).await,
        Command::Import(ImportArgs {
            file: None,
            from: None,
        }) => bail!("folio import: give a file (see folio import --help)"),
    }
}

use folio_app::open_store;

/// Creates the data folder when missing and fails unless a file can be written there:
/// uploaded images (and a SQLite database) live in it, so the commands that write there
/// say so at start, not at the first upload. Commands that only read (export,
/// healthcheck) still work on a read-only copy.
pub(crate) fn check_data_dir_writable(config: &Config) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.data_dir).with_context(|| {
        format!(
            "creating the data folder {} (FOLIO_DATA_DIR)",
            config.data_dir.display()
        )
    })?;
    let probe = config.data_dir.join(format!(
        ".folio-write-check-{}",
        &folio_store::random_token()[..12]
    ));
    std::fs::write(&probe, b"")
        .and_then(|()| std::fs::remove_file(&probe))
        .with_context(|| {
            format!(
                "the data folder {} is not writable (FOLIO_DATA_DIR)",
                config.data_dir.display()
            )
        })
}

/// The application on this configuration's database (migrated) and media library (not
/// checked: the commands that use this touch no file).
async fn migrated_app(config: &Config) -> anyhow::Result<folio_app::App> {
    let store = migrated_store(config).await?;
    let media = folio_app::media::Media::configured(config)?;
    Ok(folio_app::App::new(store, media))
}

/// The media library of this configuration (`FOLIO_MEDIA_URL`), checked: its files and
/// its upload limit.
async fn media_library(config: &Config) -> anyhow::Result<folio_app::media::Media> {
    folio_app::media::Media::open(config).await
}

pub(crate) async fn migrated_store(config: &Config) -> anyhow::Result<Store> {
    let store = open_store(config).await?;
    store.migrate().await.context("applying migrations")?;
    Ok(store)
}

async fn serve(config: Config, migrate: bool) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    check_data_dir_writable(&config)?;
    let application = folio_web::Application::build(
        &config,
        if migrate {
            folio_web::Migrations::Apply
        } else {
            folio_web::Migrations::Skip
        },
    )
    .await?;
    let state = application.state().clone();
    let store = state.store().clone();
    let (listener, socket_file, passed) = match passed_listener()
        .context("taking the socket the service manager passed (LISTEN_FDS)")?
    {
        Some(listener) => (listener, SocketFile::default(), true),
        None => {
            let (listener, file) = listen(&config)
                .with_context(|| format!("listening on {} (FOLIO_LISTEN)", config.listen))?;
            (listener, file, false)
        }
    };
    #[cfg(unix)]
    let health = match &config.health_socket {
        Some(name) => {
            let socket = health_socket::bind(name)
                .with_context(|| format!("listening on {name} (FOLIO_HEALTH_SOCKET)"))?;
            Some(tokio::spawn(folio_web::serve_health(socket, state.clone())))
        }
        None => None,
    };
    let address = match &listener {
        folio_web::Listener::Tcp(tcp) => format!("http://{}", tcp.local_addr()?),
        #[cfg(unix)]
        folio_web::Listener::Unix(unix) => match unix.local_addr()?.as_pathname() {
            Some(path) => format!("unix:{}", path.display()),
            None => config.listen.to_string(),
        },
    };
    if store.count_users().await.unwrap_or(1) == 0 {
        let token = store
            .create_setup_token()
            .await
            .context("creating the set-up token")?;
        tracing::info!(
            "no users yet: set up the owner at {}/admin/setup (from this machine), or from anywhere with the one-time link {}/admin/setup?token={token} \
             (or on the command line: `folio user create --email you@example.com --name \"Your Name\" --role owner --password-stdin`)",
            config.base_url,
            config.base_url
        );
    }
    let from = if passed {
        " (the socket the service manager passed; FOLIO_LISTEN is not used)"
    } else {
        ""
    };
    tracing::info!(
        address = %address,
        base_url = %config.base_url,
        startup_ms = started.elapsed().as_millis() as u64,
        socket_activated = passed,
        "listening on {address}{from}"
    );
    drop(state);
    let served = application
        .serve(listener, shutdown_signal())
        .await
        .context("serving");
    #[cfg(unix)]
    socket_file.inspect(unix_listen::SocketFile::remove);
    served?;
    #[cfg(unix)]
    health.inspect(tokio::task::JoinHandle::abort);
    store.close().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

#[cfg(unix)]
type SocketFile = Option<unix_listen::SocketFile>;
#[cfg(not(unix))]
type SocketFile = ();

/// The listening socket a service manager opened and passed (systemd's socket
/// activation: `LISTEN_FDS=1`, the socket as descriptor 3, and `LISTEN_PID` this
/// process's id when it is set): a TCP or a Unix socket. The manager keeps it open
/// across restarts, so connections that come while Folio restarts wait in its queue
/// instead of being refused, and whoever starts Folio knows the port before it runs
/// (the end-to-end tests bind port 0 once and hand the socket over). `None` when no
/// socket was passed.
fn passed_listener() -> std::io::Result<Option<folio_web::Listener>> {
    let mut fds = listenfd::ListenFd::from_env();
    if fds.len() == 0 {
        return Ok(None);
    }
    if fds.len() > 1 {
        tracing::warn!(
            passed = fds.len(),
            "the service manager passed several sockets; Folio listens on the first only"
        );
    }
    if let Ok(Some(tcp)) = fds.take_tcp_listener(0) {
        tcp.set_nonblocking(true)?;
        return Ok(Some(tokio::net::TcpListener::from_std(tcp)?.into()));
    }
    #[cfg(unix)]
    if let Ok(Some(unix)) = fds.take_unix_listener(0) {
        unix.set_nonblocking(true)?;
        return Ok(Some(tokio::net::UnixListener::from_std(unix)?.into()));
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        "descriptor 3 is not a listening TCP or Unix stream socket",
    ))
}

/// The listening socket. With `FOLIO_LISTEN_REUSE_PORT`, several processes bind the same
/// address (`SO_REUSEPORT`) and the kernel spreads new connections across them: replicas
/// on one host's network, where a new one starts beside the one it replaces. A Unix
/// socket also gives back its file, to remove when the server stops.
fn listen(config: &Config) -> std::io::Result<(folio_web::Listener, SocketFile)> {
    match &config.listen {
        Listen::Tcp(addr) => {
            let socket = if addr.is_ipv4() {
                tokio::net::TcpSocket::new_v4()?
            } else {
                tokio::net::TcpSocket::new_v6()?
            };
            socket.set_reuseaddr(true)?;
            #[cfg(unix)]
            socket.set_reuseport(config.listen_reuse_port)?;
            socket.bind(*addr)?;
            Ok((socket.listen(1024)?.into(), Default::default()))
        }
        #[cfg(unix)]
        Listen::Unix(path) => {
            let (listener, file) = unix_listen::bind(path)?;
            Ok((listener.into(), Some(file)))
        }
        #[cfg(not(unix))]
        Listen::Unix(_) => Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "Unix sockets need a Unix system",
        )),
    }
}

/// `FOLIO_LISTEN=unix:PATH`: the socket file belongs to this process while it serves.
#[cfg(unix)]
mod unix_listen {
    use std::io::{Error, ErrorKind};
    use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
    use std::path::{Path, PathBuf};

    /// The socket file this process made, known by device and inode: after a
    /// replacement has bound the same path, the file there is no longer ours to remove.
    pub struct SocketFile {
        path: PathBuf,
        id: (u64, u64),
    }

    impl SocketFile {
        pub fn remove(&self) {
            if std::fs::symlink_metadata(&self.path).is_ok_and(|m| (m.dev(), m.ino()) == self.id) {
                let _ = std::fs::remove_file(&self.path);
            }
        }
    }

    /// Binds the socket. A file left by a process that is gone (nothing accepts on it) is
    /// replaced; a live server's socket, or a file that is not a socket, is an error.
    pub fn bind(path: &Path) -> std::io::Result<(tokio::net::UnixListener, SocketFile)> {
        if let Ok(meta) = std::fs::symlink_metadata(path) {
            if !meta.file_type().is_socket() {
                return Err(Error::new(
                    ErrorKind::AlreadyExists,
                    "a file that is not a socket is in the way",
                ));
            }
            if std::os::unix::net::UnixStream::connect(path).is_ok() {
                return Err(Error::new(
                    ErrorKind::AddrInUse,
                    "another server is accepting on this socket",
                ));
            }
            std::fs::remove_file(path)?;
        }
        let listener = std::os::unix::net::UnixListener::bind(path)?;
        // Like a port on loopback: any process of this machine may connect (the proxy
        // runs as its own user). Restrict who can with the folder's permissions.
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o666))?;
        let meta = std::fs::metadata(path)?;
        listener.set_nonblocking(true)?;
        Ok((
            tokio::net::UnixListener::from_std(listener)?,
            SocketFile {
                path: path.to_owned(),
                id: (meta.dev(), meta.ino()),
            },
        ))
    }
}

/// `FOLIO_HEALTH_SOCKET`: a Unix socket by path, or `@name` in Linux's abstract
/// namespace (no file, so it works on a read-only root; unique per network namespace).
#[cfg(unix)]
mod health_socket {
    use std::os::unix::net::{UnixListener, UnixStream};

    pub fn address(name: &str) -> std::io::Result<std::os::unix::net::SocketAddr> {
        match name.strip_prefix('@') {
            #[cfg(target_os = "linux")]
            Some(abstract_name) => {
                use std::os::linux::net::SocketAddrExt;
                std::os::unix::net::SocketAddr::from_abstract_name(abstract_name.as_bytes())
            }
            #[cfg(not(target_os = "linux"))]
            Some(_) => Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "@name sockets need Linux",
            )),
            None => std::os::unix::net::SocketAddr::from_pathname(name),
        }
    }

    pub fn bind(name: &str) -> std::io::Result<tokio::net::UnixListener> {
        if !name.starts_with('@') {
            // A file left by a process that is gone; a live one's is taken over.
            let _ = std::fs::remove_file(name);
        }
        let listener = UnixListener::bind_addr(&address(name)?)?;
        listener.set_nonblocking(true)?;
        tokio::net::UnixListener::from_std(listener)
    }

    pub fn connect(
        address: &std::os::unix::net::SocketAddr,
    ) -> std::io::Result<tokio::net::UnixStream> {
        let stream = UnixStream::connect_addr(address)?;
        stream.set_nonblocking(true)?;
        tokio::net::UnixStream::from_std(stream)
    }
}

/// Resolves on SIGTERM or Ctrl-C; the server then stops accepting and lets in-flight
/// requests finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

async fn create_user(config: &Config, args: UserCreateArgs) -> anyhow::Result<ExitCode> {
    let email = email_arg(&args.email)?;
    let name = PersonName::parse(&args.name).map_err(|e| anyhow::anyhow!("--name: {e}"))?;
    let role = Role::parse(&args.role).map_err(|e| anyhow::anyhow!("--role: {e}"))?;
    let password = if args.password_stdin {
        Some(password_from_stdin()?)
    } else {
        None
    };
    let app = migrated_app(config).await?;
    let user = app
        .create_user(email, name, role, password)
        .await
        .map_err(|e| match e {
            folio_app::Error::Conflict { .. } => {
                anyhow::anyhow!("--email: a user with this address already exists")
            }
            e => cli_error(e, "creating the user"),
        })?;
    eprintln!(
        "created {} user {} <{}> (id {})",
        user.role.as_str(),
        user.name,
        user.email,
        user.id
    );
    Ok(ExitCode::SUCCESS)
}

/// A use-case's refusal as the command line says it: each refused field with why, or
/// what was being done and the cause.
fn cli_error(err: folio_app::Error, doing: &str) -> anyhow::Error {
    match err {
        folio_app::Error::Invalid(fields) => {
            let list: Vec<String> = fields.0.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            anyhow::anyhow!("{}", list.join("; "))
        }
        e => anyhow::Error::new(e).context(doing.to_owned()),
    }
}

/// `--email`, parsed.
fn email_arg(raw: &str) -> anyhow::Result<Email> {
    Email::parse(raw).map_err(|e| anyhow::anyhow!("--email: {e}"))
}

/// The user `--email` names, or an error that says nobody has it.
async fn user_by_email_arg(store: &Store, email: &Email) -> anyhow::Result<folio_store::User> {
    store
        .user_by_email(email)
        .await
        .map_err(|_| anyhow::anyhow!("--email: no user has the address {}", email.as_str()))
}

/// The first line of standard input, checked against the password policy before
/// anything else is done.
fn password_from_stdin() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\n', '\r']);
    folio_app::users::check_password(password)
        .map_err(|why| anyhow::anyhow!("password: {why} (got {})", password.chars().count()))?;
    Ok(password.to_owned())
}

async fn reset_password(config: &Config, args: UserResetArgs) -> anyhow::Result<ExitCode> {
    let email = email_arg(&args.email)?;
    let password = if args.password_stdin {
        Some(password_from_stdin()?)
    } else {
        None
    };
    let app = migrated_app(config).await?;
    let user = user_by_email_arg(app.store(), &email).await?;
    match password {
        Some(password) => {
            app.set_password(&user, password)
                .await
                .map_err(|e| cli_error(e, "setting the password"))?;
            eprintln!(
                "password of {} <{}> changed; their sessions are ended",
                user.name, user.email
            );
        }
        None => {
            let token = app
                .password_link(&user)
                .await
                .map_err(|e| cli_error(e, "creating the link"))?;
            eprintln!(
                "a link for {} <{}> to choose a new password, valid {} hours, once:",
                user.name,
                user.email,
                folio_app::users::RESET_LINK_HOURS
            );
            println!("{}/admin/reset/{token}", config.base_url);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `GET {url}/readyz` over plain HTTP/1.1, with a deadline; without `--url`, of this
/// process's replica through `FOLIO_HEALTH_SOCKET` when set, else of the listen address.
/// Kept dependency-free: it runs as the container health check every few seconds.
async fn healthcheck(config: &Config, args: HealthcheckArgs) -> anyhow::Result<ExitCode> {
    // This process's own socket: FOLIO_HEALTH_SOCKET, else a Unix socket it listens on.
    #[cfg(unix)]
    if args.url.is_none() {
        let own = match (&config.health_socket, &config.listen) {
            (Some(name), _) => Some((name.clone(), health_socket::address(name))),
            (None, Listen::Unix(path)) => Some((
                config.listen.to_string(),
                std::os::unix::net::SocketAddr::from_pathname(path),
            )),
            (None, Listen::Tcp(_)) => None,
        };
        if let Some((shown, address)) = own {
            let check = async {
                let stream = health_socket::connect(&address?)?;
                ask_ready(stream, "localhost").await
            };
            return report_ready(
                &shown,
                args.timeout,
                tokio::time::timeout(Duration::from_secs(args.timeout), check).await,
            );
        }
    }
    let base = match args.url {
        Some(url) => url,
        None => {
            let Listen::Tcp(mut addr) = config.listen else {
                bail!("FOLIO_LISTEN: a Unix socket needs a Unix system; give --url");
            };
            if addr.ip().is_unspecified() {
                addr.set_ip(if addr.is_ipv4() {
                    [127, 0, 0, 1].into()
                } else {
                    std::net::Ipv6Addr::LOCALHOST.into()
                });
            }
            format!("http://{addr}")
        }
    };
    let Some(rest) = base.strip_prefix("http://") else {
        bail!("--url: {base:?} must be an http:// URL (health checks talk to the local server, not through TLS)");
    };
    let host = rest.split('/').next().unwrap_or(rest).to_owned();
    let check = async {
        let stream = tokio::net::TcpStream::connect(&host).await?;
        ask_ready(stream, &host).await
    };
    report_ready(
        &host,
        args.timeout,
        tokio::time::timeout(Duration::from_secs(args.timeout), check).await,
    )
}

/// Sends `GET /readyz` on `stream` and returns the head of the answer.
async fn ask_ready<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    mut stream: S,
    host: &str,
) -> std::io::Result<String> {
    let request = format!("GET /readyz HTTP/1.1\r\nHost: {host}\r\nUser-Agent: folio-healthcheck\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut head = vec![0u8; 64];
    let n = stream.read(&mut head).await?;
    Ok(String::from_utf8_lossy(&head[..n]).into_owned())
}

fn report_ready(
    target: &str,
    timeout: u64,
    outcome: Result<std::io::Result<String>, tokio::time::error::Elapsed>,
) -> anyhow::Result<ExitCode> {
    match outcome {
        Ok(Ok(head)) if head.starts_with("HTTP/1.1 200") => {
            println!("ready");
            Ok(ExitCode::SUCCESS)
        }
        Ok(Ok(head)) => {
            eprintln!("not ready: {}", head.lines().next().unwrap_or("no answer"));
            Ok(ExitCode::FAILURE)
        }
        Ok(Err(e)) => {
            eprintln!("not ready: {target}: {e}");
            Ok(ExitCode::FAILURE)
        }
        Err(_) => {
            eprintln!("not ready: no answer from {target} within {timeout} s");
            Ok(ExitCode::FAILURE)
        }
    }
}

async fn export(config: &Config, args: ExportArgs) -> anyhow::Result<ExitCode> {
    let store = migrated_store(config).await?;
    let to = args
        .output
        .as_ref()
        .map(|p| format!(" to {}", p.display()))
        .unwrap_or_default();
    if args.format == ExportFormat::Json {
        // The site alone: its media files stay in the store, for a restore over it.
        let site = store.export_site().await.context("reading the site")?;
        let mut json = serde_json::to_vec_pretty(&site)?;
        json.push(b'\n');
        let (sink, mut out) = ExportSink::open(args.output.as_deref())?;
        out.write_all(&json).context("writing the export")?;
        sink.finish(out)?;
        eprintln!(
            "exported {} posts and pages{to} (the site only: its {} media files stay in the store)",
            site.posts.len(),
            site.media
                .iter()
                .map(|m| m.entry.renditions.len())
                .sum::<usize>()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let media = media_library(config).await?;
    let files = std::sync::Arc::clone(media.files());
    let (sink, out) = ExportSink::open(args.output.as_deref())?;
    let (out, summary) = match folio_app::backup::export_archive(&store, files, out).await {
        Ok(done) => done,
        Err(e) => {
            sink.abandon();
            return Err(e);
        }
    };
    sink.finish(out)?;
    eprintln!(
        "exported {} posts and pages and {} media files ({}){to}{}",
        summary.posts,
        summary.files,
        human_bytes(summary.bytes),
        if summary.missing > 0 {
            format!(
                "; {} files the library names were missing from the store and are not in it",
                summary.missing
            )
        } else {
            String::new()
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// Where an export goes: a file written beside its name and renamed into place once
/// complete (never a half-written export), or standard output.
struct ExportSink {
    /// The file being written and the name it gets, for a file.
    file: Option<(std::path::PathBuf, std::path::PathBuf)>,
}

impl ExportSink {
    fn open(path: Option<&std::path::Path>) -> anyhow::Result<(ExportSink, Box<dyn Write + Send>)> {
        match path {
            Some(path) => {
                let tmp = path.with_extension("partial");
                let file = std::fs::File::create(&tmp)
                    .with_context(|| format!("writing {}", tmp.display()))?;
                let out = std::io::BufWriter::with_capacity(256 * 1024, file);
                Ok((
                    ExportSink {
                        file: Some((tmp, path.to_owned())),
                    },
                    Box::new(out),
                ))
            }
            None => Ok((
                ExportSink { file: None },
                Box::new(std::io::BufWriter::new(std::io::stdout())),
            )),
        }
    }

    /// Flushes `out` and, for a file, syncs it and gives it its name.
    fn finish(self, mut out: Box<dyn Write + Send>) -> anyhow::Result<()> {
        out.flush().context("writing the export")?;
        drop(out);
        if let Some((tmp, path)) = self.file {
            std::fs::File::open(&tmp)
                .and_then(|f| f.sync_all())
                .with_context(|| format!("writing {}", tmp.display()))?;
            std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
        }
        Ok(())
    }

    /// Removes what was written of a failed export.
    fn abandon(self) {
        if let Some((tmp, _)) = self.file {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// `1.2 MB`, `640 kB`, `12 B`.
fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        n if n >= 1_000 => format!("{} kB", n / 1_000),
        n => format!("{n} B"),
    }
}

/// `folio import wordpress|ghost`: the import, a progress bar on a terminal (a line
/// every tenth otherwise), and the report on standard output.
async fn import_from(config: &Config, from: ImportFrom) -> anyhow::Result<ExitCode> {
    let (file, options) = match &from {
        ImportFrom::WordPress(a) => (
            a.file.clone(),
            folio_app::import::ImportOptions {
                dry_run: a.dry_run,
                media_dir: a.media_dir.clone(),
                fetch_media: a.fetch_media,
                categories_as_tags: a.categories == crate::cli::CategoryMapping::Tags,
                old_url: None,
            },
        ),
        ImportFrom::Ghost(a) => (
            a.file.clone(),
            folio_app::import::ImportOptions {
                dry_run: a.dry_run,
                media_dir: a.media_dir.clone(),
                fetch_media: a.fetch_media,
                categories_as_tags: false,
                old_url: a.old_url.clone(),
            },
        ),
    };
    let store = if options.dry_run {
        open_store(config).await?
    } else {
        check_data_dir_writable(config)?;
        migrated_store(config).await?
    };
    let media = media_library(config).await?;
    let progress = Progress::new("posts and pages");
    let mut on_progress = |done: usize, total: usize| progress.update(done, total);
    let report = match &from {
        ImportFrom::WordPress(_) => {
            folio_app::import::wordpress(&store, &media, &file, &options, &mut on_progress).await
        }
        ImportFrom::Ghost(_) => {
            folio_app::import::ghost(&store, &media, &file, &options, &mut on_progress).await
        }
    }?;
    progress.finish();
    print!("{report}");
    Ok(if report.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// A progress bar on a terminal; else a line every tenth of the way, so a log shows
/// that something is happening without filling up.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    what: &'static str,
}

impl Progress {
    fn new(what: &'static str) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(0);
            if let Ok(style) = indicatif::ProgressStyle::with_template(&format!(
                "{{bar:40}} {{pos}}/{{len}} {what}  {{elapsed}} (about {{eta}} to go)"
            )) {
                bar.set_style(style);
            }
            bar
        });
        Progress { bar, what }
    }

    fn update(&self, done: usize, total: usize) {
        match &self.bar {
            Some(bar) => {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            }
            None => {
                if total > 0 && (done.is_multiple_of((total / 10).max(1)) || done == total) {
                    eprintln!("{done}/{total} {}", self.what);
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// `folio media move --to URL`: the library's files copied to another store.
async fn media_move(
    config: &Config,
    config_file: Option<&std::path::Path>,
    args: MediaMoveArgs,
) -> anyhow::Result<ExitCode> {
    // The new store is read like FOLIO_MEDIA_URL, with the same FOLIO_MEDIA_S3_* settings.
    let mut env: Vec<(String, String)> = std::env::vars()
        .filter(|(name, _)| name != "FOLIO_MEDIA_URL")
        .collect();
    env.push(("FOLIO_MEDIA_URL".into(), args.to.clone()));
    let target = Config::from_sources(config_file, env)
        .map_err(|e| anyhow::anyhow!("--to {}: {e}", args.to))?
        .config;
    if target.media == config.media {
        bail!(
            "--to {}: the library is there already (FOLIO_MEDIA_URL names the same store)",
            args.to
        );
    }
    let store = open_store(config).await?;
    let from = media_library(config).await?;
    let to = folio_app::media::Media::open(&target)
        .await
        .with_context(|| format!("--to {}", args.to))?;
    let progress = Progress::new("files");
    let mut on_progress = |done: usize, total: usize| progress.update(done, total);
    let report = folio_app::media::copy_library(
        &store,
        from.files().as_ref(),
        to.files().as_ref(),
        &mut on_progress,
    )
    .await
    .map_err(|e| cli_error(e, "copying the media library"))?;
    progress.finish();
    print!("{report}");
    if report.complete() {
        println!(
            "Every file of the library is on {}. Set FOLIO_MEDIA_URL={} (with its settings) and restart Folio; \
             the old files were left where they were.",
            args.to, args.to
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("folio: not every file was copied; run the same command again to retry");
        Ok(ExitCode::FAILURE)
    }
}

async fn import(config: &Config, file: std::path::PathBuf) -> anyhow::Result<ExitCode> {
    let mut input: Box<dyn Read + Send> = if file.as_os_str() == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(&file).with_context(|| format!("reading {}", file.display()))?)
    };
    // An archive or a JSON document: told apart by the first block.
    let mut head = Vec::with_capacity(512);
    (&mut input)
        .take(512)
        .read_to_end(&mut head)
        .with_context(|| format!("reading {}", file.display()))?;
    let archive = folio_app::backup::is_archive(&head);
    let input = Read::chain(std::io::Cursor::new(head), input);
    check_data_dir_writable(config)?;
    let store = migrated_store(config).await?;
    let media = media_library(config).await?;
    let report = if archive {
        let files = std::sync::Arc::clone(media.files());
        folio_app::backup::import_archive(&store, files, std::io::BufReader::new(input))
            .await
            .with_context(|| format!("importing {}", file.display()))?
    } else {
        let mut text = String::new();
        std::io::BufReader::new(input)
            .read_to_string(&mut text)
            .with_context(|| format!("reading {}", file.display()))?;
        let site: folio_store::export::SiteExport = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a Folio export", file.display()))?;
        folio_app::backup::import_site(&store, media.files().as_ref(), &site).await?
    };
    eprintln!(
        "imported {} users, {} tags, {} posts, {} pages, {} redirects, {} images",
        report.users, report.tags, report.posts, report.pages, report.redirects, report.media
    );
    Ok(ExitCode::SUCCESS)
}
