//! Dates on the wire: `YYYYmmddHHiiss` in requests, `YYYY-mm-dd HH:ii:ss` in
//! answers, both civil times in the operation's time zone.

use jiff::{Timestamp, ToSpan, civil::DateTime, tz::TimeZone};

use crate::limits::MAX_RANGE_DAYS;

/// strptime/strftime pattern of request dates (`20261122083000`).
pub const REQUEST_DATE_FORMAT: &str = "%Y%m%d%H%M%S";
/// strftime pattern of answer dates (`2025-04-03 12:28:00`).
pub const RESPONSE_DATE_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// A request date: exactly 14 digits forming a valid civil date and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct WireDate(DateTime);

impl WireDate {
    /// Parses `YYYYmmddHHiiss`; anything else (wrong length, non-digits,
    /// month 13, 31 February…) is an error.
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.len() != 14 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("{s:?} is not 14 digits YYYYmmddHHiiss"));
        }
        DateTime::strptime(REQUEST_DATE_FORMAT, s)
            .map(WireDate)
            .map_err(|e| e.to_string())
    }

    pub fn civil(self) -> DateTime {
        self.0
    }

    /// Writes the date back in request form.
    pub fn to_wire(self) -> String {
        self.0.strftime(REQUEST_DATE_FORMAT).to_string()
    }

    /// The instant this civil time names in `tz` (DST gaps resolve "compatibly").
    /// Fails only past the last instant jiff represents (late on 9999-12-31
    /// west of UTC); [`WireDate::unix_seconds`] takes every request date.
    pub fn to_timestamp(self, tz: &TimeZone) -> Result<Timestamp, String> {
        tz.to_ambiguous_zoned(self.0)
            .compatible()
            .map(|z| z.timestamp())
            .map_err(|e| e.to_string())
    }

    /// The Unix second this civil time names in `tz`, for every valid request
    /// date up to 9999-12-31 23:59:59: past jiff's last instant, the offset
    /// in force at that instant is applied by arithmetic.
    pub fn unix_seconds(self, tz: &TimeZone) -> i64 {
        match self.to_timestamp(tz) {
            Ok(ts) => ts.as_second(),
            Err(_) => {
                let offset = tz.to_offset(Timestamp::MAX);
                let since_epoch = self
                    .0
                    .duration_since(DateTime::constant(1970, 1, 1, 0, 0, 0, 0));
                since_epoch.as_secs() - i64::from(offset.seconds())
            }
        }
    }
}

impl From<DateTime> for WireDate {
    fn from(dt: DateTime) -> Self {
        WireDate(dt)
    }
}

/// Why a date range was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("{param} {value:?} is malformed: {reason}")]
    Malformed {
        param: &'static str,
        value: String,
        reason: String,
    },
    #[error("date_ini is after date_end")]
    Reversed,
    #[error("the range is longer than {MAX_RANGE_DAYS} days")]
    TooLong,
}

/// A validated range: both ends valid, `ini <= end`, at most 31 days apart.
/// `end` is inclusive to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub ini: WireDate,
    pub end: WireDate,
}

impl DateRange {
    pub fn parse(ini: &str, end: &str) -> Result<Self, DateError> {
        let parse = |param: &'static str, v: &str| {
            WireDate::parse(v).map_err(|reason| DateError::Malformed {
                param,
                value: v.to_owned(),
                reason,
            })
        };
        Self::new(
            parse(crate::api::param::DATE_INI, ini)?,
            parse(crate::api::param::DATE_END, end)?,
        )
    }

    pub fn new(ini: WireDate, end: WireDate) -> Result<Self, DateError> {
        if ini > end {
            return Err(DateError::Reversed);
        }
        // Within 31 days of the end of 9999 every end is within the limit.
        let limit = ini
            .civil()
            .checked_add(MAX_RANGE_DAYS.days())
            .unwrap_or(DateTime::MAX);
        if end.civil() > limit {
            return Err(DateError::TooLong);
        }
        Ok(DateRange { ini, end })
    }

    /// The range as Unix seconds `[from, to]`, both inclusive, read in `tz`.
    pub fn unix_seconds(&self, tz: &TimeZone) -> (i64, i64) {
        (self.ini.unix_seconds(tz), self.end.unix_seconds(tz))
    }
}

/// Writes an instant as an answer date in `tz`.
/// A Unix time as a request date (`YYYYmmddHHiiss`) in `tz` (hits_last_hour's `date`).
pub fn format_request_date(unix_seconds: i64, tz: &TimeZone) -> String {
    match Timestamp::from_second(unix_seconds) {
        Ok(ts) => ts
            .to_zoned(tz.clone())
            .strftime(REQUEST_DATE_FORMAT)
            .to_string(),
        Err(_) => String::new(),
    }
}

pub fn format_response_date(unix_seconds: i64, tz: &TimeZone) -> String {
    match Timestamp::from_second(unix_seconds) {
        Ok(ts) => ts
            .to_zoned(tz.clone())
            .strftime(RESPONSE_DATE_FORMAT)
            .to_string(),
        Err(_) => String::new(),
    }
}

/// Day reports' `YYYY-mm-dd` (diagram_1_1).
pub const RESPONSE_DAY_FORMAT: &str = "%Y-%m-%d";
/// Hour reports' `YYYY-mm-dd HH:00:00`: the hour's start (diagram_1_2).
pub const RESPONSE_HOUR_FORMAT: &str = "%Y-%m-%d %H:00:00";

