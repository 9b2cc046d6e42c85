//! The agent reports' queries: agents' time summed from the half-hour rollup
//! and their calls counted from the calls index, grouped as each report
//! needs; the typed calls' hits and right-party contacts; the sessions; and
//! each state one by one (a [`DetailRead`] of `agent_events`). Plain data;
//! the rows are made in `api/reports_manager/agents.rs`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use marcador_wire::agent_reports::{AgentSums, PreviewSums};
use marcador_wire::{Direction, TypeInteraction};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::detail::DetailRead;
use super::{AGENT_SLOT_SECONDS, Result, Store, ms_range};
use crate::domain::AgentPhase;

/// How agents' time is grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeBy {
    /// Per agent (agent_1, agent_11).
    Agent,
    /// Per agent and campaign of its calls (agent_4).
    AgentCampaign,
    /// Per agent and pause (agent_3): pauses only.
    AgentPause,
    /// Per agent and half hour (agent_5, agent_8, agent_8_1).
    AgentSlot,
    /// Per half hour, every agent (agent_6).
    Slot,
}

/// An agent's (or every agent's) calls and time in one group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentTime {
    /// 0 when the grouping has no agent.
    pub agent_id: i64,
    /// 0: none, or not grouped by campaign.
    pub campaign_id: i64,
    /// The pause's code (agent_3).
    pub pause: String,
    /// The half hour (Unix s ÷ [`AGENT_SLOT_SECONDS`]); 0 when not grouped by it.
    pub slot: i64,
    pub sums: AgentSums,
}

/// (agent, campaign, pause, slot) columns of a grouping, as SQL over `table`.
fn keys(by: TimeBy, slot: &str) -> [String; 4] {
    let zero = "CAST(0 AS BIGINT)".to_owned();
    let agent = "agent_id".to_owned();
    let none = "''".to_owned();
    match by {
        TimeBy::Agent => [agent, zero.clone(), none, zero],
        TimeBy::AgentCampaign => [agent, "COALESCE(campaign_id, 0)".into(), none, zero],
        TimeBy::AgentPause => [agent, zero.clone(), "pause".into(), zero],
        TimeBy::AgentSlot => [agent, zero, none, slot.to_owned()],
        TimeBy::Slot => [zero.clone(), zero, none, slot.to_owned()],
    }
}

fn group_by(keys: &[String; 4]) -> String {
    let used: Vec<&str> = keys
        .iter()
        .map(String::as_str)
        .filter(|k| !k.starts_with("CAST(0") && *k != "''")
        .collect();
    if used.is_empty() {
        String::new()
    } else {
        format!(" GROUP BY {}", used.join(", "))
    }
}

/// Time from the rollup: `$1` operation, slots `$2`…`$3`.
fn rollup_sql(by: TimeBy) -> String {
    let k = keys(by, "slot");
    let pauses_only = if by == TimeBy::AgentPause {
        " AND pause <> ''"
    } else {
        ""
    };
    format!(
        "SELECT {} AS agent_id, {} AS campaign_id, {} AS pause, {} AS slot, \
         CAST(SUM(ring_ms) AS BIGINT), CAST(SUM(ready_ms) AS BIGINT), CAST(SUM(inbound_ms) AS BIGINT), \
         CAST(SUM(outbound_ms) AS BIGINT), CAST(SUM(acw_ms) AS BIGINT), CAST(SUM(aux_ms) AS BIGINT) \
         FROM agent_rollup WHERE operation_id = $1 AND slot BETWEEN $2 AND $3{pauses_only}{}",
        k[0],
        k[1],
        k[2],
        k[3],
        group_by(&k)
    )
}

/// Calls agents took: `$1` operation, started within `$2`…`$3`, `$4` the slot length.
fn calls_sql(by: TimeBy) -> String {
    let k = keys(by, "started_at / $4");
    let mut group = group_by(&k);
    group.push_str(if group.is_empty() {
        " GROUP BY type_interaction"
    } else {
        ", type_interaction"
    });
    format!(
        "SELECT {} AS agent_id, {} AS campaign_id, {} AS pause, {} AS slot, type_interaction, \
         COUNT(*) FROM calls WHERE operation_id = $1 AND started_at BETWEEN $2 AND $3 \
         AND agent_id IS NOT NULL AND $4 = $4{group}",
        k[0], k[1], k[2], k[3]
    )
}

