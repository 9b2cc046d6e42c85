//! A demo operation with history, generated deterministically from a seed:
//! skills, agents, activity codes, three campaigns over thousands of Colombian
//! customer records, and days of traffic up to `now` — predictive attempts in
//! realistic proportions walking tel1 → tel3, codified answers, inbound calls
//! through three IVRs (digits, bot labels and PULSE), a few internal calls,
//! transfers and conferences, and customers released from Ley 2300's protection. Every fact goes through the store's fact path,
//! so the counters the reports read are the ones the engine will keep; the
//! world it draws from (callers, menu walks, internal calls, raw statuses) is
//! the live engine's own, `engine::world`.

use std::collections::VecDeque;

use jiff::{Timestamp, tz::TimeZone};
use marcador_wire::api::{param, report};
use marcador_wire::information::audit_action;
use marcador_wire::law2300::ReleaseItem;
use marcador_wire::{AmdResult, CallResult, CampaignType, HangUp, TypeInteraction, conn_id};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

pub mod bulk;
mod call_back;
mod staff;

use staff::{Staff, Taker, Work};

use crate::engine::sim::SimProfile;
use crate::engine::world;
use crate::engine::{EngineConfig, InboundSim};
use crate::setup::{DEMO as DEMO_SETUP, Setup};
use crate::store::{
    AgentCodify, AttemptFact, AuditEntry, CallFact, CampaignEdit, CodifyInput, EngineTick, Fact,
    IvrStepFact, Law2300Release, NewCampaign, NewRecord, Result, Store, StoreError, SurveyFact,
    TransferFact, TransferKind, TypedCall,
};

/// The demo company's NIT (Colombia's tax id), as its Ley 2300 releases carry it.
const DEMO_NIT: &str = "900123456";

/// How much to generate.
#[derive(Debug, Clone, Copy)]
pub struct DemoSize {
    /// Records of the largest campaign (the others are scaled from it).
    pub records: usize,
    /// Days of history before `now`.
    pub days: i64,
    /// Peak predictive attempts per campaign per hour.
    pub attempts_per_hour: f64,
    /// Peak inbound calls per routing point per hour.
    pub inbound_per_hour: f64,
}

impl Default for DemoSize {
    fn default() -> Self {
        DemoSize {
            records: 3_000,
            days: 3,
            attempts_per_hour: 45.0,
            inbound_per_hour: 40.0,
        }
    }
}

/// What the demo created.
#[derive(Debug, Clone)]
pub struct DemoInfo {
    pub operation_id: i64,
    pub token: String,
    pub campaigns: Vec<(i64, String, CampaignType)>,
    pub routing_points: Vec<(i64, String)>,
    /// Skill ids: Cobranza, Ventas, Servicio.
    pub skills: Vec<i64>,
    /// What keeps the operation alive after its history: the engine settings
    /// and simulated telephony of the demo setup.
    pub engine: EngineConfig,
    pub sim: SimProfile,
    pub attempts: u64,
    pub calls: u64,
    pub ivr_steps: u64,
    pub codified: u64,
}

pub const OPERATION: &str = "demo";
pub const TIME_ZONE: &str = "America/Bogota";

const FIRST_NAMES: &[&str] = &[
    "Juan",
    "María",
    "Carlos",
    "Ana",
    "Luis",
    "Laura",
    "Andrés",
    "Camila",
    "Jorge",
    "Valentina",
    "Diego",
    "Daniela",
    "Felipe",
    "Natalia",
    "Santiago",
    "Paula",
    "Alejandro",
    "Carolina",
    "Sebastián",
    "Manuela",
    "Julián",
    "Sofía",
    "Mauricio",
    "Isabella",
    "Óscar",
    "Luisa",
];
const LAST_NAMES: &[&str] = &[
    "García",
    "Rodríguez",
    "Martínez",
    "López",
    "González",
    "Hernández",
    "Pérez",
    "Sánchez",
    "Ramírez",
    "Torres",
    "Flórez",
    "Rivera",
    "Gómez",
    "Díaz",
    "Moreno",
    "Muñoz",
    "Rojas",
    "Vargas",
    "Castro",
    "Ortiz",
    "Jiménez",
    "Restrepo",
    "Ospina",
    "Zapata",
    "Cardona",
];
const CITIES: &[&str] = &[
    "Bogotá",
    "Medellín",
    "Cali",
    "Barranquilla",
    "Cartagena",
    "Bucaramanga",
    "Pereira",
    "Manizales",
    "Cúcuta",
    "Ibagué",
];

