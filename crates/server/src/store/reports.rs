//! The report queries. Each reads indexed facts or counters: the real-time
//! report is O(campaigns); campaign_3 streams from the (operation, campaign, time)
//! index inside one read snapshot; diagram_1_3 reads hourly rollups plus at most
//! two partial hours of raw steps.

use futures_util::{Stream, StreamExt};
use jiff::tz::TimeZone;
use marcador_wire::date::format_response_date;
use marcador_wire::format::{duration_hms, percent};
use marcador_wire::limits::{CALLS_LAST_10_WINDOW_SECS, CALLS_X_MIN_WINDOW_SECS};
use marcador_wire::rows::{
    CallLast10Row, Campaign3Row, CampaignRealtimeRow, Diagram13Row, campaign_label,
};
use marcador_wire::{CampaignStatus, CampaignType};
use sqlx::Row;

use super::facts::{ROLLUP_SECONDS, RecordWire, record_wire_columns};
use super::{Result, Snapshot, Store, StoreError};

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
}

const C3_MEASURE_ONE: &str = "SELECT COUNT(*), CAST(COALESCE(SUM(wire_bytes), 0) AS BIGINT) FROM (SELECT wire_bytes \
     FROM dial_attempts WHERE operation_id = $1 AND campaign_id = $2 AND started_at BETWEEN $3 AND $4 LIMIT $5) AS m";
const C3_MEASURE_ALL: &str = "SELECT COUNT(*), CAST(COALESCE(SUM(wire_bytes), 0) AS BIGINT) FROM (SELECT wire_bytes \
     FROM dial_attempts WHERE operation_id = $1 AND $2 = 0 AND started_at BETWEEN $3 AND $4 LIMIT $5) AS m";
const C3_ROWS_ONE: &str = concat!(
    "SELECT a.campaign_id, a.started_at, a.telephone, a.result, a.conn_id, ",
    record_wire_columns!(),
    " FROM dial_attempts a JOIN records r ON r.id = a.record_id \
     WHERE a.operation_id = $1 AND a.campaign_id = $2 AND a.started_at BETWEEN $3 AND $4 \
     ORDER BY a.started_at, a.id LIMIT $5"
);
const C3_ROWS_ALL: &str = concat!(
    "SELECT a.campaign_id, a.started_at, a.telephone, a.result, a.conn_id, ",
    record_wire_columns!(),
    " FROM dial_attempts a JOIN records r ON r.id = a.record_id \
     WHERE a.operation_id = $1 AND $2 = 0 AND a.started_at BETWEEN $3 AND $4 \
     ORDER BY a.started_at, a.id LIMIT $5"
);

