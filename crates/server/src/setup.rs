//! The setup file: an operation's activity codes, skills, agents (people with
//! an extension and a phone, or a count of simulated ones per skill), pause
//! states, routing points with their menus, the telephony (simulated or a SIP
//! trunk) and the simulated world — loaded at start-up (`marcador serve
//! --setup FILE`) and applied idempotently: everything is matched by name or
//! code, so applying a file twice changes nothing. A file with a mistake is
//! refused whole, naming the file, the key and the reason.

use std::collections::BTreeMap;
use std::path::Path;

use figment::Figment;
use figment::providers::{Format, Toml};
use jiff::Timestamp;
use serde::Deserialize;

use marcador_wire::api::agent_status_param;
use marcador_wire::surveys::MAX_QUESTIONS;

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
    #[serde(default)]
    pub telephony: TelephonySetup,
    #[serde(default)]
    pub agents: Vec<AgentSetup>,
    #[serde(default)]
    pub pauses: Vec<PauseSetup>,
}

/// Which telephony places the calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TelephonyKind {
    /// Calls drawn by the simulator (`[simulation]`): the default, and `marcador demo`'s.
    #[default]
    Sim,
    /// Real calls over a SIP trunk.
    Sip,
}

/// `[telephony]`: with `kind = "sip"`, `listen` and `trunk` are needed.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelephonySetup {
    #[serde(default)]
    pub kind: TelephonyKind,
    /// Marcador's SIP address, `ip:port` (UDP and TCP).
    pub listen: Option<String>,
    /// Where outbound INVITEs go: `sip:host:port`.
    pub trunk: Option<String>,
    /// Seconds a call may ring before Marcador hangs up (30).
    pub ring_timeout_s: Option<u32>,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The number customers see, unless a campaign gives one.
    pub caller_id: Option<String>,
    pub max_channels: Option<usize>,
    pub max_cps: Option<f64>,
    /// UDP ports for media, `"first-last"` (default: any free port).
    pub rtp_ports: Option<String>,
    /// Answering-machine detection's thresholds, for campaigns with `amd`.
    #[serde(default)]
    pub amd: AmdSettings,
}

/// The thresholds, with Asterisk's `amd.conf` defaults (`[telephony.amd]`): how answering-machine
/// detection tells a person from a machine on SIP calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AmdSettings {
    /// Silence before any voice this long: a machine (ms).
    pub initial_silence_ms: u32,
    /// A greeting (all voice so far) longer than this: a machine (ms).
    pub greeting_ms: u32,
    /// Silence after the greeting this long: a person (ms).
    pub after_greeting_silence_ms: u32,
    /// Undecided after this long: not sure (ms).
    pub total_analysis_time_ms: u32,
    /// Voice this long makes a word (ms).
    pub min_word_length_ms: u32,
    /// Silence this long ends a word (ms).
    pub between_words_silence_ms: u32,
    /// This many words: a machine.
    pub maximum_number_of_words: u32,
    /// One word longer than this: a machine (ms).
    pub maximum_word_length_ms: u32,
    /// A frame whose mean absolute amplitude (16-bit linear) is below this is silence.
    pub silence_threshold: u32,
}

impl Default for AmdSettings {
    fn default() -> Self {
        AmdSettings {
            initial_silence_ms: 2500,
            greeting_ms: 1500,
            after_greeting_silence_ms: 800,
            total_analysis_time_ms: 5000,
            min_word_length_ms: 100,
            between_words_silence_ms: 50,
            maximum_number_of_words: 3,
            maximum_word_length_ms: 5000,
            silence_threshold: 256,
        }
    }
}

/// `[[agents]]`: a person with an extension. Agents start logged out and
/// log in through the agent API (`agentbox.php?api=change_status&status=ready`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentSetup {
    /// The extension: agentbox's and real_time agents' `agent_id`.
    pub id: String,
    pub name: String,
    /// Names of `[[skills]]`.
    pub skills: Vec<String>,
    /// The agent's phone, a SIP URI (called when the agent becomes ready);
    /// needed with SIP telephony.
    pub phone: Option<String>,
}

/// `[[pauses]]`: a pause state (Wolkvox Manager's "Estados agentes");
/// change_status takes its `id`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PauseSetup {
    pub id: String,
    pub name: String,
}

/// The ring timeout when `[telephony]` does not give one.
pub const DEFAULT_RING_TIMEOUT_S: u32 = 30;

impl TelephonySetup {
    /// `rtp_ports` as (first, last), checked.
    pub fn rtp_range(&self) -> std::result::Result<Option<(u16, u16)>, String> {
        let Some(r) = &self.rtp_ports else {
            return Ok(None);
        };
        let bad = || {
            format!("telephony.rtp_ports {r:?} is not a range of UDP ports like \"10000-20000\"")
        };
        let (a, b) = r.split_once('-').ok_or_else(bad)?;
        let (a, b): (u16, u16) = (
            a.trim().parse().map_err(|_| bad())?,
            b.trim().parse().map_err(|_| bad())?,
        );
        if a == 0 || a > b {
            return Err(bad());
        }
        Ok(Some((a, b)))
    }

