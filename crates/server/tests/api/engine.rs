//! The engine: pacing over a simulated day, determinism, and the race between
//! the dialer's pick and codify.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::StreamExt;
use jiff::{SignedDuration, Timestamp};
use marcador_server::engine::sim::{SimProfile, SimTelephony};
use marcador_server::engine::{Engine, EngineConfig, EngineStats, world};
use marcador_server::store::{CampaignSel, CodifyInput, Fact, NewRecord, Store};
use marcador_wire::CampaignType;
use marcador_wire::rows::Campaign3Row;

use crate::helpers::*;
use marcador_server::testing::TestDb;

/// An operation with one skill of `agents` agents, activity codes, and a started
/// predictive campaign of `records` one-phone records. Returns (operation, campaign).
pub(crate) async fn setup(store: &Store, agents: usize, records: usize) -> (i64, i64) {
    let op = store.create_operation("sim", TZ, 10, now()).await.unwrap();
    store.set_calling_profile(op, "open").await.unwrap();
    let skill = store.create_skill(op, "Cobranza").await.unwrap();
    for a in 0..agents {
        store
            .create_agent(op, skill, &format!("agent {a}"))
            .await
            .unwrap();
    }
    store
        .put_activity_code(op, 1, "001", "Venta", true, true)
        .await
        .unwrap();
    store
        .put_activity_code(op, 1, "003", "No interesado", false, true)
        .await
        .unwrap();
    let campaign = campaign(store, op, "Sim", CampaignType::Predictive, Some(skill)).await;
    store.set_speed(op, campaign, 100).await.unwrap();
    let recs: Vec<NewRecord> = (0..records)
        .map(|i| {
            record(
                &format!("{}", 100_000 + i),
                "N",
                "A",
                &[&format!("57300{i:07}")],
                &[],
            )
        })
        .collect();
    for chunk in recs.chunks(10_000) {
        store.insert_records(campaign, chunk, now()).await.unwrap();
    }
    (op, campaign)
}

async fn simulate(
    answer_per_thousand: u32,
    agents: usize,
    hours: i64,
    seed: u64,
) -> (EngineStats, Store, i64, TestDb) {
    let (db, store) = test_store().await;
    // Enough records for the day at this answer rate.
    let records =
        (agents as f64 * hours as f64 * 3600.0 / 170.0 / (answer_per_thousand as f64 / 1000.0)
            * 1.3) as usize;
    let (op, campaign) = setup(&store, agents, records).await;
    let tel = SimTelephony::new(seed, SimProfile::with_answer_rate(answer_per_thousand));
    let mut engine = Engine::new(store.clone(), tel, EngineConfig::new(op, seed), now())
        .await
        .unwrap();
    let end = now()
        .checked_add(SignedDuration::from_hours(hours))
        .unwrap();
    engine.run_until(end).await.unwrap();
    (engine.stats().clone(), store, campaign, db)
}

both!(pacing_holds_abandon_under_3_percent_at_10_30_and_60_percent_answer_rates);
async fn pacing_holds_abandon_under_3_percent_at_10_30_and_60_percent_answer_rates() {
    let runs =
        futures_util::future::join_all([100, 300, 600].map(|p| simulate(p, 20, 8, 11))).await;
    println!("| answer rate | attempts | human answers | abandon | occupancy |");
    for ((stats, ..), p) in runs.iter().zip([10, 30, 60]) {
        println!(
            "| {p} % | {} | {} | {:.2} % | {:.1} % |",
            stats.attempts,
            stats.human_answers,
            stats.abandon_rate() * 100.0,
            stats.occupancy() * 100.0
        );
        assert!(stats.abandon_rate() <= 0.03, "{p} %: {stats:?}");
        assert!(
            stats.occupancy() > 0.6,
            "{p} %: the pacer barely dialed: {stats:?}"
        );
        assert!(stats.codified > 0);
    }
    // Each codify the engine counted is in the store: a record codified once
    // (a codified record is never dialed again), in the transaction of the
    // facts after its call's attempt.
    for (stats, store, campaign, _) in &runs {
        let mut read = store.campaign_export(*campaign).await.unwrap();
        let codified = read
            .rows(u64::MAX)
            .filter(|r| std::future::ready(!r.as_ref().unwrap().cod_act.is_empty()))
            .count()
            .await;
        read.finish().await.unwrap();
        assert_eq!(codified as u64, stats.codified);
    }
}

