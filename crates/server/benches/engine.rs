//! `cargo bench -p marcador-server --bench engine`: how many simulated calls per
//! second the engine sustains with every fact written to SQLite, against a
//! baseline measured in the same run — the store alone appending the same
//! number of attempt + call facts in per-second batches: one transaction per
//! simulated second, as the engine writes, holding that second's share of the
//! attempts (the engine's own facts — agents' states and intervals, phones,
//! codes — and its picks are what it costs beyond the baseline). The two
//! alternate, a simulated hour each (the baseline writing as many attempts
//! over the same hour as the engine made), and each one's times are summed.
//!
//! It also prints how much of the engine's wall time its own transactions
//! took (the store's `store_transaction_seconds`): what is left is the
//! engine's own work — the simulation, pacing, the agents.
//!
//! `MARCADOR_BENCH_BACKEND=postgres` runs both on PostgreSQL instead (two new
//! databases at `MARCADOR_TEST_PG_URL`, or the local server, dropped after;
//! the server's own `synchronous_commit`).

use std::time::Instant;

use jiff::{SignedDuration, Timestamp};
use marcador_server::engine::sim::{SimProfile, SimTelephony};
use marcador_server::engine::{Engine, EngineConfig};
use marcador_server::metrics::Metrics;
use marcador_server::store::{AttemptFact, Backend, CallFact, Fact, NewCampaign, NewRecord, Store};
use marcador_server::testing::TestDb;
use marcador_wire::{CallResult, CampaignType, HangUp, TypeInteraction};

const AGENTS: usize = 60;
const HOURS: i64 = 4;
const RECORDS: usize = 120_000;

async fn setup(store: &Store, start: Timestamp) -> (i64, i64) {
    let op = store
        .create_operation("bench", "America/Bogota", 100, start)
        .await
        .unwrap();
    let skill = store.create_skill(op, "Bench").await.unwrap();
    for a in 0..AGENTS {
        store
            .create_agent(op, skill, &format!("a{a}"))
            .await
            .unwrap();
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
                started: true,
                speed: 100,
                skill_id: Some(skill),
                opt_titles: vec![],
                window: None,
                amd: String::new(),
            },
            start,
        )
        .await
        .unwrap();
    let recs: Vec<NewRecord> = (0..RECORDS)
        .map(|i| NewRecord {
            customer_id: i.to_string(),
            customer_name: "Nombre".into(),
            customer_last_name: "Apellido".into(),
            id_type: "CC".into(),
            tels: vec![format!("57300{i:07}"), format!("57310{i:07}")],
            opts: vec!["100000".into(), "30".into()],
            ..NewRecord::default()
        })
        .collect();
    for chunk in recs.chunks(10_000) {
        store.insert_records(campaign, chunk, start).await.unwrap();
    }
    (op, campaign)
}

/// The baseline's facts for `attempts` attempts spread evenly over the
/// `seconds` simulated seconds from `from`, one transaction per second.
async fn baseline_hour(
    store: &Store,
    (op, campaign): (i64, i64),
    ids: &[i64],
    from: i64,
    seconds: usize,
    (first, attempts): (usize, usize),
) {
    let mut facts = Vec::new();
    let mut i = 0;
    for second in 0..seconds {
        // Attempt i is in second ⌊i × seconds / attempts⌋.
        while i < attempts && i * seconds / attempts == second {
            let n = first + i;
            let conn = format!("1.1.{n}.1");
            let started_at = from + second as i64;
            facts.push(Fact::Attempt(AttemptFact {
                campaign_id: campaign,
                record_id: ids[n % ids.len()],
                phone: 1,
                telephone: "573000000000".into(),
                started_at,
                result: CallResult::NoAnswer,
                raw_status: "NOANSWER".into(),
                hangup_cause: Some(19),
                conn_id: conn.clone(),
                amd: None,
            }));
            facts.push(Fact::Call(CallFact {
                operation_id: op,
                started_at,
                type_interaction: TypeInteraction::OutPre,
                result: CallResult::NoAnswer,
                telephone: "573000000000".into(),
                customer_id: n.to_string(),
                conn_id: conn,
                campaign_id: Some(campaign),
                rp_id: None,
                duration: 30,
                agent_id: None,
                skill_id: None,
                ring_seconds: 30,
                hang_up: HangUp::System,
                wait_seconds: None,
            }));
            i += 1;
        }
        if !facts.is_empty() {
            store
                .record_facts(&std::mem::take(&mut facts))
                .await
                .unwrap();
        }
    }
}

