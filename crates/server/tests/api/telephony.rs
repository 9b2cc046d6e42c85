//! The engine against telephony's reports, one scripted call per record: the
//! paths real telephony takes and the simulator never does — a carrier's
//! failure with its SIP status, the engine's own ring timeout (and the 200
//! that comes after it), a customer who hangs up while waiting for an agent,
//! the agent's phone dropping, the call row written when the talk ends, and
//! a caller handed to a number outside that does not answer, or left while it
//! rang.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jiff::SignedDuration;
use marcador_server::domain::AgentPhase;
use marcador_server::engine::telephony::{
    Answerer, Command, Ending, Party, TelEvent, Telephony, Timed,
};
use marcador_server::engine::{Engine, EngineConfig};
use marcador_server::store::AgentCommand;
use marcador_wire::CallResult;
use sqlx::Row;

use crate::engine::setup;
use crate::helpers::*;

/// What the far side does, in ms after the dial (or, for `TalkMs`, after the bridge).
#[derive(Clone, Copy)]
enum Step {
    Ring(i64),
    Answer(i64),
    Fail(i64, u16, u16),
    /// The customer hangs up this long after answering, bridged or not.
    HangUpAfterAnswer(i64),
    /// The customer talks this long once bridged.
    TalkMs(i64),
    /// The (only) agent's phone drops this long after the dial: the agent is logged out.
    AgentDrops(i64),
}

/// Telephony that plays a script per dialed number, and keeps every command.
struct Scripted {
    script: HashMap<String, Vec<Step>>,
    calls: HashMap<u64, String>,
    agents: Vec<i64>,
    out: Vec<Timed>,
    commands: Arc<Mutex<Vec<Command>>>,
}

impl Scripted {
    /// Telephony playing `script`, and the commands it will keep.
    fn new(script: HashMap<String, Vec<Step>>) -> (Self, Arc<Mutex<Vec<Command>>>) {
        let commands = Arc::new(Mutex::new(Vec::new()));
        let tel = Scripted {
            script,
            calls: HashMap::new(),
            agents: Vec::new(),
            out: Vec::new(),
            commands: commands.clone(),
        };
        (tel, commands)
    }
}

impl Telephony for Scripted {
    fn command(&mut self, now: i64, cmd: Command) {
        self.commands.lock().unwrap().push(cmd.clone());
        match cmd {
            Command::Originate(o) => {
                let steps = self.script.get(&o.number).cloned().unwrap_or_default();
                let call = o.call;
                self.calls.insert(call, o.number);
                let mut answered_at = None;
                for s in steps {
                    let ev = match s {
                        Step::Ring(ms) => (now + ms, TelEvent::Ringing { call }),
                        Step::Answer(ms) => {
                            answered_at = Some(now + ms);
                            let by = Answerer::Person;
                            (now + ms, TelEvent::Answered { call, by })
                        }
                        Step::Fail(ms, sip, q850) => {
                            let ending = Ending {
                                sip: Some(sip),
                                q850,
                            };
                            (now + ms, TelEvent::Failed { call, ending })
                        }
                        Step::HangUpAfterAnswer(ms) => {
                            let at = answered_at.unwrap_or(now) + ms;
                            let by = Party::Customer;
                            (at, TelEvent::HungUp { call, by, q850: 16 })
                        }
                        Step::AgentDrops(ms) => {
                            let agent = self.agents.first().copied().unwrap_or_default();
                            (now + ms, TelEvent::AgentLegDown { agent, q850: 16 })
                        }
                        Step::TalkMs(_) => continue,
                    };
                    self.out.push(ev);
                }
            }
            Command::Bridge { call, .. } => {
                let number = self.calls.get(&call).cloned().unwrap_or_default();
                for s in self.script.get(&number).into_iter().flatten() {
                    if let Step::TalkMs(ms) = s {
                        let by = Party::Customer;
                        self.out
                            .push((now + ms, TelEvent::HungUp { call, by, q850: 16 }));
                    }
                }
            }
            Command::OpenAgentLeg { agent, .. } => {
                self.agents.push(agent);
                self.out.push((now, TelEvent::AgentLegUp { agent }));
            }
            Command::HangUp { .. }
            | Command::Join { .. }
            | Command::CloseAgentLeg { .. }
            | Command::Hold { .. }
            | Command::Mute { .. }
            | Command::Dtmf { .. } => {}
        }
    }

    fn drain(&mut self, out: &mut Vec<Timed>) {
        out.append(&mut self.out);
    }
}

/// The calls the engine hung up, in order.
fn hang_ups(commands: &Mutex<Vec<Command>>) -> Vec<u64> {
    commands
        .lock()
        .unwrap()
        .iter()
        .filter_map(|c| match c {
            Command::HangUp { call } => Some(*call),
            _ => None,
        })
        .collect()
}

fn number(i: usize) -> String {
    format!("57300{i:07}")
}