async fn campaign_3(store: &Store, op: i64, campaign: i64) -> Vec<Campaign3Row> {
    let tz = jiff::tz::TimeZone::get(TZ).unwrap();
    let mut read = store
        .campaign_3_read(op, CampaignSel::One(campaign), at(0), at(86_400), 1_000_000)
        .await
        .unwrap();
    read.rows(tz).map(|r| r.unwrap()).collect().await
}

both!(the_same_seed_places_the_same_calls);
async fn the_same_seed_places_the_same_calls() {
    let (a, sa, ca, _da) = simulate(300, 10, 1, 5).await;
    let (b, sb, cb, _db) = simulate(300, 10, 1, 5).await;
    assert_eq!(a, b);
    let (ra, rb) = (campaign_3(&sa, 1, ca).await, campaign_3(&sb, 1, cb).await);
    assert!(ra.len() > 100);
    assert_eq!(ra, rb);
    let (c, ..) = simulate(300, 10, 1, 6).await;
    assert_ne!(a, c, "another seed, other calls");
}

/// `s` seconds after [`now`].
pub(crate) fn after(s: i64) -> Timestamp {
    now().checked_add(SignedDuration::from_secs(s)).unwrap()
}

/// An engine on simulated telephony over [`setup`]'s operation of 5 agents
/// and 2,000 records, run to [`after`]`(600)`. Returns (operation, campaign,
/// engine).
pub(crate) async fn dialing_ten_minutes(store: &Store) -> (i64, i64, Engine) {
    let (op, campaign) = setup(store, 5, 2_000).await;
    let tel = SimTelephony::new(1, SimProfile::default());
    let mut engine = Engine::new(store.clone(), tel, EngineConfig::new(op, 1), now())
        .await
        .unwrap();
    engine.run_until(after(600)).await.unwrap();
    (op, campaign, engine)
}

/// Stops the campaign and has the engine read it (as at its next sync).
pub(crate) async fn stop(store: &Store, engine: &mut Engine, op: i64, campaign: i64) {
    store
        .set_campaign_started(op, campaign, false)
        .await
        .unwrap();
    engine.sync_campaigns().await.unwrap();
}

both!(stopping_a_campaign_stops_dialing_at_the_next_tick);
async fn stopping_a_campaign_stops_dialing_at_the_next_tick() {
    let (_db, store) = test_store().await;
    let (op, campaign, mut engine) = dialing_ten_minutes(&store).await;
    let before = engine.stats().attempts;
    assert!(before > 0);
    stop(&store, &mut engine, op, campaign).await;
    engine.run_until(after(1_800)).await.unwrap();
    assert_eq!(engine.stats().attempts, before, "dialed after the stop");
}

