//! The one error type of the use-cases. Each variant is something a caller can act on
//! (which field, which role, which limit), except [`Error::Store`], which is the
//! database's own failure: logged by whoever answers, never shown.
//!
//! When a use-case returns an error, nothing was written.

use folio_core::FieldErrors;
use folio_media::MediaError;
use folio_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// What was asked for does not exist (`what` names it: `post`, `media`…).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The actor's role may not do this; the message says what, for a person.
    #[error("{0}")]
    Forbidden(String),
    /// Fields that were refused, each with why, all at once.
    #[error("some fields are invalid")]
    Invalid(FieldErrors),
    /// A unique value, named by its field, is already used.
    #[error("{field} is already taken")]
    Conflict { field: &'static str },
    /// The thing is not in a state that allows this (`code` says which, for clients).
    #[error("{message}")]
    State { code: &'static str, message: String },
    /// An image that could not be taken in.
    #[error(transparent)]
    Upload(#[from] UploadError),
    /// The database failed or could not be reached.
    #[error(transparent)]
    Store(StoreError),
}

/// Why an image upload was refused. The messages are for the person who uploaded it,
/// except those of [`MediaError`]s with a 5xx status, which are for the log.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("the file is larger than the upload limit of {}", folio_media::describe_limit(*limit))]
    TooLarge { limit: u64 },
    #[error("no file was sent: send the image as a multipart/form-data field named `file`")]
    NoFile,
    #[error("the upload could not be read: {0}")]
    Malformed(String),
    #[error(transparent)]
    Media(#[from] MediaError),
}

impl From<StoreError> for Error {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Error::NotFound("resource"),
            StoreError::Conflict { field } => Error::Conflict { field },
            StoreError::Invalid(fields) => Error::Invalid(fields),
            e => Error::Store(e),
        }
    }
}

impl From<MediaError> for Error {
    fn from(err: MediaError) -> Self {
        Error::Upload(UploadError::Media(err))
    }
}

impl From<FieldErrors> for Error {
    fn from(fields: FieldErrors) -> Self {
        Error::Invalid(fields)
    }
}

impl Error {
    /// A not-found error from the store, naming what was looked for.
    pub fn not_found(what: &'static str) -> impl FnOnce(StoreError) -> Error {
        move |err| match err {
            StoreError::NotFound => Error::NotFound(what),
            e => e.into(),
        }
    }

    /// One refused field.
    pub fn field(field: &str, reason: impl std::fmt::Display) -> Error {
        let mut fields = FieldErrors::new();
        fields.add(field, reason);
        Error::Invalid(fields)
    }
}
