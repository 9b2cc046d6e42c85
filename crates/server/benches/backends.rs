//! `cargo bench -p marcador-server --bench backends`: the same data and the
//! same requests on SQLite and on PostgreSQL, in one run.
//!
//! - campaign_3 answering exactly 60,000 rows (the contract's cap): seconds per
//!   whole answer, read to the end, median of 5; cdr_1 over the same 60,000
//!   calls (a detail report measured, then streamed), and cdr_4 and act_5 (the
//!   counting call reports) over them, the same way;
//! - codify: accepted requests per second for 5 s, with 2 requests in flight
//!   (one token at its limit) and with 8 (four tokens of the operation);
//! - the load itself: the 60,000 attempt facts written through the store;
//! - one report of each family issue 12 added, over the same data (untimed
//!   load: the 15,000 answered calls queued for a skill and taken by one of 50
//!   agents, each with its talk and after-call work — 30,000 agent states —
//!   and 20,000 IVR steps): campaign.php's campaign_15 and detail (6,000
//!   records, 10 attempts each), campaign_8 (6,000 numbers), diagram_13 (20,000
//!   steps), agent_1 (from the half-hour rollup) and agent_14 (30,000 states),
//!   skill_1 (15,000 queued calls folded) and skill_10 (15,000 answered, one by
//!   one), agent_10 (15,000 holds, one by one), agent_13 (3,750 transfers),
//!   diagram_4 (7,500 surveys), diagram_3 and diagram_2 (5,000 callers called
//!   back, one by one and per skill), cdr_11 (1,500 Ley 2300 releases) and
//!   real_time latency (50 agents' phones) — each as a ratio to campaign_3's
//!   60,000 rows in the same run.
//!
//! PostgreSQL runs twice: with the server's default `synchronous_commit = on`
//! (every commit waits for its WAL flush) and with it `off`, the durability
//! SQLite's WAL with `synchronous = NORMAL` gives (a crash may lose the last
//! commits, never corrupts). PostgreSQL is the one at `MARCADOR_TEST_PG_URL`
//! (default `postgres://postgres@127.0.0.1:5432/postgres`); each run gets a
//! fresh database, dropped at the end. The server and the load share this
//! process and the machine's cores on every backend alike.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use marcador_server::clock::SystemClock;
use marcador_server::config::{Config, Limits};
use marcador_server::domain::{AgentPhase, CallAction, PhoneNetwork};
use marcador_server::store::{
    AgentInterval, AgentNetworkFact, AttemptFact, Backend, CallActionFact, CallCodeFact, CallFact,
    Fact, IvrStepFact, Law2300Release, NewCampaign, NewRecord, SmartWaitFact, Store, SurveyFact,
    TransferFact, TransferKind,
};
use marcador_server::testing::{Serving, TestDb, attempt_history};
use marcador_wire::law2300::ReleaseItem;
use marcador_wire::smart_wait::SmartWaitStatus;
use marcador_wire::surveys::{MAX_QUESTIONS, survey_result};
use marcador_wire::{CallResult, CampaignType, HangUp, TypeInteraction};

const TZ: &str = "America/Bogota";
const ROWS: usize = 60_000;
const RECORDS: usize = 6_000;

struct Loaded {
    op: i64,
    tokens: Vec<String>,
    campaign: i64,
    c3_path: String,
    /// `date_ini=…&date_end=…` of the loaded range.
    range: String,
    load_secs: f64,
}

fn wire_date(t: Timestamp) -> String {
    t.to_zoned(jiff::tz::TimeZone::get(TZ).unwrap())
        .strftime("%Y%m%d%H%M%S")
        .to_string()
}

