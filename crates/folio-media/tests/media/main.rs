//! The media layer from the outside: one test binary, one module per part.

mod keys;
mod process;
mod store;
mod support;
