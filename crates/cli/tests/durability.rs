//! Acknowledged writes survive a crash: a real `marcador serve` under a
//! codify load from four tokens, killed with SIGKILL mid-load and started
//! again on the same database; every codify it answered 202 is there. On
//! SQLite (WAL, synchronous = NORMAL: durable against a process crash) and
//! on PostgreSQL (with the server's own `synchronous_commit`).

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use marcador_server::store::LEASE_TTL;
use marcador_server::store::{Backend, NewRecord};
use marcador_server::testing::TestDb;
use marcador_wire::WireError;

mod support;

use support::{Server, operation, predictive_campaign};

const SETUP: &str = r#"
[operation]
name = "durable"
time_zone = "America/Bogota"
licenses = 100

[[activity_codes]]
code = "001"
description = "Promesa de pago"
hit = true
"#;

const RECORDS: usize = 20_000;
/// Codifications acknowledged before the kill.
const ACKED_BEFORE_KILL: usize = 300;

/// The operation, four tokens and one campaign of [`RECORDS`] records.
async fn prepare(db: &TestDb) -> (Vec<String>, i64) {
    let (store, applied, tokens) = operation(db, SETUP, 4).await;
    let now = Timestamp::now();
    let campaign = predictive_campaign(&store, applied.operation_id, "Cobro", false, None).await;
    let records: Vec<NewRecord> = (0..RECORDS)
        .map(|i| NewRecord {
            customer_id: format!("c{i}"),
            customer_name: "Nombre".into(),
            tels: vec![format!("57300{i:07}")],
            ..NewRecord::default()
        })
        .collect();
    store.insert_records(campaign, &records, now).await.unwrap();
    store.close().await;
    (tokens, campaign)
}

/// Codifies customers `c{worker}`, `c{worker + 8}`… until the server stops
/// answering; returns how many were acknowledged (each is added to `acked`).
async fn codify_until_gone(
    base: String,
    token: String,
    campaign: i64,
    worker: usize,
    acked: Arc<Mutex<Vec<String>>>,
    count: Arc<AtomicUsize>,
    stopped: Arc<AtomicBool>,
) -> usize {
    let http = reqwest::Client::new();
    let url = format!(
        "{base}/api/v2/campaign.php?api=codify&type_campaign=predictive&campaign_id={campaign}"
    );
    let mut mine = 0;
    for i in (worker..RECORDS).step_by(8) {
        let customer = format!("c{i}");
        let sent = http
            .put(&url)
            .header("wolkvox-token", &token)
            .body(format!(
                r#"{{"cod_act":"001","customer_id":"{customer}","comment":"promesa {i}"}}"#
            ))
            .send()
            .await;
        let Ok(r) = sent else { break };
        let status = r.status().as_u16();
        // Acknowledged means the whole answer was read.
        if r.bytes().await.is_err() {
            break;
        }
        assert!(
            status == 202 || stopped.load(Ordering::Relaxed),
            "codify answered {status}"
        );
        if status == 202 {
            acked.lock().unwrap().push(customer);
            count.fetch_add(1, Ordering::Relaxed);
            mine += 1;
        }
    }
    mine
}

async fn acknowledged_codifies_survive_a_sigkill(backend: Backend) {
    // Durable: a PostgreSQL test database keeps the server's synchronous_commit.
    let db = TestDb::new_with(backend, true).await.unwrap();
    let logs = tempfile::tempdir().unwrap();
    let (tokens, campaign) = prepare(&db).await;
    let server = Server::start(&db, None, &logs.path().join("first.log")).await;

    let acked = Arc::new(Mutex::new(Vec::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let stopped = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for w in 0..8 {
        workers.push(tokio::spawn(codify_until_gone(
            server.base.clone(),
            tokens[w % 4].clone(),
            campaign,
            w,
            acked.clone(),
            count.clone(),
            stopped.clone(),
        )));
    }
    let t = Instant::now();
    while count.load(Ordering::Relaxed) < ACKED_BEFORE_KILL {
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "only {} codifies in 60 s",
            count.load(Ordering::Relaxed)
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    stopped.store(true, Ordering::Relaxed);
    server.kill().await;
    let per_worker: Vec<usize> = futures_util::future::join_all(workers)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let acked: Vec<String> = acked.lock().unwrap().clone();
    assert!(
        per_worker.iter().all(|&n| n > 0) && acked.len() < RECORDS,
        "the kill came mid-load: {per_worker:?}"
    );

    // Started again on the same database: it opens (SQLite recovers its
    // WAL) and serves; every acknowledged codify is there.
    let again = Server::start(&db, None, &logs.path().join("second.log")).await;
    sqlx::any::install_default_drivers();
    let raw = sqlx::AnyPool::connect(&db.url()).await.unwrap();
    let codified: HashSet<String> = sqlx::query_scalar(
        "SELECT customer_id FROM records WHERE campaign_id = $1 AND status = 'codified'",
    )
    .bind(campaign)
    .fetch_all(&raw)
    .await
    .unwrap()
    .into_iter()
    .collect();
    let lost: Vec<&String> = acked.iter().filter(|c| !codified.contains(*c)).collect();
    eprintln!(
        "{backend:?}: {} codifies acknowledged before the SIGKILL, {} codified after the restart, {} lost",
        acked.len(),
        codified.len(),
        lost.len()
    );
    assert!(lost.is_empty(), "acknowledged and lost: {lost:?}");
    // At most the requests in flight at the kill were written unacknowledged.
    assert!(codified.len() <= acked.len() + 8);
    // The restarted server takes the load where it stopped (the killed
    // process's requests count against their tokens until its heartbeat
    // is older than the lease TTL: a refusal until then is the retryable one).
    let t = Instant::now();
    loop {
        let r = reqwest::Client::new()
            .put(format!(
                "{}/api/v2/campaign.php?api=codify&type_campaign=predictive&campaign_id={campaign}",
                again.base
            ))
            .header("wolkvox-token", &tokens[0])
            .body(format!(
                r#"{{"cod_act":"001","customer_id":"c{}"}}"#,
                RECORDS - 1
            ))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body = r.text().await.unwrap();
        if status == 202 {
            break;
        }
        assert!(
            status == 403
                && body.contains(&WireError::simultaneous_requests().msg)
                && t.elapsed() < LEASE_TTL + Duration::from_secs(3),
            "{status} {body} after {:?}",
            t.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    raw.close().await;
    again.kill().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_codifies_survive_a_sigkill_on_sqlite() {
    acknowledged_codifies_survive_a_sigkill(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_codifies_survive_a_sigkill_on_postgres() {
    acknowledged_codifies_survive_a_sigkill(Backend::Postgres).await;
}
