//! A lease never outlives its request: every way a client can abandon a
//! request (before, during and after the head, during the body, in the
//! middle of a streamed answer, reading too slowly), the deadline, a handler
//! that panics — repeated, alone and all at once — and then the token's two
//! slots are both free.

use std::time::Duration;

use marcador_server::config::Limits;
use marcador_server::testing::{Abandon, PANIC_PATH, Targets, abandon, panicking_routes};
use reqwest::StatusCode;

use crate::campaign_3::c3;
use crate::helpers::*;
use crate::limits::big_campaign;

/// The request deadline of these tests: long enough for a debug build to
/// start streaming 20,000 rows, short enough to wait out.
const DEADLINE_MS: u64 = 3_000;

const CHEAP: &str = "/api/v2/real_time.php?api=campaigns";

/// Rows of the large answer: ~19 MB, more than the socket buffers hold.
const LARGE: usize = 10_000;

/// The app, a token whose campaign_3 answer is large, and what to abandon.
async fn setup() -> (TestApp, String, i64, Targets) {
    let app = spawn_full(
        |c| {
            c.limits = Limits {
                deadline_ms: DEADLINE_MS,
                ..Limits::default()
            }
        },
        panicking_routes(),
    )
    .await;
    let mut app = app;
    let (token, campaign) = big_campaign(&app, LARGE).await;
    app.http = no_idle_connections();
    let token_id = app.token_id(&token).await;
    let targets = Targets {
        large_get: c3(campaign, &wire(-86_400), &wire(0)),
        put: format!(
            "/api/v2/campaign.php?api=codify&type_campaign=predictive&campaign_id={campaign}"
        ),
        put_body: r#"{"cod_act":"002","customer_id":"1","comment":"x"}"#.into(),
    };
    (app, token, token_id, targets)
}

/// How long an abandoned request's lease may take to end: well inside
/// `LEASE_MARGIN`, so it is the release that ends it, not the expiry.
const SETTLE: Duration = Duration::from_secs(3);

/// A client that keeps no idle connection (the one it replaces closes its
/// own as it is dropped): [`settled`] waits for the server to have none open.
fn no_idle_connections() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("a client")
}