/// Result shares of a predictive attempt (sum 1000).
const RESULT_SHARES: &[(CallResult, u32)] = &[
    (CallResult::Answer, 270),
    (CallResult::NoAnswer, 340),
    (CallResult::Busy, 90),
    (CallResult::AnswerMachine, 180),
    (CallResult::Congestion, 25),
    (CallResult::Failed, 45),
    (CallResult::ChanUnavail, 30),
    (CallResult::Abandon, 20),
];

/// Relative traffic by local hour: a 24-hour operation (the demo runs on the
/// `open` calling profile) with its peak in office hours, so the demo shows
/// recent calls whenever it is started.
fn hour_factor(hour: i8) -> f64 {
    match hour {
        0..=5 => 0.35,
        6 | 22 | 23 => 0.45,
        7 | 18 | 19 => 0.7,
        8..=11 | 14..=17 => 1.0,
        12 | 13 => 0.8,
        _ => 0.55,
    }
}

fn one<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

/// Every this many customers, one is uploaded with a recall date.
const RECALL_EVERY: usize = 50;
/// Every this many customers, one is on the do-not-call list.
const DNC_EVERY: usize = 100;

fn customer(rng: &mut StdRng, n: usize, collections: bool) -> NewRecord {
    let mut tels = vec![world::mobile(rng)];
    if rng.random_bool(0.55) {
        tels.push(if rng.random_bool(0.5) {
            world::mobile(rng)
        } else {
            world::landline(rng)
        });
        if rng.random_bool(0.3) {
            tels.push(world::landline(rng));
        }
    }
    let city = one(rng, CITIES);
    let opts = if collections {
        vec![
            format!("{}", rng.random_range(150..9_000) * 1_000),
            format!("{}", rng.random_range(1..120)),
            one(
                rng,
                &[
                    "Tarjeta de crédito",
                    "Libre inversión",
                    "Vehículo",
                    "Hipotecario",
                ],
            )
            .to_owned(),
            city.to_owned(),
        ]
    } else {
        vec![
            one(rng, &["Vida", "Hogar", "Autos", "Salud"]).to_owned(),
            format!("{}", rng.random_range(20..300) * 1_000),
            city.to_owned(),
        ]
    };
    NewRecord {
        customer_id: format!("{}", 10_000_000 + n as u64 * 7_919 % 89_999_999),
        customer_name: one(rng, FIRST_NAMES).to_owned(),
        customer_last_name: format!("{} {}", one(rng, LAST_NAMES), one(rng, LAST_NAMES)),
        id_type: "CC".to_owned(),
        city: city.to_owned(),
        country: "COL".to_owned(),
        tels,
        opts,
        ..NewRecord::default()
    }
}

struct Generator {
    rng: StdRng,
    operation_id: i64,
    node: u32,
    seq: u64,
    facts: Vec<Fact>,
    codifies: Vec<AgentCodify>,
    /// The operation's agents through the history.
    staff: Staff,
    info: DemoInfo,
}

impl Generator {
    fn conn_id(&mut self, station: i64, at: i64) -> String {
        self.seq += 1;
        conn_id::format(self.node, station as u32, at, self.seq)
    }

    async fn flush(&mut self, store: &Store) -> Result<()> {
        let facts = std::mem::take(&mut self.facts);
        let codifies = std::mem::take(&mut self.codifies);
        let written = store
            .record_engine_tick(&EngineTick {
                facts: &facts,
                codifies: &codifies,
                ..EngineTick::default()
            })
            .await?;
        self.info.codified += written.codified.iter().filter(|c| c.is_ok()).count() as u64;
        Ok(())
    }

