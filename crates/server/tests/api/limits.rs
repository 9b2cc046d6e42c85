//! The contract's limits: 2 requests in flight per token, the daily quota,
//! the record and size caps (errors, never truncation) and the deadline.

use std::time::Duration;

use marcador_server::config::Limits;
use marcador_server::store::NewRecord;
use marcador_server::testing::attempt_history;
use marcador_wire::{CallResult, CampaignType};
use reqwest::StatusCode;

use crate::campaign_3::c3;
use crate::helpers::*;

/// An operation "big" (10 licenses) whose campaign_3 answer over the last day has
/// `attempts` rows of ~1.9 KB each (twelve long opts), one per second from
/// -80,000 s. Returns (token, campaign).
pub async fn big_campaign(app: &TestApp, attempts: usize) -> (String, i64) {
    let store = &app.store;
    let op = store.create_operation("big", TZ, 10, now()).await.unwrap();
    let token = store
        .create_token(op, Some("big-token".into()), now())
        .await
        .unwrap();
    let campaign = campaign(store, op, "Big", CampaignType::Predictive, None).await;
    let records = attempts.div_ceil(10);
    let recs: Vec<NewRecord> = (0..records)
        .map(|i| {
            let opts: Vec<String> = (1..=12)
                .map(|n| format!("{n}").repeat(if n <= 6 { 100 } else { 200 }))
                .collect();
            let opts: Vec<&str> = opts.iter().map(String::as_str).collect();
            record(
                &format!("{i}"),
                "Nombre",
                "Apellido",
                &["573000000000"],
                &opts,
            )
        })
        .collect();
    for chunk in recs.chunks(5_000) {
        store.insert_records(campaign, chunk, now()).await.unwrap();
    }
    let facts = attempt_history(
        store,
        campaign,
        attempts,
        at(-80_000),
        &[CallResult::NoAnswer],
    )
    .await
    .unwrap();
    for chunk in facts.chunks(10_000) {
        store.record_facts(chunk).await.unwrap();
    }
    (token, campaign)
}

/// A request held in flight (see [`marcador_server::testing::hold_request`]).
async fn hold_request(app: &TestApp, token: &str, path: &str) -> tokio::net::TcpStream {
    marcador_server::testing::hold_request(&app.base, token, path)
        .await
        .unwrap()
}

both!(a_third_request_in_flight_is_refused_at_once_and_not_counted);
async fn a_third_request_in_flight_is_refused_at_once_and_not_counted() {
    let app = spawn_app().await;
    let (token, campaign) = big_campaign(&app, 20_000).await;
    let path = c3(campaign, &wire(-86_400), &wire(0));
    let op = app.store.operation_id("big").await.unwrap().unwrap();
    let used = || async { app.store.quota_used(op, "2026-11-22").await.unwrap() };
    let before = used().await;
    let first = hold_request(&app, &token, &path).await;
    let second = hold_request(&app, &token, &path).await;
    let third = tokio::time::timeout(
        Duration::from_secs(20),
        app.get(&token, "/api/v2/real_time.php?api=campaigns"),
    )
    .await
    .expect("the third request was queued instead of refused");
    assert_eq!(third.0, StatusCode::FORBIDDEN);
    assert_eq!(
        third.1,
        error(
            403,
            "FORBIDDEN",
            "EXCEEDS THE LIMIT OF SIMULTANEOUS REQUESTS PER TOKEN (2)"
        )
    );
    assert_eq!(used().await, before + 2, "the refused request was counted");
    // Another token of another operation is not affected.
    assert_eq!(
        app.get(&app.a.token, "/api/v2/real_time.php?api=campaigns")
            .await
            .0,
        StatusCode::OK
    );
    // Closing the held connections frees the slots.
    drop((first, second));
    let mut ok = false;
    for _ in 0..100 {
        if app
            .get(&token, "/api/v2/real_time.php?api=campaigns")
            .await
            .0
            == StatusCode::OK
        {
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ok, "the slots were not released");
}

both!(two_requests_in_flight_are_allowed);
async fn two_requests_in_flight_are_allowed() {
    let app = spawn_app().await;
    let (token, campaign) = big_campaign(&app, 20_000).await;
    let path = c3(campaign, &wire(-86_400), &wire(0));
    let _held = hold_request(&app, &token, &path).await;
    let (s, v) = app.get(&token, "/api/v2/real_time.php?api=campaigns").await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

both!(the_contract_cap_of_60000_records_is_an_error_never_a_truncation);
async fn the_contract_cap_of_60000_records_is_an_error_never_a_truncation() {
    let app = spawn_app().await;
    let (token, campaign) = big_campaign(&app, 60_001).await;
    let (s, v) = app
        .get(&token, &c3(campaign, &wire(-86_400), &wire(0)))
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        v,
        error(
            413,
            "PAYLOAD TOO LARGE",
            "THE ANSWER HAS MORE THAN 60000 RECORDS: NARROW THE DATE RANGE"
        )
    );
    // The last attempt (at -20,000 s) out of the range: exactly 60,000 rows stream.
    let r = app
        .http
        .get(format!(
            "{}{}",
            app.base,
            c3(campaign, &wire(-86_400), &wire(-20_001))
        ))
        .header("wolkvox-token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body = r.bytes().await.unwrap();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["msg"], "60000 records were found");
    assert_eq!(v["data"].as_array().unwrap().len(), 60_000);
}

both!(lowered_record_caps_apply_to_every_report);
async fn lowered_record_caps_apply_to_every_report() {
    let app = spawn_with(Limits {
        max_records_per_answer: 2,
        ..Limits::default()
    })
    .await;
    let too_many = error(
        413,
        "PAYLOAD TOO LARGE",
        "THE ANSWER HAS MORE THAN 2 RECORDS: NARROW THE DATE RANGE",
    );
    let (s, v) = app
        .get(&app.a.token, &c3(1, &wire(-86_400), &wire(0)))
        .await;
    assert_eq!((s, v), (StatusCode::PAYLOAD_TOO_LARGE, too_many.clone()));
    let (s, v) = app.get(&app.a.token, &c3(1, &wire(-3600), &wire(0))).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["data"].as_array().unwrap().len(), 2);
    let (s, v) = app
        .get(
            &app.a.token,
            &format!(
                "/api/v2/reports_manager.php?api=diagram_1_3&date_ini={}&date_end={}",
                wire(-86_400),
                wire(0)
            ),
        )
        .await;
    assert_eq!((s, v), (StatusCode::PAYLOAD_TOO_LARGE, too_many.clone()));
    let app = spawn_with(Limits {
        max_records_per_answer: 1,
        ..Limits::default()
    })
    .await;
    let (s, v) = app
        .get(&app.a.token, "/api/v2/real_time.php?api=calls_last_10")
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        v["msg"],
        "THE ANSWER HAS MORE THAN 1 RECORDS: NARROW THE DATE RANGE"
    );
}

