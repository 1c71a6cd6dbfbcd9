//! The media layer from the outside: one test binary, one module per part.

mod keys;
mod process;
mod s3;
mod store;
mod support;
