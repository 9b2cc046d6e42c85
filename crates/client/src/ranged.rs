//! Ranged reports over any range: 31-day windows, bisected while an answer
//! is over the cap, rows in time order and each row once.

use std::collections::BTreeMap;

use futures_util::{Stream, StreamExt, TryStreamExt, stream};
use jiff::ToSpan;
use marcador_wire::api::{self, param, report};
use marcador_wire::date::{RESPONSE_DATE_FORMAT, is_response_date};
use marcador_wire::format::{duration_hms, parse_duration_hms};
use marcador_wire::limits::MAX_RANGE_DAYS;
use marcador_wire::rows::{Campaign3Row, Diagram13Row};
use marcador_wire::{DateError, DateRange, WireDate};

use crate::{Call, Campaigns, Client, Error, Result};

/// A window of a ranged report: `ini` to `end`, both inclusive to the second,
/// at most 31 days long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub ini: WireDate,
    pub end: WireDate,
}

impl Window {
    fn range(self) -> Result<DateRange> {
        Ok(DateRange::new(self.ini, self.end)?)
    }

    /// Two halves `[ini, mid]` and `[mid + 1 s, end]`, or `None` for one second.
    fn halves(self) -> Option<(Window, Window)> {
        let secs = self.ini.civil().duration_until(self.end.civil()).as_secs();
        if secs < 1 {
            return None;
        }
        let mid = self.ini.civil().checked_add((secs / 2).seconds()).ok()?;
        let next = mid.checked_add(1.second()).ok()?;
        Some((
            Window {
                ini: self.ini,
                end: mid.into(),
            },
            Window {
                ini: next.into(),
                end: self.end,
            },
        ))
    }
}

/// Splits `[from, to]` into consecutive windows of at most 31 days that do
/// not overlap: each second of the range is in exactly one.
///
/// ```
/// use marcador_client::windows;
/// use marcador_client::wire::WireDate;
/// let w = windows(
///     WireDate::parse("20260101000000").unwrap(),
///     WireDate::parse("20260630235959").unwrap(),
/// ).unwrap();
/// assert_eq!(w.len(), 6);
/// assert_eq!(w[0].end.to_wire(), "20260201000000");
/// assert_eq!(w[1].ini.to_wire(), "20260201000001");
/// ```
pub fn windows(from: WireDate, to: WireDate) -> Result<Vec<Window>> {
    if from > to {
        return Err(DateError::Reversed.into());
    }
    let mut out = Vec::new();
    let mut ini = from.civil();
    loop {
        let end = ini
            .checked_add(MAX_RANGE_DAYS.days())
            .map_or(to.civil(), |e| e.min(to.civil()));
        out.push(Window {
            ini: ini.into(),
            end: end.into(),
        });
        if end >= to.civil() {
            return Ok(out);
        }
        ini = end
            .checked_add(1.second())
            .map_err(|_| DateError::TooLong)?;
    }
}

/// A window's rows, once they all fit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowRows<T> {
    pub window: Window,
    pub rows: Vec<T>,
    /// Requests the window took: 1, plus 2 per bisection.
    pub requests: u32,
}

/// Windows fetched at once: the API allows 2 requests in flight per token.
const WINDOWS_AHEAD: usize = 2;

impl Client {
    /// `GET reports_manager.php?api=campaign_3` for one range of at most 31 days,
    /// as one request. See [`Client::campaign_3`] for any range.
    pub async fn campaign_3_range(
        &self,
        campaigns: Campaigns,
        range: DateRange,
    ) -> Result<Vec<Campaign3Row>> {
        self.rows(
            Call::get(api::REPORTS_MANAGER_PATH, report::CAMPAIGN_3)
                .with(param::CAMPAIGN_ID, campaigns.wire())
                .with(param::DATE_INI, range.ini.to_wire())
                .with(param::DATE_END, range.end.to_wire()),
        )
        .await
    }

    /// `GET reports_manager.php?api=diagram_1_3` for one range of at most 31 days.
    pub async fn diagram_1_3_range(&self, range: DateRange) -> Result<Vec<Diagram13Row>> {
        self.rows(
            Call::get(api::REPORTS_MANAGER_PATH, report::DIAGRAM_1_3)
                .with(param::DATE_INI, range.ini.to_wire())
                .with(param::DATE_END, range.end.to_wire()),
        )
        .await
    }

