//! The report queries. Each reads indexed facts or counters: the real-time
//! report is O(campaigns); campaign_3 streams from the (operation, campaign, time)
//! index inside one read snapshot, a thousand rows (one JSON value) per read; diagram_1_3 reads hourly rollups plus at most
//! two partial hours of raw steps.

use futures_util::{Stream, TryStreamExt, stream};
use jiff::tz::TimeZone;
use marcador_wire::date::format_response_date;
use marcador_wire::limits::CALLS_X_MIN_WINDOW_SECS;
use marcador_wire::rows::Campaign3Row;
use marcador_wire::{CampaignStatus, CampaignType};
use sqlx::Row;

use super::facts::{ROLLUP_SECONDS, RecordWire, record_wire_columns, record_wire_json};
use super::{Backend, Result, Snapshot, Store, StoreError};

/// Which campaigns campaign_3 reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CampaignSel {
    All,
    One(i64),
}

/// A campaign_3 answer being read: its size, measured in the same snapshot
/// its rows are then streamed from, so the two always agree.
pub struct Campaign3Read {
    /// Closed when dropped, unless [`Campaign3Read::finish`] ended it first.
    snapshot: Snapshot,
    pub count: u64,
    pub bytes: u64,
    operation_id: i64,
    sel: CampaignSel,
    from: i64,
    to: i64,
    backend: Backend,
}

const C3_MEASURE_ONE: &str = "SELECT COUNT(*), CAST(COALESCE(SUM(wire_bytes), 0) AS BIGINT) FROM (SELECT wire_bytes \
     FROM dial_attempts WHERE operation_id = $1 AND campaign_id = $2 AND started_at BETWEEN $3 AND $4 LIMIT $5) AS m";
const C3_MEASURE_ALL: &str = "SELECT COUNT(*), CAST(COALESCE(SUM(wire_bytes), 0) AS BIGINT) FROM (SELECT wire_bytes \
     FROM dial_attempts WHERE operation_id = $1 AND $2 = 0 AND started_at BETWEEN $3 AND $4 LIMIT $5) AS m";
/// campaign_1: each record's last attempt in the range, counted by result.
macro_rules! last_results {
    ($campaign:literal) => {
        concat!(
            "SELECT result, COUNT(*) FROM (SELECT a.result, ROW_NUMBER() OVER \
             (PARTITION BY a.record_id ORDER BY a.started_at DESC, a.id DESC) AS n \
             FROM dial_attempts a WHERE a.operation_id = $1 AND ",
            $campaign,
            " AND a.started_at BETWEEN $3 AND $4) AS last WHERE n = 1 GROUP BY result ORDER BY result"
        )
    };
}
const LAST_RESULTS_ONE: &str = last_results!("a.campaign_id = $2");
const LAST_RESULTS_ALL: &str = last_results!("$2 = 0");
/// campaign_4: every attempt in the range, counted by result.
macro_rules! attempt_results {
    ($campaign:literal) => {
        concat!(
            "SELECT result, COUNT(*) FROM dial_attempts WHERE operation_id = $1 AND ",
            $campaign,
            " AND started_at BETWEEN $3 AND $4 GROUP BY result ORDER BY result"
        )
    };
}
/// campaign_2: the records codified in the range, counted by code.
macro_rules! codes_in_range {
    ($campaign:literal) => {
        concat!(
            "SELECT r.cod_act, COUNT(*) FROM records r JOIN campaigns c ON c.id = r.campaign_id \
             WHERE c.operation_id = $1 AND ",
            $campaign,
            " AND r.codified_at BETWEEN $3 AND $4 AND r.status = 'codified' \
             GROUP BY r.cod_act ORDER BY r.cod_act"
        )
    };
}
const CODES_ONE: &str = codes_in_range!("r.campaign_id = $2");
const CODES_ALL: &str = codes_in_range!("$2 = 0");

const ATTEMPT_RESULTS_ONE: &str = attempt_results!("campaign_id = $2");
const ATTEMPT_RESULTS_ALL: &str = attempt_results!("$2 = 0");