    fn check(&self) -> std::result::Result<(), String> {
        self.rtp_range()?;
        let a = &self.amd;
        if a.total_analysis_time_ms == 0 || a.maximum_number_of_words == 0 {
            return Err(
                "telephony.amd: total_analysis_time_ms and maximum_number_of_words must be above 0"
                    .into(),
            );
        }
        if self.ring_timeout_s == Some(0) {
            return Err("telephony.ring_timeout_s must be at least 1".into());
        }
        if self.max_channels == Some(0) {
            return Err("telephony.max_channels must be at least 1".into());
        }
        if let Some(cps) = self.max_cps
            && !(cps > 0.0 && cps.is_finite())
        {
            return Err("telephony.max_cps must be a number above 0".into());
        }
        if self.kind == TelephonyKind::Sim {
            return Ok(());
        }
        match &self.listen {
            None => {
                return Err(
                    "telephony.listen is needed with kind = \"sip\" (e.g. \"127.0.0.1:5060\")"
                        .into(),
                );
            }
            Some(l) if l.parse::<std::net::SocketAddr>().is_err() => {
                return Err(format!(
                    "telephony.listen {l:?} is not an ip:port address (e.g. \"127.0.0.1:5060\")"
                ));
            }
            Some(_) => {}
        }
        match &self.trunk {
            None => Err(
                "telephony.trunk is needed with kind = \"sip\" (e.g. \"sip:127.0.0.1:5070\")"
                    .into(),
            ),
            Some(t) if !t.starts_with("sip:") => Err(format!(
                "telephony.trunk {t:?} is not a SIP URI (e.g. \"sip:127.0.0.1:5070\")"
            )),
            Some(_) => Ok(()),
        }
    }
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
    /// A person's after-call work ends at the latest this many seconds after
    /// the call (60); typing the call ends it earlier.
    pub wrap_up_s: Option<u32>,
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
    /// How many simulated agents the skill has (`[[agents]]` that name the
    /// skill are its agents besides them).
    #[serde(default)]
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
    /// The post-call survey's questions (up to 10, each answered 1 to 5 on
    /// the keypad), offered to callers after their talk (none: no survey).
    #[serde(default)]
    pub survey: Vec<String>,
    /// Smart wait: a caller still queued this many seconds (5 to 3600) is
    /// offered a call back instead of waiting (none: never offered).
    pub smart_wait_s: Option<u32>,
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
            .map_err(|e| format!("{}: {e}", path.display()))?;
        s.check().map_err(|e| format!("{}: {e}", path.display()))?;
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
            if rp.survey.len() > MAX_QUESTIONS {
                return Err(format!(
                    "routing point {:?}: a survey has at most {MAX_QUESTIONS} questions, not {}",
                    rp.name,
                    rp.survey.len()
                ));
            }
            if let Some(s) = rp.smart_wait_s
                && !(5..=3600).contains(&s)
            {
                return Err(format!(
                    "routing point {:?}: smart_wait_s is 5 to 3600 seconds, not {s}",
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
        self.telephony.check()?;
        let mut ids = std::collections::BTreeSet::new();
        for (i, a) in self.agents.iter().enumerate() {
            let key = format!("agents[{i}]");
            if a.id.trim().is_empty() || a.id.contains('\0') {
                return Err(format!("{key}.id is empty"));
            }
            if !ids.insert(a.id.as_str()) {
                return Err(format!("{key}.id {:?} is given to two agents", a.id));
            }
            if a.skills.is_empty() {
                return Err(format!(
                    "{key}.skills is empty: name at least one [[skills]]"
                ));
            }
            if let Some(skill) = a
                .skills
                .iter()
                .find(|k| !self.skills.iter().any(|s| &s.name == *k))
            {
                return Err(format!("{key}.skills: {skill:?} is not in [[skills]]"));
            }
            match &a.phone {
                Some(p) if !p.starts_with("sip:") => {
                    return Err(format!(
                        "{key}.phone {p:?} is not a SIP URI (e.g. \"sip:1001@127.0.0.1:5080\")"
                    ));
                }
                None if self.telephony.kind == TelephonyKind::Sip => {
                    return Err(format!(
                        "{key}.phone is needed with SIP telephony: Marcador calls it when the agent becomes ready"
                    ));
                }
                _ => {}
            }
        }
        let mut pauses = std::collections::BTreeSet::new();
        for (i, p) in self.pauses.iter().enumerate() {
            let reserved = [agent_status_param::READY, agent_status_param::LOGOUT];
            if p.id.trim().is_empty() || reserved.contains(&p.id.as_str()) {
                return Err(format!(
                    "pauses[{i}].id {:?} is empty or a reserved status (ready, logout)",
                    p.id
                ));
            }
            if !pauses.insert(p.id.as_str()) {
                return Err(format!("pauses[{i}].id {:?} is given to two pauses", p.id));
            }
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
                .simulated_agents_per_skill(op)
                .await?
                .iter()
                .find(|(sk, _)| *sk == id)
                .map_or(0, |(_, n)| *n as u32);
            for n in have..s.agents {
                store
                    .create_agent(op, id, &format!("{} {:02}", s.name, n + 1))
                    .await?;
            }
            skills.insert(s.name.clone(), id);
        }
        for a in &self.agents {
            let ids: Vec<i64> = a
                .skills
                .iter()
                .filter_map(|k| skills.get(k).copied())
                .collect();
            store
                .put_agent(op, &a.id, &a.name, &ids, a.phone.as_deref())
                .await?;
        }
        for p in &self.pauses {
            store.put_pause(op, &p.id, &p.name).await?;
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

    /// The simulated callers of each routing point: its skill, menu, traffic
    /// and survey (the live engine's and the demo history's).
    pub fn inbound_sims(&self, applied: &Applied) -> Vec<InboundSim> {
        self.routing_points
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
                survey_questions: rp.survey.len(),
                smart_wait_ms: rp.smart_wait_s.map(|s| i64::from(s) * 1000),
            })
            .collect()
    }

    /// The engine settings this setup asks for: inbound traffic per routing
    /// point, other calls, and the simulated telephony's answer rate (no
    /// simulated traffic with SIP telephony).
    pub fn engine_config(&self, applied: &Applied) -> (EngineConfig, SimProfile) {
        let sim = self.simulation.clone().unwrap_or(SimulationSetup {
            seed: 1,
            answer_rate: default_answer_rate(),
            other_calls_per_hour: 0.0,
        });
        let mut cfg = EngineConfig::new(applied.operation_id, sim.seed);
        cfg.inbound = self.inbound_sims(applied);
        cfg.other_calls_per_hour = sim.other_calls_per_hour;
        cfg.breaks = self.pauses.iter().map(|p| p.id.clone()).collect();
        cfg.wrap_up_ms = i64::from(self.operation.wrap_up_s.unwrap_or(60)) * 1000;
        if self.telephony.kind == TelephonyKind::Sip {
            // Simulated callers would reach real agents' phones with nobody on the line.
            cfg.inbound.clear();
            cfg.other_calls_per_hour = 0.0;
            cfg.breaks.clear();
        }
        cfg.ring_timeout_ms = i64::from(
            self.telephony
                .ring_timeout_s
                .unwrap_or(DEFAULT_RING_TIMEOUT_S),
        ) * 1000;
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
        let eleven = format!(
            "name = \"Bot Servicio\"\nsurvey = [{}]",
            ["\"¿?\""; 11].join(", ")
        );
        let bad = DEMO.replacen("name = \"Bot Servicio\"", &eleven, 1);
        assert!(
            Setup::parse(&bad)
                .unwrap_err()
                .contains("at most 10 questions")
        );
        let bad = DEMO.replace("smart_wait_s = 20", "smart_wait_s = 2");
        assert!(
            Setup::parse(&bad)
                .unwrap_err()
                .contains("smart_wait_s is 5 to 3600 seconds, not 2")
        );
    }

    #[test]
    fn sip_and_agent_mistakes_name_their_key() {
        let base = "[operation]\nname = \"x\"\n[[skills]]\nname = \"Cobranza\"\n";
        let sip = "[telephony]\nkind = \"sip\"\nlisten = \"127.0.0.1:5060\"\ntrunk = \"sip:127.0.0.1:5070\"\n";
        let agent = |phone: &str, skill: &str| {
            format!("[[agents]]\nid = \"1001\"\nname = \"Ana\"\nskills = [\"{skill}\"]\n{phone}")
        };
        let ok = format!(
            "{base}{sip}{}",
            agent("phone = \"sip:1001@127.0.0.1:5080\"\n", "Cobranza")
        );
        let s = Setup::parse(&ok).unwrap();
        assert_eq!(s.telephony.kind, TelephonyKind::Sip);
        assert_eq!(s.skills[0].agents, 0, "people need no count");
        let err = |text: String| Setup::parse(&text).unwrap_err();
        assert!(
            err(format!("{base}{sip}{}", agent("", "Cobranza")))
                .contains("agents[0].phone is needed")
        );
        assert!(
            err(format!("{base}{}", agent("phone = \"1001\"\n", "Cobranza")))
                .contains("agents[0].phone")
        );
        assert!(
            err(format!("{base}{}", agent("", "Ventas"))).contains("agents[0].skills: \"Ventas\"")
        );
        let no_trunk = sip.replace("trunk = \"sip:127.0.0.1:5070\"\n", "");
        assert!(err(format!("{base}{no_trunk}")).contains("telephony.trunk is needed"));
        let bad_listen = sip.replace("127.0.0.1:5060", "localhost");
        assert!(err(format!("{base}{bad_listen}")).contains("telephony.listen \"localhost\""));
        let ports = format!("{base}{sip}rtp_ports = \"20000-10000\"\n");
        assert!(err(ports).contains("telephony.rtp_ports"));
        let typo = format!("{base}{sip}max_cpss = 3\n");
        assert!(err(typo).contains("max_cpss"));
        let amd = format!("{base}{sip}[telephony.amd]\ngreeting_ms = 2000\n");
        assert_eq!(Setup::parse(&amd).unwrap().telephony.amd.greeting_ms, 2000);
    }
}
