//! `sqlx::migrate!` embeds the migration folders at compile time; without this a new
//! migration file would not rebuild the crate, and a build would silently lack it.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