    /// Every campaign_3 row of `[from, to]`, any length, in time order.
    pub fn campaign_3(
        &self,
        campaigns: Campaigns,
        from: WireDate,
        to: WireDate,
    ) -> impl Stream<Item = Result<Campaign3Row>> + Send + 'static {
        self.campaign_3_windows(campaigns, from, to)
            .map_ok(|w| stream::iter(w.rows.into_iter().map(Ok)))
            .try_flatten()
    }

    /// campaign_3 over `[from, to]` window by window (for progress and resuming).
    pub fn campaign_3_windows(
        &self,
        campaigns: Campaigns,
        from: WireDate,
        to: WireDate,
    ) -> impl Stream<Item = Result<WindowRows<Campaign3Row>>> + Send + 'static {
        self.campaign_3_windows_after(campaigns, from, to, None)
    }

    /// Like [`Client::campaign_3_windows`], continuing an export of `[from, to]`
    /// whose rows up to `done_through` (inclusive) are already written.
    pub fn campaign_3_windows_after(
        &self,
        campaigns: Campaigns,
        from: WireDate,
        to: WireDate,
        done_through: Option<WireDate>,
    ) -> impl Stream<Item = Result<WindowRows<Campaign3Row>>> + Send + 'static {
        let whole = Window { ini: from, end: to };
        let client = self.clone();
        plan(from, to, done_through)
            .map(move |w| {
                let client = client.clone();
                async move {
                    let w = w?;
                    let mut got = client
                        .fetch_bisected(w, |c, r| {
                            let c = c.clone();
                            async move { c.campaign_3_range(campaigns, r).await }
                        })
                        .await?;
                    // Each row once: a row belongs to the window holding its
                    // date (clamped into the whole range), whatever window the
                    // server sent it in.
                    let home = Home::new(whole, w);
                    got.rows.retain(|row| home.keeps(&row.date));
                    got.rows.sort_by(|a, b| a.date.cmp(&b.date));
                    Ok(got)
                }
            })
            .buffered(WINDOWS_AHEAD)
    }

    /// diagram_1_3 over `[from, to]`, any length: the windows' rows summed per
    /// routing point and option (as one answer over the whole range would be).
    pub async fn diagram_1_3(&self, from: WireDate, to: WireDate) -> Result<Vec<Diagram13Row>> {
        let parts: Vec<WindowRows<Diagram13Row>> =
            self.diagram_1_3_windows(from, to).try_collect().await?;
        if parts.len() == 1 {
            return Ok(parts.into_iter().flat_map(|w| w.rows).collect());
        }
        merge_diagram(parts.into_iter().flat_map(|w| w.rows))
    }

    /// diagram_1_3 over `[from, to]` window by window, unsummed.
    pub fn diagram_1_3_windows(
        &self,
        from: WireDate,
        to: WireDate,
    ) -> impl Stream<Item = Result<WindowRows<Diagram13Row>>> + Send + 'static {
        self.diagram_1_3_windows_after(from, to, None)
    }

    /// Like [`Client::diagram_1_3_windows`], skipping what is up to `done_through`.
    pub fn diagram_1_3_windows_after(
        &self,
        from: WireDate,
        to: WireDate,
        done_through: Option<WireDate>,
    ) -> impl Stream<Item = Result<WindowRows<Diagram13Row>>> + Send + 'static {
        let client = self.clone();
        plan(from, to, done_through)
            .map(move |w| {
                let client = client.clone();
                async move {
                    client
                        .fetch_bisected(w?, |c, r| {
                            let c = c.clone();
                            async move { c.diagram_1_3_range(r).await }
                        })
                        .await
                }
            })
            .buffered(WINDOWS_AHEAD)
    }

    /// Fetches `window`, halving any part that is over the cap (a 413, a 504,
    /// or an answer exactly at the record cap) until every part fits; rows
    /// come back in window order.
    async fn fetch_bisected<T, F, Fut>(&self, window: Window, fetch: F) -> Result<WindowRows<T>>
    where
        F: Fn(&Client, DateRange) -> Fut,
        Fut: Future<Output = Result<Vec<T>>>,
    {
        let mut todo = vec![window];
        let mut rows = Vec::new();
        let mut requests = 0;
        while let Some(part) = todo.pop() {
            requests += 1;
            let over = match fetch(self, part.range()?).await {
                // An answer at the cap may have been truncated: narrower, if there is narrower.
                Ok(got) if (got.len() as u64) < self.max_records() || part.halves().is_none() => {
                    rows.extend(got);
                    continue;
                }
                Ok(got) => format!("{} rows, the most one answer holds", got.len()),
                Err(Error::Api(e)) if e.is_too_large() => e.msg,
                Err(e) => return Err(e),
            };
            let Some((first, second)) = part.halves() else {
                return Err(Error::CannotSplit {
                    at: part.ini.to_wire(),
                    msg: over,
                });
            };
            tracing::debug!(ini = %part.ini.to_wire(), end = %part.end.to_wire(), %over, "bisecting");
            todo.push(second);
            todo.push(first);
        }
        Ok(WindowRows {
            window,
            rows,
            requests,
        })
    }
}

