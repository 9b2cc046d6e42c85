//! The demo's agents through its history: each works a daily shift, takes
//! the calls it is free for (a caller or an answered customer waits for the
//! first agent of the skill to free up, as the live engine's queue does),
//! does its after-call work, and now and then takes a break; on some calls it
//! holds or mutes, or hands the caller to a free colleague (`demo::hand_off`).
//! Every state it passes through is written as the fact the live engine
//! writes for it (`AgentInterval`, `AgentSession`, `CallActionFact`, and at
//! the end how its phone was reached), so the agent reports read one history.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::domain::{AgentPhase, PhoneNetwork};
use crate::engine::world;
use crate::store::{AgentInterval, AgentNetworkFact, AgentRow, AgentSession, CallActionFact, Fact};

/// Shifts, in seconds from local midnight: agents alternate between the two
/// (they overlap over lunch; nobody works the night).
const SHIFTS: [(i64, i64); 2] = [
    (6 * 3_600, 14 * 3_600 + 1_800),
    (13 * 3_600 + 1_800, 22 * 3_600),
];

struct StaffAgent {
    id: i64,
    /// Its extension.
    code: String,
    shift: (i64, i64),
    /// The session now open: (log-in, end of shift), Unix ms.
    session: Option<(i64, i64)>,
    /// Sessions up to here are written: none opens again before it.
    closed_until: i64,
    /// Free for a call from here (Unix ms): the end of its last work or break.
    free_ms: i64,
    /// The campaign of its last call (its states count for it).
    campaign: Option<i64>,
    /// Its phone: how it was reached at its last log-in, how many log-ins
    /// called it, when it last took a call (written once, at the history's end).
    phone: Option<PhoneNetwork>,
    logins: i64,
    last_call_ms: Option<i64>,
}

/// The agents, by skill, and what they have done so far.
pub(super) struct Staff {
    agents: Vec<StaffAgent>,
    by_skill: BTreeMap<i64, Vec<usize>>,
    pauses: Vec<String>,
    tz: TimeZone,
    operation_id: i64,
    /// Nothing is written past the history's end (Unix ms).
    end_ms: i64,
    /// Draws the agents' phones at each log-in, apart from the calls' draws.
    phones: StdRng,
}

/// A call an agent takes: who, and when it starts talking (Unix ms).
#[derive(Debug, Clone, Copy)]
pub(super) struct Taker {
    index: usize,
    pub start_ms: i64,
}

/// What an agent's call was.
pub(super) struct Work<'a> {
    pub inbound: bool,
    /// A preview call: the agent looks at the record this long before it dials.
    pub preview_ms: i64,
    pub conn_id: &'a str,
    pub campaign: Option<i64>,
    pub talk_ms: i64,
    pub acw_ms: i64,
}

impl Staff {
    pub fn new(
        agents: &[AgentRow],
        pauses: Vec<String>,
        tz: TimeZone,
        operation_id: i64,
        end_ms: i64,
    ) -> Self {
        let mut by_skill: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
        let agents = agents
            .iter()
            .enumerate()
            .map(|(i, a)| {
                for skill in &a.skills {
                    by_skill.entry(*skill).or_default().push(i);
                }
                StaffAgent {
                    id: a.id,
                    code: a.code.clone(),
                    shift: SHIFTS[i % SHIFTS.len()],
                    session: None,
                    closed_until: i64::MIN,
                    free_ms: i64::MIN,
                    campaign: None,
                    phone: None,
                    logins: 0,
                    last_call_ms: None,
                }
            })
            .collect();
        Staff {
            agents,
            by_skill,
            pauses,
            tz,
            operation_id,
            end_ms,
            phones: StdRng::seed_from_u64(operation_id as u64 ^ 0x5048_4f4e_4553),
        }
    }

    /// The agent's store id.
    pub fn id(&self, t: Taker) -> i64 {
        self.agents[t.index].id
    }

    /// The agent's extension.
    pub fn code(&self, t: Taker) -> &str {
        &self.agents[t.index].code
    }

    /// The agent of `skill` on duty at `t_ms` who can start soonest, if that
    /// is by `latest_ms` (before its shift ends): the one free longest among equals.
    pub fn free_agent(
        &mut self,
        facts: &mut Vec<Fact>,
        skill: i64,
        t_ms: i64,
        latest_ms: i64,
    ) -> Option<Taker> {
        self.free_agent_besides(facts, skill, t_ms, latest_ms, None)
    }

    /// [`Staff::free_agent`], `besides` excepted (the agent handing a call on).
    pub fn free_agent_besides(
        &mut self,
        facts: &mut Vec<Fact>,
        skill: i64,
        t_ms: i64,
        latest_ms: i64,
        besides: Option<Taker>,
    ) -> Option<Taker> {
        let candidates = self.by_skill.get(&skill).cloned().unwrap_or_default();
        let mut best: Option<(i64, i64, usize)> = None;
        for index in candidates {
            if besides.is_some_and(|b| b.index == index) {
                continue;
            }
            let Some((_, logout)) = self.on_duty(facts, index, t_ms) else {
                continue;
            };
            let a = &self.agents[index];
            let start = t_ms.max(a.free_ms);
            if start > latest_ms || start >= logout {
                continue;
            }
            if best.is_none_or(|b| (start, a.free_ms) < (b.0, b.1)) {
                best = Some((start, a.free_ms, index));
            }
        }
        best.map(|(start_ms, _, index)| Taker { index, start_ms })
    }

