//! Store invariants: the counters the real-time report reads always equal what
//! the facts say, and the IVR rollup gives what the raw steps give.

use marcador_server::demo::bulk::{self, BulkSize};
use marcador_server::demo::{self, DemoSize};
use marcador_server::store::{Fact, Store};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use sqlx::Row;

use crate::helpers::*;
use marcador_server::testing::TestDb;

async fn open() -> (TestDb, Store, sqlx::AnyPool) {
    let (db, store) = test_store().await;
    let raw = raw_pool(&db).await;
    (db, store, raw)
}

both!(campaign_counters_equal_a_recount_of_the_facts);
async fn campaign_counters_equal_a_recount_of_the_facts() {
    let (_dir, store, raw) = open().await;
    let size = DemoSize {
        records: 400,
        days: 2,
        attempts_per_hour: 40.0,
        inbound_per_hour: 5.0,
    };
    let info = demo::seed(&store, 7, now(), None, size).await.unwrap();
    assert!(info.attempts > 500 && info.codified > 50, "{info:?}");
    counters_equal_a_recount(&raw).await;
}

both!(a_bulk_operation_is_its_facts_and_its_counters_equal_a_recount);
async fn a_bulk_operation_is_its_facts_and_its_counters_equal_a_recount() {
    let (_dir, store, raw) = open().await;
    let shape = fact_tables_shape(&raw).await;
    let size = BulkSize {
        attempts: 30_000,
        campaigns: 40,
        days: 12,
        // Several transactions: a record's attempts span batches.
        batch: 10_000,
        ..BulkSize::default()
    };
    let mut days_told = 0;
    let info = bulk::seed(&store, "bulk", 3, &size, now(), |p| {
        if let bulk::Progress::Days(..) = p {
            days_told += 1;
        }
    })
    .await
    .unwrap();
    assert_eq!(days_told, 12);
    assert_eq!(info.campaign_ids.len(), 40);
    // Poisson draws around the asked total; the first campaign the largest.
    assert!((27_000..33_000).contains(&info.attempts), "{info:?}");
    for (table, n) in [
        ("dial_attempts", info.attempts),
        ("calls", info.calls),
        ("ivr_steps", info.ivr_steps),
        ("records", info.records),
    ] {
        let stored: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&raw)
                .await
                .unwrap();
        assert_eq!(stored as u64, n, "{table}");
    }
    let per_campaign: Vec<i64> = sqlx::query_scalar(
        "SELECT COUNT(a.id) FROM campaigns c LEFT JOIN dial_attempts a ON a.campaign_id = c.id \
         GROUP BY c.id ORDER BY c.id",
    )
    .fetch_all(&raw)
    .await
    .unwrap();
    assert!(per_campaign[0] > 5 * per_campaign[20], "{per_campaign:?}");
    // Every IVR step is a step of a call.
    let orphan_steps: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM ivr_steps s WHERE NOT EXISTS \
         (SELECT 1 FROM calls c WHERE c.operation_id = s.operation_id AND c.conn_id = s.conn_id)",
    )
    .fetch_one(&raw)
    .await
    .unwrap();
    assert_eq!(orphan_steps, 0);
    counters_equal_a_recount(&raw).await;
    // Indexes and foreign keys set aside for the load (PostgreSQL) are back.
    assert_eq!(fact_tables_shape(&raw).await, shape);
    // The same operation again is refused.
    assert!(
        bulk::seed(&store, "bulk", 3, &size, now(), |_| {})
            .await
            .is_err()
    );
}

/// The fact tables' and the records' indexes, and the fact tables' foreign
/// keys, as the database describes them (what a bulk load sets aside).
async fn fact_tables_shape(raw: &sqlx::AnyPool) -> Vec<String> {
    let sql = match backend() {
        marcador_server::store::Backend::Sqlite => {
            "SELECT sql FROM sqlite_master \
             WHERE tbl_name IN ('dial_attempts', 'calls', 'ivr_steps', 'records') \
             AND sql IS NOT NULL ORDER BY name"
        }
        marcador_server::store::Backend::Postgres => {
            "SELECT indexdef FROM pg_indexes \
             WHERE tablename IN ('dial_attempts', 'calls', 'ivr_steps', 'records') \
             UNION ALL SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE contype = 'f' AND conrelid::regclass::text IN ('dial_attempts', 'calls', 'ivr_steps') \
             ORDER BY 1"
        }
    };
    sqlx::query_scalar(sql).fetch_all(raw).await.unwrap()
}

