//! `cargo bench -p marcador-server --bench realtime`: `real_time campaigns`
//! for an operation with 1,000 campaigns (each with its records and attempts,
//! some in the last minute), on SQLite and on PostgreSQL, against `/healthz`
//! on the same server in the same run: the median time of a whole answer
//! over keep-alive, one request at a time, alternating with the floor; and
//! the store's read alone, to tell the database's part from the rest.

use std::time::{Duration, Instant};

use jiff::Timestamp;
use marcador_server::clock::SystemClock;
use marcador_server::config::Config;
use marcador_server::domain;
use marcador_server::store::{Backend, NewCampaign, NewRecord, Store};
use marcador_server::testing::{Serving, TestDb, attempt_history};
use marcador_wire::{CallResult, CampaignType};

const TZ: &str = "America/Bogota";
const CAMPAIGNS: usize = 1_000;
const ROUNDS: usize = 200;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn run(backend: Backend) {
    let db = TestDb::new(backend).await.expect("a database");
    let store = Store::open(db.location(), 4).await.expect("the store");
    let now = Timestamp::now();
    let op = store
        .create_operation("bench", TZ, 1_000, now)
        .await
        .expect("an operation");
    let token = store.create_token(op, None, now).await.expect("a token");
    let loaded = Instant::now();
    for c in 0..CAMPAIGNS {
        let campaign = store
            .create_campaign(
                &NewCampaign {
                    operation_id: op,
                    name: format!("Campaña {c}"),
                    description: String::new(),
                    kind: CampaignType::Predictive,
                    started: c % 2 == 0,
                    speed: 100,
                    skill_id: None,
                    opt_titles: vec![],
                    window: None,
                    amd: String::new(),
                },
                now,
            )
            .await
            .expect("a campaign");
        let recs: Vec<NewRecord> = (0..10)
            .map(|i| NewRecord {
                customer_id: format!("{c}-{i}"),
                customer_name: "Nombre".into(),
                tels: vec![format!("57300{c:04}{i:03}")],
                ..NewRecord::default()
            })
            .collect();
        store
            .insert_records(campaign, &recs, now)
            .await
            .expect("records");
        // 20 attempts, one every 5 s up to now: some in the last minute.
        let facts = attempt_history(
            &store,
            campaign,
            20,
            now.as_second() - 100,
            &[CallResult::NoAnswer, CallResult::Answer, CallResult::Busy],
        )
        .await
        .expect("a history");
        store.record_facts(&facts).await.expect("facts");
    }
    let load = loaded.elapsed();
    // The planner's statistics after a bulk load, as a server would have them.
    store.analyze(&[]).await.expect("statistics");
    let config = Config {
        listen: "127.0.0.1:0".into(),
        db: db.db_arg(),
        ..Config::default()
    };
    let serving = Serving::start(store.clone(), &config, std::sync::Arc::new(SystemClock))
        .await
        .expect("serving");
    let http = reqwest::Client::new();
    let get = |path: &'static str| {
        let (http, url, token) = (
            http.clone(),
            format!("{}{path}", serving.base),
            token.clone(),
        );
        async move {
            let t = Instant::now();
            let r = http
                .get(url)
                .header("wolkvox-token", token)
                .send()
                .await
                .expect("an answer");
            assert!(r.status().is_success(), "{}", r.status());
            let body = r.bytes().await.expect("a body");
            (t.elapsed(), body.len())
        }
    };
    let today = domain::local_day(now, &jiff::tz::TimeZone::get(TZ).expect("the zone"));
    let (mut floor, mut answer, mut read) = (Vec::new(), Vec::new(), Vec::new());
    let mut bytes = 0;
    for _ in 0..ROUNDS {
        floor.push(get("/healthz").await.0);
        let (t, n) = get("/api/v2/real_time.php?api=campaigns").await;
        answer.push(t);
        bytes = n;
        let t = Instant::now();
        let rows = store
            .campaign_counters(op, Timestamp::now().as_second(), &today)
            .await
            .expect("the counters");
        read.push(t.elapsed());
        assert_eq!(rows.len(), CAMPAIGNS);
    }
    let (floor, answer, read) = (median(floor), median(answer), median(read));
    println!(
        "{backend:?}: {CAMPAIGNS} campaigns loaded in {:.1} s; real_time campaigns ({bytes} bytes) \
         median {:.2} ms ({:.1} µs per campaign), the store's read alone {:.2} ms, /healthz {:.3} ms \
         — answer ÷ healthz {:.0}×",
        load.as_secs_f64(),
        answer.as_secs_f64() * 1e3,
        answer.as_secs_f64() * 1e6 / CAMPAIGNS as f64,
        read.as_secs_f64() * 1e3,
        floor.as_secs_f64() * 1e3,
        answer.as_secs_f64() / floor.as_secs_f64()
    );
    serving.stop().await;
    store.close().await;
}

#[tokio::main]
async fn main() {
    run(Backend::Sqlite).await;
    run(Backend::Postgres).await;
}