/// campaign_3's rows after `($3, $5)` (started at, attempt id) up to `$4`,
/// `$6` of them: read a chunk at a time, each chunk as one JSON value
/// ([`Campaign3Read::rows`]).
macro_rules! c3_rows {
    ($campaign:literal) => {
        concat!(
            "SELECT a.id, a.started_at, a.campaign_id, a.telephone, a.result, a.conn_id, ",
            record_wire_columns!(),
            " FROM dial_attempts a JOIN records r ON r.id = a.record_id \
             WHERE a.operation_id = $1 AND ",
            $campaign,
            " AND a.started_at >= $3 AND a.started_at <= $4 AND (a.started_at > $3 OR a.id > $5) \
             ORDER BY a.started_at, a.id LIMIT $6"
        )
    };
}
const C3_ROWS_ONE: &str = c3_rows!("a.campaign_id = $2");
const C3_ROWS_ALL: &str = c3_rows!("$2 = 0");

/// Rows of campaign_3 per read: one hand-off from the database's thread and
/// one JSON value each, where a row at a time cost most of the answer's time
/// in hand-offs and driver row conversions.
const C3_CHUNK: u64 = 1_000;

/// A campaign_3 row as a chunk gives it: attempt id, started at, campaign,
/// telephone, result, conn_id, then the record's fields.
type C3Json = (
    i64,
    i64,
    i64,
    String,
    String,
    String,
    (String, String, String, String),
    Vec<String>,
);

/// A recent call and whether its record is typed with a hit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentCall {
    pub conn_id: String,
    /// The wire strings, as written with the call.
    pub type_interaction: String,
    pub result: String,
    /// Unix seconds.
    pub started_at: i64,
    pub telephone: String,
    pub customer_id: String,
    pub hit: bool,
}

/// A campaign's counters now, for real_time campaigns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignCounters {
    pub id: i64,
    pub name: String,
    pub speed: i64,
    pub status: CampaignStatus,
    pub skill_id: Option<i64>,
    pub records: i64,
    pub clean: i64,
    pub dial: i64,
    pub answer: i64,
    pub no_answer: i64,
    pub busy_congestion_failed: i64,
    pub answer_machine: i64,
    pub hits: i64,
    pub recycled: i64,
    /// The highest phone column dialed this cycle, its records with a number
    /// there and those already dialed on it.
    pub current_phone: i64,
    pub with_phone: i64,
    pub phone_dialed: i64,
    /// Dial attempts on the operation's calendar day, and in the last 60 s.
    pub attempts_today: i64,
    pub calls_x_min: i64,
}

/// Calls passing one IVR menu option over a range, and their time in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IvrOptionTotal {
    pub rp_id: i64,
    pub option: String,
    pub calls: i64,
    pub seconds: i64,
}

impl CampaignSel {
    fn sql(self, one: &'static str, all: &'static str) -> (&'static str, i64) {
        match self {
            CampaignSel::One(id) => (one, id),
            CampaignSel::All => (all, 0),
        }
    }
}

impl Campaign3Read {
    /// After the last row: ends the snapshot, so the connection goes back to
    /// the pool (dropped without this, it is closed).
    pub async fn finish(self) -> Result<()> {
        self.snapshot.end().await
    }