both!(no_record_is_picked_after_an_acknowledged_codify);
async fn no_record_is_picked_after_an_acknowledged_codify() {
    let (_db, store) = test_store().await;
    let (op, campaign) = setup(&store, 1, 3_000).await;
    let clock = Arc::new(AtomicU64::new(0));
    // That the two really race is made sure of, not hoped for: the codifier
    // starts once the dialer has picked, and the dialer stops at half the
    // records (on a loaded machine either could otherwise finish before the
    // other started; seen on PostgreSQL).
    let (first_pick, picked) = tokio::sync::oneshot::channel::<()>();
    // The dialer: picks records in order and writes their attempts.
    let dialer = {
        let (store, clock) = (store.clone(), clock.clone());
        tokio::spawn(async move {
            let mut picks = Vec::new();
            let mut first_pick = Some(first_pick);
            while picks.len() < 1_500 {
                let issued = clock.fetch_add(1, Ordering::SeqCst);
                let claims = store.claim_records(campaign, 3, at(0)).await.unwrap();
                if claims.is_empty() {
                    return picks;
                }
                let facts: Vec<Fact> = claims
                    .iter()
                    .map(|c| {
                        attempt(
                            campaign,
                            c.record_id,
                            c.phone,
                            &c.telephone,
                            0,
                            marcador_wire::CallResult::NoAnswer,
                            "1.1.1.1",
                        )
                    })
                    .collect();
                store.record_facts(&facts).await.unwrap();
                picks.extend(claims.into_iter().map(|c| (c.customer_id, issued)));
                if let Some(first) = first_pick.take() {
                    let _ = first.send(());
                }
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
            picks
        })
    };
    picked.await.unwrap();
    // Codify, in the same order, every customer the dialer is racing toward.
    let mut acks = std::collections::HashMap::new();
    for i in 0..3_000 {
        let customer = format!("{}", 100_000 + i);
        let input = CodifyInput {
            customer_id: customer.clone(),
            cod_act: "003".into(),
            cod_act_2: String::new(),
            comment: String::new(),
        };
        store
            .codify(op, campaign, CampaignType::Predictive, &input, now())
            .await
            .unwrap()
            .unwrap();
        acks.insert(customer, clock.fetch_add(1, Ordering::SeqCst));
    }
    let picks = dialer.await.unwrap();
    assert!(
        !picks.is_empty() && picks.len() < 3_000,
        "the two really raced: {} picks",
        picks.len()
    );
    for (customer, issued) in &picks {
        assert!(
            issued < &acks[customer],
            "customer {customer} picked after its codify was acknowledged"
        );
    }
    // And the store agrees: every record is codified, none is dialable.
    let dialable = store.claim_records(campaign, 10, at(0)).await.unwrap();
    assert!(dialable.is_empty());
    let _ = Timestamp::now();
}

both!(the_calling_profile_and_window_are_checked_at_dial_time);
async fn the_calling_profile_and_window_are_checked_at_dial_time() {
    let (_db, store) = test_store().await;
    let (op, _) = setup(&store, 5, 5_000).await;
    let t = |h: i64| now().checked_add(SignedDuration::from_hours(h)).unwrap();
    // NOW is Sunday 2026-11-22 10:00 in Bogotá: the Colombian profile forbids Sundays.
    store.set_calling_profile(op, "colombia").await.unwrap();
    let mut engine = Engine::new(
        store.clone(),
        SimTelephony::new(2, SimProfile::default()),
        EngineConfig::new(op, 2),
        now(),
    )
    .await
    .unwrap();
    engine.run_until(t(14)).await.unwrap(); // until Monday 00:00
    assert_eq!(engine.stats().attempts, 0, "dialed on a Sunday");
    engine
        .run_until(t(21).checked_sub(SignedDuration::from_secs(1)).unwrap())
        .await
        .unwrap(); // Monday 06:59:59
    assert_eq!(engine.stats().attempts, 0, "dialed before 07:00");
    engine.run_until(t(22)).await.unwrap(); // Monday 07:00–08:00: dialing
    assert!(engine.stats().attempts > 0);
    // Every attempt fell between 07:00 and 19:00 on a weekday.
    let c3 = campaign_3(&store, op, 1).await;
    assert!(
        c3.iter().all(|r| r.date.starts_with("2026-11-23 07:")),
        "{:?}",
        c3.first()
    );
}

both!(a_blocked_number_is_not_dialed_until_its_block_ends);
async fn a_blocked_number_is_not_dialed_until_its_block_ends() {
    let (_db, store) = test_store().await;
    let (op, campaign) = setup(&store, 5, 3).await;
    // Block the first record's number for a day.
    store
        .add_dnc(op, &[("573000000000".into(), at(86_400))])
        .await
        .unwrap();
    let claims = store.claim_records(campaign, 10, at(0)).await.unwrap();
    let picked: Vec<&str> = claims.iter().map(|c| c.customer_id.as_str()).collect();
    assert_eq!(picked, ["100001", "100002"]);
    let later = store.claim_records(campaign, 10, at(86_401)).await.unwrap();
    assert_eq!(
        later
            .iter()
            .map(|c| c.customer_id.as_str())
            .collect::<Vec<_>>(),
        ["100000"]
    );
}

both!(inbound_callers_walk_the_menu_reach_agents_and_rate_them);
async fn inbound_callers_walk_the_menu_reach_agents_and_rate_them() {
    use marcador_server::engine::InboundSim;
    let (_db, store) = test_store().await;
    let (op, campaign) = setup(&store, 4, 10).await;
    store
        .set_campaign_started(op, campaign, false)
        .await
        .unwrap();
    let rp = store.create_routing_point(op, "Principal").await.unwrap();
    let skill = store.agents(op).await.unwrap()[0].skills[0];
    let mut cfg = EngineConfig::new(op, 3);
    cfg.inbound = vec![InboundSim {
        rp_id: rp,
        skill_id: Some(skill),
        options: vec![("1".into(), 60), ("2".into(), 25), ("PULSE".into(), 15)],
        // ~4 Erlangs of talk on 4 agents: some callers give up, most do not.
        calls_per_hour: 60.0,
        survey_questions: 3,
        smart_wait_ms: None,
    }];
    cfg.other_calls_per_hour = 20.0;
    let mut engine = Engine::new(
        store.clone(),
        SimTelephony::new(3, SimProfile::default()),
        cfg,
        now(),
    )
    .await
    .unwrap();
    engine
        .run_until(now().checked_add(SignedDuration::from_hours(2)).unwrap())
        .await
        .unwrap();
    let s = engine.stats().clone();
    assert!(s.inbound > 90, "{s:?}");
    assert!(
        s.inbound_abandoned > 0 && s.inbound_abandoned < s.inbound / 2,
        "{s:?}"
    );
    assert_eq!(s.attempts, 0, "the stopped campaign did not dial");
    let rows = store
        .ivr_option_totals(op, at(0), at(2 * 3600))
        .await
        .unwrap();
    let options: Vec<&str> = rows.iter().map(|r| r.option.as_str()).collect();
    assert_eq!(options, ["1", "2", "PULSE"]);
    let calls: u64 = rows.iter().map(|r| r.calls as u64).sum();
    assert!(
        calls >= s.inbound,
        "every caller passed at least one option"
    );
    // Some callers rated their call after the talk: the skill's surveys are
    // its agents' surveys, three questions asked, never a fourth.
    use marcador_server::store::SurveysBy;
    let by_skill = store
        .survey_sums(op, at(0), at(3 * 3600), SurveysBy::Skill)
        .await
        .unwrap();
    assert_eq!(by_skill.len(), 1, "{by_skill:?}");
    let sums = by_skill[0].sums;
    assert_eq!(by_skill[0].id, skill.to_string());
    assert!(sums.surveys >= 5, "{sums:?}");
    assert!(sums.counts[0] <= sums.surveys && sums.counts[2] <= sums.counts[0]);
    assert!(sums.counts[3..].iter().all(|n| *n == 0), "{sums:?}");
    assert!(
        (sums.counts[0]..=5 * sums.counts[0]).contains(&sums.sums[0]),
        "{sums:?}"
    );
    let by_agent = store
        .survey_sums(op, at(0), at(3 * 3600), SurveysBy::Agent)
        .await
        .unwrap();
    assert_eq!(
        by_agent.iter().map(|g| g.sums.surveys).sum::<i64>(),
        sums.surveys
    );
}

both!(queued_callers_offered_a_call_back_are_called_back);
/// Smart wait on a busy skill: callers queued 10 s are offered a call back;
/// those who decline keep waiting, those who accept are called back by a
/// free agent (a call of its own, with its row) and end OK, NO USER or FAIL;
/// diagram_2's sums agree with the rows.
async fn queued_callers_offered_a_call_back_are_called_back() {
    use marcador_server::engine::InboundSim;
    use sqlx::Row;
    let (db, store) = test_store().await;
    let (op, campaign) = setup(&store, 2, 10).await;
    store
        .set_campaign_started(op, campaign, false)
        .await
        .unwrap();
    let rp = store.create_routing_point(op, "Principal").await.unwrap();
    let skill = store.agents(op).await.unwrap()[0].skills[0];
    let mut cfg = EngineConfig::new(op, 11);
    cfg.inbound = vec![InboundSim {
        rp_id: rp,
        skill_id: Some(skill),
        options: vec![("1".into(), 100)],
        // More talk than two agents take: callers queue.
        calls_per_hour: 40.0,
        survey_questions: 0,
        smart_wait_ms: Some(10_000),
    }];
    cfg.callback_retry_ms = 60_000;
    let mut engine = Engine::new(
        store.clone(),
        SimTelephony::new(11, SimProfile::default()),
        cfg,
        now(),
    )
    .await
    .unwrap();
    engine
        .run_until(now().checked_add(SignedDuration::from_hours(3)).unwrap())
        .await
        .unwrap();
    let pool = raw_pool(&db).await;
    let rows = sqlx::query(
        "SELECT w.status, w.attempts, w.inbound_ms, w.last_outbound_ms, w.talk_ms, w.dial_phone, \
         (SELECT COUNT(*) FROM calls c WHERE c.operation_id = w.operation_id AND c.telephone = w.dial_phone \
          AND c.type_interaction = 'outbound_ma') AS call_backs \
         FROM smart_waits w WHERE w.operation_id = $1",
    )
    .bind(op)
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut by_status = std::collections::BTreeMap::<String, i64>::new();
    for r in &rows {
        let status: String = r.get("status");
        let attempts: i64 = r.get("attempts");
        let call_backs: i64 = r.get("call_backs");
        *by_status.entry(status.clone()).or_default() += 1;
        match status.as_str() {
            "NO" => assert_eq!(attempts, 0),
            "OK" | "NO USER" => {
                assert!((1..=3).contains(&attempts), "{status} after {attempts}");
                assert!(r.get::<i64, _>("talk_ms") > 0);
                let (inbound, last): (i64, Option<i64>) =
                    (r.get("inbound_ms"), r.get("last_outbound_ms"));
                assert!(last.is_some_and(|l| l > inbound));
                assert!(call_backs >= attempts, "each call back has its calls row");
            }
            "FAIL" => assert_eq!(attempts, 3),
            "YES" => assert!(attempts <= 3),
            other => panic!("{other}"),
        }
    }
    assert!(by_status.get("NO").is_some_and(|n| *n > 0), "{by_status:?}");
    assert!(by_status.get("OK").is_some_and(|n| *n > 0), "{by_status:?}");
    let totals = store
        .smart_wait_totals(op, at(0), at(4 * 3600))
        .await
        .unwrap();
    assert_eq!(totals.len(), 1);
    let t = &totals[0];
    assert_eq!(t.skill_id, skill);
    assert_eq!(t.offered, rows.len() as i64);
    assert_eq!(Some(&t.declined), by_status.get("NO"));
    assert_eq!(Some(&t.ok), by_status.get("OK"));
    assert!(t.queued >= t.offered, "{t:?}");
    eprintln!("smart wait: {by_status:?}; {t:?}");

    // The process stops with call backs still owed; the next engine, with no
    // new callers, calls them back.
    let owed = by_status.get("YES").copied().unwrap_or(0);
    assert!(owed > 0, "{by_status:?}");
    drop(engine);
    let mut cfg = EngineConfig::new(op, 12);
    cfg.callback_retry_ms = 60_000;
    let later = now().checked_add(SignedDuration::from_hours(3)).unwrap();
    let mut engine = Engine::new(
        store.clone(),
        SimTelephony::new(12, SimProfile::default()),
        cfg,
        later,
    )
    .await
    .unwrap();
    engine
        .run_until(later.checked_add(SignedDuration::from_hours(1)).unwrap())
        .await
        .unwrap();
    let still: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM smart_waits WHERE operation_id = $1 AND status = 'YES'",
    )
    .bind(op)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(still, 0, "every call back owed was taken up");
    let ended: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM smart_waits WHERE operation_id = $1 AND status IN ('OK', 'NO USER', 'FAIL')",
    )
    .bind(op)
    .fetch_one(&pool)
    .await
    .unwrap();
    let before = ["OK", "NO USER", "FAIL"]
        .iter()
        .map(|k| by_status.get(*k).copied().unwrap_or(0))
        .sum::<i64>();
    assert_eq!(ended, before + owed);
}