both!(the_engine_follows_what_telephony_reports);
async fn the_engine_follows_what_telephony_reports() {
    let (db, store) = test_store().await;
    // One agent; the pacer dials the records one after the other.
    let (op, campaign) = setup(&store, 1, 4).await;
    let script = HashMap::from([
        // The carrier says busy.
        (number(0), vec![Step::Fail(2_000, 486, 17)]),
        // Rings past the ring timeout; a 200 comes after our CANCEL.
        (number(1), vec![Step::Ring(500), Step::Answer(31_000)]),
        // Answers first, takes the agent, talks a minute.
        (
            number(2),
            vec![Step::Ring(500), Step::Answer(3_000), Step::TalkMs(60_000)],
        ),
        // Answers while the agent talks, hangs up within the 2 s wait.
        (
            number(3),
            vec![
                Step::AgentDrops(500),
                Step::Answer(4_000),
                Step::HangUpAfterAnswer(1_000),
            ],
        ),
    ]);
    let (tel, commands) = Scripted::new(script);
    let cfg = EngineConfig::new(op, 1);
    let mut engine = Engine::new(store.clone(), tel, cfg, now()).await.unwrap();
    let end = now().checked_add(SignedDuration::from_mins(5)).unwrap();
    engine.run_until(end).await.unwrap();

    let raw = raw_pool(&db).await;

    let rows = sqlx::query(
        "SELECT telephone, result, raw_status, hangup_cause FROM dial_attempts \
         WHERE campaign_id = $1 ORDER BY telephone",
    )
    .bind(campaign)
    .fetch_all(&raw)
    .await
    .unwrap();
    let got: Vec<(String, String, String, i64)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    let want = |i, result: CallResult, raw: &str, cause| {
        (number(i), result.as_str().to_owned(), raw.to_owned(), cause)
    };
    assert_eq!(
        got,
        [
            want(0, CallResult::Busy, "SIP 486", 17),
            want(1, CallResult::NoAnswer, "SIP 487", 19),
            want(2, CallResult::Answer, "SIP 200", 16),
            want(3, CallResult::Abandon, "SIP 200", 16),
        ],
        "one attempt per record, the late 200 ignored"
    );
    // The engine cancelled the ringing call at its ring timeout, and hung up
    // nothing else (the waiting customer hung up first).
    let hang_ups = hang_ups(&commands);
    assert_eq!(hang_ups.len(), 1, "{hang_ups:?}");
    // The answered call's row is written when the customer hangs up, with its length.
    let duration: i64 =
        sqlx::query("SELECT duration FROM calls WHERE campaign_id = $1 AND telephone = $2")
            .bind(campaign)
            .bind(number(2))
            .fetch_one(&raw)
            .await
            .unwrap()
            .get(0);
    assert_eq!(duration, 63);
    let stats = engine.stats();
    assert!(
        stats.staffed_ms < 300_000,
        "the agent whose phone dropped is logged out: {stats:?}"
    );
    assert_eq!(
        (
            stats.attempts,
            stats.human_answers,
            stats.abandons,
            stats.connected
        ),
        (4, 2, 1, 1)
    );
}

both!(a_caller_handed_to_a_number_that_fails_is_hung_up);
/// The agent hands each of its callers to a number outside: the first
/// number is busy, so the caller is hung up (nobody is left to talk to);
/// the second rings while the caller hangs up, so it is cancelled. Each
/// placed call is written as a `transfer` leg with its result, no agent.
async fn a_caller_handed_to_a_number_that_fails_is_hung_up() {
    let (db, store) = test_store().await;
    let (op, campaign) = setup(&store, 1, 2).await;
    let (busy, ringing) = ("573009990001".to_owned(), "573009990002".to_owned());
    let script = HashMap::from([
        (number(0), vec![Step::Answer(3_000), Step::TalkMs(600_000)]),
        (number(1), vec![Step::Answer(3_000), Step::TalkMs(20_000)]),
        (busy.clone(), vec![Step::Fail(2_000, 486, 17)]),
        (ringing.clone(), vec![Step::Ring(500)]),
    ]);
    let (tel, commands) = Scripted::new(script);
    let (agent, code) = {
        let a = &store.agents(op).await.unwrap()[0];
        (a.id, a.code.clone())
    };
    let mut engine = Engine::new(store.clone(), tel, EngineConfig::new(op, 1), now())
        .await
        .unwrap();
    let at = |s| now().checked_add(SignedDuration::from_secs(s)).unwrap();
    let raw = raw_pool(&db).await;
    // Hands its caller on while it talks (its next call, once the first ended).
    let mut handed = 0;
    for s in 1..=300 {
        engine.run_until(at(s)).await.unwrap();
        let now = store.agent_by_code(op, &code).await.unwrap();
        let talking = now.is_some_and(|a| a.phase == AgentPhase::TalkOut);
        if talking && handed < 2 {
            let to = if handed == 0 { &busy } else { &ringing };
            store
                .agent_command(op, agent, &AgentCommand::TransferOut(to.clone()))
                .await
                .unwrap();
            handed += 1;
            // Taken at the next tick; wait for the agent to leave the call.
            engine
                .run_until(at(s) + SignedDuration::from_secs(2))
                .await
                .unwrap();
        }
    }
    assert_eq!(handed, 2);
    let legs: Vec<(String, String, Option<i64>, String)> = sqlx::query(
        "SELECT t.dnis, c.result, c.agent_id, c.telephone FROM transfers t \
         JOIN calls c ON c.conn_id = t.conn_id ORDER BY t.started_ms",
    )
    .fetch_all(&raw)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
    .collect();
    // The number reached is the dnis; the leg's row is its caller's.
    let leg = |to: &String, result: CallResult, caller| {
        (to.clone(), result.as_str().to_owned(), None, number(caller))
    };
    assert_eq!(
        legs,
        [
            leg(&busy, CallResult::Busy, 0),
            leg(&ringing, CallResult::Abandon, 1)
        ]
    );
    // Both callers' own calls are written, each ended when its leg did.
    let callers: i64 = sqlx::query(
        "SELECT COUNT(*) FROM calls WHERE campaign_id = $1 AND type_interaction = 'out_pre'",
    )
    .bind(campaign)
    .fetch_one(&raw)
    .await
    .unwrap()
    .get(0);
    assert_eq!(callers, 2);
    // The engine hung up the first caller (its number was busy) and the
    // second number (its caller left while it rang).
    let hung = hang_ups(&commands);
    assert_eq!(hung.len(), 2, "{hung:?}");
}
