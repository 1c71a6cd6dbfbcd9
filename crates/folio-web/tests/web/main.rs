//! Tests of the HTTP layer through the real router (and, in `socket`, a real socket),
//! each on its own fresh database: SQLite, or MariaDB/PostgreSQL with `FOLIO_TEST_BACKEND`.

mod account;
mod admin;
mod admin_matrix;
mod api;
mod backup;
mod browser;
mod cache;
mod helpers;
mod import;
mod media;
mod outage;
mod people;
mod permissions;
mod replicas;
mod shared;
mod site;
mod socket;
mod theme;
mod writers;