#[tokio::test]
async fn what_a_bulk_load_set_aside_is_made_again_when_the_store_next_opens() {
    on(
        marcador_server::store::Backend::Postgres,
        what_a_bulk_load_set_aside_is_made_again_when_the_store_next_opens_on_postgres(),
    )
    .await
}

/// A load into empty fact tables on PostgreSQL drops their secondary indexes
/// and foreign keys; if it dies before putting them back, the next open does.
/// Beside data, nothing is set aside.
async fn what_a_bulk_load_set_aside_is_made_again_when_the_store_next_opens_on_postgres() {
    let (db, store, raw) = open().await;
    let shape = fact_tables_shape(&raw).await;
    assert!(shape.iter().any(|s| s.contains("FOREIGN KEY")), "{shape:?}");
    assert!(store.begin_bulk_load().await.unwrap());
    let during = fact_tables_shape(&raw).await;
    // The records' (campaign, customer) key is a constraint: it stays, and
    // an upload meanwhile is still checked against it.
    let unique = "records_campaign_id_customer_id_key";
    assert!(
        during
            .iter()
            .all(|s| s.contains("_pkey") || s.contains(unique)),
        "only the primary keys and the records' unique key stay: {during:?}"
    );
    assert!(during.iter().any(|s| s.contains(unique)), "{during:?}");
    assert!(shape.iter().any(|s| s.contains("records_dialable")));
    assert!(!during.iter().any(|s| s.contains("records_dialable")));
    // The load dies; the database is opened again.
    drop(store);
    let store = Store::open(db.location(), 2).await.unwrap();
    assert_eq!(fact_tables_shape(&raw).await, shape);
    // Beside data, a load keeps every index and key.
    let (_, campaign) = crate::engine::setup(&store, 1, 1).await;
    let record = store.campaign_record_phones(campaign).await.unwrap()[0].0;
    store
        .record_facts(&[attempt(
            campaign,
            record,
            1,
            "573000000000",
            0,
            marcador_wire::CallResult::NoAnswer,
            "1.1.1.1",
        )])
        .await
        .unwrap();
    assert!(!store.begin_bulk_load().await.unwrap());
    assert_eq!(fact_tables_shape(&raw).await, shape);
}

/// Each campaign's counters (real_time campaigns), per-phone and per-day
/// counts equal a recount of its records and attempts.
async fn counters_equal_a_recount(raw: &sqlx::AnyPool) {
    let counters = sqlx::query(
        "SELECT id, records, clean, dial, answer, no_answer, busy_congestion_failed, answer_machine, hits FROM campaigns",
    )
    .fetch_all(raw)
    .await
    .unwrap();
    for c in counters {
        let id: i64 = c.get(0);
        let recount = sqlx::query(
            "SELECT COUNT(*), COUNT(CASE WHEN status = 'clean' THEN 1 END), \
             COUNT(CASE WHEN status != 'clean' THEN 1 END), \
             COUNT(CASE WHEN last_result IN ('answer', 'abandon') THEN 1 END), \
             COUNT(CASE WHEN last_result = 'no answer' THEN 1 END), \
             COUNT(CASE WHEN last_result IN ('busy', 'congestion', 'failed', 'chanunavail') THEN 1 END), \
             COUNT(CASE WHEN last_result = 'answer machine' THEN 1 END), \
             COUNT(CASE WHEN hit != 0 THEN 1 END) FROM records WHERE campaign_id = $1",
        )
        .bind(id)
        .fetch_one(raw)
        .await
        .unwrap();
        for i in 1..=8 {
            assert_eq!(
                c.get::<i64, _>(i),
                recount.get::<i64, _>(i - 1),
                "campaign {id} column {i}"
            );
        }
        // Records dialed on each phone column this cycle.
        let phones: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT phone, dialed FROM campaign_phones WHERE campaign_id = $1 ORDER BY phone",
        )
        .bind(id)
        .fetch_all(raw)
        .await
        .unwrap();
        assert_eq!(phones.len(), 10);
        for (phone, dialed) in phones {
            let recount: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM records r JOIN campaigns c ON c.id = r.campaign_id \
                 WHERE r.campaign_id = $1 AND r.cycle = c.cycle AND (r.phones_dialed & $2) != 0",
            )
            .bind(id)
            .bind(1i64 << (phone - 1))
            .fetch_one(raw)
            .await
            .unwrap();
            assert_eq!(
                dialed, recount,
                "campaign {id} records dialed on phone {phone}"
            );
        }
        let per_day: Vec<(String, i64)> = sqlx::query_as(
            "SELECT day, attempts FROM campaign_days WHERE campaign_id = $1 ORDER BY day",
        )
        .bind(id)
        .fetch_all(raw)
        .await
        .unwrap();
        let recount_days: Vec<(String, i64)> = sqlx::query_as(match backend() {
            marcador_server::store::Backend::Sqlite => {
                "SELECT date(started_at - 5 * 3600, 'unixepoch'), COUNT(*) FROM dial_attempts \
                 WHERE campaign_id = $1 GROUP BY 1 ORDER BY 1"
            }
            marcador_server::store::Backend::Postgres => {
                "SELECT to_char(to_timestamp(started_at - 5 * 3600) AT TIME ZONE 'UTC', 'YYYY-MM-DD'), \
                 COUNT(*) FROM dial_attempts WHERE campaign_id = $1 GROUP BY 1 ORDER BY 1"
            }
        })
        .bind(id)
        .fetch_all(raw)
        .await
        .unwrap();
        assert_eq!(
            per_day, recount_days,
            "campaign {id} attempts per Bogotá day"
        );
    }
}

