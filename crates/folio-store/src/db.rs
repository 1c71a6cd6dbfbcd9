//! One query text, three databases.
//!
//! Every query in the store is written once, with `?` placeholders, and runs on SQLite,
//! MariaDB/MySQL or PostgreSQL: [`Query`] keeps the text and its bound values, turns
//! `?` into `$1, $2…` for PostgreSQL, and runs on whichever pool the store opened.
//! [`Row`] reads columns by name into Rust types, smoothing the few places where the
//! drivers disagree (PostgreSQL's 32-bit literals, MySQL's binary-collated text and
//! integer booleans). What really differs between the databases — full-text search,
//! upserts, how an insert reports its id, how a write transaction locks — is asked of
//! [`Backend`], so that the differences sit next to each other in this file and in the
//! few queries that need them.
//!
//! sqlx's own `Any` driver was the first candidate and was turned down: it has no
//! date-time types, reads MySQL `TEXT` as bytes and leaves placeholders as written.

use crate::replicas::Replica;
use chrono::{DateTime, Utc};
use sqlx::mysql::{MySql, MySqlPool, MySqlRow};
use sqlx::postgres::{PgPool, PgRow, Postgres};
use sqlx::sqlite::{Sqlite, SqlitePool, SqliteRow};
use sqlx::{ColumnIndex, Row as _, Transaction, ValueRef};

/// Which database a pool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    MySql,
    Postgres,
}

impl Backend {
    /// The clause that turns an insert into an update of `set` when a row with the
    /// same unique `key` exists.
    pub(crate) fn upsert(self, key: &str, set: &[&str]) -> String {
        match self {
            Backend::MySql => {
                let sets: Vec<String> = set.iter().map(|c| format!("{c} = VALUES({c})")).collect();
                format!(" ON DUPLICATE KEY UPDATE {}", sets.join(", "))
            }
            Backend::Sqlite | Backend::Postgres => {
                let sets: Vec<String> = set.iter().map(|c| format!("{c} = excluded.{c}")).collect();
                format!(" ON CONFLICT ({key}) DO UPDATE SET {}", sets.join(", "))
            }
        }
    }

    /// The clause that makes an insert do nothing when a row with the same unique `key`
    /// exists. (MySQL's `INSERT IGNORE` would also swallow other errors, so it is not used.)
    pub(crate) fn ignore_duplicate(self, key: &str) -> String {
        match self {
            Backend::MySql => format!(" ON DUPLICATE KEY UPDATE {key} = {key}"),
            Backend::Sqlite | Backend::Postgres => format!(" ON CONFLICT ({key}) DO NOTHING"),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::MySql => "mysql",
            Backend::Postgres => "postgres",
        }
    }
}

/// A connection pool on one of the three databases.
#[derive(Clone, Debug)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    MySql(MySqlPool),
    Postgres(PgPool),
}