async fn load(store: &Store, now: Timestamp) -> Loaded {
    // Licenses enough that the daily quota never stops the codify runs.
    let op = store
        .create_operation("bench", TZ, 1_000, now)
        .await
        .unwrap();
    let mut tokens = Vec::new();
    for _ in 0..4 {
        tokens.push(store.create_token(op, None, now).await.unwrap());
    }
    store
        .put_activity_code(op, 1, "001", "Venta", true, true)
        .await
        .unwrap();
    let campaign = store
        .create_campaign(
            &NewCampaign {
                operation_id: op,
                name: "Bench".into(),
                description: String::new(),
                kind: CampaignType::Predictive,
                started: false,
                speed: 100,
                skill_id: None,
                opt_titles: vec![],
                window: None,
                amd: String::new(),
            },
            now,
        )
        .await
        .unwrap();
    let recs: Vec<NewRecord> = (0..RECORDS)
        .map(|i| NewRecord {
            customer_id: i.to_string(),
            customer_name: "Nombre".into(),
            customer_last_name: "Apellido".into(),
            id_type: "CC".into(),
            tels: vec![format!("57300{i:07}")],
            opts: vec!["100000".into(), "30".into(), "Bogotá".into()],
            ..NewRecord::default()
        })
        .collect();
    store.insert_records(campaign, &recs, now).await.unwrap();
    let skill = store.create_skill(op, "Bench").await.unwrap();
    let mut agents = Vec::new();
    for a in 0..50 {
        agents.push(
            store
                .put_agent(op, &format!("{}", 1000 + a), "Agente", &[skill], None)
                .await
                .unwrap(),
        );
    }
    let rp = store.create_routing_point(op, "Bench IVR").await.unwrap();
    // One attempt a second, ending a minute before now.
    let start = now.as_second() - 60 - ROWS as i64;
    let results = [
        CallResult::NoAnswer,
        CallResult::Answer,
        CallResult::Busy,
        CallResult::AnswerMachine,
    ];
    let facts = attempt_history(store, campaign, ROWS, start, &results)
        .await
        .unwrap();
    let t = Instant::now();
    for chunk in facts.chunks(1_000) {
        store.record_facts(chunk).await.unwrap();
    }
    let load_secs = t.elapsed().as_secs_f64();
    // Each attempt's call (not timed: `load` stays the attempts' rate), the
    // answered ones typed, taken by one of 50 agents after a wait, each with
    // the agent's talk and after-call work; 20,000 IVR steps.
    let mut calls = Vec::new();
    let mut answered_calls = 0;
    for (i, f) in facts.iter().enumerate() {
        let Fact::Attempt(a) = f else { continue };
        let agent = agents[i % agents.len()];
        let answered = matches!(a.result, CallResult::Answer | CallResult::Abandon);
        if a.result == CallResult::Answer {
            for (phase, from, ms) in [
                (AgentPhase::TalkOut, a.started_at * 1000, 200_000),
                (AgentPhase::Acw, a.started_at * 1000 + 200_000, 30_000),
            ] {
                calls.push(Fact::AgentInterval(AgentInterval {
                    operation_id: op,
                    agent_id: agent,
                    phase,
                    pause: String::new(),
                    started_ms: from,
                    ms,
                    conn_id: a.conn_id.clone(),
                    campaign_id: Some(campaign),
                }));
            }
        }
        if i % 3 == 0 {
            calls.push(Fact::IvrStep(IvrStepFact {
                operation_id: op,
                rp_id: rp,
                conn_id: a.conn_id.clone(),
                option: ["1", "2", "PULSE"][(i / 3) % 3].into(),
                entered_at: a.started_at,
                seconds: 12,
            }));
        }
        calls.push(Fact::Call(CallFact {
            operation_id: op,
            started_at: a.started_at,
            type_interaction: TypeInteraction::OutPre,
            result: a.result,
            telephone: a.telephone.clone(),
            customer_id: a.record_id.to_string(),
            conn_id: a.conn_id.clone(),
            campaign_id: Some(campaign),
            rp_id: None,
            duration: a.started_at % 300,
            agent_id: (a.result == CallResult::Answer).then_some(agent),
            skill_id: answered.then_some(skill),
            ring_seconds: 9,
            hang_up: HangUp::Customer,
            wait_seconds: answered.then_some(a.started_at % 40),
        }));
        if a.result == CallResult::Answer {
            extras(
                &mut calls,
                op,
                (agent, agents[(i + 1) % agents.len()]),
                skill,
                a,
                answered_calls,
            );
            answered_calls += 1;
        }
        if a.result == CallResult::Answer {
            calls.push(Fact::CallCode(CallCodeFact {
                operation_id: op,
                conn_id: a.conn_id.clone(),
                agent_id: None,
                cod_act: "001".into(),
                cod_act_2: String::new(),
                comments: "bench".into(),
                typed_at: a.started_at,
            }));
        }
    }
    // Each agent's phone, as telephony measured it (real_time latency).
    for (n, agent) in agents.iter().enumerate() {
        calls.push(Fact::AgentNetwork(AgentNetworkFact {
            operation_id: op,
            agent_id: *agent,
            network: PhoneNetwork {
                latency_ms: Some(10 + n as u32),
                ip: format!("203.0.113.{}", n % 4),
                user_agent: "bench phone".into(),
                tx_jitter_us: Some(1_500),
                tx_loss_bp: Some(12),
            },
            offered: 3,
            rejected: (n % 3) as i64,
            last_call_ms: Some(now.as_millisecond()),
            measured_ms: now.as_millisecond(),
        }));
    }
    for chunk in calls.chunks(1_000) {
        store.record_facts(chunk).await.unwrap();
    }
    store.analyze(&[]).await.unwrap();
    let range = format!(
        "date_ini={}&date_end={}",
        wire_date(Timestamp::from_second(start).unwrap()),
        wire_date(Timestamp::from_second(start + ROWS as i64 - 1).unwrap())
    );
    let c3_path =
        format!("/api/v2/reports_manager.php?api=campaign_3&campaign_id={campaign}&{range}");
    Loaded {
        op,
        tokens,
        campaign,
        c3_path,
        range,
        load_secs,
    }
}