/// The seconds the engine's store spent in its write transactions, summed
/// over their kinds — read from the rendered metrics: prometheus-client
/// gives a histogram's sum back only in its own test builds.
fn transactions_seconds(metrics: &Metrics) -> f64 {
    let sums: Vec<f64> = metrics
        .render()
        .lines()
        .filter(|l| l.contains("store_transaction_seconds_sum"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .collect();
    assert!(
        !sums.is_empty(),
        "no store_transaction_seconds_sum in the metrics"
    );
    sums.iter().sum()
}

#[tokio::main]
async fn main() {
    let start: Timestamp = "2026-11-23T13:00:00Z".parse().unwrap();

    let backend = match std::env::var("MARCADOR_BENCH_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        Ok("sqlite") | Err(_) => Backend::Sqlite,
        Ok(other) => panic!("MARCADOR_BENCH_BACKEND={other:?}: sqlite (the default) or postgres"),
    };
    // The engine: a predictive day with its facts written to the database.
    let db = TestDb::new_with(backend, true).await.unwrap();
    let metrics = std::sync::Arc::new(Metrics::new());
    let store = Store::open(db.location(), 2)
        .await
        .unwrap()
        .with_metrics(metrics.clone());
    let (op, _) = setup(&store, start).await;
    let mut engine = Engine::new(
        store.clone(),
        SimTelephony::new(1, SimProfile::with_answer_rate(200)),
        EngineConfig::new(op, 1),
        start,
    )
    .await
    .unwrap();
    // The baseline: the store alone appending as many attempts and calls.
    let db2 = TestDb::new_with(backend, true).await.unwrap();
    let store2 = Store::open(db2.location(), 2).await.unwrap();
    let (op2, campaign2) = setup(&store2, start).await;
    let ids: Vec<i64> = store2
        .campaign_record_phones(campaign2)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.0)
        .collect();

    // Alternating, an hour at a time: the engine's simulated hour, then the
    // baseline writing as many attempts over the same hour — so that a
    // machine that slows down or speeds up meanwhile weighs on both alike.
    let (mut engine_secs, mut store_secs) = (0.0, 0.0);
    let mut done = 0;
    for hour in 0..HOURS {
        let t = Instant::now();
        engine
            .run_until(
                start
                    .checked_add(SignedDuration::from_hours(hour + 1))
                    .unwrap(),
            )
            .await
            .unwrap();
        engine_secs += t.elapsed().as_secs_f64();
        let attempts = engine.stats().attempts as usize - done;
        let t = Instant::now();
        baseline_hour(
            &store2,
            (op2, campaign2),
            &ids,
            start.as_second() + hour * 3600,
            3600,
            (done, attempts),
        )
        .await;
        store_secs += t.elapsed().as_secs_f64();
        done += attempts;
    }
    let stats = engine.stats().clone();
    let calls = stats.attempts as f64;

    let engine_rate = calls / engine_secs;
    let store_rate = calls / store_secs;
    println!(
        "engine: {AGENTS} agents, {HOURS} simulated hours, 20 % answer rate, facts to {backend:?}"
    );
    println!("| measure | value |");
    println!("|---|---|");
    println!("| simulated calls | {} |", stats.attempts);
    println!("| codified by the agents | {} |", stats.codified);
    println!("| wall time | {engine_secs:.2} s |");
    println!("| engine: simulated calls per second | {engine_rate:.0} |");
    println!(
        "| simulated time per wall second | {:.0}× |",
        HOURS as f64 * 3600.0 / engine_secs
    );
    println!(
        "| baseline: store alone, attempts (+ call) per second, a transaction per simulated second | {store_rate:.0} |"
    );
    println!("| engine ÷ baseline | {:.2} |", engine_rate / store_rate);
    let in_store = transactions_seconds(&metrics);
    println!(
        "| engine: in its store transactions | {in_store:.2} s ({:.0} % of its wall time) |",
        in_store * 100.0 / engine_secs
    );
    println!(
        "| abandon / occupancy | {:.2} % / {:.1} % |",
        stats.abandon_rate() * 100.0,
        stats.occupancy() * 100.0
    );
    drop(engine);
    store.close().await;
    store2.close().await;
}
