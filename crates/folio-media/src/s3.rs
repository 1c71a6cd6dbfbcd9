//! Media in an S3-compatible object store (Amazon S3, Garage, MinIO, Ceph, Cloudflare
//! R2…): the store that replicas on different machines share, with no shared disk.
//!
//! The client is `object_store`'s (the Apache Arrow project's), which signs requests,
//! retries what is safe to retry and speaks path-style URLs to any endpoint. A `put` is
//! one PUT of the whole object: S3 makes it visible all at once or not at all, which is
//! the atomicity [`MediaStore::put`] asks of every store.

use crate::{MediaBody, MediaError, MediaKey, MediaStore};
use async_trait::async_trait;
use bytes::Bytes;
use futures_util::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{
    Attribute, Attributes, ClientOptions, ObjectStore, ObjectStoreExt, PutOptions, PutPayload,
    RetryConfig,
};
use std::fmt;
use std::time::Duration;

/// How long a request is retried before the store counts as unavailable: a writer waits
/// seconds for "try again", not the client's default three minutes.
const RETRY_FOR: Duration = Duration::from_secs(10);

/// Where in S3 the media library lives, and how to reach it.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Settings {
    pub bucket: String,
    /// A folder in the bucket, without slashes at either end; empty for the bucket's root.
    pub prefix: String,
    /// `https://s3.eu-west-1.amazonaws.com`, `http://garage.internal:3900`; `None`: AWS,
    /// from the region.
    pub endpoint: Option<String>,
    /// `None`: `AWS_DEFAULT_REGION`, else `us-east-1` (what most S3-compatible servers
    /// accept whatever they call themselves).
    pub region: Option<String>,
    /// Both or neither; neither: the usual AWS sources (`AWS_ACCESS_KEY_ID` and
    /// `AWS_SECRET_ACCESS_KEY`, a web identity or instance role).
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

impl S3Settings {
    /// `s3://bucket` or `s3://bucket/folder`, for messages (no credentials).
    pub fn url(&self) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix)
        }
    }

    /// Parses the bucket and folder of `s3://bucket/folder`; `None` for anything else.
    pub fn parse_url(url: &str) -> Result<(String, String), String> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| format!("{url:?} is not an s3://bucket URL"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
            && !bucket.starts_with(['-', '.'])
            && !bucket.ends_with(['-', '.']);
        if !valid_bucket {
            return Err(format!(
                "{url:?}: {bucket:?} is not a bucket name (3 to 63 lowercase letters, digits, dots and hyphens)"
            ));
        }
        let prefix = prefix.trim_matches('/');
        if prefix.split('/').any(|segment| {
            segment == "." || segment == ".." || (segment.is_empty() && !prefix.is_empty())
        }) {
            return Err(format!(
                "{url:?}: the folder in the bucket is not a plain path"
            ));
        }
        Ok((bucket.to_owned(), prefix.to_owned()))
    }
}

impl fmt::Debug for S3Settings {
    /// The secret key never reaches a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "(redacted)"),
            )
            .finish()
    }
}

/// Media files as objects in a bucket, under `<prefix>/<key>`.
pub struct S3Store {
    client: AmazonS3,
    prefix: String,
    url: String,
}

impl fmt::Debug for S3Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Store").field("url", &self.url).finish()
    }
}

impl S3Store {
    /// A client for `settings`. Nothing is asked of the server yet: see [`S3Store::check`].
    pub fn new(settings: &S3Settings) -> Result<S3Store, MediaError> {
        // reqwest takes rustls' process-wide provider: ring, installed once (a provider
        // already installed, by an earlier store, is kept).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&settings.bucket)
            .with_retry(RetryConfig {
                max_retries: 3,
                retry_timeout: RETRY_FOR,
                ..Default::default()
            })
            .with_client_options(
                ClientOptions::new()
                    .with_connect_timeout(Duration::from_secs(3))
                    .with_timeout(Duration::from_secs(60)),
            );
        if let Some(endpoint) = &settings.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        if let Some(region) = &settings.region {
            builder = builder.with_region(region);
        }
        if let (Some(id), Some(secret)) = (&settings.access_key_id, &settings.secret_access_key) {
            builder = builder
                .with_access_key_id(id)
                .with_secret_access_key(secret);
        }
        let client = builder.build().map_err(|e| MediaError::Unavailable {
            store: settings.url(),
            // "builder error" says nothing; its cause ("no CA certificates found") does.
            reason: format!("could not make its HTTP client: {}", root_cause(&e)),
        })?;
        Ok(S3Store {
            client,
            prefix: settings.prefix.clone(),
            url: settings.url(),
        })
    }

