//! Folio's application layer, between the adapters (the HTTP API, the admin pages, the
//! command line, the background tasks) and the store: the configuration of a process,
//! and each use-case as one function that every adapter calls.
//!
//! Nothing here speaks HTTP or renders HTML; nothing here writes SQL (that is
//! `folio-store`'s).

pub mod config;

pub use config::Config;
