//! docs/ARCHITECTURE.md stays true to the code: every file or folder it names exists,
//! every `FOLIO_*` setting is one Folio reads, and every code name it writes in
//! backticks (`App::create_post`, `PageKey`, `login_failures`…) is a word of the source.
//! A renamed module, a removed middleware or a dropped setting fails here until the page
//! says what the code does.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every word (letters, digits, `_`) of the project's source, SQL, templates, scripts
/// and configuration.
fn source_words(root: &Path) -> BTreeSet<String> {
    let mut words = BTreeSet::new();
    let mut folders: Vec<PathBuf> = ["crates", "themes", "deploy", "scripts", "tests", "bench"]
        .iter()
        .map(|d| root.join(d))
        .collect();
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !matches!(
                    name.as_str(),
                    "target" | "node_modules" | ".git" | "fixtures"
                ) {
                    folders.push(path);
                }
                continue;
            }
            let text_like = name.ends_with(".md")
                || !name.contains('.')
                || [
                    ".rs", ".sql", ".html", ".toml", ".py", ".sh", ".yaml", ".conf", ".js", ".css",
                ]
                .iter()
                .any(|ext| name.ends_with(ext));
            // Not this file: it names on purpose what must not exist.
            if name.ends_with(".md") || !text_like || path.ends_with("folio/tests/docs.rs") {
                continue;
            }
            if let Ok(text) = std::fs::read_to_string(&path) {
                for word in text.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
                    if !word.is_empty() {
                        words.insert(word.to_owned());
                    }
                }
            }
        }
    }
    words
}

/// The spans written in backticks.
fn code_spans(text: &str) -> Vec<&str> {
    let mut spans = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if in_block {
            continue;
        }
        spans.extend(line.split('`').skip(1).step_by(2));
    }
    spans
}

/// A span that names code: a Rust path or identifier written as code is written, with
/// `::`, an underscore or an inner capital (`App::create_post`, `login_failures`,
/// `PageKey`), generics aside (`CsrfForm<T, R>`).
fn code_name(span: &str) -> Option<Vec<&str>> {
    let name = span.split('<').next().unwrap_or(span);
    let is_ident = |s: &str| {
        s.chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && s.chars().all(|c| c.is_alphanumeric() || c == '_')
    };
    let segments: Vec<&str> = name.split("::").collect();
    if !segments.iter().all(|s| is_ident(s)) {
        return None;
    }
    let shouty = name
        .chars()
        .all(|c| c.is_uppercase() || c == '_' || c.is_numeric());
    // ALL_CAPS words are SQL or an engine's own terms (`FTS_DOC_ID`), not Folio's names.
    let camel = name.chars().skip(1).any(char::is_uppercase);
    (name.contains("::") || (!shouty && (name.contains('_') || camel))).then_some(segments)
}

#[test]
fn the_architecture_page_names_only_what_exists() {
    let root = repository();
    let page = std::fs::read_to_string(root.join("docs/ARCHITECTURE.md")).expect("the page");
    let words = source_words(&root);
    assert!(
        words.contains("create_post") && words.len() > 1000,
        "the source was not read"
    );
    let mut missing = Vec::new();
    for span in code_spans(&page) {
        let path_like = [
            "crates/", "docs/", "tests/", "themes/", "scripts/", "deploy/", "bench/",
        ]
        .iter()
        .any(|p| span.starts_with(p));
        if path_like {
            let path = span.trim_end_matches('/');
            if !root.join(path).exists() {
                missing.push(format!("file {span}"));
            }
        } else if span.starts_with("FOLIO_") {
            let name = span.split(['=', ' ']).next().unwrap_or(span);
            let known = folio_app::config::KNOWN_VARIABLES.contains(&name)
                || name.starts_with("FOLIO_TEST_")
                || name.ends_with("_*")
                || words.contains(name);
            if !known {
                missing.push(format!("setting {name}"));
            }
        } else if let Some(segments) = code_name(span) {
            for segment in segments {
                if !words.contains(segment) {
                    missing.push(format!("`{span}` ({segment})"));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "docs/ARCHITECTURE.md names what the code does not have:\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn the_check_catches_a_name_that_does_not_exist() {
    let words = source_words(&repository());
    for gone in ["track_request", "themed_errors", "AdminError"] {
        let segments = code_name(gone).expect("a code name");
        assert!(
            segments.iter().any(|s| !words.contains(*s)),
            "{gone} should not be in the source"
        );
    }
    assert_eq!(code_name("BEGIN IMMEDIATE"), None);
    assert_eq!(code_name("x-folio-cache"), None);
    assert_eq!(code_name("CsrfForm<T, R>"), Some(vec!["CsrfForm"]));
}