both!(the_same_seed_gives_the_same_demo);
async fn the_same_seed_gives_the_same_demo() {
    let (_d1, s1, r1) = open().await;
    let (_d2, s2, r2) = open().await;
    let size = DemoSize {
        records: 100,
        days: 1,
        attempts_per_hour: 30.0,
        inbound_per_hour: 5.0,
    };
    demo::seed(&s1, 42, now(), None, size).await.unwrap();
    demo::seed(&s2, 42, now(), None, size).await.unwrap();
    let dump = |pool: sqlx::AnyPool| async move {
        let rows: Vec<(String, i64, String, String)> = sqlx::query_as(
            "SELECT conn_id, started_at, telephone, result FROM dial_attempts ORDER BY id",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        rows
    };
    let (a, b) = (dump(r1).await, dump(r2).await);
    assert!(!a.is_empty());
    assert_eq!(a, b);
}

both!(diagram_1_3_from_rollups_equals_a_sum_of_raw_steps);
async fn diagram_1_3_from_rollups_equals_a_sum_of_raw_steps() {
    let (_dir, store, _raw) = open().await;
    let op = store.create_operation("ivr", TZ, 1, now()).await.unwrap();
    let rp1 = store.create_routing_point(op, "A").await.unwrap();
    let rp2 = store.create_routing_point(op, "B").await.unwrap();
    let mut rng = StdRng::seed_from_u64(3);
    let options = ["1", "2", "PULSE", "CV_AGENTE"];
    let mut steps = Vec::new();
    for _ in 0..3_000 {
        let rp = if rng.random_bool(0.5) { rp1 } else { rp2 };
        let option = options[rng.random_range(0..options.len())];
        steps.push((
            rp,
            option,
            rng.random_range(-3 * 86_400..0i64),
            rng.random_range(1..90i64),
        ));
    }
    let facts: Vec<Fact> = steps
        .iter()
        .map(|(rp, o, off, secs)| step(op, *rp, o, *off, *secs))
        .collect();
    store.record_facts(&facts).await.unwrap();
    for _ in 0..200 {
        let a = rng.random_range(-3 * 86_400 - 100..100i64);
        let b = (a + rng.random_range(0..2 * 86_400i64)).min(100);
        let rows = store.ivr_option_totals(op, at(a), at(b)).await.unwrap();
        let mut expected = std::collections::BTreeMap::<(String, String), (i64, i64)>::new();
        for (rp, o, off, secs) in &steps {
            if (a..=b).contains(off) {
                let e = expected.entry((rp.to_string(), o.to_string())).or_default();
                e.0 += 1;
                e.1 += secs;
            }
        }
        let got: Vec<(String, String, String, String)> = rows
            .into_iter()
            .map(|r| {
                let hms = marcador_wire::format::duration_hms(r.seconds);
                (r.rp_id.to_string(), r.option, r.calls.to_string(), hms)
            })
            .collect();
        let want: Vec<(String, String, String, String)> = expected
            .into_iter()
            .map(|((rp, o), (calls, secs))| {
                (
                    rp,
                    o,
                    calls.to_string(),
                    marcador_wire::format::duration_hms(secs),
                )
            })
            .collect();
        let mut want = want;
        want.sort();
        let mut got = got;
        got.sort();
        assert_eq!(got, want, "range {a}..={b}");
    }
}

both!(applying_a_setup_twice_changes_nothing);
async fn applying_a_setup_twice_changes_nothing() {
    use marcador_server::setup::{DEMO, Setup};
    let (_dir, store, raw) = open().await;
    let setup = Setup::parse(DEMO).unwrap();
    let first = setup.apply(&store, now()).await.unwrap();
    let count = |pool: sqlx::AnyPool| async move {
        let n: (i64, i64, i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM operations), (SELECT COUNT(*) FROM skills), (SELECT COUNT(*) FROM agents), \
             (SELECT COUNT(*) FROM activity_codes), (SELECT COUNT(*) FROM routing_points)",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        n
    };
    let before = count(raw.clone()).await;
    assert_eq!(before, (1, 3, 19, 8, 3));
    let second = setup.apply(&store, now()).await.unwrap();
    assert_eq!(count(raw).await, before);
    assert_eq!(first.skills, second.skills);
    assert_eq!(first.routing_points, second.routing_points);
    let (cfg, sim) = setup.engine_config(&second);
    assert_eq!(cfg.inbound.len(), 3);
    assert_eq!(
        cfg.inbound[1].skill_id,
        second.skills.get("Cobranza").copied()
    );
    assert_eq!(sim.human, 300);
}

both!(the_store_follows_the_record_state_machine_exhaustively);
/// Every (status, event) pair, driven through the store, lands where the
/// domain's table says.
async fn the_store_follows_the_record_state_machine_exhaustively() {
    use marcador_server::domain::{RecordEvent, RecordStatus};
    use marcador_server::store::{CodifyInput, RecallFilter};
    use marcador_wire::{CallResult, CampaignType};
    let (_dir, store, raw) = open().await;
    let op = store.create_operation("sm", TZ, 1, now()).await.unwrap();
    store
        .put_activity_code(op, 1, "003", "No interesado", false, true)
        .await
        .unwrap();
    let codify = |campaign: i64| {
        let store = store.clone();
        async move {
            let input = CodifyInput {
                customer_id: "C".into(),
                cod_act: "003".into(),
                cod_act_2: String::new(),
                comment: String::new(),
            };
            store
                .codify(op, campaign, CampaignType::Predictive, &input, now())
                .await
                .unwrap()
                .unwrap();
        }
    };
    let attempt_on = |campaign: i64, record: i64| {
        let store = store.clone();
        async move {
            store
                .record_facts(&[attempt(
                    campaign,
                    record,
                    1,
                    "573001",
                    -10,
                    CallResult::NoAnswer,
                    "1.1.1.1",
                )])
                .await
                .unwrap();
        }
    };
    for from in RecordStatus::ALL {
        for event in RecordEvent::ALL {
            let campaign = campaign(
                &store,
                op,
                &format!("{from:?} {event:?}"),
                CampaignType::Predictive,
                None,
            )
            .await;
            store
                .insert_records(
                    campaign,
                    &[record("C", "N", "A", &["573001", "573002"], &[])],
                    now(),
                )
                .await
                .unwrap();
            let id = record_ids(&store, campaign).await[0];
            // Bring the record to `from`.
            match from {
                RecordStatus::Clean => {}
                RecordStatus::Dialing => assert_eq!(
                    store.claim_records(campaign, 1, at(0)).await.unwrap().len(),
                    1
                ),
                RecordStatus::Dialed => {
                    store.claim_records(campaign, 1, at(0)).await.unwrap();
                    attempt_on(campaign, id).await;
                }
                RecordStatus::Codified => codify(campaign).await,
            }
            // Apply the event.
            match event {
                RecordEvent::Pick => {
                    store.claim_records(campaign, 1, at(0)).await.unwrap();
                }
                RecordEvent::Result => attempt_on(campaign, id).await,
                RecordEvent::Codify => codify(campaign).await,
                RecordEvent::RecallByResult => {
                    store
                        .recall_records(
                            campaign,
                            &RecallFilter::Machine(vec![CallResult::NoAnswer]),
                        )
                        .await
                        .unwrap();
                }
                RecordEvent::RecallByCode => {
                    store
                        .recall_records(
                            campaign,
                            &RecallFilter::Code {
                                level: 1,
                                code: "003".into(),
                            },
                        )
                        .await
                        .unwrap();
                }
                RecordEvent::Recall => {
                    // Refused (and nothing changed) while the record is dialed.
                    let plan = marcador_server::store::RecallPlan {
                        at: at(60),
                        style: "auto".into(),
                        ..Default::default()
                    };
                    let done = store.recall_record(op, campaign, "C", &plan).await.unwrap();
                    assert_eq!(done.is_ok(), from.on(event).is_some(), "{from:?} + Recall");
                }
            }
            let status: String = sqlx::query_scalar("SELECT status FROM records WHERE id = $1")
                .bind(id)
                .fetch_one(&raw)
                .await
                .unwrap();
            let expected = from.on(event).unwrap_or(from);
            assert_eq!(status, expected.as_str(), "{from:?} + {event:?}");
            // And the counters still equal a recount.
            let (clean, dial, records): (i64, i64, i64) =
                sqlx::query_as("SELECT clean, dial, records FROM campaigns WHERE id = $1")
                    .bind(campaign)
                    .fetch_one(&raw)
                    .await
                    .unwrap();
            let recount: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM records WHERE campaign_id = $1 AND status = 'clean'",
            )
            .bind(campaign)
            .fetch_one(&raw)
            .await
            .unwrap();
            assert_eq!(
                (clean, clean + dial, records),
                (recount, 1, 1),
                "{from:?} + {event:?}"
            );
        }
    }
}

