//! The engine's tick as one transaction (`Store::record_engine_tick`): its
//! picks see the tick's own facts, picks of one tick never take a record
//! twice, a preview agent's next campaign is asked only when the one before
//! had nothing, a tick that fails leaves nothing taken, and the facts of a
//! tick the database was too busy for are written at the next.

use marcador_server::store::{AgentCommand, ClaimAsk, ClaimRules, EngineTick, Store};
use marcador_wire::{CallResult, CampaignType};

use crate::engine::{after, dialing_ten_minutes, one_customer_in_two_campaigns, setup, stop};
use crate::helpers::*;

fn ask(campaign_id: i64, n: u32, rules: ClaimRules, unless: Option<usize>) -> ClaimAsk {
    ClaimAsk {
        campaign_id,
        n,
        rules,
        unless,
    }
}

fn agent_rules(agent: &str) -> ClaimRules {
    ClaimRules {
        agent: Some(agent.into()),
        ..ClaimRules::default()
    }
}

/// The customer ids of each ask's picks.
fn picked(claims: &[Vec<marcador_server::store::Claim>]) -> Vec<Vec<String>> {
    claims
        .iter()
        .map(|c| c.iter().map(|c| c.customer_id.clone()).collect())
        .collect()
}

async fn tick(store: &Store, tick: EngineTick<'_>) -> Vec<Vec<String>> {
    picked(&store.record_engine_tick(&tick).await.unwrap().claims)
}

/// A tick at `at(0)` with picks only.
async fn picks(store: &Store, asks: &[ClaimAsk]) -> Vec<Vec<String>> {
    tick(
        store,
        EngineTick {
            claims: asks,
            now: at(0),
            ..EngineTick::default()
        },
    )
    .await
}

both!(a_ticks_pick_sees_the_contact_its_own_facts_made);
/// Ley 2300 inside one tick: the answer written with the tick's facts keeps
/// the same customer's record in another campaign from being picked there.
async fn a_ticks_pick_sees_the_contact_its_own_facts_made() {
    let (_db, store) = test_store().await;
    let (second, answered) = one_customer_in_two_campaigns(&store).await;
    let answered = [answered];
    let rules = ClaimRules {
        one_contact_per_day: Some("2026-11-22".into()),
        ..ClaimRules::default()
    };
    let asks = [ask(second, 1, rules, None)];
    let got = tick(
        &store,
        EngineTick {
            facts: &answered,
            claims: &asks,
            now: at(0),
            ..EngineTick::default()
        },
    )
    .await;
    assert_eq!(got, vec![Vec::<String>::new()]);
    // The next day the customer may be called again.
    let next_day = [ask(
        second,
        1,
        ClaimRules {
            one_contact_per_day: Some("2026-11-23".into()),
            ..ClaimRules::default()
        },
        None,
    )];
    let got = tick(
        &store,
        EngineTick {
            claims: &next_day,
            now: at(86_400),
            ..EngineTick::default()
        },
    )
    .await;
    assert_eq!(got, vec![vec!["100000".to_owned()]]);
}

both!(picks_of_one_tick_never_take_a_record_twice);
/// Several preview agents on one campaign in one tick: each gets its own
/// record (the first takes are not written until the tick's end), and the
/// campaign's counters move once per record taken.
async fn picks_of_one_tick_never_take_a_record_twice() {
    let (_db, store) = test_store().await;
    let (op, campaign) = setup(&store, 1, 3).await;
    let asks = [
        ask(campaign, 1, agent_rules("1"), None),
        ask(campaign, 1, agent_rules("2"), None),
        ask(campaign, 2, ClaimRules::default(), None),
    ];
    let got = picks(&store, &asks).await;
    assert_eq!(
        got,
        vec![
            vec!["100000".to_owned()],
            vec!["100001".to_owned()],
            vec!["100002".to_owned()],
        ]
    );
    // All three are taken: nothing is left to pick.
    assert!(
        store
            .claim_records(campaign, 3, at(0))
            .await
            .unwrap()
            .is_empty()
    );
    let counters = store
        .campaign_counters(op, at(0), "2026-11-22")
        .await
        .unwrap();
    let c = counters.iter().find(|c| c.id == campaign).unwrap();
    assert_eq!((c.clean, c.dial), (0, 3));
}

