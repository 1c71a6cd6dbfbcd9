//! Configuration, layered: defaults → optional TOML file → `FOLIO_*` environment.
//! Every secret can also come from a file named by `NAME_FILE` (Docker and Kubernetes
//! secrets). An unknown `FOLIO_*` variable is warned about; a bad value stops start-up
//! with a message that names the variable (or the file and key) it came from.

use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Where `folio serve` accepts connections (`FOLIO_LISTEN`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listen {
    /// An address and port, such as `127.0.0.1:8080` or `[::]:8080`.
    Tcp(SocketAddr),
    /// `unix:/path/to/folio.sock`: a Unix socket, for a proxy on the same machine.
    Unix(PathBuf),
}

impl std::fmt::Display for Listen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Listen::Tcp(addr) => write!(f, "{addr}"),
            Listen::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

impl Listen {
    /// `127.0.0.1:8080`, `[::1]:8080` or `unix:/run/folio/folio.sock`.
    fn parse(value: &str) -> Result<Listen, String> {
        if let Some(path) = value.strip_prefix("unix:") {
            // sun_path holds 108 bytes with the terminating NUL.
            if path.is_empty() || path.len() > 107 {
                return Err(format!("{value:?} needs a socket path of 1 to 107 bytes after unix:, such as unix:/run/folio/folio.sock"));
            }
            return Ok(Listen::Unix(PathBuf::from(path)));
        }
        value
            .parse::<SocketAddr>()
            .map(Listen::Tcp)
            .map_err(|_| format!("{value:?} is not a socket address such as 127.0.0.1:8080 or [::1]:8080, nor unix:/path/to/folio.sock"))
    }
}

/// The resolved configuration of one process.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    /// Read-only replicas of the database (`FOLIO_DATABASE_REPLICA_URLS`), for the public
    /// site's reads; empty: every read goes to `database_url`.
    pub database_replica_urls: Vec<String>,
    /// A replica further behind than this is skipped (`FOLIO_DATABASE_REPLICA_MAX_LAG`).
    pub database_replica_max_lag: std::time::Duration,
    pub data_dir: PathBuf,
    pub listen: Listen,
    /// Bind the listener with `SO_REUSEPORT`, so that several processes (replicas on one
    /// host's network) share the address and the kernel spreads connections across them.
    pub listen_reuse_port: bool,
    /// A Unix socket (`@name`: abstract, Linux) on which this process alone answers
    /// `/healthz` and `/readyz`, for `folio healthcheck` when replicas share `listen`.
    pub health_socket: Option<String>,
    /// Threads that run requests; `None`: one per core this process may use.
    pub worker_threads: Option<usize>,
    pub base_url: String,
    pub redis_url: Option<String>,
    pub theme_dir: Option<PathBuf>,
    pub log_format: LogFormat,
    /// A tracing filter such as `info` or `folio=debug,info`.
    pub log: String,
    pub page_cache_mb: u64,
    /// Largest upload, in megabytes.
    pub media_max_mb: u64,
    /// Where uploaded files are kept (`FOLIO_MEDIA_URL`).
    pub media: MediaLocation,
    /// Where readers fetch the library's images from (`FOLIO_MEDIA_PUBLIC_URL`): a CDN or
    /// the bucket's own website, serving each file at `<url>/<key>`. `None`: from this
    /// site, under `/media/`.
    pub media_public_url: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: TrustedProxies,
    /// Where the source of the code this site runs can be had (the AGPL asks a network
    /// service to offer it); every page links to it.
    pub source_url: String,
}

/// Where the media library's files are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaLocation {
    /// A folder of this machine (`file:///path`; by default `media/` in the data
    /// folder): one machine, or several sharing that folder.
    Local(PathBuf),
    /// A bucket of an S3-compatible object store (`s3://bucket/folder`), which replicas
    /// on any number of machines share.
    S3(folio_media::S3Settings),
}

impl Config {
    /// The local media folder: `FOLIO_MEDIA_URL`'s, else `media/` in the data folder.
    pub fn media_dir(&self) -> PathBuf {
        match &self.media {
            MediaLocation::Local(dir) => dir.clone(),
            MediaLocation::S3(_) => self.data_dir.join("media"),
        }
    }

    /// The largest image upload, in bytes.
    pub fn media_max_bytes(&self) -> u64 {
        self.media_max_mb * 1024 * 1024
    }
}