both!(preview_offers_a_record_to_its_own_agent_first_and_never_to_another);
async fn preview_offers_a_record_to_its_own_agent_first_and_never_to_another() {
    use marcador_server::store::ClaimRules;
    let (_db, store) = test_store().await;
    let (_, campaign) = setup(&store, 1, 0).await;
    let mut mine = record("MINE", "N", "A", &["573001"], &[]);
    mine.agent_id = "7".into();
    let mut theirs = record("THEIRS", "N", "A", &["573002"], &[]);
    theirs.agent_id = "8".into();
    let anyone = record("ANYONE", "N", "A", &["573003"], &[]);
    store
        .insert_records(campaign, &[anyone, theirs, mine], now())
        .await
        .unwrap();
    let rules = |a: &str| ClaimRules {
        one_contact_per_day: None,
        agent: Some(a.into()),
        leased: false,
    };
    let pick = |a: &'static str| {
        let store = store.clone();
        async move {
            store
                .claim_records_with(campaign, 1, at(0), &rules(a))
                .await
                .unwrap()
                .pop()
                .map(|c| c.customer_id)
        }
    };
    assert_eq!(pick("7").await.as_deref(), Some("MINE"));
    assert_eq!(pick("7").await.as_deref(), Some("ANYONE"));
    assert_eq!(
        pick("7").await,
        None,
        "another agent's record is not offered"
    );
    assert_eq!(pick("8").await.as_deref(), Some("THEIRS"));
}

