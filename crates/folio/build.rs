//! Link options for the `folio` binary.

fn main() {
    println!("cargo:rerun-if-env-changed=FOLIO_NO_RELR");
    // Relative relocations packed (DT_RELR): the table the dynamic loader reads and keeps
    // mapped at start shrinks from 2.3 MB to 36 KB, about 2 MiB less resident memory in
    // every process (docs/BENCHMARKS.md, "Idle memory"). Needs GNU ld 2.38 or lld 15 to
    // link and glibc 2.36 to run (Debian 12 and its images have both); FOLIO_NO_RELR=1
    // links without it, for an older toolchain or C library.
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.ends_with("-linux-gnu") && std::env::var_os("FOLIO_NO_RELR").is_none() {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