/// What an answered call (the `i`th answered, taken by `agents.0`) leaves
/// besides its row, for the reports of issue 12's later families: a hold on
/// every call, a survey on every second, a caller offered a call back on every
/// third (its inbound call), a transfer to `agents.1` on every fourth, a Ley
/// 2300 release on every tenth.
fn extras(out: &mut Vec<Fact>, op: i64, agents: (i64, i64), skill: i64, a: &AttemptFact, i: usize) {
    let at_ms = a.started_at * 1000;
    out.push(Fact::CallAction(CallActionFact {
        operation_id: op,
        agent_id: agents.0,
        conn_id: a.conn_id.clone(),
        action: CallAction::Hold,
        started_ms: at_ms + 30_000,
        ms: 15_000,
    }));
    if i.is_multiple_of(2) {
        let mut answers = [None; MAX_QUESTIONS];
        for (q, v) in answers.iter_mut().take(3).enumerate() {
            *v = Some(1 + ((i + q) % 5) as i64);
        }
        out.push(Fact::Survey(SurveyFact {
            operation_id: op,
            conn_id: a.conn_id.clone(),
            agent_id: Some(agents.0),
            skill_id: Some(skill),
            started_ms: at_ms + 200_000,
            ms: 25_000,
            result: survey_result::of(3, 3),
            answers,
        }));
    }
    if i.is_multiple_of(3) {
        out.push(Fact::SmartWait(SmartWaitFact {
            operation_id: op,
            conn_id: format!("sw-{}", a.conn_id),
            skill_id: skill,
            inbound_ms: at_ms,
            last_outbound_ms: Some(at_ms + 90_000),
            status: SmartWaitStatus::Ok,
            attempts: 1,
            ani: a.telephone.clone(),
            dial_phone: a.telephone.clone(),
            talk_ms: 120_000,
            customer_id: a.record_id.to_string(),
        }));
    }
    if i.is_multiple_of(4) {
        out.push(Fact::Transfer(TransferFact {
            operation_id: op,
            conn_id: format!("tr-{}", a.conn_id),
            origin_conn_id: a.conn_id.clone(),
            from_agent_id: agents.0,
            to_agent_id: Some(agents.1),
            dnis: "1001".into(),
            skill_id: Some(skill),
            kind: TransferKind::Transfer,
            started_ms: at_ms + 60_000,
            ms: 90_000,
        }));
    }
    if i.is_multiple_of(10) {
        out.push(Fact::Law2300Release(Law2300Release {
            operation_id: op,
            released_at: a.started_at,
            nit: "900123456".into(),
            item: ReleaseItem::TelNumber,
            value: a.telephone.clone(),
            agent_code: "1000".into(),
        }));
    }
}