/// One customer's record in two campaigns of an operation, picked in the
/// first: returns (the second campaign, the fact of the person answering in
/// the first, at `at(0)`, not written).
pub(crate) async fn one_customer_in_two_campaigns(store: &Store) -> (i64, Fact) {
    let (op, first) = setup(store, 1, 1).await;
    let second = campaign(store, op, "Otra", CampaignType::Predictive, None).await;
    store
        .insert_records(
            second,
            &[record("100000", "N", "A", &["573009"], &[])],
            now(),
        )
        .await
        .unwrap();
    let c = store
        .claim_records(first, 1, at(0))
        .await
        .unwrap()
        .remove(0);
    let answered = attempt(
        first,
        c.record_id,
        1,
        &c.telephone,
        0,
        marcador_wire::CallResult::Answer,
        "1.1.1.1",
    );
    (second, answered)
}

both!(a_customer_reached_today_is_not_dialed_again_that_day);
async fn a_customer_reached_today_is_not_dialed_again_that_day() {
    use marcador_server::store::ClaimRules;
    let (_db, store) = test_store().await;
    let (second, answered) = one_customer_in_two_campaigns(&store).await;
    store.record_facts(&[answered]).await.unwrap();
    let rules = |day: &str| ClaimRules {
        one_contact_per_day: Some(day.into()),
        agent: None,
        leased: false,
    };
    assert!(
        store
            .claim_records_with(second, 1, at(0), &rules("2026-11-22"))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .claim_records_with(second, 1, at(86_400), &rules("2026-11-23"))
            .await
            .unwrap()
            .len(),
        1
    );
}

