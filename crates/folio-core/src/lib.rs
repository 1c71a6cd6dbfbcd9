//! Folio's domain: the types every other crate speaks in, the rules of who may do
//! what, and the Markdown pipeline that turns a writer's source into [`SafeHtml`].
//!
//! This crate does no I/O: no database, no network, no files. Everything here is a
//! pure function of its inputs, so it is unit- and property-tested in isolation.

pub mod cache_tag;
pub mod field;
pub mod legacy;
pub mod markdown;
pub mod model;
pub mod permissions;
pub mod safe_html;
pub mod slug;
pub mod zone;

pub use cache_tag::CacheTag;
pub use field::{FieldErrors, Invalid};
pub use markdown::{render_markdown, render_markdown_with, ImageSet, ImageSets, Rendered};
pub use model::{Email, PersonName, PostKind, PostStatus, PostTitle, Role, TagName};
pub use permissions::{Actor, PostAction};
pub use safe_html::SafeHtml;
pub use slug::Slug;
pub use zone::SiteZone;