/// A write transaction. Writes are serialized across every process on the database:
/// SQLite by `BEGIN IMMEDIATE`, the others by locking the one `site_state` row first,
/// so that a read-then-write inside (a free slug, a due post) cannot race another replica.
pub(crate) enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    MySql(Transaction<'static, MySql>),
    Postgres(Transaction<'static, Postgres>),
}

const WRITE_LOCK: &str = "SELECT generation FROM site_state WHERE id = 1 FOR UPDATE";

impl Pool {
    pub(crate) fn backend(&self) -> Backend {
        match self {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::MySql(_) => Backend::MySql,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Starts a write transaction (see [`Tx`]).
    pub(crate) async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::MySql(p) => {
                let mut tx = p.begin().await?;
                sqlx::query(WRITE_LOCK).execute(&mut *tx).await?;
                Tx::MySql(tx)
            }
            Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                sqlx::query(WRITE_LOCK).execute(&mut *tx).await?;
                Tx::Postgres(tx)
            }
        })
    }

    pub(crate) async fn close(&self) {
        match self {
            Pool::Sqlite(p) => p.close().await,
            Pool::MySql(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }

    /// Connections open and idle, for metrics.
    pub(crate) fn size(&self) -> (u32, usize) {
        match self {
            Pool::Sqlite(p) => (p.size(), p.num_idle()),
            Pool::MySql(p) => (p.size(), p.num_idle()),
            Pool::Postgres(p) => (p.size(), p.num_idle()),
        }
    }
}

impl Tx {
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::MySql(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::MySql(_) => Backend::MySql,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }
}

/// Where a query runs: on the pool (one connection for one statement), inside a
/// transaction, or on a read replica with the primary to fall back on.
pub(crate) enum On<'a> {
    Pool(&'a Pool),
    Tx(&'a mut Tx),
    /// Reads go to the replica; a read that fails there is run again on the primary,
    /// and writes go to the primary.
    Replica {
        replica: &'a Replica,
        primary: &'a Pool,
    },
}

impl<'a> From<&'a Pool> for On<'a> {
    fn from(pool: &'a Pool) -> On<'a> {
        On::Pool(pool)
    }
}

impl<'a> From<&'a mut Tx> for On<'a> {
    fn from(tx: &'a mut Tx) -> On<'a> {
        On::Tx(tx)
    }
}

/// Where one statement runs, once a replica has been chosen or passed over.
enum Target<'a> {
    Pool(&'a Pool),
    Tx(&'a mut Tx),
}

impl<'a> On<'a> {
    /// Where a write runs: never on a replica.
    fn for_write(self) -> Target<'a> {
        match self {
            On::Pool(p) | On::Replica { primary: p, .. } => Target::Pool(p),
            On::Tx(t) => Target::Tx(t),
        }
    }
}

impl<'a> From<Target<'a>> for On<'a> {
    fn from(target: Target<'a>) -> On<'a> {
        match target {
            Target::Pool(p) => On::Pool(p),
            Target::Tx(t) => On::Tx(t),
        }
    }
}

impl Target<'_> {
    fn backend(&self) -> Backend {
        match self {
            Target::Pool(p) => p.backend(),
            Target::Tx(t) => t.backend(),
        }
    }
}

/// The SQL type of a bound value, kept for NULLs: PostgreSQL wants a typed NULL.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    Int,
    Text,
    Bool,
    Time,
    Bytes,
}

#[derive(Debug, Clone)]
pub(crate) enum Value {
    Int(i64),
    Text(String),
    Bool(bool),
    Time(DateTime<Utc>),
    Bytes(Vec<u8>),
    Null(Kind),
}

/// A Rust value that can be bound to a placeholder.
pub(crate) trait Bind {
    const KIND: Kind;
    fn value(&self) -> Value;
}

macro_rules! bind_as {
    ($t:ty, $kind:ident, |$v:ident| $e:expr) => {
        impl Bind for $t {
            const KIND: Kind = Kind::$kind;
            fn value(&self) -> Value {
                let $v = self;
                Value::$kind($e)
            }
        }
    };
}

bind_as!(i64, Int, |v| *v);
bind_as!(str, Text, |v| v.to_owned());
bind_as!(String, Text, |v| v.clone());
bind_as!(bool, Bool, |v| *v);
bind_as!(DateTime<Utc>, Time, |v| *v);
bind_as!([u8], Bytes, |v| v.to_vec());
bind_as!(Vec<u8>, Bytes, |v| v.clone());

impl<T: Bind + ?Sized> Bind for &T {
    const KIND: Kind = T::KIND;
    fn value(&self) -> Value {
        (**self).value()
    }
}

impl<T: Bind> Bind for Option<T> {
    const KIND: Kind = T::KIND;
    fn value(&self) -> Value {
        match self {
            Some(v) => v.value(),
            None => Value::Null(T::KIND),
        }
    }
}

/// A statement and its bound values.
#[derive(Debug, Clone)]
pub(crate) struct Query {
    sql: String,
    binds: Vec<Value>,
}

/// A statement written with `?` placeholders.
pub(crate) fn query(sql: impl Into<String>) -> Query {
    Query {
        sql: sql.into(),
        binds: Vec::new(),
    }
}