/// Every variable Folio reads; anything else starting with `FOLIO_` is a typo.
pub const KNOWN_VARIABLES: &[&str] = &[
    "FOLIO_CONFIG",
    "FOLIO_DATABASE_URL",
    "FOLIO_DATABASE_URL_FILE",
    "FOLIO_DATABASE_REPLICA_URLS",
    "FOLIO_DATABASE_REPLICA_URLS_FILE",
    "FOLIO_DATABASE_REPLICA_MAX_LAG",
    "FOLIO_DATA_DIR",
    "FOLIO_LISTEN",
    "FOLIO_LISTEN_REUSE_PORT",
    "FOLIO_HEALTH_SOCKET",
    "FOLIO_WORKER_THREADS",
    "FOLIO_BASE_URL",
    "FOLIO_REDIS_URL",
    "FOLIO_REDIS_URL_FILE",
    "FOLIO_THEME_DIR",
    "FOLIO_LOG_FORMAT",
    "FOLIO_LOG",
    "FOLIO_PAGE_CACHE_MB",
    "FOLIO_MEDIA_MAX_MB",
    "FOLIO_MEDIA_URL",
    "FOLIO_MEDIA_S3_ENDPOINT",
    "FOLIO_MEDIA_S3_REGION",
    "FOLIO_MEDIA_S3_ACCESS_KEY_ID",
    "FOLIO_MEDIA_S3_ACCESS_KEY_ID_FILE",
    "FOLIO_MEDIA_S3_SECRET_ACCESS_KEY",
    "FOLIO_MEDIA_S3_SECRET_ACCESS_KEY_FILE",
    "FOLIO_MEDIA_PUBLIC_URL",
    "FOLIO_TRUSTED_PROXIES",
    "FOLIO_SOURCE_URL",
];

/// The keys a TOML file may hold: the variable names without `FOLIO_`, lowercased.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    database_replica_urls: Option<String>,
    database_replica_max_lag: Option<u64>,
    data_dir: Option<PathBuf>,
    listen: Option<String>,
    listen_reuse_port: Option<bool>,
    health_socket: Option<String>,
    worker_threads: Option<usize>,
    base_url: Option<String>,
    redis_url: Option<String>,
    theme_dir: Option<PathBuf>,
    log_format: Option<String>,
    log: Option<String>,
    page_cache_mb: Option<u64>,
    media_max_mb: Option<u64>,
    media_url: Option<String>,
    media_s3_endpoint: Option<String>,
    media_s3_region: Option<String>,
    media_s3_access_key_id: Option<String>,
    media_s3_secret_access_key: Option<String>,
    media_public_url: Option<String>,
    trusted_proxies: Option<String>,
    source_url: Option<String>,
}

/// A configuration problem, naming where the bad value came from.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}: {message}")]
pub struct ConfigError {
    pub source_name: String,
    pub message: String,
}

fn err(source_name: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError {
        source_name: source_name.into(),
        message: message.into(),
    }
}

/// What was loaded, and the warnings to log once logging is up.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    pub warnings: Vec<String>,
}

/// A value and where it came from, for error messages.
struct Sourced<T> {
    value: T,
    from: String,
}

impl Config {
    /// Loads from the process environment and, if given, a file.
    pub fn load(file: Option<&Path>) -> Result<Loaded, ConfigError> {
        Config::from_sources(file, std::env::vars().collect())
    }