/// The windows still to fetch of `[from, to]` once everything up to
/// `done_through` (inclusive) is written: [`windows`] from the next second.
///
/// ```
/// use marcador_client::windows_after;
/// use marcador_client::wire::WireDate;
/// let d = |s| WireDate::parse(s).unwrap();
/// let w = windows_after(d("20260101000000"), d("20260301000000"), Some(d("20260201000000"))).unwrap();
/// assert_eq!(w.len(), 1);
/// assert_eq!(w[0].ini.to_wire(), "20260201000001");
/// assert!(windows_after(d("20260101000000"), d("20260301000000"), Some(d("20260301000000"))).unwrap().is_empty());
/// ```
pub fn windows_after(
    from: WireDate,
    to: WireDate,
    done_through: Option<WireDate>,
) -> Result<Vec<Window>> {
    let start = match done_through {
        None => from,
        Some(d) if d >= to => return Ok(Vec::new()),
        Some(d) => d
            .civil()
            .checked_add(1.second())
            .map(|t| WireDate::from(t).max(from))
            .map_err(|_| Error::Range(DateError::TooLong))?,
    };
    windows(start, to)
}

fn plan(
    from: WireDate,
    to: WireDate,
    done_through: Option<WireDate>,
) -> impl Stream<Item = Result<Window>> + Send + 'static {
    let planned: Vec<Result<Window>> = match windows_after(from, to, done_through) {
        Ok(w) => w.into_iter().map(Ok).collect(),
        Err(e) => vec![Err(e)],
    };
    stream::iter(planned)
}

/// Which rows a window of the export of `whole` keeps: those whose date,
/// clamped into `whole`, falls in the window. The bounds are written once as
/// answer dates (`YYYY-mm-dd HH:ii:ss` sorts as it reads) and each row's date
/// is compared as text; a date not in that shape is kept.
struct Home {
    whole: (String, String),
    window: (String, String),
}

impl Home {
    fn new(whole: Window, window: Window) -> Self {
        let text = |d: WireDate| d.civil().strftime(RESPONSE_DATE_FORMAT).to_string();
        Home {
            whole: (text(whole.ini), text(whole.end)),
            window: (text(window.ini), text(window.end)),
        }
    }

    fn keeps(&self, date: &str) -> bool {
        if !is_response_date(date) {
            return true;
        }
        let t = date.clamp(self.whole.0.as_str(), self.whole.1.as_str());
        self.window.0.as_str() <= t && t <= self.window.1.as_str()
    }
}