    /// A call's row: who hung up follows who was on it (an agent, or a
    /// customer nobody took: the customer on inbound, Marcador otherwise).
    fn call(&mut self, c: NewCall) {
        let hang_up = match (c.agent, c.ti) {
            (Some(_), _) if self.rng.random_bool(0.3) => HangUp::Agent,
            (Some(_), _) | (None, TypeInteraction::Inbound) => HangUp::Customer,
            (None, _) => HangUp::System,
        };
        self.facts.push(Fact::Call(CallFact {
            operation_id: self.operation_id,
            started_at: c.at,
            type_interaction: c.ti,
            result: c.result,
            telephone: c.telephone,
            customer_id: c.customer_id,
            conn_id: c.conn_id,
            campaign_id: c.campaign_id,
            rp_id: c.rp_id,
            duration: c.duration,
            agent_id: c.agent,
            skill_id: c.skill,
            ring_seconds: c.ring_seconds,
            hang_up,
            wait_seconds: c.wait_seconds,
        }));
        self.info.calls += 1;
    }

    /// A simulated agent's after-call work, as the live engine draws it (ms).
    fn acw_ms(&mut self) -> i64 {
        let (lo, hi) = self.info.engine.acw_ms;
        self.rng.random_range(lo..=hi)
    }
}

/// A call of the history, as [`Generator::call`] writes it.
struct NewCall {
    at: i64,
    ti: TypeInteraction,
    result: CallResult,
    telephone: String,
    customer_id: String,
    conn_id: String,
    campaign_id: Option<i64>,
    rp_id: Option<i64>,
    duration: i64,
    agent: Option<i64>,
    skill: Option<i64>,
    ring_seconds: i64,
    wait_seconds: Option<i64>,
}

/// One campaign's dialing queue: (record id, customer id, phones, phone index).
struct Dialer {
    campaign_id: i64,
    kind: CampaignType,
    /// Answering-machine detection on (and Turbo Dial, which reports it).
    detects: bool,
    skill: i64,
    queue: VecDeque<(i64, String, Vec<String>, usize)>,
    rate: f64,
}