macro_rules! bind_all {
    ($q:expr, $binds:expr) => {
        bind_all!($q, $binds, |t| *t)
    };
    ($q:expr, $binds:expr, |$t:ident| $time:expr) => {{
        let mut q = $q;
        for v in $binds {
            q = match v {
                Value::Int(i) => q.bind(*i),
                Value::Text(s) => q.bind(s.as_str()),
                Value::Bool(b) => q.bind(*b),
                Value::Time($t) => q.bind($time),
                Value::Bytes(b) => q.bind(b.as_slice()),
                Value::Null(Kind::Int) => q.bind(None::<i64>),
                Value::Null(Kind::Text) => q.bind(None::<String>),
                Value::Null(Kind::Bool) => q.bind(None::<bool>),
                Value::Null(Kind::Time) => q.bind(None::<DateTime<Utc>>),
                Value::Null(Kind::Bytes) => q.bind(None::<Vec<u8>>),
            };
        }
        q
    }};
}

/// MySQL's driver sends a `DateTime<Utc>` as a `TIMESTAMP`, whose range ends in 2038;
/// columns are `DATETIME(6)` in UTC, so the value goes as a plain date-time.
fn mysql_time(t: &DateTime<Utc>) -> chrono::NaiveDateTime {
    t.naive_utc()
}

/// Runs `$body` with `$q` the sqlx query for the backend of `$on` (a [`Target`], `$exec` its executor
/// and `$row` the constructor that wraps its rows).
macro_rules! dispatch {
    ($sql:expr, $binds:expr, $on:expr, |$q:ident, $exec:ident, $row:ident| $body:expr) => {
        match $on {
            Target::Pool(Pool::Sqlite(p)) => {
                let ($q, $exec, $row) = (
                    bind_all!(sqlx::query::<Sqlite>($sql), $binds),
                    p,
                    Row::Sqlite,
                );
                $body
            }
            Target::Tx(Tx::Sqlite(t)) => {
                let ($q, $exec, $row) = (
                    bind_all!(sqlx::query::<Sqlite>($sql), $binds),
                    &mut **t,
                    Row::Sqlite,
                );
                $body
            }
            Target::Pool(Pool::MySql(p)) => {
                let ($q, $exec, $row) = (
                    bind_all!(sqlx::query::<MySql>($sql), $binds, |t| mysql_time(t)),
                    p,
                    Row::MySql,
                );
                $body
            }
            Target::Tx(Tx::MySql(t)) => {
                let ($q, $exec, $row) = (
                    bind_all!(sqlx::query::<MySql>($sql), $binds, |t| mysql_time(t)),
                    &mut **t,
                    Row::MySql,
                );
                $body
            }
            Target::Pool(Pool::Postgres(p)) => {
                let ($q, $exec, $row) = (
                    bind_all!(sqlx::query::<Postgres>($sql), $binds),
                    p,
                    Row::Postgres,
                );
                $body
            }
            Target::Tx(Tx::Postgres(t)) => {
                let ($q, $exec, $row) = (
                    bind_all!(sqlx::query::<Postgres>($sql), $binds),
                    &mut **t,
                    Row::Postgres,
                );
                $body
            }
        }
    };
}

impl Query {
    pub(crate) fn bind(mut self, value: impl Bind) -> Query {
        self.binds.push(value.value());
        self
    }

    /// Appends SQL text (for statements assembled from parts).
    pub(crate) fn push(&mut self, sql: &str) -> &mut Query {
        self.sql.push_str(sql);
        self
    }

    /// Appends another statement's text and values (a subquery).
    pub(crate) fn push_query(&mut self, other: Query) -> &mut Query {
        self.sql.push_str(&other.sql);
        self.binds.extend(other.binds);
        self
    }

    /// Appends a placeholder and binds `value` to it.
    pub(crate) fn push_bind(&mut self, value: impl Bind) -> &mut Query {
        self.sql.push('?');
        self.binds.push(value.value());
        self
    }

    /// Appends `?, ?, …` for each value, bound (the inside of `IN (…)`).
    pub(crate) fn push_list<T: Bind>(&mut self, values: impl IntoIterator<Item = T>) -> &mut Query {
        for (i, value) in values.into_iter().enumerate() {
            self.push(if i == 0 { "?" } else { ", ?" });
            self.binds.push(value.value());
        }
        self
    }