/// Sums diagram_1_3 rows per (routing point, option), the way one answer over
/// the union of their ranges reads: ordered by routing point, then option.
///
/// ```
/// use marcador_client::merge_diagram;
/// use marcador_client::wire::rows::Diagram13Row;
/// let row = |calls: &str, time: &str| Diagram13Row {
///     rp_id: "1".into(), calls: calls.into(), time: time.into(), cod_opc_menu: "PULSE".into(),
/// };
/// let merged = merge_diagram([row("2", "00:00:40"), row("3", "00:01:30")]).unwrap();
/// assert_eq!(merged, vec![row("5", "00:02:10")]);
/// ```
pub fn merge_diagram(rows: impl IntoIterator<Item = Diagram13Row>) -> Result<Vec<Diagram13Row>> {
    let mut sums: BTreeMap<(i64, String, String), (u64, i64)> = BTreeMap::new();
    for r in rows {
        let bad = |field: &str, v: &str| Error::Decode {
            what: "diagram_1_3".into(),
            detail: format!("{field} {v:?} of routing point {} is not a number", r.rp_id),
        };
        let calls: u64 = r.calls.trim().parse().map_err(|_| bad("calls", &r.calls))?;
        let secs = parse_duration_hms(&r.time).ok_or_else(|| bad("time", &r.time))?;
        let rp = r.rp_id.trim().parse().unwrap_or(i64::MAX);
        let e = sums
            .entry((rp, r.rp_id.clone(), r.cod_opc_menu.clone()))
            .or_default();
        e.0 += calls;
        e.1 += secs;
    }
    Ok(sums
        .into_iter()
        .map(|((_, rp_id, cod_opc_menu), (calls, secs))| Diagram13Row {
            rp_id,
            calls: calls.to_string(),
            time: duration_hms(secs),
            cod_opc_menu,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> WireDate {
        WireDate::parse(s).unwrap()
    }

    #[test]
    fn windows_cover_the_range_once_and_respect_31_days() {
        let (from, to) = (d("20260101083000"), d("20261231170000"));
        let w = windows(from, to).unwrap();
        assert_eq!(w.first().unwrap().ini, from);
        assert_eq!(w.last().unwrap().end, to);
        for pair in w.windows(2) {
            let next = pair[0].end.civil().checked_add(1.second()).unwrap();
            assert_eq!(pair[1].ini.civil(), next, "no gap, no overlap");
        }
        for x in &w {
            assert!(DateRange::new(x.ini, x.end).is_ok());
        }
        assert_eq!(windows(from, from).unwrap().len(), 1);
        assert!(windows(to, from).is_err());
    }

    #[test]
    fn halves_split_at_the_middle_second() {
        let w = Window {
            ini: d("20260101000000"),
            end: d("20260101000009"),
        };
        let (a, b) = w.halves().unwrap();
        assert_eq!((a.ini, a.end), (d("20260101000000"), d("20260101000004")));
        assert_eq!((b.ini, b.end), (d("20260101000005"), d("20260101000009")));
        let one = Window {
            ini: w.ini,
            end: w.ini,
        };
        assert!(one.halves().is_none());
        let two = Window {
            ini: w.ini,
            end: d("20260101000001"),
        };
        let (a, b) = two.halves().unwrap();
        assert_eq!((a.end, b.ini), (a.ini, two.end));
    }

    #[test]
    fn a_row_belongs_to_one_window() {
        let whole = Window {
            ini: d("20260101000000"),
            end: d("20260301000000"),
        };
        let w = windows(whole.ini, whole.end).unwrap();
        for date in [
            "2026-01-01 00:00:00",
            "2026-02-01 00:00:00",
            "2026-02-01 00:00:01",
            "2025-12-31 23:59:59",
            "2026-03-02 00:00:00",
        ] {
            assert_eq!(
                w.iter()
                    .filter(|x| Home::new(whole, **x).keeps(date))
                    .count(),
                1,
                "{date}"
            );
        }
        // A row without a usable date cannot be placed: it stays where it came.
        assert!(w.iter().all(|x| Home::new(whole, *x).keeps("not a date")));
    }

    #[test]
    fn diagram_rows_sum_per_routing_point_and_option() {
        let row = |rp: &str, calls: &str, time: &str, opt: &str| Diagram13Row {
            rp_id: rp.into(),
            calls: calls.into(),
            time: time.into(),
            cod_opc_menu: opt.into(),
        };
        let merged = merge_diagram([
            row("10", "1", "00:00:30", "1"),
            row("2", "3", "00:01:00", "PULSE"),
            row("10", "2", "00:00:45", "1"),
            row("2", "1", "99:59:59", "0"),
        ])
        .unwrap();
        assert_eq!(
            merged,
            vec![
                row("2", "1", "99:59:59", "0"),
                row("2", "3", "00:01:00", "PULSE"),
                row("10", "3", "00:01:15", "1"),
            ]
        );
        assert!(merge_diagram([row("1", "x", "00:00:01", "1")]).is_err());
    }
}
