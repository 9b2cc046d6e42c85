//! The setup file: an operation's activity codes, skills with agents, routing
//! points with their menus, and the simulated telephony — loaded at start-up
//! (`marcador serve --setup FILE`) and applied idempotently: everything is
//! matched by name or code, so applying a file twice changes nothing.

use std::collections::BTreeMap;
use std::path::Path;

use figment::Figment;
use figment::providers::{Format, Toml};
use jiff::Timestamp;
use serde::Deserialize;

use crate::calling::CallingProfile;
use crate::engine::sim::SimProfile;
use crate::engine::{EngineConfig, InboundSim};
use crate::store::{Result, Store};

/// The setup `marcador demo` runs on.
pub const DEMO: &str = include_str!("../setup/demo.toml");

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    pub operation: OperationSetup,
    #[serde(default)]
    pub activity_codes: Vec<CodeSetup>,
    #[serde(default)]
    pub skills: Vec<SkillSetup>,
    #[serde(default)]
    pub routing_points: Vec<RoutingPointSetup>,
    pub simulation: Option<SimulationSetup>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationSetup {
    pub name: String,
    #[serde(default = "default_tz")]
    pub time_zone: String,
    #[serde(default = "one")]
    pub licenses: i64,
    #[serde(default = "default_profile")]
    pub calling_profile: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeSetup {
    pub code: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub hit: bool,
    #[serde(default)]
    pub rpc: bool,
    #[serde(default = "one")]
    pub level: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkillSetup {
    pub name: String,
    /// How many agents the skill has.
    pub agents: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingPointSetup {
    pub name: String,
    /// The skill callers queue for after the menu (none: the IVR ends the call).
    pub skill: Option<String>,
    #[serde(default)]
    pub calls_per_hour: f64,
    #[serde(default)]
    pub menu: Vec<MenuOption>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MenuOption {
    pub option: String,
    pub weight: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulationSetup {
    #[serde(default = "one_u64")]
    pub seed: u64,
    #[serde(default = "default_answer_rate")]
    pub answer_rate: f64,
    #[serde(default)]
    pub other_calls_per_hour: f64,
}

fn default_tz() -> String {
    "America/Bogota".into()
}
fn default_profile() -> String {
    CallingProfile::Colombia.as_str().into()
}
fn one() -> i64 {
    1
}
fn one_u64() -> u64 {
    1
}
fn default_answer_rate() -> f64 {
    0.3
}

/// What applying a setup left in the store.
#[derive(Debug, Clone)]
pub struct Applied {
    pub operation_id: i64,
    /// Skill ids by name.
    pub skills: BTreeMap<String, i64>,
    /// Routing point ids, in the file's order.
    pub routing_points: Vec<i64>,
}

impl Setup {
    /// Reads and checks a setup file; errors name the file and the key.
    pub fn load(path: &Path) -> std::result::Result<Self, String> {
        if !path.exists() {
            return Err(format!("setup file {} does not exist", path.display()));
        }
        let s: Setup = Figment::from(Toml::file(path))
            .extract()
            .map_err(|e| e.to_string())?;
        s.check()?;
        Ok(s)
    }

    /// Parses setup text (the embedded demo setup).
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let s: Setup = Figment::from(Toml::string(text))
            .extract()
            .map_err(|e| e.to_string())?;
        s.check()?;
        Ok(s)
    }

    fn check(&self) -> std::result::Result<(), String> {
        if CallingProfile::parse(&self.operation.calling_profile).is_none() {
            return Err(format!(
                "operation.calling_profile {:?} is not colombia, us or open",
                self.operation.calling_profile
            ));
        }
        if let Some(c) = self
            .activity_codes
            .iter()
            .find(|c| !(1..=2).contains(&c.level))
        {
            return Err(format!("activity code {:?}: level is 1 or 2", c.code));
        }
        for rp in &self.routing_points {
            if let Some(skill) = &rp.skill
                && !self.skills.iter().any(|s| &s.name == skill)
            {
                return Err(format!(
                    "routing point {:?}: skill {skill:?} is not in [[skills]]",
                    rp.name
                ));
            }
            if rp.calls_per_hour > 0.0 && rp.menu.iter().map(|o| o.weight).sum::<u32>() == 0 {
                return Err(format!(
                    "routing point {:?}: a menu with weights is needed for its calls",
                    rp.name
                ));
            }
        }
        if let Some(sim) = &self.simulation
            && !(0.0..=1.0).contains(&sim.answer_rate)
        {
            return Err("simulation.answer_rate is between 0 and 1".into());
        }
        Ok(())
    }

    /// Creates what is missing in the store, by name or code; updates activity codes.
    pub async fn apply(&self, store: &Store, now: Timestamp) -> Result<Applied> {
        let op = match store.operation_id(&self.operation.name).await? {
            Some(id) => id,
            None => {
                store
                    .create_operation(
                        &self.operation.name,
                        &self.operation.time_zone,
                        self.operation.licenses,
                        now,
                    )
                    .await?
            }
        };
        store
            .set_calling_profile(op, &self.operation.calling_profile)
            .await?;
        for c in &self.activity_codes {
            store
                .put_activity_code(op, c.level, &c.code, &c.description, c.hit, c.rpc)
                .await?;
        }
        let mut skills = BTreeMap::new();
        for s in &self.skills {
            let id = match store.skill_id(op, &s.name).await? {
                Some(id) => id,
                None => store.create_skill(op, &s.name).await?,
            };
            let have = store
                .skill_agents(op)
                .await?
                .iter()
                .filter(|(sk, _)| *sk == id)
                .count() as u32;
            for n in have..s.agents {
                store
                    .create_agent(op, id, &format!("{} {:02}", s.name, n + 1))
                    .await?;
            }
            skills.insert(s.name.clone(), id);
        }
        let mut rps = Vec::new();
        for rp in &self.routing_points {
            let id = match store.routing_point_id(op, &rp.name).await? {
                Some(id) => id,
                None => store.create_routing_point(op, &rp.name).await?,
            };
            rps.push(id);
        }
        Ok(Applied {
            operation_id: op,
            skills,
            routing_points: rps,
        })
    }

    /// The engine settings this setup asks for: inbound traffic per routing
    /// point, other calls, and the simulated telephony's answer rate.
    pub fn engine_config(&self, applied: &Applied) -> (EngineConfig, SimProfile) {
        let sim = self.simulation.clone().unwrap_or(SimulationSetup {
            seed: 1,
            answer_rate: default_answer_rate(),
            other_calls_per_hour: 0.0,
        });
        let mut cfg = EngineConfig::new(applied.operation_id, sim.seed);
        cfg.inbound = self
            .routing_points
            .iter()
            .zip(&applied.routing_points)
            .map(|(rp, id)| InboundSim {
                rp_id: *id,
                skill_id: rp
                    .skill
                    .as_ref()
                    .and_then(|s| applied.skills.get(s).copied()),
                options: rp
                    .menu
                    .iter()
                    .map(|o| (o.option.clone(), o.weight))
                    .collect(),
                calls_per_hour: rp.calls_per_hour,
            })
            .collect();
        cfg.other_calls_per_hour = sim.other_calls_per_hour;
        (
            cfg,
            SimProfile::with_answer_rate((sim.answer_rate * 1000.0).round() as u32),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_setup_parses() {
        let s = Setup::parse(DEMO).unwrap();
        assert_eq!(s.operation.name, "demo");
        assert_eq!(s.activity_codes.len(), 8);
        assert_eq!(s.skills.iter().map(|s| s.agents).sum::<u32>(), 19);
        assert_eq!(s.routing_points[2].menu[0].option, "CV_AGENTE");
    }

    #[test]
    fn mistakes_are_named() {
        let bad = DEMO.replace("calling_profile = \"open\"", "calling_profile = \"never\"");
        assert!(Setup::parse(&bad).unwrap_err().contains("never"));
        let bad = DEMO.replace("skill = \"Cobranza\"\ncalls", "skill = \"Nadie\"\ncalls");
        assert!(Setup::parse(&bad).unwrap_err().contains("Nadie"));
        let bad = DEMO.replace(
            "[[skills]]\nname = \"Ventas\"",
            "[[skills]]\nnombre = \"Ventas\"",
        );
        assert!(Setup::parse(&bad).is_err());
    }
}