    /// The rows, in time order (ties in attempt order), never more than were
    /// counted: [`C3_CHUNK`] at a time, each chunk after the last one's last
    /// row (all inside the one snapshot).
    pub fn rows(&mut self, tz: TimeZone) -> impl Stream<Item = Result<Campaign3Row>> + Send + '_ {
        let (inner, campaign) = self.sel.sql(C3_ROWS_ONE, C3_ROWS_ALL);
        let sql = self.backend.json_rows(
            &format!(
                "id, started_at, campaign_id, telephone, result, conn_id, {}",
                record_wire_json(self.backend)
            ),
            inner,
        );
        let (operation_id, from, to) = (self.operation_id, self.from, self.to);
        let first = Page {
            conn: self.snapshot.conn(),
            after: (from, 0),
            left: self.count,
        };
        stream::try_unfold(first, move |mut page| {
            let (sql, tz) = (sql.clone(), tz.clone());
            async move {
                if page.left == 0 {
                    return Ok::<_, StoreError>(None);
                }
                let text: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .bind(operation_id)
                    .bind(campaign)
                    .bind(page.after.0)
                    .bind(to)
                    .bind(page.after.1)
                    .bind(page.left.min(C3_CHUNK) as i64)
                    .fetch_one(&mut *page.conn)
                    .await?;
                let mut rows: Vec<C3Json> = serde_json::from_str(&text)
                    .map_err(|e| StoreError::Invalid(format!("campaign_3 rows as JSON: {e}")))?;
                // The aggregate keeps no order of its own.
                rows.sort_unstable_by_key(|r| (r.1, r.0));
                let Some(last) = rows.last() else {
                    return Ok(None);
                };
                page.after = (last.1, last.0);
                page.left = page.left.saturating_sub(rows.len() as u64);
                let rows: Vec<Result<Campaign3Row>> = rows
                    .into_iter()
                    .map(
                        |(_, at, campaign_id, telephone, result, conn_id, who, opts)| {
                            Ok(RecordWire::from((who, opts)).campaign_3_row(
                                campaign_id,
                                format_response_date(at, &tz),
                                telephone,
                                &result,
                                conn_id,
                            ))
                        },
                    )
                    .collect();
                Ok(Some((stream::iter(rows), page)))
            }
        })
        .try_flatten()
    }
}

/// Where a campaign_3 read is: the snapshot's connection, the last row
/// sent (started at, attempt id) and how many rows are still owed.
struct Page<'c> {
    conn: &'c mut sqlx::AnyConnection,
    after: (i64, i64),
    left: u64,
}

impl Store {
    /// The type of a campaign of the operation, if it exists there.
    pub async fn campaign_type(
        &self,
        operation_id: i64,
        campaign_id: i64,
    ) -> Result<Option<CampaignType>> {
        let t: Option<String> =
            sqlx::query_scalar("SELECT type FROM campaigns WHERE id = $1 AND operation_id = $2")
                .bind(campaign_id)
                .bind(operation_id)
                .fetch_optional(&self.reader)
                .await?;
        Ok(t.as_deref().and_then(CampaignType::parse))
    }

