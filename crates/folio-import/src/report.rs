//! The account an import gives at its end: what came in, what did not and why, and
//! what the writer should look at.

use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub imported: usize,
    /// Already there from an earlier run of the same import.
    pub existing: usize,
    pub skipped: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub dry_run: bool,
    /// Counts by kind of thing: posts, pages, authors, tags, media, redirects.
    pub counts: BTreeMap<&'static str, Counts>,
    /// `(what, why)` of everything left out.
    pub skipped: Vec<(String, String)>,
    /// `(which post, what)`.
    pub warnings: Vec<(String, String)>,
    /// Unknown shortcodes and how many posts use each.
    pub shortcodes: BTreeMap<String, usize>,
    /// Things the file holds that Folio does not import, by kind, with a count.
    pub not_content: BTreeMap<String, usize>,
    /// Posts that failed to save (the rest of the import went on).
    pub failed: Vec<(String, String)>,
}

impl Report {
    pub fn imported(&mut self, kind: &'static str) {
        self.counts.entry(kind).or_default().imported += 1;
    }

    pub fn existing(&mut self, kind: &'static str) {
        self.counts.entry(kind).or_default().existing += 1;
    }

    pub fn skip(&mut self, kind: &'static str, what: impl Into<String>, why: impl Into<String>) {
        self.counts.entry(kind).or_default().skipped += 1;
        self.skipped.push((what.into(), why.into()));
    }

    pub fn warn(&mut self, what: impl Into<String>, warning: impl Into<String>) {
        self.warnings.push((what.into(), warning.into()));
    }

    pub fn count(&self, kind: &str) -> Counts {
        self.counts.get(kind).cloned().unwrap_or_default()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.dry_run {
            "would import"
        } else {
            "imported"
        };
        writeln!(
            f,
            "{}",
            if self.dry_run {
                "Dry run: nothing was written."
            } else {
                "Import finished."
            }
        )?;
        writeln!(
            f,
            "{:<10} {:>9} {:>16} {:>8}",
            "", verb, "already there", "skipped"
        )?;
        for (kind, c) in &self.counts {
            writeln!(
                f,
                "{kind:<10} {:>9} {:>16} {:>8}",
                c.imported, c.existing, c.skipped
            )?;
        }
        if !self.not_content.is_empty() {
            let list: Vec<String> = self
                .not_content
                .iter()
                .map(|(k, n)| format!("{n} {k}"))
                .collect();
            writeln!(f, "Not imported (no Folio equivalent): {}", list.join(", "))?;
        }
        if !self.failed.is_empty() {
            writeln!(
                f,
                "\nFailed ({}); run the import again once fixed, it picks up where it stopped:",
                self.failed.len()
            )?;
            for (what, why) in &self.failed {
                writeln!(f, "  {what}: {why}")?;
            }
        }
        if !self.skipped.is_empty() {
            writeln!(f, "\nSkipped ({}):", self.skipped.len())?;
            for (what, why) in &self.skipped {
                writeln!(f, "  {what}: {why}")?;
            }
        }
        if !self.shortcodes.is_empty() {
            writeln!(
                f,
                "\nShortcodes Folio does not know, kept as text (look at these posts):"
            )?;
            for (name, n) in &self.shortcodes {
                writeln!(f, "  [{name}] in {n} post(s)")?;
            }
        }
        if !self.warnings.is_empty() {
            writeln!(f, "\nWarnings ({}):", self.warnings.len())?;
            for (what, warning) in &self.warnings {
                writeln!(f, "  {what}: {warning}")?;
            }
        }
        Ok(())
    }
}