/// The migrations of the two backends are kept side by side: both apply from
/// an empty database, record the same versions, and give the same tables,
/// columns (by kind) and indexes.
#[tokio::test]
async fn sqlite_and_postgres_migrations_give_the_same_schema() {
    use marcador_server::store::Backend;
    let mut schemas = Vec::new();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let db = TestDb::new(backend).await.unwrap();
        let store = Store::open(db.location(), 1).await.unwrap();
        let raw = raw_pool(&db).await;
        let (columns, indexes) = match backend {
            Backend::Sqlite => (
                "SELECT m.name, p.name, lower(p.type) FROM sqlite_master m \
                 JOIN pragma_table_info(m.name) p WHERE m.type = 'table' \
                 AND m.name NOT LIKE 'sqlite_%' AND m.name != '_sqlx_migrations'",
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
            ),
            Backend::Postgres => (
                "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT), CAST(data_type AS TEXT) \
                 FROM information_schema.columns WHERE table_schema = 'public' \
                 AND table_name != '_sqlx_migrations'",
                "SELECT CAST(indexname AS TEXT) FROM pg_indexes WHERE schemaname = 'public' \
                 AND indexname NOT LIKE '%\\_pkey' AND indexname NOT LIKE '%\\_key'",
            ),
        };
        let mut cols: Vec<(String, String, String)> = sqlx::query_as(columns)
            .fetch_all(&raw)
            .await
            .unwrap()
            .into_iter()
            .map(|(t, c, ty): (String, String, String)| {
                let kind = match ty.as_str() {
                    "integer" | "bigint" => "integer",
                    "text" => "text",
                    "blob" | "bytea" => "bytes",
                    other => panic!("unexpected column type {other} of {t}.{c}"),
                };
                (t, c, kind.to_owned())
            })
            .collect();
        cols.sort();
        let mut idx: Vec<String> = sqlx::query_scalar(indexes).fetch_all(&raw).await.unwrap();
        idx.sort();
        let versions: Vec<(i64, String)> =
            sqlx::query_as("SELECT version, description FROM _sqlx_migrations ORDER BY version")
                .fetch_all(&raw)
                .await
                .unwrap();
        raw.close().await;
        store.close().await;
        schemas.push((cols, idx, versions));
    }
    let (sqlite, postgres) = (&schemas[0], &schemas[1]);
    assert!(sqlite.0.len() > 100, "{:?}", sqlite.0);
    assert_eq!(sqlite.0, postgres.0, "tables and columns");
    assert_eq!(sqlite.1, postgres.1, "indexes");
    assert_eq!(sqlite.2, postgres.2, "migration versions");
}

