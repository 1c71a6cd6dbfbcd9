//! Folio's application layer, between the adapters (the HTTP API, the admin pages, the
//! command line, the background tasks) and the store: the configuration of a process,
//! and each use-case as one function that every adapter calls.
//!
//! Nothing here speaks HTTP or renders HTML; nothing here writes SQL (that is
//! `folio-store`'s).

pub mod backup;
pub mod config;
mod error;
pub mod import;
pub mod media;
pub mod posts;
pub mod settings;

pub use config::Config;
pub use error::{Error, UploadError};
