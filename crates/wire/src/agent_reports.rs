//! reports_manager.php's agent reports: time by state per agent (agent_1),
//! per campaign (agent_4), per skill (agent_11), per hour of the day
//! (agent_5, agent_6), per date and hour or half hour (agent_8, agent_8_1),
//! the pauses (agent_3), the sessions (agent_7) and each state one by one
//! (agent_2 for one agent, agent_14 for all), holds and mutes (agent_9 per
//! agent, agent_10 one by one), transfers (agent_12 per agent, agent_13 and
//! agent_13_1 one by one), previews (agent_15, agent_16). Fields in the
//! vendor's example order; times `HH:MM:SS`.

use serde::{Deserialize, Serialize};

use crate::format::duration_hms;

/// An agent's calls and time by state over a period: the block every
/// time-by-state report shares, in its order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AgentStats {
    pub calls: String,
    pub inbound: String,
    pub outbound: String,
    pub internal: String,
    pub ready_time: String,
    pub inbound_time: String,
    pub outbound_time: String,
    pub acw_time: String,
    pub ring_time: String,
    /// Every state but logged out.
    pub login_time: String,
    /// (talk + after-call work) ÷ calls.
    pub aht: String,
    /// Talk and after-call work: the time the agent was busy with calls.
    pub occupancy: String,
    /// Pauses.
    pub aux_time: String,
}

/// The sums an [`AgentStats`] is written from: calls, and milliseconds by state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AgentSums {
    pub inbound: i64,
    pub outbound: i64,
    pub internal: i64,
    pub ready_ms: i64,
    pub ring_ms: i64,
    pub inbound_ms: i64,
    pub outbound_ms: i64,
    pub acw_ms: i64,
    pub aux_ms: i64,
}

impl AgentSums {
    pub fn calls(&self) -> i64 {
        self.inbound + self.outbound + self.internal
    }

    fn handled_ms(&self) -> i64 {
        self.inbound_ms + self.outbound_ms + self.acw_ms
    }

    /// The report block: times in `HH:MM:SS`.
    pub fn stats(&self) -> AgentStats {
        let hms = |ms: i64| duration_hms(ms / 1000);
        let calls = self.calls();
        AgentStats {
            calls: calls.to_string(),
            inbound: self.inbound.to_string(),
            outbound: self.outbound.to_string(),
            internal: self.internal.to_string(),
            ready_time: hms(self.ready_ms),
            inbound_time: hms(self.inbound_ms),
            outbound_time: hms(self.outbound_ms),
            acw_time: hms(self.acw_ms),
            ring_time: hms(self.ring_ms),
            login_time: hms(self.ready_ms + self.ring_ms + self.handled_ms() + self.aux_ms),
            aht: hms(average(self.handled_ms(), calls)),
            occupancy: hms(self.handled_ms()),
            aux_time: hms(self.aux_ms),
        }
    }

    /// Average handling of inbound calls: their talk, plus after-call work
    /// shared over every call (`HH:MM:SS`).
    pub fn aht_inbound(&self) -> String {
        duration_hms(
            (average(self.inbound_ms, self.inbound) + average(self.acw_ms, self.calls())) / 1000,
        )
    }

    /// The same for outbound calls.
    pub fn aht_outbound(&self) -> String {
        duration_hms(
            (average(self.outbound_ms, self.outbound) + average(self.acw_ms, self.calls())) / 1000,
        )
    }

    pub fn add(&mut self, o: &AgentSums) {
        self.inbound += o.inbound;
        self.outbound += o.outbound;
        self.internal += o.internal;
        self.ready_ms += o.ready_ms;
        self.ring_ms += o.ring_ms;
        self.inbound_ms += o.inbound_ms;
        self.outbound_ms += o.outbound_ms;
        self.acw_ms += o.acw_ms;
        self.aux_ms += o.aux_ms;
    }
}

fn average(total: i64, n: i64) -> i64 {
    if n > 0 { total / n } else { 0 }
}

/// `agent_1` — one per agent with time in the range.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Agent1Row {
    pub agent_id: String,
    /// Not kept by Marcador: `""`.
    pub agent_dni: String,
    pub agent_name: String,
    #[serde(flatten)]
    pub stats: AgentStats,
    /// Calls the agent typed with a hit code, and with a right-party-contact code.
    pub hits: String,
    pub rpc: String,
    /// Spelled as the vendor's example spells it.
    pub aht_outbund: String,
    pub aht_inbound: String,
    /// The range's first log-in and last log-out (`""`: still logged in).
    pub login: String,
    pub logout: String,
}

/// `agent_2` (one agent, `agent_id=`) — one per state the agent left.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Agent2Row {
    pub agent_id: String,
    /// [`AgentEventStatus`] or the pause's name.
    pub agent_status: String,
    pub time: String,
    pub date_ini: String,
    pub date_end: String,
    pub conn_id: String,
    pub type_interaction: String,
    /// [`destiny`](crate::calls::destiny) of the call's number.
    pub destiny: String,
    pub telephone: String,
    pub campaign_id: String,
}

