//! Appwrite's datetime wire format: ISO-8601 with milliseconds and an explicit `+00:00`
//! offset (PHP `Y-m-d\TH:i:s.vP`), e.g. `2024-01-01T00:00:00.000+00:00`. Absent datetimes
//! are the empty string. Nothing here reads the clock; callers pass timestamps in.

use jiff::Timestamp;

/// Formats a timestamp exactly as Appwrite does (UTC, milliseconds, `+00:00`).
pub fn format(ts: Timestamp) -> String {
    // Written out by hand: every row of every list has two of these, and strftime's
    // interpreter showed in profiles. Years outside 0..=9999 fall back to strftime.
    let dt = jiff::tz::Offset::UTC.to_datetime(ts);
    let (year, ms) = (dt.year(), dt.subsec_nanosecond() / 1_000_000);
    if !(0..=9999).contains(&year) {
        return ts.strftime("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string();
    }
    let mut out = String::with_capacity(29);
    let fields: [(i32, usize, &str); 7] = [
        (i32::from(year), 4, "-"),
        (i32::from(dt.month()), 2, "-"),
        (i32::from(dt.day()), 2, "T"),
        (i32::from(dt.hour()), 2, ":"),
        (i32::from(dt.minute()), 2, ":"),
        (i32::from(dt.second()), 2, "."),
        (ms, 3, ""),
    ];
    for (n, width, sep) in fields {
        let digits = n.to_string();
        for _ in digits.len()..width {
            out.push('0');
        }
        out.push_str(&digits);
        out.push_str(sep);
    }
    out.push_str("+00:00");
    out
}

/// Formats an optional timestamp; `None` becomes `""` as in Appwrite's models.
pub fn format_opt(ts: Option<Timestamp>) -> String {
    ts.map(format).unwrap_or_default()
}

/// Parses a datetime a client sent (any ISO-8601 / RFC 3339 form with an offset or `Z`).
pub fn parse(s: &str) -> Option<Timestamp> {
    s.parse::<Timestamp>().ok()
}

/// Milliseconds since the Unix epoch, the unit the stores keep datetimes in.
pub fn to_millis(ts: Timestamp) -> i64 {
    ts.as_millisecond()
}

/// The inverse of [`to_millis`]; out-of-range values clamp to the epoch.
pub fn from_millis(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// A stored optional datetime (0 or negative means "never") in wire form.
pub fn format_millis_opt(ms: i64) -> String {
    if ms <= 0 { String::new() } else { format(from_millis(ms)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_appwrite() {
        let ts = from_millis(1_602_743_880_123);
        assert_eq!(format(ts), "2020-10-15T06:38:00.123+00:00");
        assert_eq!(format(from_millis(0)), "1970-01-01T00:00:00.000+00:00");
    }

    #[test]
    fn hand_formatting_matches_strftime() {
        for ms in [0, 1, 999, 1_602_743_880_123, 253_402_300_799_999, -1, -62_135_596_800_000] {
            let ts = from_millis(ms);
            assert_eq!(format(ts), ts.strftime("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string(), "{ms}");
        }
    }

    #[test]
    fn parses_what_it_formats_and_offsets() {
        let ts = from_millis(1_602_743_880_123);
        assert_eq!(parse(&format(ts)), Some(ts));
        assert_eq!(parse("2020-10-15T08:38:00.123+02:00"), Some(ts));
        assert_eq!(parse("not a date"), None);
        assert_eq!(format_millis_opt(0), "");
    }
}