both!(the_size_cap_is_exact_to_the_byte);
async fn the_size_cap_is_exact_to_the_byte() {
    let app = spawn_app().await;
    let path = c3(1, &wire(-86_400), &wire(0));
    let get_text = |app: &TestApp| {
        let req = app
            .http
            .get(format!("{}{path}", app.base))
            .header("wolkvox-token", app.a.token.clone());
        async move {
            let r = req.send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (_, body) = get_text(&app).await;
    let size = body.len() as u64;
    let at_limit = spawn_with(Limits {
        max_answer_bytes: size,
        ..Limits::default()
    })
    .await;
    let (s, b) = get_text(&at_limit).await;
    assert_eq!((s, b.len() as u64), (StatusCode::OK, size));
    let below = spawn_with(Limits {
        max_answer_bytes: size - 1,
        ..Limits::default()
    })
    .await;
    let (s, v) = below.get(&below.a.token, &path).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        v,
        error(
            413,
            "PAYLOAD TOO LARGE",
            &format!(
                "THE ANSWER EXCEEDS THE LIMIT OF {} BYTES: NARROW THE DATE RANGE",
                size - 1
            )
        )
    );
    // The bare-array report obeys the same cap.
    let (s, _) = below
        .get(&below.a.token, "/api/v2/real_time.php?api=campaigns")
        .await;
    assert_eq!(s, StatusCode::OK);
    let tiny = spawn_with(Limits {
        max_answer_bytes: 10,
        ..Limits::default()
    })
    .await;
    let (s, _) = tiny
        .get(&tiny.a.token, "/api/v2/real_time.php?api=campaigns")
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
}

both!(the_deadline_answers_504_in_the_envelope);
async fn the_deadline_answers_504_in_the_envelope() {
    let app = spawn_with(Limits {
        deadline_ms: 0,
        ..Limits::default()
    })
    .await;
    let (s, v) = app
        .get(&app.a.token, &c3(1, &wire(-86_400), &wire(0)))
        .await;
    assert_eq!(s, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(
        v,
        error(
            504,
            "GATEWAY TIMEOUT",
            "THE REQUEST EXCEEDED THE LIMIT OF 0 SECONDS: NARROW THE DATE RANGE OR RETRY LATER"
        )
    );
}

both!(the_daily_quota_is_licenses_times_1000_and_resets_at_local_midnight);
async fn the_daily_quota_is_licenses_times_1000_and_resets_at_local_midnight() {
    let mut app = spawn_app().await;
    let campaigns = "/api/v2/real_time.php?api=campaigns";
    app.store
        .set_quota_used(app.a.id, "2026-11-22", 999)
        .await
        .unwrap();
    assert_eq!(app.get(&app.a.token, campaigns).await.0, StatusCode::OK);
    let (s, v) = app.get(&app.a.token, campaigns).await;
    assert_eq!(
        (s, v),
        (
            StatusCode::FORBIDDEN,
            error(403, "FORBIDDEN", "TOKEN LIMIT EXCEEDED")
        )
    );
    assert_eq!(
        app.store.quota_used(app.a.id, "2026-11-22").await.unwrap(),
        1000
    );
    // The quota is the operation's: another operation is unaffected.
    assert_eq!(app.get(&app.b.token, campaigns).await.0, StatusCode::OK);
    // It survives a restart.
    app.restart().await;
    assert_eq!(
        app.get(&app.a.token, campaigns).await.0,
        StatusCode::FORBIDDEN
    );
    // 23:59:59 in Bogotá is still the same day; one second later it is not.
    app.advance(14 * 3600 - 1);
    assert_eq!(
        app.get(&app.a.token, campaigns).await.0,
        StatusCode::FORBIDDEN
    );
    app.advance(1);
    assert_eq!(app.get(&app.a.token, campaigns).await.0, StatusCode::OK);
    assert_eq!(
        app.store.quota_used(app.a.id, "2026-11-23").await.unwrap(),
        1
    );
}