macro_rules! by_grouping {
    ($name:ident, $f:ident) => {
        static $name: LazyLock<[String; 5]> = LazyLock::new(|| {
            [
                $f(TimeBy::Agent),
                $f(TimeBy::AgentCampaign),
                $f(TimeBy::AgentPause),
                $f(TimeBy::AgentSlot),
                $f(TimeBy::Slot),
            ]
        });
    };
}
by_grouping!(ROLLUP, rollup_sql);
by_grouping!(CALLS, calls_sql);

/// A state an agent left, with the call it was about (agent_2, agent_14).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentEvent {
    pub agent_code: String,
    pub agent_name: String,
    pub phase: Option<AgentPhase>,
    /// The pause's name (or its code, if it has none).
    pub pause_name: String,
    pub started_ms: i64,
    pub ms: i64,
    pub conn_id: String,
    /// The call's, as written with it (`""`: none).
    pub type_interaction: String,
    pub telephone: String,
    pub campaign_id: Option<i64>,
}

/// agent_2 (`$4` one agent) and agent_14 (`$4` = 0: all): states started
/// within `$2`…`$3` (ms), in time order.
const EVENTS: &str = "SELECT COALESCE(a.code, '') AS agent_code, a.name AS agent_name, e.state, \
     COALESCE(p.name, e.pause) AS pause_name, e.started_ms, e.ms, e.conn_id, \
     COALESCE(c.type_interaction, '') AS type_interaction, COALESCE(c.telephone, '') AS telephone, \
     e.campaign_id FROM agent_events e JOIN agents a ON a.id = e.agent_id \
     LEFT JOIN agent_pauses p ON p.operation_id = e.operation_id AND p.code = e.pause \
     LEFT JOIN calls c ON c.operation_id = e.operation_id AND c.conn_id = e.conn_id AND e.conn_id <> '' \
     WHERE e.operation_id = $1 AND e.started_ms BETWEEN $2 AND $3 AND ($4 = 0 OR e.agent_id = $4) \
     ORDER BY e.started_ms, e.id LIMIT $5";

fn agent_event(r: &AnyRow) -> Result<AgentEvent> {
    Ok(AgentEvent {
        agent_code: r.try_get("agent_code")?,
        agent_name: r.try_get("agent_name")?,
        phase: AgentPhase::parse(&r.try_get::<String, _>("state")?),
        pause_name: r.try_get("pause_name")?,
        started_ms: r.try_get("started_ms")?,
        ms: r.try_get("ms")?,
        conn_id: r.try_get("conn_id")?,
        type_interaction: r.try_get("type_interaction")?,
        telephone: r.try_get("telephone")?,
        campaign_id: r.try_get("campaign_id")?,
    })
}

/// A preview call with the agent's times around it (agent_15, agent_16).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentPreview {
    pub conn_id: String,
    pub agent_id: i64,
    pub agent_code: String,
    pub agent_name: String,
    pub started_ms: i64,
    /// The call's, as written with it.
    pub type_interaction: String,
    pub sums: PreviewSums,
}