both!(a_preview_agents_next_campaign_is_asked_only_when_the_first_had_nothing);
async fn a_preview_agents_next_campaign_is_asked_only_when_the_first_had_nothing() {
    let (_db, store) = test_store().await;
    let (op, empty) = setup(&store, 1, 0).await;
    let full = campaign(&store, op, "Llena", CampaignType::Preview, None).await;
    store
        .insert_records(
            full,
            &[
                record("A", "N", "A", &["573001"], &[]),
                record("B", "N", "A", &["573002"], &[]),
            ],
            now(),
        )
        .await
        .unwrap();
    // Agent 1: the empty campaign first, then the full one. Agent 2: the
    // full one first, then (not asked) the full one again.
    let asks = [
        ask(empty, 1, agent_rules("1"), None),
        ask(full, 1, agent_rules("1"), Some(0)),
        ask(full, 1, agent_rules("2"), None),
        ask(full, 1, agent_rules("2"), Some(2)),
    ];
    let got = picks(&store, &asks).await;
    assert_eq!(
        got,
        vec![vec![], vec!["A".to_owned()], vec!["B".to_owned()], vec![]]
    );
}

both!(a_failed_tick_takes_no_record_and_no_command);
/// All or nothing: a tick whose facts are refused picks nothing and leaves
/// the agent API's commands for the next tick.
async fn a_failed_tick_takes_no_record_and_no_command() {
    let (_db, store) = test_store().await;
    let (op, campaign) = setup(&store, 1, 2).await;
    let agent = store.agents(op).await.unwrap()[0].id;
    store
        .agent_command(op, agent, &AgentCommand::Ready)
        .await
        .unwrap();
    // An attempt on a record of no campaign of the operation.
    let bad = [attempt(
        campaign,
        999_999,
        1,
        "573000",
        0,
        CallResult::Answer,
        "1.1.1.9",
    )];
    let asks = [ask(campaign, 2, ClaimRules::default(), None)];
    let failed = store
        .record_engine_tick(&EngineTick {
            facts: &bad,
            commands_of: Some(op),
            claims: &asks,
            now: at(0),
            ..EngineTick::default()
        })
        .await;
    assert!(failed.is_err());
    assert_eq!(
        store.claim_records(campaign, 5, at(0)).await.unwrap().len(),
        2
    );
    assert_eq!(
        store.take_agent_commands(op).await.unwrap(),
        vec![(agent, AgentCommand::Ready)]
    );
}

#[tokio::test]
async fn a_tick_the_database_was_too_busy_for_is_written_at_the_next() {
    on(
        marcador_server::store::Backend::Sqlite,
        a_tick_the_database_was_too_busy_for_is_written_at_the_next_on_sqlite(),
    )
    .await
}

/// Another writer holds SQLite's write lock past the busy timeout (5 s), so
/// a tick fails: its facts are written at the next tick, so no call's
/// attempt is lost and no record stays `dialing` once every call has ended.
/// (SQLite only: PostgreSQL's writers wait for the writer lock as long as
/// it is held.)
async fn a_tick_the_database_was_too_busy_for_is_written_at_the_next_on_sqlite() {
    let (db, store) = test_store().await;
    let (op, campaign, mut engine) = dialing_ten_minutes(&store).await;
    let raw = raw_pool(&db).await;
    let mut holder = raw.acquire().await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut *holder)
        .await
        .unwrap();
    // The first tick with something to write fails (ticks before it only
    // read the agent API's commands).
    let mut failed = false;
    for s in 601..=660 {
        if engine.run_until(after(s)).await.is_err() {
            failed = true;
            break;
        }
    }
    assert!(failed, "no tick wrote in a minute");
    sqlx::query("ROLLBACK").execute(&mut *holder).await.unwrap();
    drop(holder);
    stop(&store, &mut engine, op, campaign).await;
    engine.run_until(after(2_400)).await.unwrap();
    let count = |sql: &'static str| {
        let raw = raw.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&raw)
                .await
                .unwrap()
        }
    };
    assert!(engine.stats().attempts > 0);
    assert_eq!(
        count("SELECT COUNT(*) FROM dial_attempts").await as u64,
        engine.stats().attempts
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM records WHERE status = 'dialing'").await,
        0
    );
}
