//! What the engine shows on `GET /metrics`: each campaign's dialer (calls in
//! flight, dial level, rolling abandon rate) and the agents by state,
//! published at every tick into the application's metrics, when it has them.

use std::collections::BTreeMap;

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

    /// The gauges now (at each tick): one pass over the agents, then one
    /// over the campaigns.
    pub(super) fn publish(&mut self) {
        let Some(p) = &self.published else {
            return;
        };
        let mut by_phase = [0i64; AgentPhase::ALL.len()];
        let mut logged_in: BTreeMap<i64, i64> = BTreeMap::new();
        for a in &self.agents {
            let phase = a.phase();
            if let Some(i) = AgentPhase::ALL.iter().position(|&p| p == phase) {
                by_phase[i] += 1;
            }
            if phase != AgentPhase::Logout {
                for &skill in &a.skills {
                    *logged_in.entry(skill).or_default() += 1;
                }
            }
        }
        let now = self.now;
        let campaigns: Vec<CampaignGauges> = self
            .campaigns
            .iter_mut()
            .map(|(&id, c)| {
                let agents = c
                    .skill
                    .and_then(|s| logged_in.get(&s))
                    .copied()
                    .unwrap_or(0);
                let in_flight = i64::from(c.in_flight);
                CampaignGauges {
                    campaign: id,
                    in_flight,
                    dial_level: if agents == 0 {
                        0.0
                    } else {
                        in_flight as f64 / agents as f64
                    },
                    abandon_rate: c.pacer.abandon_rate(now),
                }
            })
            .collect();
        let by_state: Vec<(&'static str, i64)> = AgentPhase::ALL
            .iter()
            .zip(by_phase)
            .map(|(phase, n)| (phase.as_str(), n))
            .collect();
        p.metrics.engine(&p.operation, &campaigns, &by_state);
    }
}