    /// `s3://bucket/folder`.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn path_of(&self, key: &MediaKey) -> Path {
        // A MediaKey is made of [a-z0-9/.-] with no empty or dot segment: a valid path.
        if self.prefix.is_empty() {
            Path::from(key.as_str())
        } else {
            Path::from(format!("{}/{}", self.prefix, key.as_str()))
        }
    }

    /// Asks the server for one listing of the library's folder: at start-up, so that an
    /// unreachable endpoint, a missing bucket or refused credentials stop the server with
    /// a message instead of failing the first upload.
    pub async fn check(&self) -> Result<(), MediaError> {
        let prefix = (!self.prefix.is_empty()).then(|| Path::from(self.prefix.as_str()));
        self.client
            .list_with_delimiter(prefix.as_ref())
            .await
            .map(|_| ())
            .map_err(|e| self.unavailable("list", &e))
    }

    fn unavailable(&self, action: &str, error: &object_store::Error) -> MediaError {
        // The client passes S3's error code on only in its text (`<Code>NoSuchBucket</Code>`).
        let text = error.to_string();
        let code = |name: &str| text.contains(&format!("<Code>{name}</Code>"));
        let reason = if code("NoSuchBucket") {
            "the bucket does not exist (create it, or correct FOLIO_MEDIA_URL)".to_owned()
        } else if matches!(
            error,
            object_store::Error::PermissionDenied { .. }
                | object_store::Error::Unauthenticated { .. }
        ) || [
            "AccessDenied",
            "InvalidAccessKeyId",
            "SignatureDoesNotMatch",
        ]
        .iter()
        .any(|name| code(name))
        {
            "the store refused the credentials (check the access key, the secret, the region and the key's rights on the bucket)"
                .to_owned()
        } else {
            let cause = root_cause(error);
            let cause: String = cause.chars().take(300).collect();
            format!("could not {action}: {cause}")
        };
        MediaError::Unavailable {
            store: self.url.clone(),
            reason,
        }
    }
}

/// The innermost error: "connection refused" rather than three layers of context.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

