//! Two real `marcador serve` processes on one PostgreSQL database: the limits
//! and the dialing hold across them, and survive one of them being killed.
//!
//! The timings these tests observe are printed (`cargo test -- --nocapture`).

use std::time::{Duration, Instant};

use jiff::Timestamp;
use marcador_server::domain;
use marcador_server::store::{Backend, NewRecord, Store};
use marcador_server::testing::{Abandon, Targets, TestDb, abandon, attempt_history, settled};
use marcador_wire::limits::DAILY_REQUESTS_PER_LICENSE;
use marcador_wire::{CallResult, WireError};

mod support;

use support::{CHEAP, Server, TZ, get, hold_request, operation, predictive_campaign, wire_date};

fn record(i: usize, tels: &[&str]) -> NewRecord {
    NewRecord {
        customer_id: format!("{i}"),
        customer_name: "Nombre".into(),
        customer_last_name: "Apellido".into(),
        tels: tels.iter().map(|s| s.to_string()).collect(),
        opts: (1..=12).map(|n| format!("{n}").repeat(200)).collect(),
        ..NewRecord::default()
    }
}

/// An operation with a campaign whose campaign_3 answer over the last day is
/// tens of megabytes. Returns (operation, token, campaign_3 path).
async fn big_operation(store: &Store) -> (i64, String, String) {
    let now = Timestamp::now();
    let op = store.create_operation("big", TZ, 1, now).await.unwrap();
    let token = store.create_token(op, None, now).await.unwrap();
    let campaign = predictive_campaign(store, op, "Big", false, None).await;
    let records: Vec<NewRecord> = (0..1_500).map(|i| record(i, &["573000000000"])).collect();
    store.insert_records(campaign, &records, now).await.unwrap();
    let start = now.as_second() - 20_000;
    let facts = attempt_history(store, campaign, 15_000, start, &[CallResult::NoAnswer])
        .await
        .unwrap();
    for chunk in facts.chunks(5_000) {
        store.record_facts(chunk).await.unwrap();
    }
    let from = Timestamp::from_second(start - 60).unwrap();
    let path = format!(
        "/api/v2/reports_manager.php?api=campaign_3&campaign_id={campaign}&date_ini={}&date_end={}",
        wire_date(from),
        wire_date(now)
    );
    (op, token, path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_in_flight_and_the_quota_are_counted_across_processes() {
    let db = TestDb::new(Backend::Postgres).await.unwrap();
    let logs = tempfile::tempdir().unwrap();
    let store = Store::open(db.location(), 2).await.unwrap();
    let (op, token, big) = big_operation(&store).await;
    let a = Server::start(&db, None, &logs.path().join("a.log")).await;
    let b = Server::start(&db, None, &logs.path().join("b.log")).await;

    // One request in flight on each process: a third, on either, is refused.
    let on_a = hold_request(&a.base, &token, &big).await;
    let on_b = hold_request(&b.base, &token, &big).await;
    let refused = WireError::simultaneous_requests();
    for base in [&a.base, &b.base] {
        let (status, body) = get(base, &token, CHEAP).await;
        assert_eq!(status, 403, "{body}");
        assert!(body.contains(&refused.msg), "{body}");
    }

    // The process holding one of them dies mid-request: its lease stops
    // counting once its heartbeat is older than the lease TTL.
    let killed = Instant::now();
    a.kill().await;
    drop(on_a);
    let (status, _) = get(&b.base, &token, CHEAP).await;
    assert_eq!(
        status, 403,
        "the dead process's lease counts until it expires"
    );
    let mut freed = None;
    while killed.elapsed() < Duration::from_secs(20) {
        if get(&b.base, &token, CHEAP).await.0 == 200 {
            freed = Some(killed.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let freed = freed.expect("a killed process locked the token out");
    eprintln!("request lease of a SIGKILLed process freed after {freed:?}");
    assert!(freed <= marcador_server::store::LEASE_TTL + Duration::from_secs(2));
    drop(on_b);

    // The daily quota is one count in the database: with two requests left,
    // one on b and one on a new process c use them up, and both then refuse.
    let c = Server::start(&db, None, &logs.path().join("c.log")).await;
    let today = domain::local_day(Timestamp::now(), &jiff::tz::TimeZone::get(TZ).unwrap());
    let limit = DAILY_REQUESTS_PER_LICENSE as i64;
    store.set_quota_used(op, &today, limit - 2).await.unwrap();
    // Wait for b's lease of `on_b` to end (it ends when b notices the close).
    let b_ok = settled(
        &store,
        store_token_id(&store, &token).await,
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(
        b_ok,
        Ok(()),
        "b released its lease when the client went away"
    );
    assert_eq!(get(&b.base, &token, CHEAP).await.0, 200);
    assert_eq!(get(&c.base, &token, CHEAP).await.0, 200);
    let over = WireError::token_limit_exceeded();
    for base in [&b.base, &c.base] {
        let (status, body) = get(base, &token, CHEAP).await;
        assert_eq!(status, 403, "{body}");
        assert!(body.contains(&over.msg), "{body}");
    }
    assert_eq!(store.quota_used(op, &today).await.unwrap(), limit);
    b.kill().await;
    c.kill().await;
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_abandoned_request_holds_a_slot_on_either_process() {
    let db = TestDb::new(Backend::Postgres).await.unwrap();
    let logs = tempfile::tempdir().unwrap();
    let store = Store::open(db.location(), 2).await.unwrap();
    let (_, token, big) = big_operation(&store).await;
    let token_id = store_token_id(&store, &token).await;
    let deadline_ms: u64 = 3_000;
    let env = [("MARCADOR_LIMITS__DEADLINE_MS", "3000")];
    let a = Server::start_with(&db, None, &logs.path().join("a.log"), &env).await;
    let b = Server::start_with(&db, None, &logs.path().join("b.log"), &env).await;
    let targets = Targets {
        large_get: big.clone(),
        put: "/api/v2/campaign.php?api=codify&type_campaign=predictive&campaign_id=1".into(),
        put_body: r#"{"cod_act":"001","customer_id":"1"}"#.into(),
    };
    let ways = Abandon::every_way(deadline_ms);
    for (i, how) in ways.iter().chain(ways.iter()).enumerate() {
        // Alternately on each process, and both at once.
        let (first, second) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
        let (x, y) = tokio::join!(
            abandon(&first.base, &token, *how, &targets),
            abandon(&second.base, &token, *how, &targets),
        );
        x.unwrap();
        y.unwrap();
        if let Err(n) = settled(&store, token_id, Duration::from_secs(3)).await {
            panic!("{n} lease(s) held 3 s after {how:?} on two processes");
        }
    }
    // Both slots are free: one request held on each process, a third refused.
    let on_a = hold_request(&a.base, &token, &big).await;
    let on_b = hold_request(&b.base, &token, &big).await;
    assert_eq!(get(&a.base, &token, CHEAP).await.0, 403);
    drop((on_a, on_b));
    a.kill().await;
    b.kill().await;
    store.close().await;
}

async fn store_token_id(store: &Store, token: &str) -> i64 {
    store.authenticate(token).await.unwrap().unwrap().token_id
}

const SETUP: &str = r#"
[operation]
name = "cluster"
time_zone = "America/Bogota"
licenses = 5
calling_profile = "open"

[[activity_codes]]
code = "001"
description = "Venta"
hit = true

[[skills]]
name = "Ventas"
agents = 8

[simulation]
seed = 3
answer_rate = 0.3
"#;

/// (the OS pid of the campaign's lease holder, attempts so far)
async fn holder_and_attempts(raw: &sqlx::AnyPool, campaign: i64) -> (Option<i64>, i64) {
    let holder: Option<i64> = sqlx::query_scalar(
        "SELECT p.pid FROM campaign_leases l JOIN processes p ON p.id = l.process_id \
         WHERE l.campaign_id = $1",
    )
    .bind(campaign)
    .fetch_optional(raw)
    .await
    .unwrap();
    let attempts: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM dial_attempts WHERE campaign_id = $1")
            .bind(campaign)
            .fetch_one(raw)
            .await
            .unwrap();
    (holder, attempts)
}

async fn wait_for(
    raw: &sqlx::AnyPool,
    campaign: i64,
    within: Duration,
    done: impl Fn(Option<i64>, i64) -> bool,
) -> Option<Duration> {
    let t = Instant::now();
    while t.elapsed() < within {
        let (h, n) = holder_and_attempts(raw, campaign).await;
        if done(h, n) {
            return Some(t.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

/// Customers of the clean records the dialer picks next (in its order: phone
/// column, then id), `skip` places ahead.
async fn next_in_line(raw: &sqlx::AnyPool, campaign: i64, skip: i64, n: i64) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT customer_id FROM records WHERE campaign_id = $1 AND status = 'clean' \
         ORDER BY next_phone, id LIMIT $2 OFFSET $3",
    )
    .bind(campaign)
    .bind(n)
    .bind(skip)
    .fetch_all(raw)
    .await
    .unwrap()
}

async fn codify(base: &str, token: &str, campaign: i64, customer: &str) {
    let r = reqwest::Client::new()
        .put(format!(
            "{base}/api/v2/campaign.php?api=codify&type_campaign=predictive&campaign_id={campaign}"
        ))
        .header("wolkvox-token", token)
        .body(format!(
            r#"{{"cod_act": "001", "customer_id": "{customer}"}}"#
        ))
        .send()
        .await
        .unwrap();
    // Read to the end, as a client does: the request is in flight until then.
    let status = r.status().as_u16();
    let body = r.text().await.unwrap_or_default();
    assert_eq!(status, 202, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_dialing_process_moves_its_campaign_to_the_other() {
    let db = TestDb::new(Backend::Postgres).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let setup_file = dir.path().join("setup.toml");
    std::fs::write(&setup_file, SETUP).unwrap();
    let (store, applied, tokens) = operation(&db, SETUP, 1).await;
    let (now, token) = (Timestamp::now(), tokens[0].clone());
    let campaign = predictive_campaign(
        &store,
        applied.operation_id,
        "Cobro",
        true,
        applied.skills.get("Ventas").copied(),
    )
    .await;
    let records: Vec<NewRecord> = (0..3_000)
        .map(|i| {
            let a = format!("57300{i:07}");
            let b = format!("57310{i:07}");
            record(i, &[a.as_str(), b.as_str()])
        })
        .collect();
    store.insert_records(campaign, &records, now).await.unwrap();
    let raw = {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&db.url()).await.unwrap()
    };

    // The first process takes the campaign and dials; the second, started
    // later with the same setup, finds it held and stays off it.
    let a = Server::start(&db, Some(&setup_file), &dir.path().join("a.log")).await;
    let a_pid = i64::from(a.pid);
    wait_for(&raw, campaign, Duration::from_secs(30), |h, n| {
        h == Some(a_pid) && n >= 5
    })
    .await
    .expect("the first process did not dial");
    let b = Server::start(&db, Some(&setup_file), &dir.path().join("b.log")).await;
    let b_pid = i64::from(b.pid);
    // Customers codified through b while a dials (any process serves the
    // API): a few places ahead of a's next pick, so a reaches them soon.
    let ahead = next_in_line(&raw, campaign, 5, 10).await;
    for customer in &ahead {
        codify(&b.base, &token, campaign, customer).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        holder_and_attempts(&raw, campaign).await.0,
        Some(a_pid),
        "two processes dial one campaign"
    );

    // SIGKILL the dialer: b takes the campaign over once a's heartbeat is
    // older than the lease TTL, and goes on dialing.
    let killed = Instant::now();
    a.kill().await;
    let before = holder_and_attempts(&raw, campaign).await.1;
    // The calls a had placed and never reported: (record, phone being dialed).
    let orphans: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, next_phone FROM records WHERE campaign_id = $1 AND status = 'dialing'",
    )
    .bind(campaign)
    .fetch_all(&raw)
    .await
    .unwrap();
    assert!(
        !orphans.is_empty(),
        "a predictive dialer at work has calls in progress"
    );
    // Nobody dials until the takeover: the very next records in line,
    // codified now, are the ones b would pick first.
    let next = next_in_line(&raw, campaign, 0, 10).await;
    for customer in &next {
        codify(&b.base, &token, campaign, customer).await;
    }
    let taken = wait_for(&raw, campaign, Duration::from_secs(30), |h, _| {
        h == Some(b_pid)
    })
    .await
    .expect("the campaign was not taken over");
    let dialing = wait_for(&raw, campaign, Duration::from_secs(60), |h, n| {
        h == Some(b_pid) && n > before + 10
    })
    .await
    .expect("the second process did not dial");
    eprintln!(
        "campaign lease of a SIGKILLed process taken over after {taken:?}; \
         the new holder dialed 10 more within {:?} of the kill; {} calls of the \
         dead process released",
        killed.elapsed(),
        orphans.len()
    );
    let _ = dialing;
    assert!(taken <= marcador_server::store::LEASE_TTL + Duration::from_secs(3));
    b.kill().await;

    // No record was dialed twice on one phone (one cycle: no recall here):
    // neither by one process nor across the takeover.
    let twice: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT record_id, phone, COUNT(*) FROM dial_attempts WHERE campaign_id = $1 \
         GROUP BY record_id, phone HAVING COUNT(*) > 1",
    )
    .bind(campaign)
    .fetch_all(&raw)
    .await
    .unwrap();
    assert!(twice.is_empty(), "dialed twice in one cycle: {twice:?}");
    // A call that died with a was never reported, so any attempt on its
    // (record, phone) is b dialing it again.
    for (record, phone) in &orphans {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM dial_attempts WHERE record_id = $1 AND phone = $2",
        )
        .bind(record)
        .bind(phone)
        .fetch_one(&raw)
        .await
        .unwrap();
        assert_eq!(
            n, 0,
            "record {record} redialed on phone {phone} after the takeover"
        );
    }
    // No record was dialed after its codify was acknowledged.
    let after_codify: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM dial_attempts a JOIN records r ON r.id = a.record_id \
         WHERE r.campaign_id = $1 AND r.status = 'codified' AND a.started_at > r.codified_at",
    )
    .bind(campaign)
    .fetch_one(&raw)
    .await
    .unwrap();
    assert_eq!(after_codify, 0, "a codified record was dialed");
    // The records codified during the takeover were next in line: b skipped them.
    let next_dialed: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM dial_attempts a JOIN records r ON r.id = a.record_id \
         WHERE r.campaign_id = $1 AND r.customer_id IN ({})",
        next.iter()
            .map(|c| format!("'{c}'"))
            .collect::<Vec<_>>()
            .join(", ")
    )))
    .bind(campaign)
    .fetch_one(&raw)
    .await
    .unwrap();
    assert_eq!(
        next_dialed, 0,
        "b dialed records codified before it took over"
    );
    let codified: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM records WHERE campaign_id = $1 AND status = 'codified'",
    )
    .bind(campaign)
    .fetch_one(&raw)
    .await
    .unwrap();
    assert!(codified >= 20, "{codified}");
    let total = holder_and_attempts(&raw, campaign).await.1;
    eprintln!("{total} attempts in all, {before} before the kill; {codified} records codified");
    raw.close().await;
    store.close().await;
}