/// Seconds for a whole answer of `path`, read to the end (median of 5); a
/// detail answer must have `rows` rows.
async fn answer_secs(
    http: &reqwest::Client,
    base: &str,
    l: &Loaded,
    path: &str,
    rows: Option<usize>,
) -> f64 {
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let r = http
            .get(format!("{base}{path}"))
            .header("wolkvox-token", &l.tokens[0])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
        let body = r.bytes().await.unwrap();
        times.push(t.elapsed().as_secs_f64());
        if let Some(rows) = rows {
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(v["data"].as_array().map(Vec::len), Some(rows), "{path}");
        }
    }
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

async fn codify(
    http: &reqwest::Client,
    base: &str,
    store: &Store,
    l: &Loaded,
    tokens: usize,
) -> f64 {
    let today =
        marcador_server::domain::local_day(Timestamp::now(), &jiff::tz::TimeZone::get(TZ).unwrap());
    // The bench is not about the quota: start each run with a full day's.
    store.set_quota_used(l.op, &today, 0).await.unwrap();
    let done = Arc::new(AtomicU64::new(0));
    let next = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + Duration::from_secs(5);
    let url = format!(
        "{base}/api/v2/campaign.php?api=codify&type_campaign=predictive&campaign_id={}",
        l.campaign
    );
    let mut workers = Vec::new();
    for w in 0..tokens * 2 {
        let (http, url, token) = (http.clone(), url.clone(), l.tokens[w / 2].clone());
        let (done, next) = (done.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            while Instant::now() < until {
                let customer = next.fetch_add(1, Ordering::Relaxed) % RECORDS as u64;
                let r = http
                    .put(&url)
                    .header("wolkvox-token", &token)
                    .body(format!(
                        r#"{{"cod_act": "001", "customer_id": "{customer}", "comment": "bench"}}"#
                    ))
                    .send()
                    .await
                    .unwrap();
                if r.status().as_u16() == 202 {
                    done.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    let t = Instant::now();
    for w in workers {
        w.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / t.elapsed().as_secs_f64()
}

struct Run {
    name: &'static str,
    load_secs: f64,
    c3_secs: f64,
    cdr_1_secs: f64,
    counts_secs: f64,
    codify_2: f64,
    codify_8: f64,
    /// Issue 12's families: (report, seconds).
    families: Vec<(&'static str, f64)>,
}

async fn run(name: &'static str, backend: Backend, durable: bool) -> Run {
    let db = TestDb::new_with(backend, durable).await.unwrap();
    let store = Store::open(db.location(), 4).await.unwrap();
    let now = Timestamp::now();
    let l = load(&store, now).await;
    let config = Config {
        listen: "127.0.0.1:0".into(),
        db: db.db_arg(),
        limits: Limits::default(),
        ..Config::default()
    };
    let serving = Serving::start(store.clone(), &config, Arc::new(SystemClock))
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let c3_secs = answer_secs(&http, &serving.base, &l, &l.c3_path, Some(ROWS)).await;
    let report = |api: &str| format!("/api/v2/reports_manager.php?api={api}&{}", l.range);
    let cdr_1_secs = answer_secs(&http, &serving.base, &l, &report("cdr_1"), Some(ROWS)).await;
    let counts_secs = answer_secs(&http, &serving.base, &l, &report("cdr_4"), None).await
        + answer_secs(
            &http,
            &serving.base,
            &l,
            &report("act_5&cod_act=cod_act1"),
            None,
        )
        .await;
    let c = l.campaign;
    let mut families = Vec::new();
    for (name, path) in [
        (
            "campaign_15",
            format!("/api/v2/campaign.php?api=campaign_15&campaign_id={c}"),
        ),
        (
            "campaign.php detail",
            format!(
                "/api/v2/campaign.php?api=detail&type_campaign=predictive&campaign_id={c}&{}",
                l.range
            ),
        ),
        ("campaign_8", report(&format!("campaign_8&campaign_id={c}"))),
        ("diagram_13", report("diagram_13")),
        ("agent_1", report("agent_1")),
        ("agent_14", report("agent_14")),
        ("skill_1", report("skill_1&skill_id=all")),
        ("skill_10", report("skill_10&skill_id=all")),
        ("agent_10", report("agent_10")),
        ("agent_13", report("agent_13")),
        ("diagram_4", report("diagram_4")),
        ("diagram_3", report("diagram_3")),
        ("diagram_2", report("diagram_2")),
        ("cdr_11", report("cdr_11")),
        (
            "real_time latency",
            "/api/v2/real_time.php?api=latency".to_owned(),
        ),
    ] {
        let secs = answer_secs(&http, &serving.base, &l, &path, None).await;
        families.push((name, secs));
    }
    let codify_2 = codify(&http, &serving.base, &store, &l, 1).await;
    let codify_8 = codify(&http, &serving.base, &store, &l, 4).await;
    serving.stop().await;
    let r = Run {
        name,
        load_secs: l.load_secs,
        c3_secs,
        cdr_1_secs,
        counts_secs,
        codify_2,
        codify_8,
        families,
    };
    println!(
        "{:<28} load {:>6.0} facts/s | campaign_3 60,000 rows {:>5.2} s ({:>6.0} rows/s) | codify {:>6.0} req/s (2 in flight), {:>6.0} req/s (8 in flight)",
        r.name,
        ROWS as f64 / r.load_secs,
        r.c3_secs,
        ROWS as f64 / r.c3_secs,
        r.codify_2,
        r.codify_8
    );
    println!(
        "{:<28} cdr_1 60,000 calls {:>5.2} s ({:.2}x campaign_3) | cdr_4 + act_5 over them {:>5.3} s",
        "",
        r.cdr_1_secs,
        r.cdr_1_secs / r.c3_secs,
        r.counts_secs
    );
    let fam: Vec<String> = r
        .families
        .iter()
        .map(|(n, s)| format!("{n} {s:.3} s ({:.2}x)", s / r.c3_secs))
        .collect();
    println!(
        "{:<28} issue 12's families (÷ campaign_3): {}",
        "",
        fam.join(" | ")
    );
    r
}

#[tokio::main]
async fn main() {
    let runs = [
        run("SQLite (WAL, NORMAL)", Backend::Sqlite, true).await,
        run("PostgreSQL (sync commit on)", Backend::Postgres, true).await,
        run("PostgreSQL (sync commit off)", Backend::Postgres, false).await,
    ];
    let base = &runs[0];
    println!("\nratios to SQLite (same data, same run; > 1 = faster than SQLite):");
    for r in &runs[1..] {
        println!(
            "{:<28} load {:.2}x | campaign_3 {:.2}x | codify {:.2}x (2 in flight), {:.2}x (8 in flight)",
            r.name,
            base.load_secs / r.load_secs,
            base.c3_secs / r.c3_secs,
            r.codify_2 / base.codify_2,
            r.codify_8 / base.codify_8
        );
    }
}