/// Creates the demo operation in `store` with history up to `now`.
pub async fn seed(
    store: &Store,
    seed: u64,
    now: Timestamp,
    token: Option<String>,
    size: DemoSize,
) -> Result<DemoInfo> {
    let tz = TimeZone::get(TIME_ZONE).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let start = now.as_second() - size.days * 86_400;
    let created = Timestamp::from_second(start).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let mut rng = StdRng::seed_from_u64(seed);
    let setup = Setup::parse(DEMO_SETUP).map_err(StoreError::Invalid)?;
    // The history's internal calls at the live engine's rate.
    let other_calls_per_hour = setup
        .simulation
        .as_ref()
        .map_or(0.0, |s| s.other_calls_per_hour);
    let applied = setup.apply(store, created).await?;
    let op = applied.operation_id;
    let token = store.create_token(op, token, created).await?;
    let skill = |name: &str| {
        applied
            .skills
            .get(name)
            .copied()
            .ok_or_else(|| StoreError::Invalid(format!("the demo setup has no skill {name}")))
    };
    let skills = vec![skill("Cobranza")?, skill("Ventas")?, skill("Servicio")?];
    let (engine, sim) = setup.engine_config(&applied);

    let plans = [
        (
            "Cobranza Mora 30",
            CampaignType::Predictive,
            true,
            skills[0],
            size.records,
            true,
            1.0,
        ),
        (
            "Venta Seguros Vida",
            CampaignType::Predictive,
            true,
            skills[1],
            size.records * 4 / 5,
            false,
            0.8,
        ),
        (
            "Renovaciones",
            CampaignType::Preview,
            true,
            skills[1],
            size.records / 6,
            false,
            0.15,
        ),
    ];
    let mut dialers = Vec::new();
    let mut info = DemoInfo {
        operation_id: op,
        token,
        campaigns: Vec::new(),
        routing_points: Vec::new(),
        skills: skills.clone(),
        engine,
        sim,
        attempts: 0,
        calls: 0,
        ivr_steps: 0,
        codified: 0,
    };
    let mut customer_n = 0;
    for (name, kind, started, skill, records, collections, rate) in plans {
        let detects = collections;
        let titles: Vec<String> = if collections {
            ["Saldo", "Dias mora", "Producto", "Ciudad"]
                .map(String::from)
                .to_vec()
        } else {
            ["Producto", "Prima", "Ciudad"].map(String::from).to_vec()
        };
        let id = store
            .create_campaign(
                &NewCampaign {
                    operation_id: op,
                    name: name.to_owned(),
                    description: format!("Demo: {name}"),
                    kind,
                    started,
                    speed: if started { 80 } else { 100 },
                    skill_id: Some(skill),
                    opt_titles: titles,
                    window: None,
                    // The collections campaign detects machines (COL's profile).
                    amd: if detects { "COL".into() } else { String::new() },
                },
                created,
            )
            .await?;
        if detects {
            // …and runs Turbo Dial (campaign_10 reports its machine codes).
            let edit = CampaignEdit {
                turbo_dial: Some(true),
                ..CampaignEdit::default()
            };
            store
                .edit_campaign(op, id, &edit)
                .await?
                .map_err(|e| StoreError::Invalid(format!("demo campaign {id}: {e:?}")))?;
        }
        let recs: Vec<NewRecord> = (0..records)
            .map(|_| {
                customer_n += 1;
                let mut r = customer(&mut rng, customer_n, collections);
                // One customer in 50 asked to be called back within two days
                // (uploaded with a recall date: real_time recall lists them).
                if customer_n % RECALL_EVERY == 0 {
                    let hours = (customer_n / RECALL_EVERY) % 48 + 1;
                    r.recall = Some(now.as_second() + hours as i64 * 3_600);
                }
                r
            })
            .collect();
        store.insert_records(id, &recs, created).await?;
        // The setup, as the audit log shows changes made through the API.
        let kind_s = kind.as_str();
        let id_s = id.to_string();
        for api in [report::CREATE_CAMPAIGN, report::ADD_RECORD] {
            let action = audit_action(
                "POST",
                "campaign.php",
                [
                    (param::API, api),
                    (param::TYPE_CAMPAIGN, kind_s),
                    (param::CAMPAIGN_ID, id_s.as_str()),
                ],
            );
            store
                .audit(
                    op,
                    &AuditEntry {
                        at: created.as_second(),
                        ip: "127.0.0.1".into(),
                        actor: OPERATION.into(),
                        action,
                        workstation: "marcador demo".into(),
                    },
                )
                .await?;
        }
        // One customer in 100 asked not to be called again (information.php
        // get_dnc lists them; the dialer skips their number for 90 days).
        let dnc: Vec<(String, i64)> = recs
            .iter()
            .step_by(DNC_EVERY)
            .filter_map(|r| r.tels.first())
            .map(|t| (t.clone(), now.as_second() + 90 * 86_400))
            .collect();
        store.add_dnc(op, &dnc).await?;
        let queue = store
            .campaign_record_phones(id)
            .await?
            .into_iter()
            .map(|(rid, cid, tels)| (rid, cid, tels, 0))
            .collect();
        dialers.push(Dialer {
            campaign_id: id,
            kind,
            detects,
            skill,
            queue,
            rate: size.attempts_per_hour * rate,
        });
        info.campaigns.push((id, name.to_owned(), kind));
    }
    for (rp, id) in setup.routing_points.iter().zip(&applied.routing_points) {
        info.routing_points.push((*id, rp.name.clone()));
    }
    let inbound = setup.inbound_sims(&applied);

    let end = now.as_second();
    let staff = Staff::new(
        &store.agents(op).await?,
        setup.pauses.iter().map(|p| p.id.clone()).collect(),
        tz.clone(),
        op,
        end * 1000,
    );
    let mut g = Generator {
        rng,
        operation_id: op,
        node: conn_id::node(op),
        seq: 0,
        facts: Vec::new(),
        codifies: Vec::new(),
        staff,
        info,
    };
    let mut minute = start;
    while minute < end {
        let hour = Timestamp::from_second(minute)
            .map(|t| t.to_zoned(tz.clone()).hour())
            .unwrap_or(12);
        let factor = hour_factor(hour);
        for d in dialers.iter_mut() {
            attempts_in_minute(&mut g, d, minute, end, factor)?;
        }
        for rp in &inbound {
            inbound_in_minute(&mut g, rp, minute, end, size.inbound_per_hour * factor)?;
        }
        other_calls_in_minute(&mut g, other_calls_per_hour, minute, end, factor)?;
        if g.facts.len() >= 4_000 {
            g.flush(store).await?;
        }
        minute += 60;
    }
    g.staff.close(&mut g.facts);
    g.flush(store).await?;
    // The history was written in bulk: let the planner see it.
    store.analyze(&[]).await?;
    Ok(g.info)
}

