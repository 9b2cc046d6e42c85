//! The skill reports' queries: the calls that queued for a skill, each with
//! how long it waited, talked and was wrapped up (its after-call work from
//! `agent_events` by its `conn_id`), read from the calls index as a
//! [`DetailRead`]: the detail reports stream it, the grouping ones fold it
//! (the handler finds the local days and hours). And each skill's queue now
//! (`skill_status`, written by the engine with its facts).

use std::sync::LazyLock;

use marcador_wire::{CallResult, TypeInteraction};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::detail::DetailRead;
use super::{Result, Store};
use crate::domain::AgentPhase;

/// A call that queued for a skill.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueuedCall {
    pub skill_id: i64,
    pub skill_name: String,
    pub started_at: i64,
    /// The wire strings, as written with the call.
    pub type_interaction: String,
    pub result: String,
    /// Seconds in the queue, with the agent, and in after-call work (0 unless answered).
    pub wait: i64,
    pub talk: i64,
    pub acw: i64,
    pub telephone: String,
    pub customer_id: String,
    pub conn_id: String,
    /// The extension of the agent who answered (`""`: none).
    pub agent_code: String,
}

/// `$1` operation, started within `$2`…`$3`, `$4` a skill (0: all), `$5` a
/// result (`''`: any); in time order.
static QUEUED: LazyLock<String> = LazyLock::new(|| {
    let answer = CallResult::Answer.as_str();
    format!(
        "SELECT c.skill_id, COALESCE(s.name, '') AS skill_name, c.started_at, c.type_interaction, \
         c.result, c.wait_seconds AS wait, \
         CASE WHEN c.result <> '{answer}' THEN 0 \
           WHEN c.type_interaction = '{inbound}' THEN c.duration - c.ring_seconds \
           ELSE c.duration - c.ring_seconds - c.wait_seconds END AS talk, \
         CASE WHEN c.result <> '{answer}' THEN 0 ELSE COALESCE((SELECT CAST(SUM(e.ms) AS BIGINT) \
           FROM agent_events e WHERE e.operation_id = c.operation_id AND e.conn_id = c.conn_id \
           AND e.state = '{acw}'), 0) / 1000 END AS acw, \
         c.telephone, c.customer_id, c.conn_id, COALESCE(a.code, '') AS agent_code \
         FROM calls c LEFT JOIN skills s ON s.id = c.skill_id LEFT JOIN agents a ON a.id = c.agent_id \
         WHERE c.operation_id = $1 AND c.started_at BETWEEN $2 AND $3 AND c.wait_seconds IS NOT NULL \
         AND c.skill_id IS NOT NULL AND ($4 = 0 OR c.skill_id = $4) AND ($5 = '' OR c.result = $5) \
         ORDER BY c.started_at, c.id LIMIT $6",
        inbound = TypeInteraction::Inbound.as_str(),
        acw = AgentPhase::Acw.as_str(),
    )
});

fn queued_call(r: &AnyRow) -> Result<QueuedCall> {
    Ok(QueuedCall {
        skill_id: r.try_get("skill_id")?,
        skill_name: r.try_get("skill_name")?,
        started_at: r.try_get("started_at")?,
        type_interaction: r.try_get("type_interaction")?,
        result: r.try_get("result")?,
        wait: r.try_get("wait")?,
        talk: r.try_get::<i64, _>("talk")?.max(0),
        acw: r.try_get("acw")?,
        telephone: r.try_get("telephone")?,
        customer_id: r.try_get("customer_id")?,
        conn_id: r.try_get("conn_id")?,
        agent_code: r.try_get("agent_code")?,
    })
}

impl Store {
    /// The calls started in `[from, to]` that queued for a skill (`skill`:
    /// one; `result`: only those that ended so).
    pub async fn queued_calls(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
        skill: Option<i64>,
        result: Option<CallResult>,
    ) -> Result<DetailRead<QueuedCall>> {
        let binds = vec![
            operation_id.into(),
            from.into(),
            to.into(),
            skill.unwrap_or(0).into(),
            result.map_or("", CallResult::as_str).into(),
        ];
        self.detail(QUEUED.as_str(), binds, queued_call).await
    }

    /// Each skill's callers waiting now: skill → count (as the engine last wrote it).
    pub async fn skill_queues(&self, operation_id: i64) -> Result<Vec<(i64, i64)>> {
        Ok(
            sqlx::query_as("SELECT skill_id, in_queue FROM skill_status WHERE operation_id = $1")
                .bind(operation_id)
                .fetch_all(&self.reader)
                .await?,
        )
    }
}