/// An instant's local day or hour in `tz` by one of the formats above.
pub fn format_response_period(unix_seconds: i64, tz: &TimeZone, format: &str) -> String {
    match Timestamp::from_second(unix_seconds) {
        Ok(ts) => ts.to_zoned(tz.clone()).strftime(format).to_string(),
        Err(_) => String::new(),
    }
}

/// When the daily quota counted at `at` resets: the next midnight of the
/// operation's zone (the quota counts requests per local calendar day).
pub fn quota_resets_at(at: Timestamp, tz: &TimeZone) -> jiff::Zoned {
    let now = at.to_zoned(tz.clone());
    now.tomorrow().and_then(|t| t.start_of_day()).unwrap_or(now)
}

/// Whether `s` has the shape of an answer date (`YYYY-mm-dd HH:ii:ss`, digits
/// and separators in place). Such dates sort as text in time order.
pub fn is_response_date(s: &str) -> bool {
    s.len() == 19
        && s.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            10 => b == b' ',
            13 | 16 => b == b':',
            _ => b.is_ascii_digit(),
        })
}

/// Reads an answer date written in `tz` back into Unix seconds (for clients).
pub fn parse_response_date(s: &str, tz: &TimeZone) -> Result<i64, String> {
    let dt = DateTime::strptime(RESPONSE_DATE_FORMAT, s).map_err(|e| e.to_string())?;
    WireDate(dt).to_timestamp(tz).map(|t| t.as_second())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bogota() -> TimeZone {
        TimeZone::get("America/Bogota").unwrap()
    }

    #[test]
    fn request_dates_round_trip() {
        for s in ["20261122083000", "20240229235959", "19991231000000"] {
            assert_eq!(WireDate::parse(s).unwrap().to_wire(), s);
        }
    }

    #[test]
    fn malformed_request_dates_are_refused() {
        for s in [
            "",
            "2026112208300",
            "202611220830000",
            "2026-11-22 08:30",
            "20261322083000",
            "20260230083000",
            "20261122253000",
            "2026112208300a",
            "+2026112208300",
        ] {
            assert!(WireDate::parse(s).is_err(), "{s} should be refused");
        }
    }

    #[test]
    fn request_dates_are_read_in_the_operation_zone() {
        let d = WireDate::parse("20261122083000").unwrap();
        // Bogotá is UTC-5 all year.
        assert_eq!(
            d.to_timestamp(&bogota()).unwrap().to_string(),
            "2026-11-22T13:30:00Z"
        );
    }

    #[test]
    fn answer_dates_use_the_documented_format() {
        let ts = WireDate::parse("20250403122800")
            .unwrap()
            .to_timestamp(&bogota())
            .unwrap()
            .as_second();
        assert_eq!(format_response_date(ts, &bogota()), "2025-04-03 12:28:00");
        assert_eq!(
            parse_response_date("2025-04-03 12:28:00", &bogota()).unwrap(),
            ts
        );
        assert!(is_response_date("2025-04-03 12:28:00"));
        for s in [
            "2025-04-03 12:28",
            "2025-04-03T12:28:00",
            "20250403122800",
            "2025-4-03 12:28:00",
        ] {
            assert!(!is_response_date(s), "{s}");
        }
    }

    #[test]
    fn the_quota_resets_at_the_next_local_midnight() {
        // 03:00 UTC on the 23rd is 22:00 on the 22nd in Bogotá.
        let t: Timestamp = "2026-11-23T03:00:00Z".parse().unwrap();
        let r = quota_resets_at(t, &bogota());
        assert_eq!(r.to_string(), "2026-11-23T00:00:00-05:00[America/Bogota]");
        assert_eq!(r.timestamp().as_second() - t.as_second(), 2 * 3600);
    }

    #[test]
    fn dates_up_to_the_end_of_9999_are_read() {
        let r = DateRange::parse("99991231235958", "99991231235959").unwrap();
        let (from, to) = r.unix_seconds(&bogota());
        // 9999-12-31 23:59:59 at UTC-5 is 10000-01-01 04:59:59 UTC.
        assert_eq!(to, 253_402_318_799);
        assert_eq!(to - from, 1);
        assert_eq!(
            DateRange::parse("99991201000000", "99991231235959")
                .map(|r| r.unix_seconds(&TimeZone::UTC)),
            Ok((253_399_622_400, 253_402_300_799))
        );
        // East of UTC the last second is still representable.
        let tokyo = TimeZone::get("Asia/Tokyo").unwrap();
        assert_eq!(
            WireDate::parse("99991231235959")
                .unwrap()
                .unix_seconds(&tokyo),
            253_402_300_799 - 9 * 3600
        );
        assert_eq!(
            DateRange::parse("99991101000000", "99991231235959"),
            Err(DateError::TooLong)
        );
    }

    #[test]
    fn ranges_up_to_31_days_are_accepted() {
        assert!(DateRange::parse("20260101000000", "20260201000000").is_ok());
        assert!(DateRange::parse("20260101000000", "20260101000000").is_ok());
        assert_eq!(
            DateRange::parse("20260101000000", "20260201000001"),
            Err(DateError::TooLong)
        );
        assert_eq!(
            DateRange::parse("20260102000000", "20260101000000"),
            Err(DateError::Reversed)
        );
        assert!(matches!(
            DateRange::parse("2026010100000", "20260101000000"),
            Err(DateError::Malformed {
                param: "date_ini",
                ..
            })
        ));
        assert!(matches!(
            DateRange::parse("20260101000000", "20260132000000"),
            Err(DateError::Malformed {
                param: "date_end",
                ..
            })
        ));
    }
}