both!(a_customer_released_from_ley_2300_may_be_dialed_again_that_day);
/// free_law2300 lifts the one-contact-a-day rule: by the customer's id for
/// every number it has, by a number for that number only.
async fn a_customer_released_from_ley_2300_may_be_dialed_again_that_day() {
    use marcador_server::store::{ClaimRules, Law2300Release};
    use marcador_wire::law2300::ReleaseItem;
    let (_db, store) = test_store().await;
    let (op, first) = setup(&store, 1, 2).await;
    let second = campaign(&store, op, "Otra", CampaignType::Predictive, None).await;
    store
        .insert_records(
            second,
            &[
                record("100000", "N", "A", &["573009"], &[]),
                record("100001", "N", "B", &["573010"], &[]),
            ],
            now(),
        )
        .await
        .unwrap();
    // Both customers are reached today in the first campaign.
    for c in store.claim_records(first, 2, at(0)).await.unwrap() {
        store
            .record_facts(&[attempt(
                first,
                c.record_id,
                1,
                &c.telephone,
                0,
                marcador_wire::CallResult::Answer,
                "1.1.1.1",
            )])
            .await
            .unwrap();
    }
    let rules = ClaimRules {
        one_contact_per_day: Some("2026-11-22".into()),
        agent: None,
        leased: false,
    };
    let picked = || async {
        store
            .claim_records_with(second, 2, at(60), &rules)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.customer_id)
            .collect::<Vec<_>>()
    };
    assert!(picked().await.is_empty());
    let release = |item, value: &str| Law2300Release {
        operation_id: op,
        released_at: at(30),
        nit: "900123456".into(),
        item,
        value: value.into(),
        agent_code: String::new(),
    };
    // A number the customer does not dial next frees nothing.
    store
        .free_law2300(release(ReleaseItem::TelNumber, "573999"))
        .await
        .unwrap();
    assert!(picked().await.is_empty());
    store
        .free_law2300(release(ReleaseItem::IdCustomer, "100000"))
        .await
        .unwrap();
    assert_eq!(picked().await, ["100000"]);
    store
        .free_law2300(release(ReleaseItem::TelNumber, "573010"))
        .await
        .unwrap();
    assert_eq!(picked().await, ["100001"]);
}