/// `$1` operation, previews begun within `$2`…`$3` (ms), in time order: each
/// with the ready time just before it, and its call's talk (ringing
/// included), after-call work and ring.
static PREVIEWS: LazyLock<String> = LazyLock::new(|| {
    let event = |state: AgentPhase| {
        format!(
            "COALESCE((SELECT CAST(SUM(x.ms) AS BIGINT) FROM agent_events x \
             WHERE x.operation_id = e.operation_id AND x.conn_id = e.conn_id AND x.state = '{}'), 0)",
            state.as_str()
        )
    };
    format!(
        "SELECT e.conn_id, e.agent_id, COALESCE(a.code, '') AS agent_code, a.name AS agent_name, \
         e.started_ms, e.ms AS preview_ms, \
         COALESCE((SELECT CASE WHEN r.state = '{ready}' THEN r.ms ELSE 0 END FROM agent_events r \
           WHERE r.operation_id = e.operation_id AND r.agent_id = e.agent_id AND r.started_ms < e.started_ms \
           ORDER BY r.started_ms DESC, r.id DESC LIMIT 1), 0) AS ready_ms, \
         {talk} AS talk_ms, {acw} AS acw_ms, \
         COALESCE(c.ring_seconds, 0) * 1000 AS ring_ms, COALESCE(c.type_interaction, '') AS type_interaction \
         FROM agent_events e JOIN agents a ON a.id = e.agent_id \
         LEFT JOIN calls c ON c.operation_id = e.operation_id AND c.conn_id = e.conn_id \
         WHERE e.operation_id = $1 AND e.state = '{preview}' AND e.started_ms BETWEEN $2 AND $3 \
         ORDER BY e.started_ms, e.id LIMIT $4",
        ready = AgentPhase::Ready.as_str(),
        preview = AgentPhase::Preview.as_str(),
        talk = event(AgentPhase::TalkOut),
        acw = event(AgentPhase::Acw),
    )
});

fn agent_preview(r: &AnyRow) -> Result<AgentPreview> {
    let ring_ms: i64 = r.try_get("ring_ms")?;
    let talk_ms: i64 = r.try_get("talk_ms")?;
    Ok(AgentPreview {
        conn_id: r.try_get("conn_id")?,
        agent_id: r.try_get("agent_id")?,
        agent_code: r.try_get("agent_code")?,
        agent_name: r.try_get("agent_name")?,
        started_ms: r.try_get("started_ms")?,
        type_interaction: r.try_get("type_interaction")?,
        sums: PreviewSums {
            calls: 1,
            preview_ms: r.try_get("preview_ms")?,
            ready_ms: r.try_get("ready_ms")?,
            // The agent's talk on the call began at the dial: its ringing is the ring.
            talk_ms: (talk_ms - ring_ms).max(0),
            acw_ms: r.try_get("acw_ms")?,
            aux_ms: 0,
            ring_ms,
        },
    })
}

/// A session from log-in to log-out (none: still open).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub agent_id: i64,
    pub login_ms: i64,
    pub logout_ms: Option<i64>,
}

impl Store {
    /// Agents' calls and time in `[from, to]` (Unix s) grouped `by`; time is
    /// summed over the half hours the range touches.
    pub async fn agent_time(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
        by: TimeBy,
    ) -> Result<Vec<AgentTime>> {
        let mut groups: BTreeMap<(i64, i64, String, i64), AgentSums> = BTreeMap::new();
        let i = by as usize;
        let rows = sqlx::query(ROLLUP[i].as_str())
            .bind(operation_id)
            .bind(from.div_euclid(AGENT_SLOT_SECONDS))
            .bind(to.div_euclid(AGENT_SLOT_SECONDS))
            .fetch_all(&self.reader)
            .await?;
        for r in &rows {
            let key = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
            let s = groups.entry(key).or_default();
            s.ring_ms += r.try_get::<i64, _>(4)?;
            s.ready_ms += r.try_get::<i64, _>(5)?;
            s.inbound_ms += r.try_get::<i64, _>(6)?;
            s.outbound_ms += r.try_get::<i64, _>(7)?;
            s.acw_ms += r.try_get::<i64, _>(8)?;
            s.aux_ms += r.try_get::<i64, _>(9)?;
        }
        if by != TimeBy::AgentPause {
            let rows = sqlx::query(CALLS[i].as_str())
                .bind(operation_id)
                .bind(from)
                .bind(to)
                .bind(AGENT_SLOT_SECONDS)
                .fetch_all(&self.reader)
                .await?;
            for r in &rows {
                let key = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
                let n: i64 = r.try_get(5)?;
                let s = groups.entry(key).or_default();
                match TypeInteraction::parse(&r.try_get::<String, _>(4)?).map(|t| t.direction()) {
                    Some(Direction::Inbound) => s.inbound += n,
                    Some(Direction::Outbound) => s.outbound += n,
                    Some(Direction::Internal) | None => s.internal += n,
                }
            }
        }
        Ok(groups
            .into_iter()
            .map(|((agent_id, campaign_id, pause, slot), sums)| AgentTime {
                agent_id,
                campaign_id,
                pause,
                slot,
                sums,
            })
            .collect())
    }