    /// Loads from an explicit environment (for tests).
    pub fn from_sources(
        file: Option<&Path>,
        env: Vec<(String, String)>,
    ) -> Result<Loaded, ConfigError> {
        let get = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let mut warnings: Vec<String> = env
            .iter()
            .filter(|(k, _)| k.starts_with("FOLIO_") && !KNOWN_VARIABLES.contains(&k.as_str()))
            .map(|(k, _)| {
                format!(
                    "unknown environment variable {k} is ignored (known: {})",
                    KNOWN_VARIABLES.join(", ")
                )
            })
            .collect();

        let file_path = file
            .map(Path::to_path_buf)
            .or_else(|| get("FOLIO_CONFIG").map(PathBuf::from));
        let (file_cfg, file_name) = match &file_path {
            Some(path) => {
                let name = format!("config file {}", path.display());
                let text = std::fs::read_to_string(path)
                    .map_err(|e| err(&name, format!("cannot be read: {e}")))?;
                let parsed: FileConfig =
                    toml::from_str(&text).map_err(|e| err(&name, e.message().to_owned()))?;
                (parsed, name)
            }
            None => (FileConfig::default(), String::new()),
        };
        let from_file = |key: &str| format!("{file_name}: {key}");

        // A secret may come from NAME or NAME_FILE, not both.
        let secret = |name: &str| -> Result<Option<Sourced<String>>, ConfigError> {
            let file_var = format!("{name}_FILE");
            match (get(name), get(&file_var)) {
                (Some(_), Some(_)) => Err(err(
                    name,
                    format!("set either {name} or {file_var}, not both"),
                )),
                (Some(v), None) => Ok(Some(Sourced {
                    value: v,
                    from: name.to_owned(),
                })),
                (None, Some(path)) => {
                    let v = std::fs::read_to_string(&path)
                        .map_err(|e| err(&file_var, format!("cannot read {path}: {e}")))?;
                    Ok(Some(Sourced {
                        value: v.trim_end_matches(['\n', '\r']).to_owned(),
                        from: file_var,
                    }))
                }
                (None, None) => Ok(None),
            }
        };
        let pick = |env_name: &str,
                    file_value: Option<String>,
                    file_key: &str|
         -> Option<Sourced<String>> {
            get(env_name)
                .map(|v| Sourced {
                    value: v,
                    from: env_name.to_owned(),
                })
                .or_else(|| {
                    file_value.map(|v| Sourced {
                        value: v,
                        from: from_file(file_key),
                    })
                })
        };

        let data_dir = get("FOLIO_DATA_DIR")
            .map(PathBuf::from)
            .or(file_cfg.data_dir)
            .unwrap_or_else(|| PathBuf::from("./folio-data"));
        if data_dir.as_os_str().is_empty() {
            return Err(err("FOLIO_DATA_DIR", "must not be empty"));
        }

        let listen = match pick("FOLIO_LISTEN", file_cfg.listen, "listen") {
            Some(s) => Listen::parse(&s.value).map_err(|m| err(&s.from, m))?,
            None => Listen::Tcp(SocketAddr::from(([127, 0, 0, 1], 8080))),
        };

        let listen_reuse_port = match get("FOLIO_LISTEN_REUSE_PORT") {
            Some(v) => match v.trim() {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" | "" => false,
                other => {
                    return Err(err(
                        "FOLIO_LISTEN_REUSE_PORT",
                        format!("{other:?} is not true or false"),
                    ))
                }
            },
            None => file_cfg.listen_reuse_port.unwrap_or(false),
        };
        if listen_reuse_port && matches!(listen, Listen::Unix(_)) {
            return Err(err("FOLIO_LISTEN_REUSE_PORT", "shares a TCP port; FOLIO_LISTEN is a Unix socket, which each replica needs its own of"));
        }

        let worker_threads = match get("FOLIO_WORKER_THREADS") {
            Some(v) => match v.trim() {
                "" | "auto" => None,
                n => Some(n.parse::<usize>().ok().filter(|n| (1..=1024).contains(n)).ok_or_else(|| {
                    err("FOLIO_WORKER_THREADS", format!("{v:?} is not a number of threads from 1 to 1024 (or auto: one per core)"))
                })?),
            },
            None => match file_cfg.worker_threads {
                Some(n) if !(1..=1024).contains(&n) => {
                    return Err(err(from_file("worker_threads"), format!("{n} is not a number of threads from 1 to 1024")))
                }
                n => n,
            },
        };

        let health_socket = match pick(
            "FOLIO_HEALTH_SOCKET",
            file_cfg.health_socket,
            "health_socket",
        ) {
            Some(s) if s.value.trim().is_empty() => None,
            Some(s) if s.value.len() > 100 || s.value == "@" => {
                return Err(err(
                    &s.from,
                    format!(
                        "{:?} must be a socket path or @name of at most 100 bytes",
                        s.value
                    ),
                ))
            }
            Some(s) => Some(s.value),
            None => None,
        };

        let base_url = match pick("FOLIO_BASE_URL", file_cfg.base_url, "base_url") {
            Some(s) => parse_base_url(&s.value).map_err(|m| err(&s.from, m))?,
            None => match &listen {
                Listen::Tcp(addr) => format!("http://{addr}"),
                Listen::Unix(_) => {
                    return Err(err("FOLIO_BASE_URL", "must be set when FOLIO_LISTEN is a Unix socket: the site's address cannot be derived from a socket path"))
                }
            },
        };

        let database_url = match secret("FOLIO_DATABASE_URL")?.or_else(|| {
            file_cfg.database_url.map(|v| Sourced {
                value: v,
                from: from_file("database_url"),
            })
        }) {
            Some(s) => {
                let scheme = s.value.split("://").next().unwrap_or_default();
                if !matches!(
                    scheme,
                    "sqlite" | "mysql" | "mariadb" | "postgres" | "postgresql"
                ) || !s.value.contains(':')
                {
                    return Err(err(
                        &s.from,
                        "must start with sqlite://, mysql://, mariadb:// or postgres://",
                    ));
                }
                s.value
            }
            None => format!("sqlite://{}", data_dir.join("folio.db").display()),
        };

        let database_replica_urls = match secret("FOLIO_DATABASE_REPLICA_URLS")?.or_else(|| {
            file_cfg.database_replica_urls.map(|v| Sourced {
                value: v,
                from: from_file("database_replica_urls"),
            })
        }) {
            Some(s) => parse_replica_urls(&s.value, &database_url).map_err(|m| err(&s.from, m))?,
            None => Vec::new(),
        };

        let database_replica_max_lag = match get("FOLIO_DATABASE_REPLICA_MAX_LAG") {
            Some(v) => v
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=86_400).contains(n))
                .ok_or_else(|| {
                    err(
                        "FOLIO_DATABASE_REPLICA_MAX_LAG",
                        format!("{v:?} is not a whole number of seconds from 1 to 86400"),
                    )
                })?,
            None => match file_cfg.database_replica_max_lag {
                Some(n) if !(1..=86_400).contains(&n) => {
                    return Err(err(
                        from_file("database_replica_max_lag"),
                        format!("{n} is not a whole number of seconds from 1 to 86400"),
                    ))
                }
                n => n.unwrap_or(10),
            },
        };
        let database_replica_max_lag = std::time::Duration::from_secs(database_replica_max_lag);

        let redis_url = match secret("FOLIO_REDIS_URL")?.or_else(|| {
            file_cfg.redis_url.map(|v| Sourced {
                value: v,
                from: from_file("redis_url"),
            })
        }) {
            Some(s) if s.value.starts_with("rediss://") => {
                return Err(err(&s.from, "rediss:// (Redis over TLS) is not supported by this build; use redis:// on a private network"));
            }
            Some(s)
                if !s.value.starts_with("redis://")
                    && !s.value.starts_with("redis+sentinel://") =>
            {
                return Err(err(
                    &s.from,
                    "must start with redis://, or redis+sentinel:// for Redis through Sentinel",
                ));
            }
            Some(s) => Some(s.value),
            None => None,
        };

        let theme_dir = get("FOLIO_THEME_DIR")
            .map(PathBuf::from)
            .or(file_cfg.theme_dir)
            .filter(|p| !p.as_os_str().is_empty());

        let log_format = match pick("FOLIO_LOG_FORMAT", file_cfg.log_format, "log_format") {
            Some(s) => match s.value.as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                other => {
                    return Err(err(
                        &s.from,
                        format!("{other:?} is not a log format: use text or json"),
                    ))
                }
            },
            None => LogFormat::Text,
        };

        let log = pick("FOLIO_LOG", file_cfg.log, "log")
            .map(|s| s.value)
            .unwrap_or_else(|| "info".into());

        let page_cache_mb = match get("FOLIO_PAGE_CACHE_MB") {
            Some(v) => v
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| *n <= 65_536)
                .ok_or_else(|| {
                    err(
                        "FOLIO_PAGE_CACHE_MB",
                        format!("{v:?} is not a whole number of megabytes from 0 (off) to 65536"),
                    )
                })?,
            None => file_cfg.page_cache_mb.unwrap_or(64),
        };

        let media_max_mb = match get("FOLIO_MEDIA_MAX_MB") {
            Some(v) => v
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=1024).contains(n))
                .ok_or_else(|| {
                    err(
                        "FOLIO_MEDIA_MAX_MB",
                        format!("{v:?} is not a whole number of megabytes from 1 to 1024"),
                    )
                })?,
            None => match file_cfg.media_max_mb {
                Some(n) if !(1..=1024).contains(&n) => {
                    return Err(err(
                        from_file("media_max_mb"),
                        format!("{n} is not a whole number of megabytes from 1 to 1024"),
                    ))
                }
                Some(n) => n,
                None => 10,
            },
        };

        let media = match pick("FOLIO_MEDIA_URL", file_cfg.media_url, "media_url") {
            None => MediaLocation::Local(data_dir.join("media")),
            Some(url) if url.value.starts_with("file://") => {
                let path = PathBuf::from(&url.value["file://".len()..]);
                if !path.is_absolute() {
                    return Err(err(
                        &url.from,
                        format!("{:?} needs an absolute path, such as file:///srv/folio/media", url.value),
                    ));
                }
                MediaLocation::Local(path)
            }
            Some(url) if url.value.starts_with("s3://") => {
                let (bucket, prefix) =
                    folio_media::S3Settings::parse_url(&url.value).map_err(|m| err(&url.from, m))?;
                let endpoint = match pick(
                    "FOLIO_MEDIA_S3_ENDPOINT",
                    file_cfg.media_s3_endpoint,
                    "media_s3_endpoint",
                ) {
                    Some(s) => Some(parse_base_url(&s.value).map_err(|m| err(&s.from, m))?),
                    None => None,
                };
                let region = pick(
                    "FOLIO_MEDIA_S3_REGION",
                    file_cfg.media_s3_region,
                    "media_s3_region",
                )
                .map(|s| s.value);
                // Not a secret, but made with one (and kept beside it, as Compose's
                // and Kubernetes' secrets): it may come from a file too.
                let access_key_id = secret("FOLIO_MEDIA_S3_ACCESS_KEY_ID")?.or_else(|| {
                    file_cfg.media_s3_access_key_id.map(|v| Sourced {
                        value: v,
                        from: from_file("media_s3_access_key_id"),
                    })
                });
                let secret_access_key = secret("FOLIO_MEDIA_S3_SECRET_ACCESS_KEY")?.or_else(|| {
                    file_cfg.media_s3_secret_access_key.map(|v| Sourced {
                        value: v,
                        from: from_file("media_s3_secret_access_key"),
                    })
                });
                match (&access_key_id, &secret_access_key) {
                    (Some(_), None) => {
                        return Err(err(
                            "FOLIO_MEDIA_S3_ACCESS_KEY_ID",
                            "(or its _FILE) is set without FOLIO_MEDIA_S3_SECRET_ACCESS_KEY (or its _FILE): give both, or neither to use the AWS_* variables",
                        ))
                    }
                    (None, Some(s)) => {
                        return Err(err(
                            &s.from,
                            "is set without FOLIO_MEDIA_S3_ACCESS_KEY_ID (or its _FILE): give both, or neither to use the AWS_* variables",
                        ))
                    }
                    _ => {}
                }
                MediaLocation::S3(folio_media::S3Settings {
                    bucket,
                    prefix,
                    endpoint,
                    region,
                    access_key_id: access_key_id.map(|s| s.value),
                    secret_access_key: secret_access_key.map(|s| s.value),
                })
            }
            Some(url) => {
                return Err(err(
                    &url.from,
                    format!(
                        "{:?} is neither a folder (file:///srv/folio/media) nor a bucket (s3://bucket or s3://bucket/folder)",
                        url.value
                    ),
                ))
            }
        };

        if matches!(media, MediaLocation::Local(_)) {
            for name in [
                "FOLIO_MEDIA_S3_ENDPOINT",
                "FOLIO_MEDIA_S3_REGION",
                "FOLIO_MEDIA_S3_ACCESS_KEY_ID",
                "FOLIO_MEDIA_S3_ACCESS_KEY_ID_FILE",
                "FOLIO_MEDIA_S3_SECRET_ACCESS_KEY",
                "FOLIO_MEDIA_S3_SECRET_ACCESS_KEY_FILE",
            ] {
                if get(name).is_some() {
                    warnings.push(format!(
                        "{name} is ignored: FOLIO_MEDIA_URL is not an s3:// bucket"
                    ));
                }
            }
        }

        let media_public_url = match pick(
            "FOLIO_MEDIA_PUBLIC_URL",
            file_cfg.media_public_url,
            "media_public_url",
        ) {
            Some(s) => Some(parse_base_url(&s.value).map_err(|m| err(&s.from, m))?),
            None => None,
        };

        let trusted_proxies = match pick(
            "FOLIO_TRUSTED_PROXIES",
            file_cfg.trusted_proxies,
            "trusted_proxies",
        ) {
            Some(s) => TrustedProxies::parse(&s.value).map_err(|why| err(s.from, why))?,
            None => Default::default(),
        };

        let source_url = match pick("FOLIO_SOURCE_URL", file_cfg.source_url, "source_url") {
            Some(s) => parse_base_url(&s.value).map_err(|m| err(&s.from, m))?,
            None => env!("CARGO_PKG_REPOSITORY").to_owned(),
        };

        Ok(Loaded {
            config: Config {
                database_url,
                database_replica_urls,
                database_replica_max_lag,
                data_dir,
                listen,
                listen_reuse_port,
                health_socket,
                worker_threads,
                base_url,
                redis_url,
                theme_dir,
                log_format,
                log,
                page_cache_mb,
                media_max_mb,
                media,
                media_public_url,
                trusted_proxies,
                source_url,
            },
            warnings,
        })
    }
}

