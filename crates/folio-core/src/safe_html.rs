//! [`SafeHtml`]: HTML that may be written into a page without escaping.
//!
//! Only two things make one: the Markdown pipeline (whose last step is the sanitizer)
//! and [`SafeHtml::trusted`], which is grep-able and reserved for HTML that Folio
//! itself wrote or that was sanitized when it was stored.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(transparent)]
pub struct SafeHtml(String);

impl SafeHtml {
    /// Wraps HTML that is already known to be safe: the stored output of
    /// [`crate::render_markdown`] read back from the database, or markup Folio wrote.
    /// Never call this on anything a user typed.
    pub fn trusted(html: String) -> Self {
        SafeHtml(html)
    }

    /// Sanitizes arbitrary HTML (for example from an import) into safe HTML.
    pub fn sanitize(html: &str) -> Self {
        crate::markdown::sanitize(html)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for SafeHtml {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