both!(admission_counts_only_admitted_requests_and_a_lease_past_its_expiry_stops_counting);
async fn admission_counts_only_admitted_requests_and_a_lease_past_its_expiry_stops_counting() {
    use marcador_server::store::Admission;
    use std::time::Duration;
    let (_db, store, raw) = open().await;
    let op = store.create_operation("x", TZ, 1, now()).await.unwrap();
    let token = store.create_token(op, None, now()).await.unwrap();
    let id = store.authenticate(&token).await.unwrap().unwrap().token_id;
    let day = "2026-11-22";
    let admit = |limit: i64| {
        store.admit(marcador_server::store::AdmitRequest {
            token_id: id,
            operation_id: op,
            day,
            limit,
            max_in_flight: 2,
            deadline: Duration::from_secs(60),
            counted: true,
        })
    };
    // Two leases never released, held by this live process: a third is refused.
    assert!(matches!(admit(1000).await.unwrap(), Admission::Admitted(_)));
    assert!(matches!(admit(1000).await.unwrap(), Admission::Admitted(_)));
    assert_eq!(admit(1000).await.unwrap(), Admission::Busy);
    assert_eq!(store.in_flight(id).await.unwrap(), 2);
    // Their expiry passes (as the deadline and the margin would): they stop
    // counting, though their process lives on and never released them.
    let expire = || async {
        sqlx::query("UPDATE request_leases SET expires_at = $1")
            .bind(jiff::Timestamp::now().as_millisecond() - 1)
            .execute(&raw)
            .await
            .unwrap();
    };
    expire().await;
    assert_eq!(store.in_flight(id).await.unwrap(), 0);
    assert!(matches!(admit(1000).await.unwrap(), Admission::Admitted(_)));
    // Three admitted, one refused as busy: three counted.
    assert_eq!(store.quota_used(op, day).await.unwrap(), 3);
    // At the quota: refused as such, not counted, no lease kept.
    expire().await;
    assert_eq!(admit(3).await.unwrap(), Admission::OverQuota);
    assert_eq!(store.quota_used(op, day).await.unwrap(), 3);
    assert_eq!(store.in_flight(id).await.unwrap(), 0);
    // Busy wins over the quota: a refusal for two in flight is retryable.
    assert!(matches!(admit(1000).await.unwrap(), Admission::Admitted(_)));
    assert!(matches!(admit(1000).await.unwrap(), Admission::Admitted(_)));
    assert_eq!(admit(5).await.unwrap(), Admission::Busy);
    assert_eq!(store.quota_used(op, day).await.unwrap(), 5);
}