/// A comma- or space-separated list of replica URLs, each on the primary's kind of
/// database server. The error names the entry at fault, without its password.
fn parse_replica_urls(list: &str, primary: &str) -> Result<Vec<String>, String> {
    let kind = |url: &str| match url.split("://").next().unwrap_or_default() {
        "mysql" | "mariadb" => Some("mysql"),
        "postgres" | "postgresql" => Some("postgres"),
        _ => None,
    };
    let urls: Vec<String> = list
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_owned)
        .collect();
    if urls.is_empty() {
        return Ok(urls);
    }
    let Some(primary_kind) = kind(primary) else {
        return Err(
            "read replicas need FOLIO_DATABASE_URL on MariaDB/MySQL or PostgreSQL; SQLite has none"
                .into(),
        );
    };
    for url in &urls {
        let shown = folio_store::redact_password(url);
        match kind(url) {
            None => {
                return Err(format!(
                    "{shown:?} must start with mysql://, mariadb:// or postgres://"
                ))
            }
            Some(k) if k != primary_kind => {
                return Err(format!(
                    "{shown:?} is not on the same kind of database server as FOLIO_DATABASE_URL"
                ))
            }
            Some(_) if url == primary => {
                return Err(format!(
                    "{shown:?} is FOLIO_DATABASE_URL itself; list the replicas' URLs"
                ))
            }
            Some(_) => {}
        }
    }
    Ok(urls)
}