both!(the_engines_agents_leave_every_state_as_a_fact);
/// Two hours of predictive and inbound traffic: each simulated agent's
/// states follow one another from its log-in without gap or overlap up to the
/// state it is in now, some of them breaks in the operation's pauses; every
/// queued call says how long it waited.
async fn the_engines_agents_leave_every_state_as_a_fact() {
    use marcador_server::engine::InboundSim;
    let (db, store) = test_store().await;
    let (op, _campaign) = setup(&store, 4, 3_000).await;
    let rp = store.create_routing_point(op, "Principal").await.unwrap();
    let skill = store.agents(op).await.unwrap()[0].skills[0];
    let mut cfg = EngineConfig::new(op, 9);
    cfg.inbound = vec![InboundSim {
        rp_id: rp,
        skill_id: Some(skill),
        options: vec![("1".into(), 80), ("PULSE".into(), 20)],
        calls_per_hour: 30.0,
        survey_questions: 0,
        smart_wait_ms: None,
    }];
    cfg.breaks = vec!["BRK".into()];
    let mut engine = Engine::new(
        store.clone(),
        SimTelephony::new(9, SimProfile::default()),
        cfg,
        now(),
    )
    .await
    .unwrap();
    engine
        .run_until(now().checked_add(SignedDuration::from_hours(2)).unwrap())
        .await
        .unwrap();
    let raw = raw_pool(&db).await;
    let events: Vec<(i64, i64, i64, String, String)> = sqlx::query_as(
        "SELECT agent_id, started_ms, ms, state, pause FROM agent_events ORDER BY agent_id, started_ms, id",
    )
    .fetch_all(&raw)
    .await
    .unwrap();
    let now_state: Vec<(i64, i64, i64)> =
        sqlx::query_as("SELECT agent_id, login_ms, since_ms FROM agent_status ORDER BY agent_id")
            .fetch_all(&raw)
            .await
            .unwrap();
    assert_eq!(now_state.len(), 4);
    for (agent, login, since) in now_state {
        let mut at = login;
        for e in events.iter().filter(|e| e.0 == agent) {
            assert_eq!(e.1, at, "agent {agent}: a gap or an overlap at {at}");
            at += e.2;
        }
        assert_eq!(
            at, since,
            "agent {agent}: its states lead to the one it is in"
        );
    }
    // Calls handed on: the agent they reached talks on the leg from that
    // moment; with no colleague free, the caller went to the back office.
    let outside: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM transfers WHERE to_agent_id IS NULL AND dnis = $1",
    )
    .bind(world::BACK_OFFICE)
    .fetch_one(&raw)
    .await
    .unwrap();
    let all: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM transfers")
        .fetch_one(&raw)
        .await
        .unwrap();
    eprintln!("{all} handed on, {outside} to the back office");
    let handed: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT conn_id, to_agent_id, started_ms, ms FROM transfers \
         WHERE to_agent_id IS NOT NULL ORDER BY started_ms",
    )
    .fetch_all(&raw)
    .await
    .unwrap();
    assert!(
        !handed.is_empty() && handed.len() as i64 + outside == all,
        "simulated agents hand calls on now and then"
    );
    for (conn, to, started, ms) in &handed {
        let talk: (i64, i64) = sqlx::query_as(
            "SELECT started_ms, ms FROM agent_events WHERE conn_id = $1 AND agent_id = $2 AND state LIKE 'talk%'",
        )
        .bind(conn)
        .bind(to)
        .fetch_one(&raw)
        .await
        .unwrap();
        assert_eq!(talk, (*started, *ms), "{conn}");
    }
    let states: std::collections::BTreeSet<&str> = events.iter().map(|e| e.3.as_str()).collect();
    for s in ["acw", "pause", "ready", "talk_in", "talk_out"] {
        assert!(states.contains(s), "{s} in {states:?}");
    }
    assert!(
        events
            .iter()
            .filter(|e| e.3 == "pause")
            .all(|e| e.4 == "BRK")
    );
    let waits: Vec<(String, i64)> = sqlx::query_as(
        "SELECT type_interaction, wait_seconds FROM calls WHERE wait_seconds IS NOT NULL",
    )
    .fetch_all(&raw)
    .await
    .unwrap();
    assert!(waits.iter().any(|w| w.0 == "inbound"), "{waits:?}");
    // The skill's queue length, as the engine last wrote it.
    let queues: Vec<(i64, i64)> = sqlx::query_as("SELECT skill_id, in_queue FROM skill_status")
        .fetch_all(&raw)
        .await
        .unwrap();
    assert_eq!(queues.len(), 1, "{queues:?}");
    assert!(queues[0].1 >= 0);
    assert!(
        waits
            .iter()
            .filter(|w| w.0 == "out_pre")
            .all(|w| (0..=2).contains(&w.1)),
        "a predictive answer waits at most 2 s: {waits:?}"
    );
}