both!(the_demos_agent_time_adds_up);
/// The demo's agents: each session is covered by the agent's states end to
/// end — none overlapping, no gap — and the half-hour rollup holds exactly
/// the raw intervals' time.
async fn the_demos_agent_time_adds_up() {
    let (_dir, store, raw) = open().await;
    let size = DemoSize {
        records: 300,
        days: 2,
        attempts_per_hour: 40.0,
        inbound_per_hour: 10.0,
    };
    demo::seed(&store, 5, now(), None, size).await.unwrap();
    let sessions: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT agent_id, login_ms, logout_ms FROM agent_sessions ORDER BY agent_id, login_ms",
    )
    .fetch_all(&raw)
    .await
    .unwrap();
    assert!(
        sessions.len() >= 19,
        "every agent works each day: {sessions:?}"
    );
    let events: Vec<(i64, i64, i64, String)> = sqlx::query_as(
        "SELECT agent_id, started_ms, ms, state FROM agent_events ORDER BY agent_id, started_ms, id",
    )
    .fetch_all(&raw)
    .await
    .unwrap();
    let states: std::collections::BTreeSet<&str> = events.iter().map(|e| e.3.as_str()).collect();
    assert_eq!(
        states.into_iter().collect::<Vec<_>>(),
        ["acw", "pause", "preview", "ready", "talk_in", "talk_out"]
    );
    // Holds and mutes lie within the talk of the call they are about.
    let (actions, outside): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(CASE WHEN NOT EXISTS (SELECT 1 FROM agent_events e \
           WHERE e.conn_id = x.conn_id AND e.agent_id = x.agent_id AND e.state LIKE 'talk%' \
           AND x.started_ms >= e.started_ms AND x.started_ms + x.ms <= e.started_ms + e.ms) THEN 1 END) \
         FROM call_actions x",
    )
    .fetch_one(&raw)
    .await
    .unwrap();
    assert!(
        actions > 10 && outside == 0,
        "{actions} actions, {outside} outside their talk"
    );
    // Calls handed on: the agent they reached talks on the leg from that
    // moment (the back office's number has no agent).
    let (handed, unmatched): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(CASE WHEN NOT EXISTS (SELECT 1 FROM agent_events e \
           WHERE e.conn_id = t.conn_id AND e.agent_id = t.to_agent_id AND e.state = 'talk_in' \
           AND e.started_ms = t.started_ms AND e.ms = t.ms) THEN 1 END) FROM transfers t \
         WHERE t.to_agent_id IS NOT NULL",
    )
    .fetch_one(&raw)
    .await
    .unwrap();
    assert!(
        handed > 0 && unmatched == 0,
        "{handed} handed on, {unmatched} without their talk"
    );
    for (agent, login, logout) in &sessions {
        let inside: Vec<&(i64, i64, i64, String)> = events
            .iter()
            .filter(|e| e.0 == *agent && e.1 >= *login && e.1 < *logout)
            .collect();
        let mut at = *login;
        for e in &inside {
            assert_eq!(
                e.1, at,
                "agent {agent}: a gap or an overlap at {at} ({e:?})"
            );
            at += e.2;
        }
        assert_eq!(
            at, *logout,
            "agent {agent}'s session {login}..{logout} ends covered"
        );
    }
    let total: i64 = events.iter().map(|e| e.2).sum();
    let rolled: i64 = sqlx::query_scalar(
        "SELECT CAST(SUM(ring_ms + ready_ms + inbound_ms + outbound_ms + acw_ms + aux_ms) AS BIGINT) \
         FROM agent_rollup",
    )
    .fetch_one(&raw)
    .await
    .unwrap();
    assert_eq!(rolled, total);
    // Every call an agent took has its talk, and every queued call its wait.
    let (talked, waits): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(CASE WHEN agent_id IS NOT NULL AND result = 'answer' THEN 1 END), \
         COUNT(wait_seconds) FROM calls",
    )
    .fetch_one(&raw)
    .await
    .unwrap();
    let talks = events.iter().filter(|e| e.3.starts_with("talk")).count() as i64;
    assert!(
        talks >= talked && talked > 100,
        "{talks} talks, {talked} calls"
    );
    assert!(waits > 100, "{waits}");
}

