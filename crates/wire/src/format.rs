//! Number formats of report values: durations `HH:MM:SS` (hours may pass 99)
//! and percentages `1,234.56 %` (two decimals, comma thousands, space before `%`).

/// `3725` → `"01:02:05"`; `360000` → `"100:00:00"`. Negative input is written as 0.
pub fn duration_hms(seconds: i64) -> String {
    let s = seconds.max(0);
    format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

/// An id that may be absent: its digits, or `""`.
pub fn optional_id(id: Option<i64>) -> String {
    id.map(digits).unwrap_or_default()
}

/// An integer's digits as a report value (`-12` → `"-12"`): what `to_string`
/// gives, without the formatting machinery — a report of a thousand rows
/// writes tens of thousands of them.
pub fn digits(n: impl itoa::Integer) -> String {
    itoa::Buffer::new().format(n).to_owned()
}

/// Reads `HH:MM:SS` (any number of hour digits) back into seconds.
pub fn parse_duration_hms(s: &str) -> Option<i64> {
    let mut parts = s.split(':');
    let (h, m, sec) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || m.len() != 2 || sec.len() != 2 {
        return None;
    }
    let (h, m, sec): (i64, i64, i64) = (h.parse().ok()?, m.parse().ok()?, sec.parse().ok()?);
    (m < 60 && sec < 60 && h >= 0).then_some(h * 3600 + m * 60 + sec)
}

/// `numerator / denominator` as a percentage: `percent(2881, 10000)` → `"28.81 %"`.
/// A zero denominator gives `"0.00 %"`. Rounds half away from zero.
pub fn percent(numerator: u64, denominator: u64) -> String {
    let mut out = String::with_capacity(12);
    push_percent(&mut out, numerator, denominator);
    out
}

/// [`percent`], written at the end of `out`: a report of a thousand rows
/// writes two thousand of them, so no allocation of its own and 128-bit
/// division only where 64 bits could overflow.
pub fn push_percent(out: &mut String, numerator: u64, denominator: u64) {
    // hundredths of a percent, rounded: n * 10000 / d
    let scaled: u128 = if denominator == 0 {
        0
    } else {
        match (
            numerator
                .checked_mul(20_000)
                .and_then(|n| n.checked_add(denominator)),
            denominator.checked_mul(2),
        ) {
            (Some(n), Some(d)) => u128::from(n / d),
            _ => {
                (u128::from(numerator) * 20_000 + u128::from(denominator))
                    / (u128::from(denominator) * 2)
            }
        }
    };
    push_thousands(out, scaled / 100);
    let frac = (scaled % 100) as u8;
    out.push('.');
    out.push(char::from(b'0' + frac / 10));
    out.push(char::from(b'0' + frac % 10));
    out.push_str(" %");
}

/// A percentage already computed (`12.345` → `"12.35 %"`); negative is 0.
pub fn percent_value(v: f64) -> String {
    percent((v.max(0.0) * 100.0).round() as u64, 10_000)
}

/// Reads a percentage written by [`percent`] back into a number.
pub fn parse_percent(s: &str) -> Option<f64> {
    s.strip_suffix(" %")?.replace(',', "").parse().ok()
}

/// `n`'s digits with a comma every three, at the end of `out`.
fn push_thousands(out: &mut String, n: u128) {
    // itoa writes 128 bits too: a numerator near `u64::MAX` over a small
    // denominator is past 64 bits once scaled.
    let mut buf = itoa::Buffer::new();
    let digits = buf.format(n).as_bytes();
    for (i, d) in digits.iter().enumerate() {
        let left = digits.len() - i;
        if i > 0 && left.is_multiple_of(3) {
            out.push(',');
        }
        out.push(char::from(*d));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_hh_mm_ss_and_hours_may_pass_99() {
        assert_eq!(duration_hms(0), "00:00:00");
        assert_eq!(duration_hms(59), "00:00:59");
        assert_eq!(duration_hms(3725), "01:02:05");
        assert_eq!(duration_hms(99 * 3600 + 3599), "99:59:59");
        assert_eq!(duration_hms(360_000), "100:00:00");
        assert_eq!(duration_hms(-5), "00:00:00");
        for s in [0, 1, 61, 3600, 86_399, 360_001, 9_999_999] {
            assert_eq!(parse_duration_hms(&duration_hms(s)), Some(s));
        }
        assert_eq!(parse_duration_hms("1:2:3"), None);
        assert_eq!(parse_duration_hms("01:60:00"), None);
    }

    #[test]
    fn digits_are_what_to_string_gives() {
        for n in [0_i64, 7, -12, 1_000, i64::MIN, i64::MAX] {
            assert_eq!(digits(n), n.to_string());
        }
        assert_eq!(digits(u64::MAX), u64::MAX.to_string());
        assert_eq!(optional_id(Some(42)), "42");
        assert_eq!(optional_id(None), "");
    }

    #[test]
    fn percentages_match_the_vendor_format() {
        assert_eq!(percent(0, 0), "0.00 %");
        assert_eq!(percent(0, 7), "0.00 %");
        assert_eq!(percent(2881, 10_000), "28.81 %");
        assert_eq!(percent(1, 1), "100.00 %");
        assert_eq!(percent(152_3333, 10_000), "15,233.33 %");
        assert_eq!(percent(1, 3), "33.33 %");
        assert_eq!(percent(2, 3), "66.67 %");
        assert_eq!(percent(123_456_789, 100), "123,456,789.00 %");
        assert_eq!(percent(u64::MAX, u64::MAX), "100.00 %");
        assert_eq!(percent(u64::MAX, 1), "1,844,674,407,370,955,161,500.00 %");
        // The same as the plain 128-bit formula, over the ranges reports meet.
        let plain = |n: u64, d: u64| {
            let s = (u128::from(n) * 20_000 + u128::from(d)) / (u128::from(d) * 2);
            let whole = (s / 100).to_string();
            let mut grouped = String::new();
            for (i, c) in whole.chars().enumerate() {
                if i > 0 && (whole.len() - i) % 3 == 0 {
                    grouped.push(',');
                }
                grouped.push(c);
            }
            format!("{grouped}.{:02} %", s % 100)
        };
        for d in [1, 3, 7, 99, 1_000, 65_537, 10_000_019] {
            for n in (0..3_000).chain([d - 1, d, d + 1, 999_999, 1_000_000, 123_456_789]) {
                assert_eq!(percent(n, d), plain(n, d), "{n} / {d}");
            }
        }
        assert_eq!(parse_percent("15,233.33 %"), Some(15_233.33));
        assert_eq!(parse_percent("28.81%"), None);
    }
}
