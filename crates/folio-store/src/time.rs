//! Timestamps as the store writes them: UTC, to the microsecond.

use chrono::{DateTime, SubsecRound, Utc};

/// The current time, truncated to microseconds so it round-trips through every backend.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

pub(crate) fn trunc(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}