    /// The text as `backend` wants it: PostgreSQL numbers its placeholders.
    fn text(&self, backend: Backend) -> std::borrow::Cow<'_, str> {
        if backend != Backend::Postgres || !self.sql.contains('?') {
            return self.sql.as_str().into();
        }
        let mut out = String::with_capacity(self.sql.len() + 16);
        let (mut n, mut quoted) = (0, false);
        for c in self.sql.chars() {
            match c {
                '\'' => {
                    quoted = !quoted;
                    out.push(c);
                }
                '?' if !quoted => {
                    n += 1;
                    out.push('$');
                    out.push_str(&n.to_string());
                }
                _ => out.push(c),
            }
        }
        out.into()
    }

    pub(crate) async fn fetch_all<'a>(
        self,
        on: impl Into<On<'a>>,
    ) -> Result<Vec<Row>, sqlx::Error> {
        match on.into() {
            On::Replica { replica, primary } => {
                match self.fetch_all_at(Target::Pool(replica.pool())).await {
                    Err(err) => {
                        replica.failed(&err);
                        self.fetch_all_at(Target::Pool(primary)).await
                    }
                    rows => rows,
                }
            }
            on => self.fetch_all_at(on.for_write()).await,
        }
    }

    async fn fetch_all_at(&self, on: Target<'_>) -> Result<Vec<Row>, sqlx::Error> {
        let sql = self.text(on.backend());
        dispatch!(sql.as_ref(), &self.binds, on, |q, exec, row| Ok(q
            .fetch_all(exec)
            .await?
            .into_iter()
            .map(row)
            .collect()))
    }

    pub(crate) async fn fetch_optional<'a>(
        self,
        on: impl Into<On<'a>>,
    ) -> Result<Option<Row>, sqlx::Error> {
        match on.into() {
            On::Replica { replica, primary } => {
                match self.fetch_optional_at(Target::Pool(replica.pool())).await {
                    Err(err) => {
                        replica.failed(&err);
                        self.fetch_optional_at(Target::Pool(primary)).await
                    }
                    row => row,
                }
            }
            on => self.fetch_optional_at(on.for_write()).await,
        }
    }

    async fn fetch_optional_at(&self, on: Target<'_>) -> Result<Option<Row>, sqlx::Error> {
        let sql = self.text(on.backend());
        dispatch!(sql.as_ref(), &self.binds, on, |q, exec, row| Ok(q
            .fetch_optional(exec)
            .await?
            .map(row)))
    }

    pub(crate) async fn fetch_one<'a>(self, on: impl Into<On<'a>>) -> Result<Row, sqlx::Error> {
        self.fetch_optional(on)
            .await?
            .ok_or(sqlx::Error::RowNotFound)
    }

    /// Runs a statement and returns how many rows it matched.
    pub(crate) async fn execute<'a>(self, on: impl Into<On<'a>>) -> Result<u64, sqlx::Error> {
        let on = on.into().for_write();
        let sql = self.text(on.backend());
        dispatch!(sql.as_ref(), &self.binds, on, |q, exec, _row| Ok(q
            .execute(exec)
            .await?
            .rows_affected()))
    }

    /// The first column of the first row.
    pub(crate) async fn scalar<'a, T: Column>(
        self,
        on: impl Into<On<'a>>,
    ) -> Result<T, sqlx::Error> {
        self.fetch_one(on).await?.try_get_at(0)
    }

    /// The first column of the first row, if there is a row.
    pub(crate) async fn scalar_optional<'a, T: Column>(
        self,
        on: impl Into<On<'a>>,
    ) -> Result<Option<T>, sqlx::Error> {
        self.fetch_optional(on)
            .await?
            .map(|r| r.try_get_at(0))
            .transpose()
    }

    /// The first column of every row.
    pub(crate) async fn scalars<'a, T: Column>(
        self,
        on: impl Into<On<'a>>,
    ) -> Result<Vec<T>, sqlx::Error> {
        self.fetch_all(on)
            .await?
            .iter()
            .map(|r| r.try_get_at(0))
            .collect()
    }

    /// Runs an `INSERT` into a table whose key is an `id` column and returns the new id.
    pub(crate) async fn insert_returning_id<'a>(
        mut self,
        on: impl Into<On<'a>>,
    ) -> Result<i64, sqlx::Error> {
        let on = on.into().for_write();
        match on.backend() {
            Backend::MySql => {
                let sql = self.sql.clone();
                match on {
                    Target::Pool(Pool::MySql(p)) => {
                        Ok(
                            bind_all!(sqlx::query::<MySql>(&sql), &self.binds, |t| mysql_time(t))
                                .execute(p)
                                .await?
                                .last_insert_id() as i64,
                        )
                    }
                    Target::Tx(Tx::MySql(t)) => {
                        Ok(
                            bind_all!(sqlx::query::<MySql>(&sql), &self.binds, |t| mysql_time(t))
                                .execute(&mut **t)
                                .await?
                                .last_insert_id() as i64,
                        )
                    }
                    _ => unreachable!("the backend was MySQL"),
                }
            }
            Backend::Sqlite | Backend::Postgres => {
                self.sql.push_str(" RETURNING id");
                self.scalar(on).await
            }
        }
    }
}

