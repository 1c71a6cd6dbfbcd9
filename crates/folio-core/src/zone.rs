//! The site's time zone: an IANA name checked against the time zone database compiled
//! into the binary. Times are stored in UTC; a zone only decides how they are shown and
//! how a writer's wall-clock time is read.

use crate::Invalid;
use chrono::{DateTime, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

/// A time zone the database knows, such as `Europe/Lisbon` or `UTC`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SiteZone(Tz);

impl Default for SiteZone {
    fn default() -> Self {
        SiteZone::UTC
    }
}

impl SiteZone {
    pub const UTC: SiteZone = SiteZone(Tz::UTC);

    /// An IANA zone name, exactly as the database spells it (`Europe/Paris`), or the
    /// same name in another case (`europe/paris`), which is given back spelled right.
    pub fn parse(raw: &str) -> Result<SiteZone, Invalid> {
        let raw = raw.trim();
        raw.parse::<Tz>()
            .or_else(|_| Tz::from_str_insensitive(raw))
            .map(SiteZone)
            .map_err(|_| Invalid::new("must be an IANA time zone name such as Europe/Paris or UTC"))
    }

    /// The zone a stored setting names; a name this build does not know (a site that
    /// saved one before names were checked) shows times in UTC.
    pub fn from_setting(raw: &str) -> SiteZone {
        SiteZone::parse(raw).unwrap_or_default()
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// Every zone name the database knows, for a settings form's list.
    pub fn all_names() -> impl Iterator<Item = &'static str> {
        chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())
    }

    /// `t` as the site's wall clock, formatted with chrono's `format` syntax (`%Z` is the
    /// zone's abbreviation, such as `CET` or `UTC`).
    pub fn format(self, t: DateTime<Utc>, format: &str) -> String {
        t.with_timezone(&self.0).format(format).to_string()
    }

    /// The instant a wall-clock time in this zone names. An hour that happens twice (clocks
    /// going back) is its first occurrence; a time in the hour skipped when clocks go
    /// forward is read as the same time an hour later, as clocks then show it.
    pub fn instant(self, local: NaiveDateTime) -> DateTime<Utc> {
        let first = |t: NaiveDateTime| self.0.from_local_datetime(&t).earliest();
        first(local)
            .or_else(|| first(local + TimeDelta::hours(1)))
            .map(|t| t.with_timezone(&Utc))
            // No zone in the database skips more than an hour at once, so this is never
            // reached; reading the time as UTC is the least surprising fallback.
            .unwrap_or_else(|| local.and_utc())
    }
}

#[cfg(test)]
mod tests {
    use super::SiteZone;
    use chrono::{NaiveDate, TimeZone, Utc};

    #[test]
    fn names_are_checked_against_the_database() {
        assert_eq!(
            SiteZone::parse("Europe/Lisbon").map(SiteZone::name),
            Ok("Europe/Lisbon")
        );
        assert_eq!(
            SiteZone::parse(" america/new_york ").map(SiteZone::name),
            Ok("America/New_York")
        );
        assert_eq!(SiteZone::parse("UTC").map(SiteZone::name), Ok("UTC"));
        for bad in ["Mars/Olympus", "", "Europe", "Europe/Paris/Left", "+02:00"] {
            assert!(SiteZone::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(SiteZone::from_setting("Mars/Olympus"), SiteZone::UTC);
        assert!(SiteZone::all_names().any(|n| n == "Asia/Kolkata"));
    }

    #[test]
    fn wall_clock_times_are_read_and_shown_in_the_zone() {
        let paris = SiteZone::parse("Europe/Paris").expect("zone");
        let at = |y, m, d, h, min| {
            NaiveDate::from_ymd_opt(y, m, d)
                .and_then(|d| d.and_hms_opt(h, min, 0))
                .expect("date")
        };
        // Winter: UTC+1; summer: UTC+2.
        assert_eq!(
            paris.instant(at(2026, 1, 10, 9, 30)),
            Utc.with_ymd_and_hms(2026, 1, 10, 8, 30, 0).unwrap()
        );
        assert_eq!(
            paris.instant(at(2026, 7, 10, 9, 30)),
            Utc.with_ymd_and_hms(2026, 7, 10, 7, 30, 0).unwrap()
        );
        // 29 March 2026, 02:30 does not exist in Paris: it is read as 03:30 CEST.
        assert_eq!(
            paris.instant(at(2026, 3, 29, 2, 30)),
            Utc.with_ymd_and_hms(2026, 3, 29, 1, 30, 0).unwrap()
        );
        // 25 October 2026, 02:30 happens twice: the first, still CEST.
        assert_eq!(
            paris.instant(at(2026, 10, 25, 2, 30)),
            Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap()
        );
        let t = Utc.with_ymd_and_hms(2026, 12, 31, 23, 30, 0).unwrap();
        assert_eq!(
            paris.format(t, "%-d %B %Y, %H:%M %Z"),
            "1 January 2027, 00:30 CET"
        );
        assert_eq!(SiteZone::UTC.format(t, "%-d %B %Y"), "31 December 2026");
    }
}
