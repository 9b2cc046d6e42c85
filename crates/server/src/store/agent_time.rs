//! Where agents spend their time: each state an agent left, as a fact
//! ([`AgentInterval`], written by the engine's `set_state` or the demo's
//! history), summed per half hour into `agent_rollup` in the same
//! transaction, and each session from log-in to log-out ([`AgentSession`]).
//! The agent reports read the sums; the detail ones read the intervals.

use std::collections::BTreeMap;

use super::Result;
use super::rowset::{Table, Writes};
use super::tx::WriteTx;
use crate::domain::{AgentPhase, AgentTimes};

/// A state an agent was in, from `started_ms` for `ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentInterval {
    pub operation_id: i64,
    pub agent_id: i64,
    pub phase: AgentPhase,
    /// The pause's code while paused.
    pub pause: String,
    pub started_ms: i64,
    pub ms: i64,
    /// The call a talk or after-call work was about (`""`: none).
    pub conn_id: String,
    /// The campaign of that call, or of the agent's last call.
    pub campaign_id: Option<i64>,
}

/// A session of an agent, from log-in to log-out (Unix ms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentSession {
    pub operation_id: i64,
    pub agent_id: i64,
    pub login_ms: i64,
    pub logout_ms: i64,
}

/// Seconds in a rollup slot: a half hour, so a local hour or half hour is
/// whole slots in every zone whose offset is whole or half hours.
pub const AGENT_SLOT_SECONDS: i64 = 1_800;

/// (operation, slot, agent, campaign or 0, pause) → time by phase.
pub(super) type AgentTally = BTreeMap<(i64, i64, i64, i64, String), AgentTimes>;

/// `[started_ms, started_ms + ms)` cut at slot edges: (slot, ms in it).
pub fn slot_pieces(started_ms: i64, ms: i64) -> impl Iterator<Item = (i64, i64)> {
    let slot_ms = AGENT_SLOT_SECONDS * 1000;
    let end = started_ms + ms.max(0);
    let mut at = started_ms;
    std::iter::from_fn(move || {
        if at >= end {
            return None;
        }
        let slot = at.div_euclid(slot_ms);
        let piece_end = ((slot + 1) * slot_ms).min(end);
        let piece = (slot, piece_end - at);
        at = piece_end;
        Some(piece)
    })
}

/// Gathers the interval (written by [`write_intervals`]) and adds it to the
/// batch's sums.
pub(super) fn apply_interval<'a>(
    intervals: &mut Vec<&'a AgentInterval>,
    tally: &mut AgentTally,
    i: &'a AgentInterval,
) {
    if i.phase == AgentPhase::Logout || i.ms <= 0 {
        return;
    }
    intervals.push(i);
    let pause = if i.phase == AgentPhase::Pause {
        i.pause.clone()
    } else {
        String::new()
    };
    for (slot, ms) in slot_pieces(i.started_ms, i.ms) {
        let key = (
            i.operation_id,
            slot,
            i.agent_id,
            i.campaign_id.unwrap_or(0),
            pause.clone(),
        );
        tally.entry(key).or_default().add(i.phase, ms);
    }
}

pub(super) async fn apply_session(tx: &mut WriteTx, s: &AgentSession) -> Result<()> {
    sqlx::query(
        "INSERT INTO agent_sessions (operation_id, agent_id, login_ms, logout_ms) VALUES ($1, $2, $3, $4)",
    )
    .bind(s.operation_id)
    .bind(s.agent_id)
    .bind(s.login_ms)
    .bind(s.logout_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Queues the intervals [`apply_interval`] gathered.
pub(super) fn write_intervals(w: &mut Writes, intervals: &[&AgentInterval]) -> Result<()> {
    let rows: Vec<_> = intervals
        .iter()
        .map(|i| {
            (
                i.operation_id,
                i.agent_id,
                i.phase.as_str(),
                &i.pause,
                i.started_ms,
                i.ms,
                &i.conn_id,
                i.campaign_id,
            )
        })
        .collect();
    w.insert(&AGENT_EVENTS, &rows)
}

/// Queues a batch's sums, one row per key.
pub(super) fn write_tally(w: &mut Writes, tally: &AgentTally) -> Result<()> {
    let rows: Vec<_> = tally
        .iter()
        .map(|((operation_id, slot, agent_id, campaign_id, pause), t)| {
            (
                operation_id,
                slot,
                agent_id,
                campaign_id,
                pause,
                t.ring_ms,
                t.ready_ms,
                t.inbound_ms,
                t.outbound_ms,
                t.acw_ms,
                t.aux_ms,
            )
        })
        .collect();
    w.insert(&AGENT_ROLLUP, &rows)
}

const AGENT_EVENTS: Table = Table {
    name: "agent_events",
    columns: &[
        ("operation_id", true),
        ("agent_id", true),
        ("state", false),
        ("pause", false),
        ("started_ms", true),
        ("ms", true),
        ("conn_id", false),
        ("campaign_id", true),
    ],
    tail: "",
};

const AGENT_ROLLUP: Table = Table {
    name: "agent_rollup",
    columns: &[
        ("operation_id", true),
        ("slot", true),
        ("agent_id", true),
        ("campaign_id", true),
        ("pause", false),
        ("ring_ms", true),
        ("ready_ms", true),
        ("inbound_ms", true),
        ("outbound_ms", true),
        ("acw_ms", true),
        ("aux_ms", true),
    ],
    tail: " WHERE true ON CONFLICT (operation_id, slot, agent_id, campaign_id, pause) DO UPDATE SET \
           ring_ms = agent_rollup.ring_ms + excluded.ring_ms, \
           ready_ms = agent_rollup.ready_ms + excluded.ready_ms, \
           inbound_ms = agent_rollup.inbound_ms + excluded.inbound_ms, \
           outbound_ms = agent_rollup.outbound_ms + excluded.outbound_ms, \
           acw_ms = agent_rollup.acw_ms + excluded.acw_ms, \
           aux_ms = agent_rollup.aux_ms + excluded.aux_ms",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_are_cut_at_half_hours() {
        let slot = AGENT_SLOT_SECONDS * 1000;
        let pieces: Vec<_> = slot_pieces(slot - 500, 2 * slot + 1_000).collect();
        assert_eq!(pieces, [(0, 500), (1, slot), (2, slot), (3, 500)]);
        assert_eq!(slot_pieces(10, 0).count(), 0);
        let within: Vec<_> = slot_pieces(slot + 10, 20).collect();
        assert_eq!(within, [(1, 20)]);
    }
}