both!(a_preview_agent_looks_then_hears_the_call_ring);
/// A preview campaign's agent: each preview is written about the call it
/// leads to, and ends when that call is dialed, where its ringing starts.
async fn a_preview_agent_looks_then_hears_the_call_ring() {
    let (db, store) = test_store().await;
    let (op, predictive) = setup(&store, 2, 0).await;
    store
        .set_campaign_started(op, predictive, false)
        .await
        .unwrap();
    let skill = store.agents(op).await.unwrap()[0].skills[0];
    let preview = campaign(&store, op, "Preview", CampaignType::Preview, Some(skill)).await;
    store.set_campaign_started(op, preview, true).await.unwrap();
    let recs: Vec<NewRecord> = (0..40)
        .map(|i| record(&format!("P{i}"), "N", "A", &[&format!("57301{i:07}")], &[]))
        .collect();
    store.insert_records(preview, &recs, now()).await.unwrap();
    let mut engine = Engine::new(
        store.clone(),
        SimTelephony::new(4, SimProfile::default()),
        EngineConfig::new(op, 4),
        now(),
    )
    .await
    .unwrap();
    engine
        .run_until(now().checked_add(SignedDuration::from_mins(30)).unwrap())
        .await
        .unwrap();
    let raw = raw_pool(&db).await;
    let events: Vec<(i64, i64, i64, String, String)> = sqlx::query_as(
        "SELECT agent_id, started_ms, ms, state, conn_id FROM agent_events ORDER BY agent_id, started_ms, id",
    )
    .fetch_all(&raw)
    .await
    .unwrap();
    let previews: Vec<&(i64, i64, i64, String, String)> =
        events.iter().filter(|e| e.3 == "preview").collect();
    assert!(previews.len() > 5, "{events:?}");
    for p in previews {
        assert!(!p.4.is_empty(), "a preview names its call: {p:?}");
        let next = events
            .iter()
            .find(|e| e.0 == p.0 && e.1 == p.1 + p.2)
            .unwrap_or_else(|| panic!("what followed {p:?}"));
        assert_eq!(
            (next.3.as_str(), &next.4),
            ("talk_out", &p.4),
            "{p:?} → {next:?}"
        );
    }
    let dialed: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM calls WHERE type_interaction = 'outbound_ma'")
            .fetch_one(&raw)
            .await
            .unwrap();
    assert!(dialed > 5);
}

both!(a_record_that_names_an_agent_goes_to_that_agent);
/// Three free agents and one record that names the last of them: its answered
/// call goes to that agent, unless the campaign turns routing off.
async fn a_record_that_names_an_agent_goes_to_that_agent() {
    use marcador_server::store::CampaignEdit;
    for routing_off in [false, true] {
        let (db, store) = test_store().await;
        let (op, campaign) = setup(&store, 3, 0).await;
        let agents = store.agents(op).await.unwrap();
        let last = agents.last().unwrap().clone();
        let mut r = record("R1", "N", "A", &["573001"], &[]);
        r.agent_id = last.code.clone();
        store.insert_records(campaign, &[r], now()).await.unwrap();
        if routing_off {
            let edit = CampaignEdit {
                routing_recall: Some(true),
                ..CampaignEdit::default()
            };
            store
                .edit_campaign(op, campaign, &edit)
                .await
                .unwrap()
                .unwrap();
        }
        let profile = SimProfile {
            human: 1000,
            machine: 0,
            busy: 0,
            congestion: 0,
            failed: 0,
            chanunavail: 0,
            ..SimProfile::default()
        };
        let mut engine = Engine::new(
            store.clone(),
            SimTelephony::new(2, profile),
            EngineConfig::new(op, 2),
            now(),
        )
        .await
        .unwrap();
        engine
            .run_until(now().checked_add(SignedDuration::from_mins(2)).unwrap())
            .await
            .unwrap();
        let raw = raw_pool(&db).await;
        let took: Option<i64> =
            sqlx::query_scalar("SELECT agent_id FROM calls WHERE customer_id = 'R1'")
                .fetch_one(&raw)
                .await
                .unwrap();
        if routing_off {
            assert_ne!(took, Some(last.id), "routing off: the first free agent");
        } else {
            assert_eq!(took, Some(last.id), "the agent the record names");
        }
    }
}