/// An absolute http(s) URL without a trailing slash, query or fragment.
fn parse_base_url(raw: &str) -> Result<String, String> {
    let url = raw.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("{raw:?} must be an absolute http:// or https:// URL such as https://blog.example.com"))?;
    if rest.is_empty() || rest.contains(['?', '#', ' ', '"', '<', '>']) {
        return Err(format!(
            "{raw:?} must be a URL with a host and no query or fragment"
        ));
    }
    Ok(url.to_owned())
}

/// Addresses and networks whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// Parses a comma- or space-separated list of addresses and CIDR networks, such as
    /// `127.0.0.1, 10.0.0.0/8, fd00::/8`. The error names the entry that is wrong.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        let mut nets = Vec::new();
        for entry in list
            .split([',', ' '])
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let (addr, prefix) = match entry.split_once('/') {
                Some((a, p)) => (a, Some(p)),
                None => (entry, None),
            };
            let ip: IpAddr = addr
                .parse()
                .map_err(|_| format!("{entry:?} is not an IP address or network"))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                None => max,
                Some(p) => p
                    .parse::<u8>()
                    .ok()
                    .filter(|p| *p <= max)
                    .ok_or_else(|| format!("{entry:?} has a prefix length outside 0–{max}"))?,
            };
            nets.push((ip, prefix));
        }
        Ok(TrustedProxies(nets))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0
            .iter()
            .any(|(net, prefix)| match (canonical(*net), ip) {
                (IpAddr::V4(n), IpAddr::V4(a)) => {
                    masked(u128::from(u32::from(n)), *prefix, 32)
                        == masked(u128::from(u32::from(a)), *prefix, 32)
                }
                (IpAddr::V6(n), IpAddr::V6(a)) => {
                    masked(u128::from(n), *prefix, 128) == masked(u128::from(a), *prefix, 128)
                }
                _ => false,
            })
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`) compare as IPv4.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn masked(bits: u128, prefix: u8, width: u8) -> u128 {
    if prefix == 0 {
        return 0;
    }
    let shift = u32::from(width - prefix);
    (bits >> shift) << shift
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults() {
        let c = Config::from_sources(None, vec![])
            .expect("defaults load")
            .config;
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert!(
            !c.listen_reuse_port,
            "a second server on the same address is an error unless asked for"
        );
        assert_eq!(c.base_url, "http://127.0.0.1:8080");
        assert_eq!(c.database_url, "sqlite://./folio-data/folio.db");
        assert_eq!(c.log_format, LogFormat::Text);
        assert_eq!(c.page_cache_mb, 64);
        assert_eq!(c.media_max_mb, 10);
        assert_eq!(c.worker_threads, None, "one per core unless told");
    }

    #[test]
    fn media_lives_in_a_folder_or_a_bucket() {
        let load = |pairs: &[(&str, &str)]| Config::from_sources(None, env(pairs));
        let local = load(&[("FOLIO_DATA_DIR", "/srv/folio")])
            .expect("loads")
            .config;
        assert_eq!(
            local.media,
            MediaLocation::Local(PathBuf::from("/srv/folio/media"))
        );
        let folder = load(&[("FOLIO_MEDIA_URL", "file:///mnt/shared/media")])
            .expect("loads")
            .config;
        assert_eq!(folder.media_dir(), PathBuf::from("/mnt/shared/media"));

        let secret = tempfile::NamedTempFile::new().expect("a file");
        std::fs::write(secret.path(), "s3cr3t\n").expect("written");
        let secret_path = secret.path().to_string_lossy().into_owned();
        let key_id = tempfile::NamedTempFile::new().expect("a file");
        std::fs::write(key_id.path(), "GK1\n").expect("written");
        let key_id_path = key_id.path().to_string_lossy().into_owned();
        let loaded = load(&[
            ("FOLIO_MEDIA_URL", "s3://folio-media/blog"),
            ("FOLIO_MEDIA_S3_ENDPOINT", "http://garage.internal:3900/"),
            ("FOLIO_MEDIA_S3_REGION", "garage"),
            ("FOLIO_MEDIA_S3_ACCESS_KEY_ID_FILE", &key_id_path),
            ("FOLIO_MEDIA_S3_SECRET_ACCESS_KEY_FILE", &secret_path),
        ])
        .expect("loads");
        let MediaLocation::S3(s3) = &loaded.config.media else {
            panic!("not S3: {:?}", loaded.config.media)
        };
        assert_eq!(
            (
                s3.bucket.as_str(),
                s3.prefix.as_str(),
                s3.endpoint.as_deref()
            ),
            ("folio-media", "blog", Some("http://garage.internal:3900"))
        );
        assert_eq!(s3.access_key_id.as_deref(), Some("GK1"));
        assert_eq!(s3.secret_access_key.as_deref(), Some("s3cr3t"));
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);

        for (pairs, names) in [
            (vec![("FOLIO_MEDIA_URL", "media")], "FOLIO_MEDIA_URL"),
            (
                vec![("FOLIO_MEDIA_URL", "file://relative/media")],
                "absolute path",
            ),
            (
                vec![("FOLIO_MEDIA_URL", "s3://Not_A_Bucket")],
                "bucket name",
            ),
            (
                vec![
                    ("FOLIO_MEDIA_URL", "s3://folio-media"),
                    ("FOLIO_MEDIA_S3_ACCESS_KEY_ID", "GK1"),
                ],
                "FOLIO_MEDIA_S3_SECRET_ACCESS_KEY",
            ),
            (
                vec![
                    ("FOLIO_MEDIA_URL", "s3://folio-media"),
                    ("FOLIO_MEDIA_S3_ENDPOINT", "garage:3900"),
                ],
                "FOLIO_MEDIA_S3_ENDPOINT",
            ),
        ] {
            let error = load(&pairs).expect_err("refused").to_string();
            assert!(error.contains(names), "{pairs:?}: {error}");
        }
        let ignored = load(&[("FOLIO_MEDIA_S3_REGION", "garage")]).expect("loads");
        assert!(
            ignored
                .warnings
                .iter()
                .any(|w| w.contains("FOLIO_MEDIA_S3_REGION is ignored")),
            "{:?}",
            ignored.warnings
        );
    }

    #[test]
    fn a_unix_socket_to_listen_on_needs_the_sites_address_and_no_shared_port() {
        let c = Config::from_sources(
            None,
            env(&[
                ("FOLIO_LISTEN", "unix:/run/folio/one.sock"),
                ("FOLIO_BASE_URL", "https://blog.example"),
            ]),
        )
        .expect("loads")
        .config;
        assert_eq!(c.listen, Listen::Unix(PathBuf::from("/run/folio/one.sock")));
        assert_eq!(c.listen.to_string(), "unix:/run/folio/one.sock");
        let e = Config::from_sources(None, env(&[("FOLIO_LISTEN", "unix:/run/folio/one.sock")]))
            .expect_err("no base URL");
        assert_eq!(e.source_name, "FOLIO_BASE_URL", "{e}");
        assert!(e.message.contains("Unix socket"), "{e}");
        let e = Config::from_sources(
            None,
            env(&[
                ("FOLIO_LISTEN", "unix:/run/folio/one.sock"),
                ("FOLIO_BASE_URL", "https://blog.example"),
                ("FOLIO_LISTEN_REUSE_PORT", "true"),
            ]),
        )
        .expect_err("no port to share");
        assert_eq!(e.source_name, "FOLIO_LISTEN_REUSE_PORT", "{e}");
        let long = format!("unix:/{}", "s".repeat(107));
        for bad in ["unix:", long.as_str()] {
            let e = Config::from_sources(
                None,
                env(&[
                    ("FOLIO_LISTEN", bad),
                    ("FOLIO_BASE_URL", "https://blog.example"),
                ]),
            )
            .expect_err("refused");
            assert_eq!(e.source_name, "FOLIO_LISTEN", "{e}");
            assert!(e.message.contains("socket path"), "{e}");
        }
    }

    #[test]
    fn worker_threads_from_the_environment_or_the_file() {
        let c = Config::from_sources(None, env(&[("FOLIO_WORKER_THREADS", "1")]))
            .expect("loads")
            .config;
        assert_eq!(c.worker_threads, Some(1));
        assert_eq!(
            Config::from_sources(None, env(&[("FOLIO_WORKER_THREADS", "auto")]))
                .expect("loads")
                .config
                .worker_threads,
            None
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("folio.toml");
        std::fs::write(&path, "worker_threads = 3\n").expect("write");
        assert_eq!(
            Config::from_sources(Some(&path), vec![])
                .expect("loads")
                .config
                .worker_threads,
            Some(3)
        );
        std::fs::write(&path, "worker_threads = 0\n").expect("write");
        let e = Config::from_sources(Some(&path), vec![]).expect_err("refused");
        assert!(e.source_name.ends_with("worker_threads"), "{e}");
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("FOLIO_LISTEN", "not-an-address"),
            ("FOLIO_BASE_URL", "ftp://x"),
            ("FOLIO_DATABASE_URL", "oracle://db"),
            ("FOLIO_LOG_FORMAT", "xml"),
            ("FOLIO_PAGE_CACHE_MB", "lots"),
            ("FOLIO_MEDIA_MAX_MB", "0"),
            ("FOLIO_TRUSTED_PROXIES", "10.0.0.0/99"),
            ("FOLIO_REDIS_URL", "http://redis"),
            ("FOLIO_LISTEN_REUSE_PORT", "sometimes"),
            ("FOLIO_WORKER_THREADS", "0"),
            ("FOLIO_WORKER_THREADS", "many"),
            ("FOLIO_SOURCE_URL", "git@example.com:me/folio.git"),
            ("FOLIO_MEDIA_PUBLIC_URL", "cdn.example.com/media"),
            ("FOLIO_MEDIA_PUBLIC_URL", "https://cdn.example.com/m?x=1"),
        ] {
            let e = Config::from_sources(None, env(&[(var, value)])).expect_err("refused");
            assert_eq!(e.source_name, var, "{e}");
        }
    }

    #[test]
    fn replica_urls_are_listed_checked_and_never_shown_with_their_password() {
        let primary = ("FOLIO_DATABASE_URL", "mysql://folio:pw@db1/folio");
        let c = Config::from_sources(
            None,
            env(&[
                primary,
                (
                    "FOLIO_DATABASE_REPLICA_URLS",
                    "mysql://folio:pw@db2/folio, mariadb://folio:pw@db3/folio",
                ),
                ("FOLIO_DATABASE_REPLICA_MAX_LAG", "3"),
            ]),
        )
        .expect("loads")
        .config;
        assert_eq!(
            c.database_replica_urls,
            ["mysql://folio:pw@db2/folio", "mariadb://folio:pw@db3/folio"]
        );
        assert_eq!(
            c.database_replica_max_lag,
            std::time::Duration::from_secs(3)
        );
        let c = Config::from_sources(None, env(&[primary]))
            .expect("loads")
            .config;
        assert!(c.database_replica_urls.is_empty());
        assert_eq!(
            c.database_replica_max_lag,
            std::time::Duration::from_secs(10)
        );

        for (replicas, says) in [
            ("postgres://folio:pw@db2/folio", "same kind"),
            ("mysql://folio:pw@db1/folio", "FOLIO_DATABASE_URL itself"),
            ("redis://folio:pw@db2", "must start with"),
        ] {
            let e = Config::from_sources(
                None,
                env(&[primary, ("FOLIO_DATABASE_REPLICA_URLS", replicas)]),
            )
            .expect_err("refused");
            assert_eq!(e.source_name, "FOLIO_DATABASE_REPLICA_URLS");
            assert!(e.message.contains(says), "{e}");
            assert!(!e.message.contains("pw"), "the password shows: {e}");
        }
        let e = Config::from_sources(
            None,
            env(&[("FOLIO_DATABASE_REPLICA_URLS", "mysql://folio@db2/folio")]),
        )
        .expect_err("SQLite has no replicas");
        assert!(e.message.contains("SQLite"), "{e}");
        let e = Config::from_sources(
            None,
            env(&[primary, ("FOLIO_DATABASE_REPLICA_MAX_LAG", "0")]),
        )
        .expect_err("refused");
        assert_eq!(e.source_name, "FOLIO_DATABASE_REPLICA_MAX_LAG");
    }

    #[test]
    fn a_public_media_url_loses_its_trailing_slash_and_is_off_by_default() {
        let c = Config::from_sources(None, vec![]).expect("loads").config;
        assert_eq!(c.media_public_url, None);
        let c = Config::from_sources(
            None,
            env(&[("FOLIO_MEDIA_PUBLIC_URL", "https://cdn.example.com/media/")]),
        )
        .expect("loads")
        .config;
        assert_eq!(
            c.media_public_url.as_deref(),
            Some("https://cdn.example.com/media")
        );
    }

    #[test]
    fn unknown_variables_are_warned_about() {
        let loaded = Config::from_sources(
            None,
            env(&[("FOLIO_LISTEN", "127.0.0.1:9000"), ("FOLIO_LISTN", "x")]),
        )
        .expect("loads");
        assert!(loaded.warnings.iter().any(|w| w.contains("FOLIO_LISTN")));
        assert_eq!(
            loaded.config.listen,
            Listen::Tcp(SocketAddr::from(([127, 0, 0, 1], 9000)))
        );
    }

    #[test]
    fn file_then_environment() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("folio.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:7000\"\nbase_url = \"https://blog.example/\"\n",
        )
        .expect("write");
        let c = Config::from_sources(Some(&path), vec![])
            .expect("loads")
            .config;
        assert_eq!(c.listen.to_string(), "127.0.0.1:7000");
        assert_eq!(c.base_url, "https://blog.example");
        let c = Config::from_sources(Some(&path), env(&[("FOLIO_LISTEN", "127.0.0.1:7001")]))
            .expect("loads")
            .config;
        assert_eq!(c.listen.to_string(), "127.0.0.1:7001");
        std::fs::write(&path, "lisen = \"x\"\n").expect("write");
        let e = Config::from_sources(Some(&path), vec![]).expect_err("refused");
        assert!(e.to_string().contains("lisen"), "{e}");
        std::fs::write(&path, "listen = \"nope\"\n").expect("write");
        let e = Config::from_sources(Some(&path), vec![]).expect_err("refused");
        assert!(e.to_string().contains("listen"), "{e}");
    }

    #[test]
    fn secrets_from_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db");
        std::fs::write(&path, "sqlite:///tmp/x.db\n").expect("write");
        let p = path.display().to_string();
        let c = Config::from_sources(None, env(&[("FOLIO_DATABASE_URL_FILE", &p)]))
            .expect("loads")
            .config;
        assert_eq!(c.database_url, "sqlite:///tmp/x.db");
        let e = Config::from_sources(
            None,
            env(&[
                ("FOLIO_DATABASE_URL_FILE", &p),
                ("FOLIO_DATABASE_URL", "sqlite://y"),
            ]),
        )
        .expect_err("refused");
        assert_eq!(e.source_name, "FOLIO_DATABASE_URL");
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn parses_addresses_and_networks_and_names_a_bad_entry() {
        let t = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8 fd00::/8").expect("parses");
        assert!(
            t.contains(ip("127.0.0.1"))
                && t.contains(ip("10.200.3.4"))
                && t.contains(ip("fd12::1"))
        );
        assert!(
            t.contains(ip("::ffff:10.1.1.1")),
            "IPv4-mapped addresses match their IPv4 network"
        );
        assert!(
            !t.contains(ip("127.0.0.2"))
                && !t.contains(ip("11.0.0.1"))
                && !t.contains(ip("fe80::1"))
        );
        assert!(TrustedProxies::parse("0.0.0.0/0")
            .expect("all")
            .contains(ip("8.8.8.8")));
        assert_eq!(
            TrustedProxies::parse("10.0.0.0/33").expect_err("prefix too long"),
            "\"10.0.0.0/33\" has a prefix length outside 0–32"
        );
        assert_eq!(
            TrustedProxies::parse("proxy.local").expect_err("a name, not an address"),
            "\"proxy.local\" is not an IP address or network"
        );
        assert!(TrustedProxies::parse("").expect("empty").is_empty());
    }
}