/// A `LIKE` pattern matching `text` anywhere, with `!` as the escape character
/// (`ESCAPE '!'`; a backslash would need escaping itself in MySQL's string literals).
pub(crate) fn like_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '!' | '%' | '_') {
            pattern.push('!');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// A result row from any of the three databases.
pub(crate) enum Row {
    Sqlite(SqliteRow),
    MySql(MySqlRow),
    Postgres(PgRow),
}

impl Row {
    pub(crate) fn try_get<T: Column>(&self, name: &str) -> Result<T, sqlx::Error> {
        match self {
            Row::Sqlite(r) => T::sqlite(r, name),
            Row::MySql(r) => T::mysql(r, name),
            Row::Postgres(r) => T::postgres(r, name),
        }
    }

    pub(crate) fn try_get_at<T: Column>(&self, index: usize) -> Result<T, sqlx::Error> {
        match self {
            Row::Sqlite(r) => T::sqlite(r, index),
            Row::MySql(r) => T::mysql(r, index),
            Row::Postgres(r) => T::postgres(r, index),
        }
    }
}

/// A Rust type a column can be read into, on each database.
pub(crate) trait Column: Sized {
    fn sqlite<I: ColumnIndex<SqliteRow> + Copy>(row: &SqliteRow, i: I)
        -> Result<Self, sqlx::Error>;
    fn mysql<I: ColumnIndex<MySqlRow> + Copy>(row: &MySqlRow, i: I) -> Result<Self, sqlx::Error>;
    fn postgres<I: ColumnIndex<PgRow> + Copy>(row: &PgRow, i: I) -> Result<Self, sqlx::Error>;
}

/// Types every driver decodes the same way.
macro_rules! column_plain {
    ($($t:ty),*) => {$(
        impl Column for $t {
            fn sqlite<I: ColumnIndex<SqliteRow> + Copy>(row: &SqliteRow, i: I) -> Result<Self, sqlx::Error> {
                row.try_get(i)
            }
            fn mysql<I: ColumnIndex<MySqlRow> + Copy>(row: &MySqlRow, i: I) -> Result<Self, sqlx::Error> {
                row.try_get(i)
            }
            fn postgres<I: ColumnIndex<PgRow> + Copy>(row: &PgRow, i: I) -> Result<Self, sqlx::Error> {
                row.try_get(i)
            }
        }
    )*};
}

column_plain!(DateTime<Utc>, Vec<u8>);

impl Column for i64 {
    fn sqlite<I: ColumnIndex<SqliteRow> + Copy>(
        row: &SqliteRow,
        i: I,
    ) -> Result<Self, sqlx::Error> {
        row.try_get(i)
    }
    fn mysql<I: ColumnIndex<MySqlRow> + Copy>(row: &MySqlRow, i: I) -> Result<Self, sqlx::Error> {
        row.try_get(i)
    }
    /// PostgreSQL types literals and `COUNT`-free arithmetic as `integer`.
    fn postgres<I: ColumnIndex<PgRow> + Copy>(row: &PgRow, i: I) -> Result<Self, sqlx::Error> {
        row.try_get::<i64, _>(i)
            .or_else(|_| row.try_get::<i32, _>(i).map(i64::from))
    }
}

impl Column for bool {
    fn sqlite<I: ColumnIndex<SqliteRow> + Copy>(
        row: &SqliteRow,
        i: I,
    ) -> Result<Self, sqlx::Error> {
        row.try_get(i)
    }
    /// MySQL has no boolean type: `x IS NULL` is a `BIGINT`, a `BOOLEAN` column a `TINYINT`.
    fn mysql<I: ColumnIndex<MySqlRow> + Copy>(row: &MySqlRow, i: I) -> Result<Self, sqlx::Error> {
        row.try_get::<bool, _>(i)
            .or_else(|_| row.try_get::<i64, _>(i).map(|v| v != 0))
    }
    fn postgres<I: ColumnIndex<PgRow> + Copy>(row: &PgRow, i: I) -> Result<Self, sqlx::Error> {
        row.try_get(i)
    }
}

impl Column for String {
    fn sqlite<I: ColumnIndex<SqliteRow> + Copy>(
        row: &SqliteRow,
        i: I,
    ) -> Result<Self, sqlx::Error> {
        row.try_get(i)
    }
    /// Key columns are `utf8mb4_bin` (exact comparison), which the driver reports as
    /// binary; the bytes are UTF-8 all the same.
    fn mysql<I: ColumnIndex<MySqlRow> + Copy>(row: &MySqlRow, i: I) -> Result<Self, sqlx::Error> {
        row.try_get_unchecked(i)
    }
    fn postgres<I: ColumnIndex<PgRow> + Copy>(row: &PgRow, i: I) -> Result<Self, sqlx::Error> {
        row.try_get(i)
    }
}

impl<T: Column> Column for Option<T> {
    fn sqlite<I: ColumnIndex<SqliteRow> + Copy>(
        row: &SqliteRow,
        i: I,
    ) -> Result<Self, sqlx::Error> {
        if row.try_get_raw(i)?.is_null() {
            Ok(None)
        } else {
            T::sqlite(row, i).map(Some)
        }
    }
    fn mysql<I: ColumnIndex<MySqlRow> + Copy>(row: &MySqlRow, i: I) -> Result<Self, sqlx::Error> {
        if row.try_get_raw(i)?.is_null() {
            Ok(None)
        } else {
            T::mysql(row, i).map(Some)
        }
    }
    fn postgres<I: ColumnIndex<PgRow> + Copy>(row: &PgRow, i: I) -> Result<Self, sqlx::Error> {
        if row.try_get_raw(i)?.is_null() {
            Ok(None)
        } else {
            T::postgres(row, i).map(Some)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_placeholders_are_numbered_outside_quotes() {
        let q = query("SELECT a FROM t WHERE b = ? AND c = '?' AND d IN (?, ?)");
        assert_eq!(
            q.text(Backend::Postgres),
            "SELECT a FROM t WHERE b = $1 AND c = '?' AND d IN ($2, $3)"
        );
        assert_eq!(
            q.text(Backend::Sqlite),
            "SELECT a FROM t WHERE b = ? AND c = '?' AND d IN (?, ?)"
        );
        assert_eq!(q.text(Backend::MySql), q.text(Backend::Sqlite));
    }

    #[test]
    fn upserts_per_backend() {
        assert_eq!(
            Backend::Sqlite.upsert("name", &["value"]),
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value"
        );
        assert_eq!(
            Backend::MySql.upsert("name", &["value", "at"]),
            " ON DUPLICATE KEY UPDATE value = VALUES(value), at = VALUES(at)"
        );
        assert_eq!(
            Backend::MySql.ignore_duplicate("slug"),
            " ON DUPLICATE KEY UPDATE slug = slug"
        );
        assert_eq!(
            Backend::Postgres.ignore_duplicate("slug"),
            " ON CONFLICT (slug) DO NOTHING"
        );
    }
}