    /// The agent takes a call: ready until it starts, talk, after-call work,
    /// now and then a break. Returns when its after-call work ends (Unix ms).
    pub fn take(&mut self, facts: &mut Vec<Fact>, rng: &mut StdRng, t: Taker, w: Work) -> i64 {
        let a = &self.agents[t.index];
        let (free, campaign) = (a.free_ms, a.campaign);
        self.interval(
            facts,
            t.index,
            AgentPhase::Ready,
            "",
            free,
            t.start_ms,
            "",
            campaign,
        );
        let dialed = t.start_ms + w.preview_ms;
        self.interval(
            facts,
            t.index,
            AgentPhase::Preview,
            "",
            t.start_ms,
            dialed,
            w.conn_id,
            w.campaign,
        );
        let talk_end = dialed + w.talk_ms;
        let acw_end = talk_end + w.acw_ms;
        self.agents[t.index].last_call_ms = Some(dialed);
        let talk = if w.inbound {
            AgentPhase::TalkIn
        } else {
            AgentPhase::TalkOut
        };
        self.interval(
            facts, t.index, talk, "", dialed, talk_end, w.conn_id, w.campaign,
        );
        for (action, after, ms) in world::call_actions(rng) {
            let (from, to) = (dialed + after, (dialed + after + ms).min(talk_end));
            if from < to.min(self.end_ms) {
                facts.push(Fact::CallAction(CallActionFact {
                    operation_id: self.operation_id,
                    agent_id: self.agents[t.index].id,
                    conn_id: w.conn_id.to_owned(),
                    action,
                    started_ms: from,
                    ms: to.min(self.end_ms) - from,
                }));
            }
        }
        self.interval(
            facts,
            t.index,
            AgentPhase::Acw,
            "",
            talk_end,
            acw_end,
            w.conn_id,
            w.campaign,
        );
        let mut free = acw_end;
        if let Some((code, ms)) = world::takes_break(rng, &self.pauses) {
            self.interval(
                facts,
                t.index,
                AgentPhase::Pause,
                &code,
                free,
                free + ms,
                "",
                w.campaign,
            );
            free += ms;
        }
        let a = &mut self.agents[t.index];
        a.free_ms = free;
        a.campaign = w.campaign;
        acw_end
    }

    /// Ends every open session at the history's end.
    pub fn close(&mut self, facts: &mut Vec<Fact>) {
        for index in 0..self.agents.len() {
            if self.agents[index].session.is_some() {
                self.close_session(facts, index);
            }
        }
        // How each agent's phone was reached, as the engine writes it.
        for a in &self.agents {
            if let Some(network) = &a.phone {
                facts.push(Fact::AgentNetwork(AgentNetworkFact {
                    operation_id: self.operation_id,
                    agent_id: a.id,
                    network: network.clone(),
                    offered: a.logins,
                    rejected: 0,
                    last_call_ms: a.last_call_ms,
                    measured_ms: a.closed_until.min(self.end_ms),
                }));
            }
        }
    }

    /// The session the agent is in at `t_ms` (opening the shift that holds
    /// it, closing one that ended before), or none: off duty.
    fn on_duty(&mut self, facts: &mut Vec<Fact>, index: usize, t_ms: i64) -> Option<(i64, i64)> {
        if let Some((login, logout)) = self.agents[index].session {
            if t_ms < logout {
                return (t_ms >= login).then_some((login, logout));
            }
            self.close_session(facts, index);
        }
        let midnight = Timestamp::from_millisecond(t_ms)
            .ok()?
            .to_zoned(self.tz.clone())
            .start_of_day()
            .ok()?
            .timestamp()
            .as_millisecond();
        let a = &mut self.agents[index];
        let (login, logout) = (midnight + a.shift.0 * 1000, midnight + a.shift.1 * 1000);
        if t_ms < login || t_ms >= logout || login < a.closed_until || login >= self.end_ms {
            return None;
        }
        let logout = logout.min(self.end_ms);
        a.session = Some((login, logout));
        a.free_ms = a.free_ms.max(login);
        a.logins += 1;
        a.phone = Some(world::phone_network(&mut self.phones));
        Some((login, logout))
    }

    /// Ready until the shift ends, then the session: it lasts until the work
    /// that ran past the shift is done.
    fn close_session(&mut self, facts: &mut Vec<Fact>, index: usize) {
        let Some((login, logout)) = self.agents[index].session.take() else {
            return;
        };
        let (free, campaign) = (self.agents[index].free_ms, self.agents[index].campaign);
        self.interval(
            facts,
            index,
            AgentPhase::Ready,
            "",
            free,
            logout,
            "",
            campaign,
        );
        let out = logout.max(free).min(self.end_ms);
        let a = &mut self.agents[index];
        a.closed_until = out;
        a.free_ms = out;
        facts.push(Fact::AgentSession(AgentSession {
            operation_id: self.operation_id,
            agent_id: a.id,
            login_ms: login,
            logout_ms: out,
        }));
    }

    /// `[from, to)` in `phase`, cut at the history's end.
    #[allow(clippy::too_many_arguments)]
    fn interval(
        &self,
        facts: &mut Vec<Fact>,
        index: usize,
        phase: AgentPhase,
        pause: &str,
        from: i64,
        to: i64,
        conn_id: &str,
        campaign_id: Option<i64>,
    ) {
        let to = to.min(self.end_ms);
        if from >= to {
            return;
        }
        facts.push(Fact::AgentInterval(AgentInterval {
            operation_id: self.operation_id,
            agent_id: self.agents[index].id,
            phase,
            pause: pause.to_owned(),
            started_ms: from,
            ms: to - from,
            conn_id: conn_id.to_owned(),
            campaign_id,
        }));
    }
}