/// agent_2's `agent_status` of the predefined states (its documentation's spelling).
pub mod event_status {
    pub const READY: &str = "READY";
    pub const TALK: &str = "TALK";
    pub const ACW: &str = "ACW";
    pub const RING: &str = "RING";
}

/// agent_14's spelling of the same states (its documentation lists "Ready, talk y ACW").
pub mod event_status_14 {
    pub const READY: &str = "Ready";
    pub const TALK: &str = "talk";
    pub const ACW: &str = "ACW";
    pub const RING: &str = "ring";
}

/// `agent_3` — one per agent and pause.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Agent3Row {
    pub agent_id: String,
    pub agent_dni: String,
    pub agent_name: String,
    /// The pause's name.
    pub aux_state: String,
    pub time: String,
}

/// `agent_4` — one per agent and campaign.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Agent4Row {
    pub agent_id: String,
    pub agent_name: String,
    #[serde(flatten)]
    pub stats: AgentStats,
    pub campaign_id: String,
}

/// One hour of the day in agent_5 and agent_6.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HourStats {
    /// [`clock_hour`]: `HH:00`.
    pub hour: String,
    #[serde(flatten)]
    pub stats: AgentStats,
}

/// `agent_5` — one per agent, its hours of the day.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Agent5Row {
    pub agent_name: String,
    pub agent_id: String,
    pub status_x_hour: Vec<HourStats>,
}

/// `agent_6` — one per hour of the day, every agent.
pub type Agent6Row = HourStats;

/// `agent_7` — one per session.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Agent7Row {
    pub agent_name: String,
    pub agent_id: String,
    /// The log-in's day, `YYYY-mm-dd`.
    pub date: String,
    pub login: String,
    /// `""` while the session is open.
    pub logout: String,
    pub login_time: String,
}

/// `agent_8` — one per agent, date and hour.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Agent8Row {
    pub agent_name: String,
    pub agent_dni: String,
    pub agent_id: String,
    pub date: String,
    pub hour: String,
    #[serde(flatten)]
    pub stats: AgentStats,
}

/// `agent_8_1` — one per agent, date and half hour (its table's order).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Agent81Row {
    pub agent_name: String,
    pub agent_id: String,
    pub agent_dni: String,
    pub date: String,
    /// `HH:00` or `HH:30`.
    pub hour: String,
    #[serde(flatten)]
    pub stats: AgentStats,
}

/// `agent_11` — one per skill, its agents.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Agent11Row {
    pub skill_name: String,
    pub agents: Vec<SkillAgentStats>,
}

/// An agent of agent_11's skill.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SkillAgentStats {
    pub agent_name: String,
    pub agent_dni: String,
    pub agent_id: String,
    #[serde(flatten)]
    pub stats: AgentStats,
    pub hits: String,
    pub rpc: String,
    pub aht_outbound: String,
    pub aht_inbound: String,
}

/// `agent_14` — one per state any agent left.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Agent14Row {
    pub agent_id: String,
    pub agent_status: String,
    pub time: String,
    pub date_ini: String,
    pub date_end: String,
    pub conn_id: String,
    pub type_interaction: String,
    /// Spelled as the vendor's example spells it.
    pub destinity: String,
    pub telephone: String,
    pub campaign_id: String,
    pub agent_dni: String,
    pub agent_name: String,
}

/// A preview call's times (agent_15), or an agent's summed (agent_16), in ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PreviewSums {
    pub calls: i64,
    /// Looking at the record before dialing.
    pub preview_ms: i64,
    /// Ready just before the preview.
    pub ready_ms: i64,
    pub talk_ms: i64,
    pub acw_ms: i64,
    pub aux_ms: i64,
    /// From the dial to the answer.
    pub ring_ms: i64,
}

impl PreviewSums {
    /// Ready, talk, after-call work, pauses and ring: what the vendor's
    /// example adds up to `total_duration` (the preview is part of ready).
    fn total_ms(&self) -> i64 {
        self.ready_ms + self.talk_ms + self.acw_ms + self.aux_ms + self.ring_ms
    }

    pub fn add(&mut self, o: &PreviewSums) {
        self.calls += o.calls;
        self.preview_ms += o.preview_ms;
        self.ready_ms += o.ready_ms;
        self.talk_ms += o.talk_ms;
        self.acw_ms += o.acw_ms;
        self.aux_ms += o.aux_ms;
        self.ring_ms += o.ring_ms;
    }

    /// The times block, `HH:MM:SS`, and the preview's share of the total.
    pub fn times(&self) -> PreviewTimes {
        let hms = |ms: i64| duration_hms(ms / 1000);
        PreviewTimes {
            time_preview: hms(self.preview_ms),
            ready: hms(self.ready_ms),
            talk: hms(self.talk_ms),
            not_ready_acw: hms(self.acw_ms),
            auxiliary_times: hms(self.aux_ms),
            ring: hms(self.ring_ms),
            total_duration: hms(self.total_ms()),
            preview_percent: crate::format::percent(
                (self.preview_ms / 1000).max(0) as u64,
                (self.total_ms() / 1000).max(0) as u64,
            ),
        }
    }
}