fn attempts_in_minute(
    g: &mut Generator,
    d: &mut Dialer,
    minute: i64,
    end: i64,
    factor: f64,
) -> Result<()> {
    let n = world::poisson(&mut g.rng, d.rate * factor / 60.0);
    let mut times: Vec<i64> = (0..n)
        .map(|_| minute + g.rng.random_range(0..60))
        .filter(|t| *t < end)
        .collect();
    times.sort_unstable();
    for at in times {
        let Some((record_id, customer_id, tels, phone)) = d.queue.pop_front() else {
            return Ok(());
        };
        let mut result = world::pick(&mut g.rng, RESULT_SHARES, |s| s.1).0;
        let telephone = tels[phone].clone();
        let ring = world::ring_seconds(&mut g.rng, result);
        let (at_ms, answered_ms) = (at * 1000, (at + ring) * 1000);
        // Who talks: a predictive answer waits for a free agent of the skill
        // (at most the engine's 2 s, then it is abandoned); a preview call is
        // dialed by a free agent, and waits in the queue until there is one.
        let max_wait = g.info.engine.max_wait_ms;
        let taker = match d.kind {
            CampaignType::Predictive if result == CallResult::Answer => {
                let t =
                    g.staff
                        .free_agent(&mut g.facts, d.skill, answered_ms, answered_ms + max_wait);
                if t.is_none() {
                    result = CallResult::Abandon;
                }
                t
            }
            CampaignType::Predictive => None,
            CampaignType::Preview => {
                let looked = at_ms - g.info.engine.preview_ms;
                match g.staff.free_agent(&mut g.facts, d.skill, looked, looked) {
                    Some(t) => Some(t),
                    None => {
                        d.queue.push_front((record_id, customer_id, tels, phone));
                        continue;
                    }
                }
            }
        };
        let ending = world::ending(result);
        let conn = g.conn_id(d.campaign_id, at);
        let talk = if result == CallResult::Answer {
            g.rng.random_range(20..400)
        } else {
            0
        };
        let predictive = d.kind == CampaignType::Predictive;
        let wait = match (predictive, result, taker) {
            (true, CallResult::Answer, Some(t)) => Some((t.start_ms - answered_ms) / 1000),
            (true, CallResult::Abandon, _) => Some(max_wait / 1000),
            _ => None,
        };
        // A machine's greeting plays a few seconds before Marcador hangs up.
        let after_answer = match result {
            CallResult::AnswerMachine => g.rng.random_range(3..15),
            CallResult::Abandon => max_wait / 1000,
            _ => 0,
        };
        let acw = g.acw_ms();
        let typed_at = taker.map(|t| {
            // The preview agent is on the line from the dial.
            let talk_ms = if predictive {
                talk * 1000
            } else {
                (ring + talk) * 1000
            };
            let work = Work {
                inbound: false,
                preview_ms: if predictive {
                    0
                } else {
                    g.info.engine.preview_ms
                },
                conn_id: &conn,
                campaign: Some(d.campaign_id),
                talk_ms,
                acw_ms: if result == CallResult::Answer { acw } else { 0 },
            };
            g.staff.take(&mut g.facts, &mut g.rng, t, work) / 1000
        });
        let agent = taker
            .filter(|_| result == CallResult::Answer)
            .map(|t| g.staff.id(t));
        g.call(NewCall {
            at,
            ti: if predictive {
                TypeInteraction::OutPre
            } else {
                TypeInteraction::OutboundMa
            },
            result,
            telephone: telephone.clone(),
            customer_id: customer_id.clone(),
            conn_id: conn.clone(),
            campaign_id: Some(d.campaign_id),
            rp_id: None,
            duration: ring + wait.unwrap_or(0) + talk + after_answer,
            agent: agent.or_else(|| taker.map(|t| g.staff.id(t))),
            skill: Some(d.skill),
            ring_seconds: ring,
            wait_seconds: wait,
        });
        g.facts.push(Fact::Attempt(AttemptFact {
            campaign_id: d.campaign_id,
            record_id,
            phone: phone as u8 + 1,
            telephone,
            started_at: at,
            result,
            raw_status: ending.raw_status(),
            hangup_cause: Some(i64::from(ending.q850)),
            conn_id: conn.clone(),
            // The detecting campaign's answers passed answering-machine detection.
            amd: match result {
                _ if !d.detects => None,
                CallResult::AnswerMachine => Some(AmdResult::Machine),
                CallResult::Answer | CallResult::Abandon => Some(AmdResult::Human),
                _ => None,
            },
        }));
        g.info.attempts += 1;
        if result == CallResult::Answer {
            // Now and then the customer asks to be released from Ley 2300's protection.
            if let (Some(t), Some(item), Some(at)) =
                (taker, world::law2300_release(&mut g.rng), typed_at)
            {
                g.facts.push(Fact::Law2300Release(Law2300Release {
                    operation_id: g.operation_id,
                    released_at: at.min(end),
                    nit: DEMO_NIT.to_owned(),
                    item,
                    value: match item {
                        ReleaseItem::TelNumber => tels[phone].clone(),
                        ReleaseItem::IdCustomer => customer_id.clone(),
                    },
                    agent_code: g.staff.code(t).to_owned(),
                }));
            }
            // Most answered calls are codified by the agent when its after-call work ends.
            if let (Some(agent), Some(typed_at)) = (agent, typed_at)
                && g.rng.random_bool(0.85)
            {
                let code = one(
                    &mut g.rng,
                    &["001", "002", "003", "003", "004", "005", "006"],
                );
                let input = CodifyInput {
                    customer_id,
                    cod_act: code.to_owned(),
                    cod_act_2: if code == "002" {
                        "A02".to_owned()
                    } else {
                        String::new()
                    },
                    comment: "Gestión demo".to_owned(),
                };
                let at = Timestamp::from_second(typed_at.min(end))
                    .map_err(|e| StoreError::Invalid(e.to_string()))?;
                g.codifies.push(AgentCodify {
                    operation_id: g.operation_id,
                    campaign_id: d.campaign_id,
                    kind: d.kind,
                    input,
                    at,
                    call: Some(TypedCall {
                        conn_id: conn,
                        agent_id: agent,
                    }),
                });
            }
        } else if phone + 1 < tels.len() && !tels[phone + 1].is_empty() {
            d.queue.push_back((record_id, customer_id, tels, phone + 1));
        }
    }
    Ok(())
}

