//! What agents do on their calls: each hold and each mute, as a fact
//! ([`CallActionFact`], written by the engine when the action ends — taken
//! off, or the call over — or by the demo's history), and the reads behind
//! agent_9 (summed per agent) and agent_10 (one by one, with its call's
//! telephone, customer and skill). Plain data; the rows are made in
//! `api/reports_manager/agents.rs`.

use std::sync::LazyLock;

use sqlx::Row;
use sqlx::any::AnyRow;

use super::detail::DetailRead;
use super::rowset::{Table, Writes};
use super::{Result, Store};
use crate::domain::CallAction;

/// A hold or mute an agent had on a call, from `started_ms` for `ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallActionFact {
    pub operation_id: i64,
    pub agent_id: i64,
    pub conn_id: String,
    pub action: CallAction,
    pub started_ms: i64,
    pub ms: i64,
}

pub(super) fn write_call_actions(w: &mut Writes, facts: &[&CallActionFact]) -> Result<()> {
    let rows: Vec<_> = facts
        .iter()
        .map(|f| {
            (
                f.operation_id,
                f.agent_id,
                &f.conn_id,
                f.action.as_str(),
                f.started_ms,
                f.ms.max(0),
            )
        })
        .collect();
    w.insert(&CALL_ACTIONS, &rows)
}

const CALL_ACTIONS: Table = Table {
    name: "call_actions",
    columns: &[
        ("operation_id", true),
        ("agent_id", true),
        ("conn_id", false),
        ("action", false),
        ("started_ms", true),
        ("ms", true),
    ],
    tail: "",
};

/// An agent's holds and mutes begun in a range, summed (agent_9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionTotals {
    pub agent_name: String,
    pub count: i64,
    pub hold_ms: i64,
    pub mute_ms: i64,
}

/// One hold or mute with its call (agent_10).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionDetail {
    pub agent_code: String,
    pub agent_name: String,
    /// As stored: `hold` or `mute`.
    pub action: String,
    pub conn_id: String,
    /// The call's, as written with it (`""`: not written yet).
    pub type_interaction: String,
    pub started_ms: i64,
    pub ms: i64,
    pub skill_id: Option<i64>,
    pub telephone: String,
    pub customer_id: String,
}

/// `$1` operation, actions begun within `$2`…`$3` (ms), summed per agent.
static TOTALS: LazyLock<String> = LazyLock::new(|| {
    let sum = |action: CallAction| {
        format!(
            "CAST(SUM(CASE WHEN x.action = '{}' THEN x.ms ELSE 0 END) AS BIGINT)",
            action.as_str()
        )
    };
    format!(
        "SELECT a.name AS agent_name, COUNT(*) AS n, {hold} AS hold_ms, {mute} AS mute_ms \
         FROM call_actions x JOIN agents a ON a.id = x.agent_id \
         WHERE x.operation_id = $1 AND x.started_ms BETWEEN $2 AND $3 \
         GROUP BY x.agent_id, a.name ORDER BY a.name, x.agent_id",
        hold = sum(CallAction::Hold),
        mute = sum(CallAction::Mute),
    )
});

/// `$1` operation, actions begun within `$2`…`$3` (ms), in time order.
const DETAIL: &str = "SELECT COALESCE(a.code, '') AS agent_code, a.name AS agent_name, x.action, \
     x.conn_id, COALESCE(c.type_interaction, '') AS type_interaction, x.started_ms, x.ms, \
     c.skill_id, COALESCE(c.telephone, '') AS telephone, COALESCE(c.customer_id, '') AS customer_id \
     FROM call_actions x JOIN agents a ON a.id = x.agent_id \
     LEFT JOIN calls c ON c.operation_id = x.operation_id AND c.conn_id = x.conn_id \
     WHERE x.operation_id = $1 AND x.started_ms BETWEEN $2 AND $3 \
     ORDER BY x.started_ms, x.id LIMIT $4";

fn action_detail(r: &AnyRow) -> Result<ActionDetail> {
    Ok(ActionDetail {
        agent_code: r.try_get("agent_code")?,
        agent_name: r.try_get("agent_name")?,
        action: r.try_get("action")?,
        conn_id: r.try_get("conn_id")?,
        type_interaction: r.try_get("type_interaction")?,
        started_ms: r.try_get("started_ms")?,
        ms: r.try_get("ms")?,
        skill_id: r.try_get("skill_id")?,
        telephone: r.try_get("telephone")?,
        customer_id: r.try_get("customer_id")?,
    })
}

impl Store {
    /// agent_9: per agent, its holds and mutes begun in `[from, to]` (Unix s),
    /// by agent name.
    pub async fn action_totals(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<ActionTotals>> {
        self.ranged_ms(TOTALS.as_str(), operation_id, (from, to), |r| {
            Ok(ActionTotals {
                agent_name: r.try_get("agent_name")?,
                count: r.try_get("n")?,
                hold_ms: r.try_get("hold_ms")?,
                mute_ms: r.try_get("mute_ms")?,
            })
        })
        .await
    }

    /// agent_10: the holds and mutes begun in `[from, to]` (Unix s).
    pub async fn call_actions(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
    ) -> Result<DetailRead<ActionDetail>> {
        self.detail_ms(DETAIL, operation_id, (from, to), action_detail)
            .await
    }
}