/// agent_15's and agent_16's times, in their order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PreviewTimes {
    pub time_preview: String,
    pub ready: String,
    pub talk: String,
    pub not_ready_acw: String,
    pub auxiliary_times: String,
    pub ring: String,
    pub total_duration: String,
    /// `time_preview` ÷ `total_duration`.
    pub preview_percent: String,
}

/// `agent_15` — one per preview call.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Agent15Row {
    pub id_call: String,
    pub id_agent: String,
    pub agent_name: String,
    /// The call's `type_interaction`: `outbound_ma`.
    pub type_call: String,
    /// When the preview began.
    pub date_preview: String,
    #[serde(flatten)]
    pub times: PreviewTimes,
}

/// `agent_16` — one per agent, its preview calls summed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Agent16Row {
    pub id_agent: String,
    pub agent_name: String,
    pub calls: String,
    #[serde(flatten)]
    pub times: PreviewTimes,
}

/// What an agent did on a call (agent_10's `type_action`).
pub mod call_action {
    /// The customer was put on hold (neither side hears the other).
    pub const HOLD: &str = "hold";
    /// The agent's microphone was muted (the customer hears nothing).
    pub const MUTE: &str = "mute";
}

/// `agent_9` — one per agent that held or muted in the period.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Agent9Row {
    pub agent_name: String,
    /// Holds and mutes together.
    pub count: String,
    pub hold_time: String,
    pub mute_time: String,
    pub total_time: String,
}

/// `agent_10` — one per hold or mute.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Agent10Row {
    pub agent_name: String,
    pub agent_id: String,
    /// [`call_action`]: `hold` or `mute`.
    pub type_action: String,
    pub conn_id: String,
    pub type_interaction: String,
    pub time: String,
    pub skill_id: String,
    /// When it began.
    pub date: String,
    pub telephone: String,
    pub customer_id: String,
}

/// `agent_12` — one per agent that handed calls on (the example's fields;
/// its table's `skill_name` is not in it).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Agent12Row {
    pub agent_name: String,
    pub agent_id: String,
    pub transfer_calls: String,
    pub conference_calls: String,
    /// How long the legs handed on lasted, summed.
    pub total_time: String,
}

/// `agent_13` — one per leg an agent handed on.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Agent13Row {
    pub agent_name: String,
    pub agent_id: String,
    /// The leg handed on.
    pub conn_id: String,
    pub date: String,
    pub telephone: String,
    /// `transfer` or `conference`.
    pub type_interaction: String,
    pub time: String,
}

/// `agent_13_1` — one per leg handed on, with both agents.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Agent131Row {
    pub conn_id_transfer: String,
    /// `-` when none.
    pub skill_id: String,
    pub date: String,
    pub ani: String,
    pub origin_agent_id: String,
    pub origin_agent_name: String,
    /// `-` when it reached no agent.
    pub destiny_agent_id: String,
    pub destiny_agent_name: String,
    pub dnis: String,
    pub time: String,
    pub type_call: String,
    pub id_call_origin: String,
}

/// An hour of the day in military time: `8` → `"08:00"`.
pub fn clock_hour(hour: i8) -> String {
    format!("{hour:02}:00")
}

/// A half hour of the day: `(8, 30)` → `"08:30"`.
pub fn clock_half_hour(hour: i8, minute: i8) -> String {
    format!("{hour:02}:{:02}", if minute >= 30 { 30 } else { 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_are_times_and_averages() {
        let s = AgentSums {
            inbound: 1,
            outbound: 2,
            ready_ms: 61_000,
            inbound_ms: 120_000,
            outbound_ms: 240_000,
            acw_ms: 90_000,
            aux_ms: 600_000,
            ..AgentSums::default()
        };
        let st = s.stats();
        assert_eq!(st.calls, "3");
        assert_eq!(st.ready_time, "00:01:01");
        assert_eq!(st.login_time, "00:18:31");
        assert_eq!(st.aht, "00:02:30");
        assert_eq!(st.occupancy, "00:07:30");
        assert_eq!(s.aht_inbound(), "00:02:30");
        assert_eq!(s.aht_outbound(), "00:02:30");
        assert_eq!(AgentSums::default().stats().aht, "00:00:00");
        assert_eq!(clock_hour(8), "08:00");
        // The vendor's own agent_15 row: 34 s of preview in 1:58.
        let p = PreviewSums {
            calls: 1,
            preview_ms: 34_000,
            ready_ms: 66_000,
            talk_ms: 3_000,
            acw_ms: 41_000,
            aux_ms: 0,
            ring_ms: 8_000,
        };
        assert_eq!(p.times().total_duration, "00:01:58");
        assert_eq!(p.times().preview_percent, "28.81 %");
        assert_eq!(clock_half_hour(14, 45), "14:30");
    }
}