fn inbound_in_minute(
    g: &mut Generator,
    sim: &InboundSim,
    minute: i64,
    end: i64,
    per_hour: f64,
) -> Result<()> {
    let (rp, skill, menu) = (sim.rp_id, sim.skill_id, &sim.options);
    let n = world::poisson(&mut g.rng, per_hour / 60.0);
    for _ in 0..n {
        let at = minute + g.rng.random_range(0..60);
        if at >= end {
            continue;
        }
        let tel = world::caller(&mut g.rng);
        let steps = world::walk_menu(&mut g.rng, menu);
        let hung_up = world::hangs_up_in_menu(&mut g.rng, &steps);
        let ivr: i64 = steps.iter().map(|s| s.1).sum();
        let conn = g.conn_id(rp, at);
        // Past the menu the caller queues for the skill's first free agent,
        // as long as its patience lasts.
        let queued = skill.filter(|_| !hung_up);
        // Smart wait: a caller still queued when it is due is offered a call
        // back (when, and whether it took it).
        let mut offer = None;
        let (taker, wait) = match queued {
            Some(skill) => {
                let from = (at + ivr) * 1000;
                let patience = world::patience_ms(&mut g.rng);
                let smart_wait = sim
                    .smart_wait_ms
                    .filter(|sw| *sw < patience && from + sw < end * 1000);
                let first = smart_wait.unwrap_or(patience);
                match g.staff.free_agent(&mut g.facts, skill, from, from + first) {
                    Some(t) => (Some(t), Some((t.start_ms - from) / 1000)),
                    None => match smart_wait {
                        None => (None, Some(patience / 1000)),
                        Some(sw) if world::accepts_call_back(&mut g.rng) => {
                            offer = Some((skill, from + sw, true));
                            (None, Some(sw / 1000))
                        }
                        Some(sw) => {
                            offer = Some((skill, from + sw, false));
                            match g
                                .staff
                                .free_agent(&mut g.facts, skill, from, from + patience)
                            {
                                Some(t) => (Some(t), Some((t.start_ms - from) / 1000)),
                                None => (None, Some(patience / 1000)),
                            }
                        }
                    },
                }
            }
            None => (None, None),
        };
        let talk = if taker.is_some() {
            world::inbound_talk_ms(&mut g.rng) / 1000
        } else {
            0
        };
        let acw = g.acw_ms();
        if let Some(t) = taker {
            // The agent may hand the caller to a colleague free at that moment,
            // or to the back office's number if none is.
            // (Not a call still going at the history's end: its leg is unwritten.)
            let handoff = world::transfer_after(&mut g.rng)
                .filter(|after| *after < talk * 1000 && t.start_ms + talk * 1000 <= end * 1000)
                .and_then(|after| {
                    let at = t.start_ms + after;
                    let to = g
                        .staff
                        .free_agent_besides(&mut g.facts, skill?, at, at, Some(t));
                    Some((after, to))
                });
            let work = Work {
                inbound: true,
                preview_ms: 0,
                conn_id: &conn,
                campaign: None,
                talk_ms: handoff.map_or(talk * 1000, |h| h.0),
                acw_ms: acw,
            };
            g.staff.take(&mut g.facts, &mut g.rng, t, work);
            let mut last = t;
            if let Some((after, to)) = handoff {
                let leg = Leg {
                    at_ms: t.start_ms + after,
                    rest_ms: talk * 1000 - after,
                };
                hand_off(g, &conn, &tel, skill, t, to, leg);
                last = to.unwrap_or(t);
            }
            // After the talk, the caller may rate it.
            let talk_end = t.start_ms + talk * 1000;
            if let Some(s) = world::survey(&mut g.rng, sim.survey_questions)
                && talk_end + s.ms <= end * 1000
            {
                g.facts.push(Fact::Survey(SurveyFact {
                    operation_id: g.operation_id,
                    conn_id: conn.clone(),
                    agent_id: Some(g.staff.id(last)),
                    skill_id: skill,
                    started_ms: talk_end,
                    ms: s.ms,
                    result: s.result,
                    answers: s.answers,
                }));
            }
        }
        let ring = ivr + wait.unwrap_or(0);
        g.call(NewCall {
            at,
            ti: TypeInteraction::Inbound,
            result: if taker.is_some() {
                CallResult::Answer
            } else {
                CallResult::Abandon
            },
            customer_id: world::identified_caller(&tel),
            telephone: tel.clone(),
            conn_id: conn.clone(),
            campaign_id: None,
            rp_id: Some(rp),
            duration: ring + talk,
            agent: taker.map(|t| g.staff.id(t)),
            // A caller who hung up in the menu never reached the skill's queue.
            skill: queued,
            ring_seconds: ring,
            wait_seconds: wait,
        });
        if let Some((skill, offered_ms, accepted)) = offer {
            call_back::smart_wait(
                g,
                call_back::Offer {
                    skill,
                    conn_id: &conn,
                    ani: &tel,
                    inbound_ms: at * 1000,
                    offered_ms,
                    accepted,
                },
                end,
            );
        }
        let mut entered_at = at;
        for (option, seconds) in steps {
            g.facts.push(Fact::IvrStep(IvrStepFact {
                operation_id: g.operation_id,
                rp_id: rp,
                conn_id: conn.clone(),
                option,
                entered_at,
                seconds,
            }));
            entered_at += seconds;
            g.info.ivr_steps += 1;
        }
    }
    Ok(())
}