    /// Per agent, the calls it typed in `[from, to]` with a hit code and with
    /// a right-party-contact code: agent → (hits, rpc).
    pub async fn agent_hits(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
    ) -> Result<BTreeMap<i64, (i64, i64)>> {
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT k.agent_id, CAST(SUM(CASE WHEN d.hit <> 0 THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN d.rpc <> 0 THEN 1 ELSE 0 END) AS BIGINT) FROM call_codes k \
             JOIN activity_codes d ON d.operation_id = k.operation_id AND d.level = 1 AND d.code = k.cod_act \
             WHERE k.operation_id = $1 AND k.typed_at BETWEEN $2 AND $3 AND k.agent_id IS NOT NULL \
             GROUP BY k.agent_id",
        )
        .bind(operation_id)
        .bind(from)
        .bind(to)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows.into_iter().map(|(a, h, r)| (a, (h, r))).collect())
    }

    /// The sessions that began in `[from, to]` (Unix s), closed and still
    /// open, by log-in time; at most `cap + 1` of them.
    pub async fn agent_sessions(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
        cap: u64,
    ) -> Result<Vec<Session>> {
        let (from_ms, to_ms) = ms_range(from, to);
        let rows: Vec<(i64, i64, Option<i64>)> = sqlx::query_as(
            "SELECT agent_id, login_ms, logout_ms FROM ( \
               SELECT agent_id, login_ms, logout_ms FROM agent_sessions \
                 WHERE operation_id = $1 AND login_ms BETWEEN $2 AND $3 \
               UNION ALL SELECT agent_id, login_ms, CAST(NULL AS BIGINT) FROM agent_status \
                 WHERE operation_id = $1 AND state <> $4 AND login_ms BETWEEN $2 AND $3 \
             ) AS s ORDER BY login_ms, agent_id LIMIT $5",
        )
        .bind(operation_id)
        .bind(from_ms)
        .bind(to_ms)
        .bind(AgentPhase::Logout.as_str())
        .bind(i64::try_from(cap).unwrap_or(i64::MAX - 1) + 1)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(agent_id, login_ms, logout_ms)| Session {
                agent_id,
                login_ms,
                logout_ms,
            })
            .collect())
    }

    /// agent_15, agent_16: the previews begun in `[from, to]` (Unix s).
    pub async fn agent_previews(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
    ) -> Result<DetailRead<AgentPreview>> {
        self.detail_ms(PREVIEWS.as_str(), operation_id, (from, to), agent_preview)
            .await
    }

    /// The operation's pauses: code → name.
    pub async fn pause_names(&self, operation_id: i64) -> Result<BTreeMap<String, String>> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT code, name FROM agent_pauses WHERE operation_id = $1")
                .bind(operation_id)
                .fetch_all(&self.reader)
                .await?;
        Ok(rows.into_iter().collect())
    }

    /// agent_2 (`agent`: one agent's store id) and agent_14 (none): the
    /// states left that began in `[from, to]`.
    pub async fn agent_events(
        &self,
        operation_id: i64,
        from: i64,
        to: i64,
        agent: Option<i64>,
    ) -> Result<DetailRead<AgentEvent>> {
        let (from, to) = ms_range(from, to);
        let binds = vec![
            operation_id.into(),
            from.into(),
            to.into(),
            agent.unwrap_or(0).into(),
        ];
        self.detail(EVENTS, binds, agent_event).await
    }
}