/// A process serving a SQLite database alone admits in memory: the same
/// limits, the quota's count written every `FLUSH_EVERY` and at close; a
/// second process is refused the database, naming the lock file, until the
/// first lets it go.
#[tokio::test]
async fn serving_sqlite_alone_admits_in_memory_and_writes_the_count() {
    use marcador_server::store::{Admission, AdmitRequest, FLUSH_EVERY, lock_path};
    use std::time::Duration;
    on(marcador_server::store::Backend::Sqlite, async {
        let (db, store) = test_store().await;
        let op = store.create_operation("x", TZ, 1, now()).await.unwrap();
        let token = store.create_token(op, None, now()).await.unwrap();
        let id = store.authenticate(&token).await.unwrap().unwrap().token_id;
        let day = "2026-11-22";
        store.set_quota_used(op, day, 10).await.unwrap();
        store.serve_alone().unwrap();
        // Another process (another store, another lock) is refused.
        let other = Store::open(db.location(), 1).await.unwrap();
        let refused = other.serve_alone().unwrap_err().to_string();
        let marcador_server::store::Location::Sqlite(path) = db.location() else {
            unreachable!()
        };
        assert!(
            refused.contains("another process is serving")
                && refused.contains(&lock_path(&path).display().to_string()),
            "{refused}"
        );
        let admit = |limit: i64, counted: bool| {
            store.admit(AdmitRequest {
                token_id: id,
                operation_id: op,
                day,
                limit,
                max_in_flight: 2,
                deadline: Duration::from_secs(60),
                counted,
            })
        };
        let Admission::Admitted(first) = admit(1000, true).await.unwrap() else {
            panic!("admitted")
        };
        assert!(matches!(
            admit(1000, false).await.unwrap(),
            Admission::Admitted(_)
        ));
        assert_eq!(admit(1000, true).await.unwrap(), Admission::Busy);
        assert_eq!(store.in_flight(id).await.unwrap(), 2);
        store.release(first).await.unwrap();
        assert_eq!(store.in_flight(id).await.unwrap(), 1);
        // The day's count was read once (10), one counted request added.
        assert_eq!(store.quota_used(op, day).await.unwrap(), 11);
        assert_eq!(admit(11, true).await.unwrap(), Admission::OverQuota);
        assert_eq!(store.quota_used(op, day).await.unwrap(), 11);
        // Written within a flush or two, as another process reads it.
        let mut waited = Duration::ZERO;
        while other.quota_used(op, day).await.unwrap() != 11 {
            assert!(waited < FLUSH_EVERY * 20, "never written");
            tokio::time::sleep(FLUSH_EVERY / 4).await;
            waited += FLUSH_EVERY / 4;
        }
        // Set by hand: here and in the database at once.
        store.set_quota_used(op, day, 0).await.unwrap();
        assert_eq!(store.quota_used(op, day).await.unwrap(), 0);
        assert_eq!(other.quota_used(op, day).await.unwrap(), 0);
        // Counted just before a clean stop: written by the stop; the lock is let go.
        assert!(matches!(
            admit(1000, true).await.unwrap(),
            Admission::Admitted(_)
        ));
        store.close().await;
        assert_eq!(other.quota_used(op, day).await.unwrap(), 1);
        other.serve_alone().unwrap();
        other.close().await;
    })
    .await;
}

