//! An agent's own calls (agentbox `dial`, click-to-call from a CRM): a free
//! agent dials a number it was given. The call goes the way of a preview
//! call without the look at a record — the agent hears it ring (outbound
//! talk), is bridged when it is answered, does its after-call work — but it
//! belongs to no campaign: no record is picked or written, only its calls
//! row (`outbound_ma`, with the agent and the call id the API answered with).

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
        let call = self.new_call(None, claim, Some(agent));
        if let Some(c) = self.calls.get_mut(&call) {
            c.conn_id = d.conn_id;
        }
        // Busy from now: the look at a record a preview has, of no length.
        self.set_state(agent, AgentState::Previewing);
        self.dial(call, Some(agent));
    }
}