/// A call and whether its record is typed with a hit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallHit {
    pub conn_id: String,
    pub type_interaction: String,
    /// Unix seconds.
    pub started_at: i64,
    pub telephone: String,
    pub customer_id: String,
    pub hit: bool,
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

    /// The rows, in time order (ties in attempt order), never more than were counted.
    pub fn rows(&mut self, tz: TimeZone) -> impl Stream<Item = Result<Campaign3Row>> + Send + '_ {
        let (sql, campaign) = self.sel.sql(C3_ROWS_ONE, C3_ROWS_ALL);
        sqlx::query(sql)
            .bind(self.operation_id)
            .bind(campaign)
            .bind(self.from)
            .bind(self.to)
            .bind(self.count as i64)
            .fetch(self.snapshot.conn())
            .map(move |row| {
                let row = row?;
                Ok(RecordWire::from_row(&row)?.campaign_3_row(
                    row.try_get("campaign_id")?,
                    format_response_date(row.try_get("started_at")?, &tz),
                    row.try_get("telephone")?,
                    row.try_get::<&str, _>("result")?,
                    row.try_get("conn_id")?,
                ))
            })
    }
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

    /// `real_time.php?api=campaigns`: one row per campaign, from its counters.
    pub async fn campaigns_realtime(
        &self,
        operation_id: i64,
        now: i64,
        today: &str,
    ) -> Result<Vec<CampaignRealtimeRow>> {
        let rows = sqlx::query(
            "SELECT c.id, c.name, c.speed, c.status, c.skill_id, c.records, c.clean, c.dial, c.answer, \
             c.no_answer, c.busy_congestion_failed, c.answer_machine, c.hits, c.recycled, c.current_phone, \
             COALESCE(p.with_phone, 0) AS with_phone, COALESCE(p.dialed, 0) AS phone_dialed, \
             COALESCE(d.attempts, 0) AS attempts_today, \
             (SELECT COUNT(*) FROM dial_attempts a WHERE a.operation_id = c.operation_id \
              AND a.campaign_id = c.id AND a.started_at > $2 AND a.started_at <= $3) AS calls_x_min \
             FROM campaigns c \
             LEFT JOIN campaign_phones p ON p.campaign_id = c.id AND p.phone = c.current_phone \
             LEFT JOIN campaign_days d ON d.campaign_id = c.id AND d.day = $4 \
             WHERE c.operation_id = $1 ORDER BY c.id",
        )
        .bind(operation_id)
        .bind(now - CALLS_X_MIN_WINDOW_SECS)
        .bind(now)
        .bind(today)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                let n = |c: &str| -> Result<i64> { Ok(r.try_get::<i64, _>(c)?) };
                let u = |c: &str| -> Result<u64> { Ok(n(c)?.max(0) as u64) };
                let records = u("records")?;
                let status: String = r.try_get("status")?;
                let phone = u8::try_from(n("current_phone")?).unwrap_or(1);
                Ok(CampaignRealtimeRow {
                    campaign: campaign_label(
                        n("id")?,
                        &r.try_get::<String, _>("name")?,
                        phone,
                        &percent(u("phone_dialed")?, u("with_phone")?),
                    ),
                    speed: n("speed")?.to_string(),
                    status: CampaignStatus::parse(&status)
                        .ok_or_else(|| StoreError::Invalid(format!("campaign status {status:?}")))?
                        .as_str()
                        .to_owned(),
                    skill_id: r
                        .try_get::<Option<i64>, _>("skill_id")?
                        .map(|s| s.to_string())
                        .unwrap_or_default(),
                    records: records.to_string(),
                    clean: n("clean")?.to_string(),
                    dial: n("dial")?.to_string(),
                    answer: n("answer")?.to_string(),
                    no_answer: n("no_answer")?.to_string(),
                    busy_congestion_failed: n("busy_congestion_failed")?.to_string(),
                    answer_machine: n("answer_machine")?.to_string(),
                    penetration_day: percent(u("attempts_today")?, records),
                    penetration_now: percent(u("dial")?, records),
                    hits: n("hits")?.to_string(),
                    calls_x_min: n("calls_x_min")?.to_string(),
                    recycled: n("recycled")?.to_string(),
                })
            })
            .collect()
    }

    /// `real_time.php?api=calls_last_10`: calls that started in the 10 minutes up to `now`.
    /// `Err(n)` when more than `cap` (`n` = cap + 1: "more than").
    pub async fn calls_last_10(
        &self,
        operation_id: i64,
        now: i64,
        cap: u64,
        tz: &TimeZone,
    ) -> Result<Result<Vec<CallLast10Row>, u64>> {
        let rows = sqlx::query(
            "SELECT type_interaction, result, started_at, telephone, customer_id, conn_id FROM calls \
             WHERE operation_id = $1 AND started_at > $2 AND started_at <= $3 \
             ORDER BY started_at, id LIMIT $4",
        )
        .bind(operation_id)
        .bind(now - CALLS_LAST_10_WINDOW_SECS)
        .bind(now)
        .bind(cap as i64 + 1)
        .fetch_all(&self.reader)
        .await?;
        if rows.len() as u64 > cap {
            return Ok(Err(rows.len() as u64));
        }
        rows.iter()
            .map(|r| {
                Ok(CallLast10Row {
                    type_interaction: r.try_get("type_interaction")?,
                    result: r.try_get("result")?,
                    date: format_response_date(r.try_get("started_at")?, tz),
                    telephone: r.try_get("telephone")?,
                    customer_id: r.try_get("customer_id")?,
                    conn_id: r.try_get("conn_id")?,
                })
            })
            .collect::<Result<Vec<_>>>()
            .map(Ok)
    }

    /// The calls started in `(from, to]`, oldest first, each with whether its
    /// record is typed with a hit code (`Err` with the count past `cap`).
    pub async fn calls_with_hits(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
        cap: u64,
    ) -> Result<Result<Vec<CallHit>, u64>> {
        let rows = sqlx::query(
            "SELECT c.conn_id, c.type_interaction, c.started_at, c.telephone, c.customer_id, \
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
                Ok(CallHit {
                    conn_id: r.try_get("conn_id")?,
                    type_interaction: r.try_get("type_interaction")?,
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
        })
    }

    /// `reports_manager.php?api=diagram_1_3` over `[from, to]`: whole hours from the
    /// rollup, the partial hours at either end from raw steps.
    pub async fn diagram_1_3(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<Diagram13Row>> {
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
                Ok(Diagram13Row {
                    rp_id: r.try_get::<i64, _>("rp_id")?.to_string(),
                    calls: r.try_get::<i64, _>("calls")?.to_string(),
                    time: duration_hms(r.try_get("seconds")?),
                    cod_opc_menu: r.try_get("option")?,
                })
            })
            .collect()
    }
}
