//! An agent's own calls: a free agent dials a number it was given (agentbox
//! `dial`, click-to-call from a CRM), or, in the after-call work of a
//! predictive call that was cut, calls that customer again (`aux_call`). The
//! call goes the way of a preview call without the look at a record — the
//! agent hears it ring (outbound talk), is bridged when it is answered, does
//! its after-call work — but it is no attempt: no record is picked or
//! written, only its calls row (`outbound_ma`, with the agent and the call
//! id the API answered with; an auxiliary call also with the campaign and
//! customer of the call it follows, whose record then waits for the typing).

use super::Engine;
use super::agents::AgentState;
use crate::store::{Claim, ManualDial};

impl Engine {
    /// Dials `d` for the agent if it is still free when the engine takes the
    /// command; otherwise the call is not placed (it never has a row).
    pub(super) fn manual_dial(&mut self, agent: usize, d: ManualDial) {
        if self.agents[agent].state != AgentState::Idle {
            tracing::info!(
                agent = self.agents[agent].id,
                "dial not placed: the agent is no longer free"
            );
            return;
        }
        let claim = Claim {
            record_id: 0,
            customer_id: d.customer_id,
            phone: 1,
            telephone: d.telephone,
            agent_id: self.agents[agent].code.clone(),
        };
        self.place_own_call(agent, None, claim, d.conn_id);
    }

    /// Calls the customer of the predictive call the agent is wrapping up on
    /// `d.telephone`, if the agent is still in that after-call work.
    pub(super) fn aux_call(&mut self, agent: usize, d: ManualDial) {
        let AgentState::AfterCall { call: cut, .. } = self.agents[agent].state else {
            tracing::info!(
                agent = self.agents[agent].id,
                "aux_call not placed: no call to follow"
            );
            return;
        };
        let Some(c) = self.calls.remove(&cut) else {
            return;
        };
        let claim = Claim {
            telephone: d.telephone,
            ..c.claim
        };
        self.place_own_call(agent, c.campaign, claim, d.conn_id);
    }

    /// Places a call for the agent (free, or wrapping up the call it
    /// follows) as its own: its id is `conn_id`. Also smart wait's call backs.
    pub(super) fn place_own_call(
        &mut self,
        agent: usize,
        campaign: Option<i64>,
        claim: Claim,
        conn_id: String,
    ) -> super::telephony::CallRef {
        let call = self.new_call(campaign, claim, Some(agent));
        if let Some(c) = self.calls.get_mut(&call) {
            c.conn_id = conn_id;
            c.attempt = false;
        }
        // Busy from now: the look at a record a preview has, of no length.
        self.set_state(agent, AgentState::Previewing);
        self.dial(call, Some(agent));
        call
    }
}