#[async_trait]
impl MediaStore for S3Store {
    #[tracing::instrument(name = "media.put", skip_all, fields(key = %key, bytes = bytes.len()))]
    async fn put(&self, key: &MediaKey, bytes: Bytes, mime: &str) -> Result<(), MediaError> {
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, mime.to_owned().into());
        let options = PutOptions {
            attributes,
            ..Default::default()
        };
        self.client
            .put_opts(&self.path_of(key), PutPayload::from_bytes(bytes), options)
            .await
            .map(|_| ())
            .map_err(|e| self.unavailable("store the file", &e))
    }

    #[tracing::instrument(name = "media.get", skip_all, fields(key = %key))]
    async fn get(&self, key: &MediaKey) -> Result<Option<Bytes>, MediaError> {
        let read = async {
            let object = self.client.get(&self.path_of(key)).await?;
            object.bytes().await
        };
        match read.await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.unavailable("read the file", &e)),
        }
    }

    #[tracing::instrument(name = "media.open", skip_all, fields(key = %key))]
    async fn open(&self, key: &MediaKey) -> Result<Option<MediaBody>, MediaError> {
        match self.client.get(&self.path_of(key)).await {
            Ok(object) => Ok(Some(MediaBody::whole(object.meta.size, chunks_of(object)))),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.unavailable("read the file", &e)),
        }
    }

    /// The object's length first (a HEAD), so the range is resolved here as for a
    /// folder, then a ranged GET of exactly those bytes.
    #[tracing::instrument(name = "media.open_range", skip_all, fields(key = %key))]
    async fn open_range(
        &self,
        key: &MediaKey,
        range: crate::ByteRange,
    ) -> Result<Option<MediaBody>, MediaError> {
        let path = self.path_of(key);
        let total = match self.client.head(&path).await {
            Ok(meta) => meta.size,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.unavailable("read the file", &e)),
        };
        let Some((start, end)) = range.resolve(total) else {
            return Ok(Some(MediaBody::none_of(total)));
        };
        let options = object_store::GetOptions {
            range: Some(object_store::GetRange::Bounded(start..end + 1)),
            ..Default::default()
        };
        match self.client.get_opts(&path, options).await {
            Ok(object) => Ok(Some(MediaBody {
                len: end - start + 1,
                start,
                total,
                chunks: chunks_of(object),
            })),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.unavailable("read the file", &e)),
        }
    }

    #[tracing::instrument(name = "media.delete", skip_all, fields(key = %key))]
    async fn delete(&self, key: &MediaKey) -> Result<(), MediaError> {
        match self.client.delete(&self.path_of(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.unavailable("delete the file", &e)),
        }
    }

    async fn list(&self) -> Result<Vec<MediaKey>, MediaError> {
        let prefix = (!self.prefix.is_empty()).then(|| Path::from(self.prefix.as_str()));
        let strip = if self.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.prefix)
        };
        let mut keys = Vec::new();
        let mut listing = self.client.list(prefix.as_ref());
        while let Some(object) = listing.next().await {
            let object = object.map_err(|e| self.unavailable("list the files", &e))?;
            let name = object.location.as_ref();
            if let Some(key) = name
                .strip_prefix(&strip)
                .and_then(|relative| MediaKey::parse(relative).ok())
            {
                keys.push(key);
            }
        }
        Ok(keys)
    }
}

/// An object's bytes as the store sends them.
fn chunks_of(
    object: object_store::GetResult,
) -> futures_util::stream::BoxStream<'static, std::io::Result<Bytes>> {
    Box::pin(
        object
            .into_stream()
            .map(|chunk| chunk.map_err(std::io::Error::other)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_a_bucket_and_a_plain_folder() {
        assert_eq!(
            S3Settings::parse_url("s3://folio-media"),
            Ok(("folio-media".into(), String::new()))
        );
        assert_eq!(
            S3Settings::parse_url("s3://folio-media/blog/a/"),
            Ok(("folio-media".into(), "blog/a".into()))
        );
        for bad in [
            "folio-media",
            "https://folio-media",
            "s3://",
            "s3://ab",
            "s3://Folio",
            "s3://folio_media",
            "s3://-folio",
            "s3://folio/../etc",
            "s3://folio/a//b",
        ] {
            assert!(S3Settings::parse_url(bad).is_err(), "accepted {bad}");
        }
    }

    #[test]
    fn an_https_store_gets_a_tls_client() {
        // reqwest builds its TLS configuration with the client, from rustls' installed
        // provider, and panics when there is none: the store installs ring's.
        let settings = S3Settings {
            bucket: "folio".into(),
            prefix: String::new(),
            endpoint: Some("https://s3.example.invalid".into()),
            region: Some("eu-west-1".into()),
            access_key_id: Some("AKIA1".into()),
            secret_access_key: Some("secret".into()),
        };
        let store = S3Store::new(&settings).expect("an https store");
        assert_eq!(store.url(), "s3://folio");
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
    }

    #[test]
    fn the_secret_key_is_never_printed() {
        let settings = S3Settings {
            bucket: "folio".into(),
            prefix: String::new(),
            endpoint: None,
            region: None,
            access_key_id: Some("GK123".into()),
            secret_access_key: Some("very-secret".into()),
        };
        let printed = format!("{settings:?}");
        assert!(
            printed.contains("GK123") && !printed.contains("very-secret"),
            "{printed}"
        );
    }
}