/// When a leg handed on starts and how long the caller talks on it.
struct Leg {
    at_ms: i64,
    rest_ms: i64,
}

/// `from` hands the caller of `origin` to `to` (free at that moment) or, with
/// no colleague free, to the back office's number, who talks the rest: the
/// leg's own call row (a `transfer`), the other agent's work on it, and the
/// transfer — as the live engine writes them.
fn hand_off(
    g: &mut Generator,
    origin: &str,
    telephone: &str,
    skill: Option<i64>,
    from: Taker,
    to: Option<Taker>,
    leg: Leg,
) {
    let conn = g.conn_id(skill.unwrap_or_default(), leg.at_ms / 1000);
    if let Some(to) = to {
        let acw = g.acw_ms();
        let work = Work {
            inbound: true,
            preview_ms: 0,
            conn_id: &conn,
            campaign: None,
            talk_ms: leg.rest_ms,
            acw_ms: acw,
        };
        g.staff.take(&mut g.facts, &mut g.rng, to, work);
    }
    g.call(NewCall {
        at: leg.at_ms / 1000,
        ti: TypeInteraction::Transfer,
        result: CallResult::Answer,
        telephone: telephone.to_owned(),
        customer_id: world::identified_caller(telephone),
        conn_id: conn.clone(),
        campaign_id: None,
        rp_id: None,
        duration: leg.rest_ms / 1000,
        agent: to.map(|to| g.staff.id(to)),
        skill,
        ring_seconds: 0,
        wait_seconds: None,
    });
    g.facts.push(Fact::Transfer(TransferFact {
        operation_id: g.operation_id,
        conn_id: conn,
        origin_conn_id: origin.to_owned(),
        from_agent_id: g.staff.id(from),
        to_agent_id: to.map(|to| g.staff.id(to)),
        dnis: match to {
            Some(to) => g.staff.code(to).to_owned(),
            None => world::BACK_OFFICE.to_owned(),
        },
        skill_id: skill,
        kind: TransferKind::Transfer,
        started_ms: leg.at_ms,
        ms: leg.rest_ms,
    }));
}

fn other_calls_in_minute(
    g: &mut Generator,
    per_hour: f64,
    minute: i64,
    end: i64,
    factor: f64,
) -> Result<()> {
    for &(ti, share) in world::OTHER_CALLS {
        for _ in 0..world::poisson(&mut g.rng, per_hour * share * factor / 60.0) {
            let at = minute + g.rng.random_range(0..60);
            if at >= end {
                continue;
            }
            let (result, extension, duration) = world::other_call(&mut g.rng);
            let conn_id = g.conn_id(1, at);
            let ring_seconds = world::ring_seconds(&mut g.rng, result);
            g.call(NewCall {
                at,
                ti,
                result,
                telephone: extension,
                customer_id: String::new(),
                conn_id,
                campaign_id: None,
                rp_id: None,
                duration,
                agent: None,
                skill: None,
                ring_seconds,
                wait_seconds: None,
            });
        }
    }
    Ok(())
}