/// A writer that never pauses beside readers that always hold a snapshot: the
/// background checkpoints copy frames back, but without a restart the log
/// would never start over (it grew 22 MB a second under codifies; here, to
/// 164 MB). Past `WAL_RESTART_FRAMES` it is started over, so it stays near
/// that size. (It failed about one run in three while the restart took the
/// write lock on a connection of its own, polling for it: the log peaked at
/// 37–95 MB in six runs; with the restart queued on the writer's pool, at
/// 37–39 MB.)
#[tokio::test]
async fn the_wal_starts_over_under_a_writer_that_never_pauses_and_readers_that_never_stop() {
    use marcador_server::store::{Backend, Location, WAL_RESTART_FRAMES};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    on(Backend::Sqlite, async {
        let (db, store) = test_store().await;
        let Location::Sqlite(path) = db.location() else {
            unreachable!()
        };
        let wal = std::path::PathBuf::from(format!("{}-wal", path.display()));
        let wal_size = || std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        let (op, campaign) = crate::engine::setup(&store, 0, 2_000).await;
        let records = store.campaign_record_phones(campaign).await.unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let (store, stop) = (store.clone(), stop.clone());
                tokio::spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        store
                            .campaign_counters(op, at(0), "2026-11-22")
                            .await
                            .unwrap();
                    }
                })
            })
            .collect();
        // Batches of 500 attempts: several times the restart size of log.
        const BATCHES: usize = 300;
        let limit = WAL_RESTART_FRAMES as u64 * 4096;
        let mut largest = 0;
        for batch in 0..BATCHES {
            let facts: Vec<Fact> = (0..500)
                .map(|k| {
                    let (id, _, tels) = &records[(batch * 500 + k) % records.len()];
                    attempt(
                        campaign,
                        *id,
                        1,
                        &tels[0],
                        -50_000 + batch as i64,
                        marcador_wire::CallResult::NoAnswer,
                        &format!("w{batch}.{k}"),
                    )
                })
                .collect();
            store.record_facts(&facts).await.unwrap();
            largest = largest.max(wal_size());
        }
        stop.store(true, Ordering::Relaxed);
        for r in readers {
            r.await.unwrap();
        }
        assert!(
            largest < 2 * limit,
            "the WAL reached {largest} bytes (restarted past {limit})"
        );
    })
    .await;
}