    /// Every campaign's counters (real_time campaigns): O(campaigns), plus
    /// two index ranges matched to the campaigns here — the operation's last
    /// 60 s of attempts, counted by campaign (a count per campaign was 1,000
    /// index seeks, most of the answer's time), and today's attempts of every
    /// campaign (`campaign_days_by_day`: a lookup per campaign read a page
    /// per campaign, cold after any write). All come back in one value, one
    /// trip to the database. The rows come back as one JSON
    /// value ([`Backend::json_rows`]): with a thousand campaigns, fetching a
    /// row at a time cost more than the query.
    pub async fn campaign_counters(
        &self,
        operation_id: i64,
        now: i64,
        today: &str,
    ) -> Result<Vec<CampaignCounters>> {
        /// One campaign's row, in the order of the query's columns.
        #[derive(serde::Deserialize)]
        struct Row(
            i64,
            String,
            i64,
            String,
            Option<i64>,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
        );
        let campaigns = self.backend.json_rows(
            "id, name, speed, status, skill_id, records, clean, dial, answer, no_answer, bcf, \
             answer_machine, hits, recycled, current_phone, with_phone, phone_dialed",
            "SELECT c.id, c.name, c.speed, c.status, c.skill_id, c.records, c.clean, c.dial, c.answer, \
             c.no_answer, c.busy_congestion_failed AS bcf, c.answer_machine, c.hits, c.recycled, \
             c.current_phone, COALESCE(p.with_phone, 0) AS with_phone, \
             COALESCE(p.dialed, 0) AS phone_dialed \
             FROM campaigns c \
             LEFT JOIN campaign_phones p ON p.campaign_id = c.id AND p.phone = c.current_phone \
             WHERE c.operation_id = $1",
        );
        // Today's rows of every operation's campaigns: those of others are
        // left unmatched (a campaign is one operation's).
        let days = self.backend.json_rows(
            "campaign_id, attempts",
            "SELECT campaign_id, attempts FROM campaign_days WHERE day = $4",
        );
        // The last minute's attempts by campaign: a few rows, matched to
        // their campaigns here (a join cost a lookup per campaign).
        let recent = self.backend.json_rows(
            "campaign_id, n",
            "SELECT campaign_id, COUNT(*) AS n FROM dial_attempts \
             WHERE operation_id = $1 AND started_at > $2 AND started_at <= $3 GROUP BY campaign_id",
        );
        let sql =
            format!("SELECT '[' || ({campaigns}) || ',' || ({recent}) || ',' || ({days}) || ']'");
        let text: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(operation_id)
            .bind(now - CALLS_X_MIN_WINDOW_SECS)
            .bind(now)
            .bind(today)
            .fetch_one(&self.reader)
            .await?;
        type ByCampaign = Vec<(i64, i64)>;
        let (rows, recent, days): (Vec<Row>, ByCampaign, ByCampaign) = serde_json::from_str(&text)
            .map_err(|e| StoreError::Invalid(format!("campaign counters: {e}")))?;
        let recent: std::collections::HashMap<i64, i64> = recent.into_iter().collect();
        let days: std::collections::HashMap<i64, i64> = days.into_iter().collect();
        let mut out = rows
            .into_iter()
            .map(|r| {
                Ok(CampaignCounters {
                    id: r.0,
                    name: r.1,
                    speed: r.2,
                    status: CampaignStatus::parse(&r.3)
                        .ok_or_else(|| StoreError::Invalid(format!("campaign status {:?}", r.3)))?,
                    skill_id: r.4,
                    records: r.5,
                    clean: r.6,
                    dial: r.7,
                    answer: r.8,
                    no_answer: r.9,
                    busy_congestion_failed: r.10,
                    answer_machine: r.11,
                    hits: r.12,
                    recycled: r.13,
                    current_phone: r.14,
                    with_phone: r.15,
                    phone_dialed: r.16,
                    attempts_today: days.get(&r.0).copied().unwrap_or(0),
                    calls_x_min: recent.get(&r.0).copied().unwrap_or(0),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        out.sort_unstable_by_key(|c| c.id);
        Ok(out)
    }

    /// The calls started in `(from, to]`, oldest first, each with whether its
    /// record is typed with a hit code (`Err` with the count past `cap`): what
    /// calls_last_10 and hits_last_hour read, from the calls index.
    pub async fn recent_calls(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
        cap: u64,
    ) -> Result<Result<Vec<RecentCall>, u64>> {
        let rows = sqlx::query(
            "SELECT c.conn_id, c.type_interaction, c.result, c.started_at, c.telephone, c.customer_id, \
             COALESCE(r.hit, 0) AS hit FROM calls c \
             LEFT JOIN records r ON r.campaign_id = c.campaign_id AND r.customer_id = c.customer_id \
             WHERE c.operation_id = $1 AND c.started_at > $2 AND c.started_at <= $3 \
             ORDER BY c.started_at, c.id LIMIT $4",
        )
        .bind(operation_id)
        .bind(from)
        .bind(to)
        .bind(cap as i64 + 1)
        .fetch_all(&self.reader)
        .await?;
        if rows.len() as u64 > cap {
            return Ok(Err(rows.len() as u64));
        }
        rows.iter()
            .map(|r| {
                Ok(RecentCall {
                    conn_id: r.try_get("conn_id")?,
                    type_interaction: r.try_get("type_interaction")?,
                    result: r.try_get("result")?,
                    started_at: r.try_get("started_at")?,
                    telephone: r.try_get("telephone")?,
                    customer_id: r.try_get("customer_id")?,
                    hit: r.try_get::<i64, _>("hit")? != 0,
                })
            })
            .collect::<Result<Vec<_>>>()
            .map(Ok)
    }

    /// Opens a read snapshot for campaign_3 over `[from, to]` and measures it,
    /// reading at most `cap + 1` index entries.
    pub async fn campaign_3_read(
        &self,
        operation_id: i64,
        sel: CampaignSel,
        from: i64,
        to: i64,
        cap: u64,
    ) -> Result<Campaign3Read> {
        let mut snapshot = self.snapshot().await?;
        let (sql, campaign) = sel.sql(C3_MEASURE_ONE, C3_MEASURE_ALL);
        let (count, bytes): (i64, i64) = sqlx::query_as(sql)
            .bind(operation_id)
            .bind(campaign)
            .bind(from)
            .bind(to)
            .bind(cap as i64 + 1)
            .fetch_one(snapshot.conn())
            .await?;
        Ok(Campaign3Read {
            snapshot,
            count: count.max(0) as u64,
            bytes: bytes.max(0) as u64,
            operation_id,
            sel,
            from,
            to,
            backend: self.backend,
        })
    }

    /// How many records of the campaign(s) ended the range `[from, to]` with
    /// each result (`last`, campaign_1), or how many attempts in it had each
    /// result (campaign_4): (the result as stored, count), by result.
    pub async fn results_in_range(
        &self,
        operation_id: i64,
        sel: CampaignSel,
        from: i64,
        to: i64,
        last: bool,
    ) -> Result<Vec<(String, i64)>> {
        let (one, all) = if last {
            (LAST_RESULTS_ONE, LAST_RESULTS_ALL)
        } else {
            (ATTEMPT_RESULTS_ONE, ATTEMPT_RESULTS_ALL)
        };
        self.counts(sel.sql(one, all), operation_id, from, to).await
    }

    /// Runs a counting query of `$1` operation, `$2` campaign (0: all), over
    /// `$3`…`$4`: (key, count) rows.
    async fn counts(
        &self,
        (sql, campaign): (&'static str, i64),
        operation_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<(String, i64)>> {
        Ok(sqlx::query_as(sql)
            .bind(operation_id)
            .bind(campaign)
            .bind(from)
            .bind(to)
            .fetch_all(&self.reader)
            .await?)
    }

    /// How many records of the campaign(s) were codified in `[from, to]` with
    /// each activity code: (cod_act, records), by code.
    pub async fn codes_in_range(
        &self,
        operation_id: i64,
        sel: CampaignSel,
        from: i64,
        to: i64,
    ) -> Result<Vec<(String, i64)>> {
        self.counts(sel.sql(CODES_ONE, CODES_ALL), operation_id, from, to)
            .await
    }

    /// Calls and time per routing point and menu option over `[from, to]`
    /// (diagram_1_3): whole hours from the rollup, the partial hours at either
    /// end from raw steps.
    pub async fn ivr_option_totals(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<IvrOptionTotal>> {
        // Whole rollup hours [first_hour, end_hour) inside [from, to].
        let first_hour =
            from.div_euclid(ROLLUP_SECONDS) + i64::from(from.rem_euclid(ROLLUP_SECONDS) != 0);
        let end_hour = (to + 1).div_euclid(ROLLUP_SECONDS);
        let (head_end, tail_start) = if first_hour < end_hour {
            (first_hour * ROLLUP_SECONDS, end_hour * ROLLUP_SECONDS)
        } else {
            // No whole hour: everything comes from raw steps.
            (to + 1, to + 1)
        };
        let rows = sqlx::query(
            "SELECT rp_id, option, CAST(SUM(calls) AS BIGINT) AS calls, \
             CAST(SUM(seconds) AS BIGINT) AS seconds FROM ( \
               SELECT rp_id, option, calls, seconds FROM ivr_rollup \
                 WHERE operation_id = $1 AND hour >= $2 AND hour < $3 \
               UNION ALL SELECT rp_id, option, 1, seconds FROM ivr_steps \
                 WHERE operation_id = $1 AND entered_at >= $4 AND entered_at < $5 \
               UNION ALL SELECT rp_id, option, 1, seconds FROM ivr_steps \
                 WHERE operation_id = $1 AND entered_at >= $6 AND entered_at <= $7 \
             ) AS s GROUP BY rp_id, option ORDER BY rp_id, option",
        )
        .bind(operation_id)
        .bind(first_hour)
        .bind(end_hour)
        .bind(from)
        .bind(head_end)
        .bind(tail_start)
        .bind(to)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(IvrOptionTotal {
                    rp_id: r.try_get("rp_id")?,
                    option: r.try_get("option")?,
                    calls: r.try_get("calls")?,
                    seconds: r.try_get("seconds")?,
                })
            })
            .collect()
    }
}
