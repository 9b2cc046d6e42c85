//! What the engine shows on `GET /metrics`: each campaign's dialer (calls in
//! flight, dial level, rolling abandon rate) and the agents by state,
//! published at every tick into the application's metrics, when it has them.

use super::Engine;
use crate::domain::AgentPhase;
use crate::metrics::{CampaignGauges, SharedMetrics};

/// Where the engine publishes, and the operation's name to label it with.
pub(super) struct Published {
    pub metrics: SharedMetrics,
    pub operation: String,
}

impl Engine {
    /// Publishes the engine's gauges into `metrics`, labelled `operation`, from now on.
    pub fn observe(&mut self, metrics: SharedMetrics, operation: String) {
        self.published = Some(Published { metrics, operation });
    }

    /// The gauges now (at each tick).
    pub(super) fn publish(&mut self) {
        let Some(p) = &self.published else {
            return;
        };
        let now = self.now;
        let mut campaigns = Vec::with_capacity(self.campaigns.len());
        for (&id, c) in self.campaigns.iter_mut() {
            let agents = match c.skill {
                Some(skill) => self
                    .agents
                    .iter()
                    .filter(|a| a.has_skill(skill) && a.phase() != AgentPhase::Logout)
                    .count(),
                None => 0,
            };
            let in_flight = i64::from(c.in_flight);
            campaigns.push(CampaignGauges {
                campaign: id,
                in_flight,
                dial_level: if agents == 0 {
                    0.0
                } else {
                    in_flight as f64 / agents as f64
                },
                abandon_rate: c.pacer.abandon_rate(now),
            });
        }
        let by_state: Vec<(&'static str, i64)> = AgentPhase::ALL
            .iter()
            .map(|&phase| {
                let n = self.agents.iter().filter(|a| a.phase() == phase).count();
                (phase.as_str(), n as i64)
            })
            .collect();
        p.metrics.engine(&p.operation, &campaigns, &by_state);
    }
}
