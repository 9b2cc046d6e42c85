//! Dates on the command line: `YYYY-mm-dd`, `YYYY-mm-dd HH:MM[:SS]` and the
//! wire's `YYYYmmddHHiiss`, read as civil times of the operation. `--to` is
//! inclusive: a day means through 23:59:59, a minute through :59.

use anyhow::{Result, bail};
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use marcador_client::wire::WireDate;

/// Which end of a range a date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    From,
    To,
}

pub const DATE_HELP: &str = "YYYY-mm-dd, \"YYYY-mm-dd HH:MM\" or YYYYmmddHHiiss";

pub fn parse(flag: &str, s: &str, end: End) -> Result<WireDate> {
    let t = s.trim();
    let bad = || anyhow::anyhow!("{flag} {s:?} is not a date: use {DATE_HELP}");
    if t.len() == 14 && t.bytes().all(|b| b.is_ascii_digit()) {
        return WireDate::parse(t).map_err(|e| anyhow::anyhow!("{flag} {s:?}: {e}"));
    }
    let (date, time) = match t.split_once([' ', 'T']) {
        Some((d, tm)) => (d, Some(tm.trim())),
        None => (t, None),
    };
    let date: Date = date.parse().map_err(|_| bad())?;
    let time = match time {
        None => match end {
            End::From => Time::midnight(),
            End::To => Time::constant(23, 59, 59, 0),
        },
        Some(tm) => {
            let parts: Vec<&str> = tm.split(':').collect();
            let num = |p: &str| -> Result<i8> {
                if p.len() != 2 {
                    return Err(bad());
                }
                p.parse().map_err(|_| bad())
            };
            let (h, m, sec) = match parts.as_slice() {
                [h, m] => (
                    num(h)?,
                    num(m)?,
                    match end {
                        End::From => 0,
                        End::To => 59,
                    },
                ),
                [h, m, sec] => (num(h)?, num(m)?, num(sec)?),
                _ => return Err(bad()),
            };
            Time::new(h, m, sec, 0).map_err(|_| bad())?
        }
    };
    Ok(WireDate::from(DateTime::from_parts(date, time)))
}

/// A date as the command line shows it back.
pub fn show(d: WireDate) -> String {
    d.civil().strftime("%Y-%m-%d %H:%M:%S").to_string()
}

/// Now, as a civil time of the operation.
pub fn now(tz: &TimeZone) -> WireDate {
    let t = jiff::Zoned::now().with_time_zone(tz.clone()).datetime();
    WireDate::from(t.with().subsec_nanosecond(0).build().unwrap_or(t))
}

/// Today at 00:00:00 in the operation's zone.
pub fn today(tz: &TimeZone) -> WireDate {
    let now = now(tz).civil();
    WireDate::from(now.date().to_datetime(Time::midnight()))
}

/// The range of a report: defaults are today 00:00 to now.
pub fn range(from: Option<&str>, to: Option<&str>, tz: &TimeZone) -> Result<(WireDate, WireDate)> {
    let from = match from {
        Some(f) => parse("--from", f, End::From)?,
        None => today(tz),
    };
    let to = match to {
        Some(t) => parse("--to", t, End::To)?,
        None => now(tz),
    };
    if from > to {
        bail!("--from {} is after --to {}", show(from), show(to));
    }
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str, end: End) -> String {
        parse("--x", s, end).unwrap().to_wire()
    }

    #[test]
    fn the_three_forms_are_read() {
        assert_eq!(p("2026-06-01", End::From), "20260601000000");
        assert_eq!(p("2026-06-01", End::To), "20260601235959");
        assert_eq!(p("2026-06-01 08:30", End::From), "20260601083000");
        assert_eq!(p("2026-06-01 08:30", End::To), "20260601083059");
        assert_eq!(p("2026-06-01T08:30:15", End::To), "20260601083015");
        assert_eq!(p("20260601083015", End::From), "20260601083015");
    }

    #[test]
    fn anything_else_says_which_forms_exist() {
        for bad in [
            "2026-13-01",
            "2026-06-31",
            "01/06/2026",
            "2026-06-01 8:30",
            "2026-06-01 25:00",
            "2026060108301",
            "",
        ] {
            let e = parse("--from", bad, End::From).unwrap_err().to_string();
            assert!(e.contains("--from"), "{bad}: {e}");
        }
        let e = parse("--from", "yesterday", End::From)
            .unwrap_err()
            .to_string();
        assert!(e.contains(DATE_HELP), "{e}");
    }

    #[test]
    fn reversed_ranges_are_refused() {
        let tz = TimeZone::get("America/Bogota").unwrap();
        assert!(range(Some("2026-06-02"), Some("2026-06-01"), &tz).is_err());
        assert!(range(Some("2026-06-01"), Some("2026-06-01"), &tz).is_ok());
    }
}
