//! How each agent's phone is reached (real_time latency): telephony's
//! reports of the phone's round trip, address, User-Agent and RTP quality
//! (`TelEvent::AgentNetwork`), how many times the agent's leg was offered and
//! how many the phone did not take, and when the agent last took a call —
//! kept per agent and written with the next facts when any of it changed:
//! one row per agent per write, however many calls it took meanwhile.

use super::Engine;
use super::telephony::AgentRef;
use crate::domain::PhoneNetwork;
use crate::store::{AgentNetworkFact, Fact};

/// An agent's phone, as far as the engine knows.
#[derive(Debug, Clone, Default)]
pub(super) struct Phone {
    pub network: PhoneNetwork,
    pub offered: i64,
    pub rejected: i64,
    pub last_call_ms: Option<i64>,
    /// Changed since it was last written.
    pub dirty: bool,
}

/// What changed about an agent's phone.
pub(super) enum PhoneChange {
    /// Its leg is being opened (the phone is called).
    Offered,
    /// The phone did not take its leg (rejected, or nobody answered).
    Rejected,
    /// The agent began a call.
    Call,
}

impl Engine {
    /// Telephony measured the agent's phone.
    pub(super) fn phone_network(&mut self, id: AgentRef, network: PhoneNetwork) {
        if let Some(agent) = self.agents.iter().position(|a| a.id == id) {
            let reach = &mut self.agents[agent].reach;
            reach.network = network;
            reach.dirty = true;
        }
    }

    pub(super) fn phone_changed(&mut self, agent: usize, change: PhoneChange) {
        let now = self.now;
        let p = &mut self.agents[agent].reach;
        match change {
            PhoneChange::Offered => p.offered += 1,
            PhoneChange::Rejected => p.rejected += 1,
            PhoneChange::Call => p.last_call_ms = Some(now),
        }
        p.dirty = true;
    }

    /// The phones that changed, as facts for the next write.
    pub(super) fn phone_facts(&mut self) {
        let (op, now) = (self.cfg.operation_id, self.now);
        for a in self.agents.iter_mut().filter(|a| a.reach.dirty) {
            a.reach.dirty = false;
            self.facts.push(Fact::AgentNetwork(AgentNetworkFact {
                operation_id: op,
                agent_id: a.id,
                network: a.reach.network.clone(),
                offered: a.reach.offered,
                rejected: a.reach.rejected,
                last_call_ms: a.reach.last_call_ms,
                measured_ms: now,
            }));
        }
    }
}
