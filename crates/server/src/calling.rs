//! When an operation may call: its calling profile, checked by the engine at
//! the moment of dialing.
//!
//! - `colombia` (the default; Ley 2300 of 2023): Monday–Friday 07:00–19:00,
//!   Saturday 08:00–15:00, never on Sundays or national holidays.
//! - `us`: 08:00–21:00 local every day (TSR); abandon measured over 30 days.
//! - `open`: always (what `marcador demo` uses, so it is alive at any hour).

use jiff::ToSpan;
use jiff::civil::{Date, DateTime, Weekday};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallingProfile {
    Colombia,
    Us,
    Open,
}

impl CallingProfile {
    pub const ALL: [CallingProfile; 3] = [
        CallingProfile::Colombia,
        CallingProfile::Us,
        CallingProfile::Open,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CallingProfile::Colombia => "colombia",
            CallingProfile::Us => "us",
            CallingProfile::Open => "open",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The rolling window the abandon rate is held over (ms).
    pub fn abandon_window_ms(self) -> i64 {
        match self {
            CallingProfile::Us => 30 * 86_400_000,
            _ => 86_400_000,
        }
    }

    /// Whether a call may be placed at this local time.
    pub fn allows(self, at: DateTime) -> bool {
        let hm = at.hour() as i32 * 100 + at.minute() as i32;
        match self {
            CallingProfile::Open => true,
            CallingProfile::Us => (800..2100).contains(&hm),
            CallingProfile::Colombia => {
                if is_colombian_holiday(at.date()) {
                    return false;
                }
                match at.weekday() {
                    Weekday::Sunday => false,
                    Weekday::Saturday => (800..1500).contains(&hm),
                    _ => (700..1900).contains(&hm),
                }
            }
        }
    }
}

/// A campaign's own daily window, `hhiiss`–`hhiiss` inclusive.
pub fn in_window(at: DateTime, start: &str, end: &str) -> bool {
    let now = format!("{:02}{:02}{:02}", at.hour(), at.minute(), at.second());
    start <= now.as_str() && now.as_str() <= end
}

/// Western Easter Sunday (anonymous Gregorian algorithm).
fn easter(year: i16) -> Option<Date> {
    let y = i32::from(year);
    let (a, b, c) = (y % 19, y / 100, y % 100);
    let (d, e) = (b / 4, b % 4);
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    Date::new(year, month as i8, day as i8).ok()
}

/// The next Monday on or after `d` (Ley Emiliani moves these holidays there).
fn next_monday(d: Date) -> Date {
    let ahead = (7 + 1 - d.weekday().to_monday_one_offset()) % 7;
    d.checked_add(i64::from(ahead).days()).unwrap_or(d)
}

/// Colombia's national holidays of `d`'s year.
pub fn colombian_holidays(year: i16) -> Vec<Date> {
    let date = |m: i8, d: i8| Date::new(year, m, d).ok();
    let mut out: Vec<Date> = [(1, 1), (5, 1), (7, 20), (8, 7), (12, 8), (12, 25)]
        .into_iter()
        .filter_map(|(m, d)| date(m, d))
        .collect();
    // Moved to the following Monday.
    for (m, d) in [
        (1, 6),
        (3, 19),
        (6, 29),
        (8, 15),
        (10, 12),
        (11, 1),
        (11, 11),
    ] {
        if let Some(x) = date(m, d) {
            out.push(next_monday(x));
        }
    }
    if let Some(e) = easter(year) {
        let plus = |n: i64| e.checked_add(n.days()).ok();
        out.extend([plus(-3), plus(-2)].into_iter().flatten()); // Holy Thursday, Good Friday
        // Ascension (+39), Corpus Christi (+60), Sacred Heart (+68), each moved to Monday.
        out.extend(
            [plus(39), plus(60), plus(68)]
                .into_iter()
                .flatten()
                .map(next_monday),
        );
    }
    out.sort();
    out.dedup();
    out
}

pub fn is_colombian_holiday(d: Date) -> bool {
    colombian_holidays(d.year()).contains(&d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn colombian_holidays_of_2026() {
        let got: Vec<String> = colombian_holidays(2026)
            .iter()
            .map(|d| d.to_string())
            .collect();
        assert_eq!(
            got,
            [
                "2026-01-01",
                "2026-01-12",
                "2026-03-23",
                "2026-04-02",
                "2026-04-03",
                "2026-05-01",
                "2026-05-18",
                "2026-06-08",
                "2026-06-15",
                "2026-06-29",
                "2026-07-20",
                "2026-08-07",
                "2026-08-17",
                "2026-10-12",
                "2026-11-02",
                "2026-11-16",
                "2026-12-08",
                "2026-12-25"
            ]
        );
    }

    #[test]
    fn the_colombian_profile_follows_ley_2300() {
        let p = CallingProfile::Colombia;
        // Monday 2026-11-23.
        assert!(!p.allows(date(2026, 11, 23).at(6, 59, 59, 0)));
        assert!(p.allows(date(2026, 11, 23).at(7, 0, 0, 0)));
        assert!(p.allows(date(2026, 11, 23).at(18, 59, 0, 0)));
        assert!(!p.allows(date(2026, 11, 23).at(19, 0, 0, 0)));
        // Saturday 08:00–15:00, Sunday never.
        assert!(p.allows(date(2026, 11, 28).at(8, 0, 0, 0)));
        assert!(!p.allows(date(2026, 11, 28).at(15, 0, 0, 0)));
        assert!(!p.allows(date(2026, 11, 29).at(10, 0, 0, 0)));
        // Monday 2026-11-16 is a holiday (Independence of Cartagena, moved).
        assert!(!p.allows(date(2026, 11, 16).at(10, 0, 0, 0)));
        assert!(CallingProfile::Us.allows(date(2026, 11, 29).at(20, 59, 0, 0)));
        assert!(!CallingProfile::Us.allows(date(2026, 11, 29).at(21, 0, 0, 0)));
        assert!(CallingProfile::Open.allows(date(2026, 11, 29).at(3, 0, 0, 0)));
        assert!(in_window(
            date(2026, 1, 1).at(8, 0, 0, 0),
            "080000",
            "180000"
        ));
        assert!(!in_window(
            date(2026, 1, 1).at(18, 0, 1, 0),
            "080000",
            "180000"
        ));
    }
}
