//! Revisions: the text of a post at each save.

use crate::db::{query, Row, Tx};
use crate::{now, Store, StoreError};
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Revision {
    pub number: i64,
    pub title: String,
    pub markdown: String,
    pub saved_by: Option<String>,
    pub note: String,
    pub created_at: DateTime<Utc>,
}

/// Note of a revision written by autosave: consecutive autosaves by the same writer
/// update one revision instead of piling up.
pub const AUTOSAVE_NOTE: &str = "autosave";

/// Keeps the text of a save. Skips a save whose text equals the latest revision's, and
/// folds consecutive autosaves of one writer into one revision.
pub(crate) async fn record(
    conn: &mut Tx,
    post_id: i64,
    title: &str,
    markdown: &str,
    saved_by: Option<i64>,
    note: &str,
) -> Result<(), StoreError> {
    let last = query("SELECT id, number, title, markdown, saved_by, note FROM revisions WHERE post_id = ? ORDER BY number DESC LIMIT 1")
        .bind(post_id)
        .fetch_optional(&mut *conn)
        .await?;
    let at = now();
    if let Some(last) = &last {
        let same_text = last.try_get::<String>("title")? == title
            && last.try_get::<String>("markdown")? == markdown;
        if same_text {
            return Ok(());
        }
        let last_saved_by: Option<i64> = last.try_get("saved_by")?;
        if note == AUTOSAVE_NOTE
            && last.try_get::<String>("note")? == AUTOSAVE_NOTE
            && last_saved_by == saved_by
        {
            query("UPDATE revisions SET title = ?, markdown = ?, created_at = ? WHERE id = ?")
                .bind(title)
                .bind(markdown)
                .bind(at)
                .bind(last.try_get::<i64>("id")?)
                .execute(&mut *conn)
                .await?;
            return Ok(());
        }
    }
    let number = match &last {
        Some(last) => last.try_get::<i64>("number")? + 1,
        None => 1,
    };
    query("INSERT INTO revisions (post_id, number, title, markdown, saved_by, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(post_id)
        .bind(number)
        .bind(title)
        .bind(markdown)
        .bind(saved_by)
        .bind(note)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

impl Store {
    /// A post's revisions, newest first.
    pub async fn revisions(&self, post_id: i64) -> Result<Vec<Revision>, StoreError> {
        let rows = query(
            "SELECT r.number, r.title, r.markdown, u.name AS saved_by, r.note, r.created_at
             FROM revisions r LEFT JOIN users u ON u.id = r.saved_by WHERE r.post_id = ? ORDER BY r.number DESC",
        )
        .bind(post_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(revision_from_row).collect()
    }

    pub async fn revision(&self, post_id: i64, number: i64) -> Result<Revision, StoreError> {
        let row = query(
            "SELECT r.number, r.title, r.markdown, u.name AS saved_by, r.note, r.created_at
             FROM revisions r LEFT JOIN users u ON u.id = r.saved_by WHERE r.post_id = ? AND r.number = ?",
        )
        .bind(post_id)
        .bind(number)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        revision_from_row(&row)
    }
}

fn revision_from_row(row: &Row) -> Result<Revision, StoreError> {
    Ok(Revision {
        number: row.try_get("number")?,
        title: row.try_get("title")?,
        markdown: row.try_get("markdown")?,
        saved_by: row.try_get("saved_by")?,
        note: row.try_get("note")?,
        created_at: row.try_get("created_at")?,
    })
}
