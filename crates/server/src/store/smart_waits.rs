//! Smart wait: each queued caller offered a call back ([`SmartWaitFact`],
//! replaced by the engine — or the demo's history — as the offer is declined
//! or accepted and as each call back goes), and the reads behind diagram_2
//! (per skill, summed in the database beside the skill's queued calls) and
//! diagram_3 (one by one). Plain data; the rows are made in
//! `api/reports_manager/ivr.rs`.

use std::sync::LazyLock;

use marcador_wire::smart_wait::SmartWaitStatus;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::detail::DetailRead;
use super::tx::WriteTx;
use super::{Result, Store};

/// A caller offered a call back, as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmartWaitFact {
    pub operation_id: i64,
    /// The caller's inbound call.
    pub conn_id: String,
    pub skill_id: i64,
    pub inbound_ms: i64,
    pub last_outbound_ms: Option<i64>,
    pub status: SmartWaitStatus,
    /// Call backs placed so far.
    pub attempts: i64,
    /// Who called, and the number called back.
    pub ani: String,
    pub dial_phone: String,
    /// The call back's talk.
    pub talk_ms: i64,
    pub customer_id: String,
}

/// diagram_2: one skill's offers in a range.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SmartWaitTotals {
    pub skill_id: i64,
    pub offered: i64,
    pub declined: i64,
    pub failed: i64,
    pub ok: i64,
    /// The skill's calls that queued in the range.
    pub queued: i64,
}

pub(super) async fn apply_smart_wait(tx: &mut WriteTx, w: &SmartWaitFact) -> Result<()> {
    sqlx::query(
        "INSERT INTO smart_waits (operation_id, conn_id, skill_id, inbound_ms, last_outbound_ms, status, \
         attempts, ani, dial_phone, talk_ms, customer_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (operation_id, conn_id) DO UPDATE SET last_outbound_ms = excluded.last_outbound_ms, \
         status = excluded.status, attempts = excluded.attempts, dial_phone = excluded.dial_phone, \
         talk_ms = excluded.talk_ms",
    )
    .bind(w.operation_id)
    .bind(&w.conn_id)
    .bind(w.skill_id)
    .bind(w.inbound_ms)
    .bind(w.last_outbound_ms)
    .bind(w.status.as_str())
    .bind(w.attempts)
    .bind(&w.ani)
    .bind(&w.dial_phone)
    .bind(w.talk_ms.max(0))
    .bind(&w.customer_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// `$1` operation, callers within `$2`…`$3` (ms), per skill, with the skill's
/// queued calls from `calls` (seconds) over the same range.
static TOTALS: LazyLock<String> = LazyLock::new(|| {
    let failed: Vec<String> = SmartWaitStatus::ALL
        .into_iter()
        .filter(|s| s.failed())
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    format!(
        "SELECT w.skill_id, COUNT(*) AS offered, \
         COUNT(CASE WHEN w.status = '{no}' THEN 1 END) AS declined, \
         COUNT(CASE WHEN w.status IN ({failed}) THEN 1 END) AS failed, \
         COUNT(CASE WHEN w.status = '{ok}' THEN 1 END) AS ok, \
         (SELECT COUNT(*) FROM calls c WHERE c.operation_id = $1 AND c.skill_id = w.skill_id \
          AND c.wait_seconds IS NOT NULL AND c.started_at BETWEEN $2 / 1000 AND $3 / 1000) AS queued \
         FROM smart_waits w WHERE w.operation_id = $1 AND w.inbound_ms BETWEEN $2 AND $3 \
         GROUP BY w.skill_id ORDER BY w.skill_id",
        no = SmartWaitStatus::No.as_str(),
        ok = SmartWaitStatus::Ok.as_str(),
        failed = failed.join(", "),
    )
});

/// `$1` operation, callers within `$2`…`$3` (ms), in time order.
const DETAIL: &str = "SELECT skill_id, inbound_ms, last_outbound_ms, status, attempts, ani, dial_phone, \
     talk_ms, customer_id, conn_id FROM smart_waits WHERE operation_id = $1 AND inbound_ms BETWEEN $2 AND $3 \
     ORDER BY inbound_ms, conn_id LIMIT $4";

/// `$1` operation, `$2` the accepted status.
const PENDING: &str = "SELECT skill_id, inbound_ms, last_outbound_ms, status, attempts, ani, dial_phone, \
     talk_ms, customer_id, conn_id FROM smart_waits WHERE operation_id = $1 AND status = $2 \
     ORDER BY inbound_ms, conn_id";

fn smart_wait(r: &AnyRow) -> Result<SmartWaitFact> {
    let status: String = r.try_get("status")?;
    Ok(SmartWaitFact {
        operation_id: 0,
        conn_id: r.try_get("conn_id")?,
        skill_id: r.try_get("skill_id")?,
        inbound_ms: r.try_get("inbound_ms")?,
        last_outbound_ms: r.try_get("last_outbound_ms")?,
        status: SmartWaitStatus::parse(&status).unwrap_or(SmartWaitStatus::Yes),
        attempts: r.try_get("attempts")?,
        ani: r.try_get("ani")?,
        dial_phone: r.try_get("dial_phone")?,
        talk_ms: r.try_get("talk_ms")?,
        customer_id: r.try_get("customer_id")?,
    })
}

impl Store {
    /// diagram_2: per skill, the callers offered a call back who called in `[from, to]` (Unix s).
    pub async fn smart_wait_totals(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<SmartWaitTotals>> {
        self.ranged_ms(TOTALS.as_str(), operation_id, (from, to), |r| {
            Ok(SmartWaitTotals {
                skill_id: r.try_get("skill_id")?,
                offered: r.try_get("offered")?,
                declined: r.try_get("declined")?,
                failed: r.try_get("failed")?,
                ok: r.try_get("ok")?,
                queued: r.try_get("queued")?,
            })
        })
        .await
    }

    /// The callers still waiting for their call back (`YES`), oldest first:
    /// an engine starting takes them up again.
    pub async fn pending_smart_waits(&self, operation_id: i64) -> Result<Vec<SmartWaitFact>> {
        let rows = sqlx::query(PENDING)
            .bind(operation_id)
            .bind(SmartWaitStatus::Yes.as_str())
            .fetch_all(&self.reader)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(SmartWaitFact {
                    operation_id,
                    ..smart_wait(r)?
                })
            })
            .collect()
    }

    /// diagram_3: each caller offered a call back who called in `[from, to]` (Unix s).
    pub async fn smart_waits(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
    ) -> Result<DetailRead<SmartWaitFact>> {
        self.detail_ms(DETAIL, operation_id, (from, to), smart_wait)
            .await
    }
}
