//! Calls agents handed on: each leg handed over, as a fact
//! ([`TransferFact`], written by the engine when the leg ends, or by the
//! demo's history), and the reads behind agent_12 (per agent, summed in the
//! database) and agent_13/agent_13_1 (one by one, with the leg's calls row
//! and both agents). Plain data; the rows are made in
//! `api/reports_manager/agents.rs`.

use std::sync::LazyLock;

use marcador_wire::TypeInteraction;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::detail::DetailRead;
use super::tx::WriteTx;
use super::{Result, Store};

/// How a call was handed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferKind {
    Transfer,
    Conference,
}

impl TransferKind {
    /// The wire spelling: the leg's `type_interaction`.
    pub fn as_str(self) -> &'static str {
        match self {
            TransferKind::Transfer => TypeInteraction::Transfer.as_str(),
            TransferKind::Conference => TypeInteraction::Conference.as_str(),
        }
    }
}

/// A leg of a call an agent handed to another, from `started_ms` for `ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferFact {
    pub operation_id: i64,
    /// The leg's own call id, and the call it came from.
    pub conn_id: String,
    pub origin_conn_id: String,
    pub from_agent_id: i64,
    /// The agent it reached (none: a number outside).
    pub to_agent_id: Option<i64>,
    /// What was dialed to hand it on: the other agent's extension.
    pub dnis: String,
    pub skill_id: Option<i64>,
    pub kind: TransferKind,
    pub started_ms: i64,
    pub ms: i64,
}

pub(super) async fn apply_transfer(tx: &mut WriteTx, f: &TransferFact) -> Result<()> {
    sqlx::query(
        "INSERT INTO transfers (operation_id, conn_id, origin_conn_id, from_agent_id, to_agent_id, \
         dnis, skill_id, kind, started_ms, ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(f.operation_id)
    .bind(&f.conn_id)
    .bind(&f.origin_conn_id)
    .bind(f.from_agent_id)
    .bind(f.to_agent_id)
    .bind(&f.dnis)
    .bind(f.skill_id)
    .bind(f.kind.as_str())
    .bind(f.started_ms)
    .bind(f.ms.max(0))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An agent's legs handed on in a range (agent_12).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferTotals {
    pub agent_code: String,
    pub agent_name: String,
    pub transfers: i64,
    pub conferences: i64,
    pub ms: i64,
}

/// One leg handed on, with both agents and its calls row (agent_13, agent_13_1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransferDetail {
    pub conn_id: String,
    pub origin_conn_id: String,
    pub from_code: String,
    pub from_name: String,
    /// `None`: it reached no agent.
    pub to_code: Option<String>,
    pub to_name: String,
    pub dnis: String,
    pub skill_id: Option<i64>,
    /// `transfer` or `conference`.
    pub kind: String,
    pub started_ms: i64,
    pub ms: i64,
    /// The caller's number (the leg's calls row).
    pub telephone: String,
}

/// `$1` operation, legs begun within `$2`…`$3` (ms), per agent who handed them.
static TOTALS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT a.code AS agent_code, a.name AS agent_name, \
         COUNT(CASE WHEN t.kind = '{transfer}' THEN 1 END) AS transfers, \
         COUNT(CASE WHEN t.kind = '{conference}' THEN 1 END) AS conferences, \
         CAST(SUM(t.ms) AS BIGINT) AS ms \
         FROM transfers t JOIN agents a ON a.id = t.from_agent_id \
         WHERE t.operation_id = $1 AND t.started_ms BETWEEN $2 AND $3 \
         GROUP BY t.from_agent_id, a.code, a.name ORDER BY a.code",
        transfer = TransferKind::Transfer.as_str(),
        conference = TransferKind::Conference.as_str(),
    )
});

/// `$1` operation, legs begun within `$2`…`$3` (ms), in time order.
const DETAIL: &str = "SELECT t.conn_id, t.origin_conn_id, f.code AS from_code, f.name AS from_name, \
     d.code AS to_code, COALESCE(d.name, '') AS to_name, t.dnis, t.skill_id, t.kind, t.started_ms, t.ms, \
     COALESCE(c.telephone, '') AS telephone \
     FROM transfers t JOIN agents f ON f.id = t.from_agent_id LEFT JOIN agents d ON d.id = t.to_agent_id \
     LEFT JOIN calls c ON c.operation_id = t.operation_id AND c.conn_id = t.conn_id \
     WHERE t.operation_id = $1 AND t.started_ms BETWEEN $2 AND $3 \
     ORDER BY t.started_ms, t.id LIMIT $4";

fn transfer_detail(r: &AnyRow) -> Result<TransferDetail> {
    Ok(TransferDetail {
        conn_id: r.try_get("conn_id")?,
        origin_conn_id: r.try_get("origin_conn_id")?,
        from_code: r.try_get("from_code")?,
        from_name: r.try_get("from_name")?,
        to_code: r.try_get("to_code")?,
        to_name: r.try_get("to_name")?,
        dnis: r.try_get("dnis")?,
        skill_id: r.try_get("skill_id")?,
        kind: r.try_get("kind")?,
        started_ms: r.try_get("started_ms")?,
        ms: r.try_get("ms")?,
        telephone: r.try_get("telephone")?,
    })
}

impl Store {
    /// agent_12: per agent, the legs it handed on that began in `[from, to]` (Unix s).
    pub async fn transfer_totals(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<TransferTotals>> {
        self.ranged_ms(TOTALS.as_str(), operation_id, (from, to), |r| {
            Ok(TransferTotals {
                agent_code: r.try_get("agent_code")?,
                agent_name: r.try_get("agent_name")?,
                transfers: r.try_get("transfers")?,
                conferences: r.try_get("conferences")?,
                ms: r.try_get("ms")?,
            })
        })
        .await
    }

    /// agent_13, agent_13_1: the legs handed on that began in `[from, to]` (Unix s).
    pub async fn transfers(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
    ) -> Result<DetailRead<TransferDetail>> {
        self.detail_ms(DETAIL, operation_id, (from, to), transfer_detail)
            .await
    }
}