/// Waits (at most [`SETTLE`]) until the server has closed every connection
/// and ended every request it took (an abandoned one, even one still in its
/// admission when the client left), then until no request of the token is
/// in flight.
async fn settled(app: &TestApp, token_id: i64, after: &str) {
    assert!(SETTLE < marcador_server::store::LEASE_MARGIN);
    let start = std::time::Instant::now();
    let open = || {
        app.serving()
            .connections()
            .open
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    // Then every request the server took has ended (an abandoned one may
    // still be in its admission; its lease ends after it is taken).
    let requests = || app.serving().requests();
    while open() > 0 || requests() > 0 {
        assert!(
            start.elapsed() < SETTLE,
            "{} connection(s) open, {} request(s) being served {SETTLE:?} after {after}",
            open(),
            requests()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    if let Err(n) = marcador_server::testing::settled(&app.store, token_id, SETTLE).await {
        panic!("{n} lease(s) still held {SETTLE:?} after {after}");
    }
}

/// Both of the token's slots are free: two requests held at once are admitted.
async fn two_admitted(app: &TestApp, token: &str, targets: &Targets) {
    let first = marcador_server::testing::hold_request(&app.base, token, &targets.large_get).await;
    let second = marcador_server::testing::hold_request(&app.base, token, &targets.large_get).await;
    assert!(first.is_ok(), "first of two: {:?}", first.err());
    assert!(second.is_ok(), "second of two: {:?}", second.err());
}

/// Every way, the panic included (this app mounts the panicking route).
fn every_way() -> Vec<Abandon> {
    let mut ways = Abandon::every_way(DEADLINE_MS);
    ways.push(Abandon::Panic);
    ways
}

both!(no_way_of_abandoning_a_request_leaks_its_lease);
async fn no_way_of_abandoning_a_request_leaks_its_lease() {
    let (app, token, token_id, targets) = setup().await;
    for round in 0..2 {
        for how in every_way() {
            let answered = abandon(&app.base, &token, how, &targets).await.unwrap();
            match how {
                // Answered: the lease is gone before the answer is.
                Abandon::Deadline | Abandon::Panic => {
                    let want = if how == Abandon::Panic { 500 } else { 504 };
                    assert_eq!(answered, Some(want), "{how:?}");
                    assert_eq!(
                        app.store.in_flight(token_id).await.unwrap(),
                        0,
                        "{how:?}: the lease outlived the answer"
                    );
                }
                _ => settled(&app, token_id, &format!("{how:?} (round {round})")).await,
            }
        }
    }
    two_admitted(&app, &token, &targets).await;
    // The two held requests were dropped with their connections: their
    // leases end in a task of their own, so wait for that before asking again.
    settled(&app, token_id, "the two held requests").await;
    // The server kept serving through all of it.
    assert_eq!(app.get(&token, CHEAP).await.0, StatusCode::OK);
}

both!(the_in_flight_count_is_exact_under_a_mix_of_aborted_and_finished_requests);
async fn the_in_flight_count_is_exact_under_a_mix_of_aborted_and_finished_requests() {
    let (app, token, token_id, targets) = setup().await;
    let targets = std::sync::Arc::new(targets);
    let ways = [
        Abandon::BeforeHead,
        Abandon::DuringHead,
        Abandon::AfterHead { wait_ms: 0 },
        Abandon::AfterHead { wait_ms: 5 },
        Abandon::AfterBody,
        Abandon::DuringBody,
        Abandon::MidStream,
        Abandon::Panic,
    ];
    let mut tasks = Vec::new();
    for i in 0..48 {
        let (base, token, targets) = (app.base.clone(), token.clone(), targets.clone());
        let http = app.http.clone();
        tasks.push(tokio::spawn(async move {
            if i % 3 == 0 {
                // A finished request (or a refusal: at most 2 are in flight).
                let r = http
                    .get(format!("{base}{CHEAP}"))
                    .header("wolkvox-token", &token)
                    .send()
                    .await
                    .unwrap();
                assert!(matches!(r.status().as_u16(), 200 | 403), "{}", r.status());
                r.bytes().await.unwrap();
            } else {
                // The answer, if any, is a 500 (panic) or a refusal; both are fine here.
                let _ = abandon(&base, &token, ways[i % ways.len()], &targets).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    settled(&app, token_id, "48 requests at once").await;
    two_admitted(&app, &token, &targets).await;
}

both!(a_panicking_handler_is_a_500_envelope_and_the_server_keeps_serving);
async fn a_panicking_handler_is_a_500_envelope_and_the_server_keeps_serving() {
    let app = spawn_full(|_| {}, panicking_routes()).await;
    let token = app.a.token.clone();
    let token_id = app.token_id(&token).await;
    for _ in 0..3 {
        let (s, v) = app.get(&token, PANIC_PATH).await;
        assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            v,
            error(
                500,
                "INTERNAL SERVER ERROR",
                "AN UNEXPECTED ERROR OCCURRED: RETRY LATER"
            )
        );
        assert_eq!(app.store.in_flight(token_id).await.unwrap(), 0);
    }
    assert_eq!(app.get(&token, CHEAP).await.0, StatusCode::OK);
}

both!(the_deadline_frees_the_slot_and_names_the_configured_limit);
async fn the_deadline_frees_the_slot_and_names_the_configured_limit() {
    // The issue's reproduction: with a 30 ms deadline, 504, 504, then 403 for good.
    let mut app = spawn_with(Limits {
        deadline_ms: 30,
        ..Limits::default()
    })
    .await;
    let (token, campaign) = big_campaign(&app, LARGE).await;
    app.http = no_idle_connections();
    let path = c3(campaign, &wire(-86_400), &wire(0));
    let token_id = app.token_id(&token).await;
    for _ in 0..5 {
        let r = app
            .http
            .get(format!("{}{path}", app.base))
            .header("wolkvox-token", &token)
            .send()
            .await
            .unwrap();
        let status = r.status();
        // The head may have left before the deadline: then the body is cut.
        if status == StatusCode::GATEWAY_TIMEOUT {
            let v: serde_json::Value = r.json().await.unwrap();
            assert_eq!(
                v,
                error(
                    504,
                    "GATEWAY TIMEOUT",
                    "THE REQUEST EXCEEDED THE LIMIT OF 30 MILLISECONDS: NARROW THE DATE RANGE OR RETRY LATER"
                )
            );
        } else {
            assert_eq!(status, StatusCode::OK);
            assert!(r.bytes().await.is_err(), "a 19 MB answer within 30 ms?");
        }
        settled(&app, token_id, "a request past the deadline").await;
    }
}
