//! Recorded answers for behaviours the local server never shows.

use futures_util::TryStreamExt;
use marcador_client::wire::{DateRange, WireDate};
use marcador_client::{Campaigns, Client, Endpoint, Error};
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::helpers::fast_retries;

const PATH: &str = "/api/v2/reports_manager.php";

fn client(server: &MockServer) -> Client {
    Client::builder(Endpoint::Url(server.uri()), "tok")
        .retry(fast_retries())
        .wolkvox_server("0016")
        .build()
        .unwrap()
}

fn row(date: &str, customer: &str) -> serde_json::Value {
    let mut r = json!({
        "campaign_id": "7", "customer_name": "Ana", "customer_last_name": "Gómez",
        "id_type": "CC", "customer_id": customer, "date": date, "telephone": "573001112233",
        "result": "ANSWER", "conn_id": "1.2.3.4"
    });
    for i in 1..=12 {
        r[format!("opt{i}")] = json!("");
    }
    r
}

fn range(a: &str, b: &str) -> DateRange {
    DateRange::parse(a, b).unwrap()
}

#[tokio::test]
async fn a_code_sent_as_a_string_is_read() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(PATH))
        .and(query_param("api", "campaign_3"))
        .and(header("wolkvox-token", "tok"))
        .and(header("wolkvox_server", "0016"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "code": "200", "error": null, "msg": "2 records were found",
            "data": [row("2026-11-01 08:00:00", "1"), row("2026-11-01 09:00:00", "2")]
        })))
        .mount(&server)
        .await;
    let rows = client(&server)
        .campaign_3_range(Campaigns::One(7), range("20261101000000", "20261102000000"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].customer_id, "2");
}

#[tokio::test]
async fn no_data_with_a_string_code_is_empty_and_other_404s_are_errors() {
    let server = MockServer::start().await;
    Mock::given(query_param("api", "diagram_1_3"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "code": "404", "error": "NOT FOUND", "msg": "0 records were found", "data": []
        })))
        .mount(&server)
        .await;
    Mock::given(query_param("api", "campaign_3"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "code": 404, "error": "NOT FOUND", "msg": "CAMPAIGN_ID 9 DOES NOT EXIST IN THIS OPERATION"
        })))
        .mount(&server)
        .await;
    let c = client(&server);
    let r = range("20261101000000", "20261102000000");
    assert!(c.diagram_1_3_range(r).await.unwrap().is_empty());
    let e = c.campaign_3_range(Campaigns::One(9), r).await.unwrap_err();
    assert_eq!(e.wire().map(|w| w.code.0), Some(404));
}

#[tokio::test]
async fn the_in_flight_refusal_is_retried_with_back_off() {
    let server = MockServer::start().await;
    Mock::given(query_param("api", "calls_last_10"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "code": 403, "error": "FORBIDDEN",
            "msg": "EXCEEDS THE LIMIT OF SIMULTANEOUS REQUESTS PER TOKEN (2)"
        })))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(query_param("api", "calls_last_10"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "code": 200, "error": null, "msg": "0 records were found", "data": []
        })))
        .mount(&server)
        .await;
    let c = client(&server);
    assert!(c.calls_last_10().await.unwrap().is_empty());
    let st = c.stats();
    assert_eq!((st.requests, st.retries, st.busy_refusals), (3, 2, 2));
}

#[tokio::test]
async fn a_token_someone_else_keeps_busy_gives_up_after_the_bound() {
    let server = MockServer::start().await;
    Mock::given(query_param("api", "calls_last_10"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "code": "403", "error": "FORBIDDEN",
            "msg": "EXCEEDS THE LIMIT OF SIMULTANEOUS REQUESTS PER TOKEN (2)"
        })))
        .mount(&server)
        .await;
    let c = client(&server);
    let e = c.calls_last_10().await.unwrap_err();
    assert!(matches!(e, Error::Busy { attempts: 4 }), "{e}");
    assert_eq!(c.stats().requests, 4);
}

#[tokio::test]
async fn the_quota_error_in_a_200_stops_at_once() {
    let server = MockServer::start().await;
    Mock::given(query_param("api", "campaigns"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "code": "403", "error": "FORBIDDEN", "msg": "TOKEN LIMIT EXCEEDED"
        })))
        .mount(&server)
        .await;
    let c = client(&server);
    let e = c.campaigns().await.unwrap_err();
    assert!(matches!(e, Error::QuotaExhausted { .. }), "{e}");
    assert_eq!(c.stats().requests, 1);
}

#[tokio::test]
async fn a_503_is_retried_after_its_retry_after_and_a_proxy_page_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(query_param("api", "campaigns"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("retry-after", "1")
                .set_body_string("<html>busy</html>"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(query_param("api", "campaigns"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let c = client(&server);
    let started = std::time::Instant::now();
    assert!(c.campaigns().await.unwrap().is_empty());
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));

    let server = MockServer::start().await;
    Mock::given(query_param("api", "campaigns"))
        .respond_with(ResponseTemplate::new(418).set_body_string("<html>teapot</html>"))
        .mount(&server)
        .await;
    let e = client(&server).campaigns().await.unwrap_err();
    assert_eq!(e.wire().map(|w| w.code.0), Some(418), "{e}");
    assert!(e.to_string().contains("teapot"), "{e}");
}

/// A server that silently truncates at its cap, the way a client cannot tell
/// from a complete answer: every range longer than a day answers exactly
/// `CAP` rows; a day or less answers its one true row.
struct Truncating;
const CAP: u64 = 5;

impl Respond for Truncating {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let q: std::collections::HashMap<String, String> =
            req.url.query_pairs().into_owned().collect();
        let ini = WireDate::parse(&q["date_ini"]).unwrap().civil();
        let end = WireDate::parse(&q["date_end"]).unwrap().civil();
        let secs = ini.duration_until(end).as_secs();
        let rows: Vec<_> = if secs > 86_400 {
            (0..CAP)
                .map(|i| {
                    row(
                        &ini.strftime("%Y-%m-%d %H:%M:%S").to_string(),
                        &format!("t{i}"),
                    )
                })
                .collect()
        } else {
            vec![row(
                &ini.strftime("%Y-%m-%d %H:%M:%S").to_string(),
                &ini.to_string(),
            )]
        };
        ResponseTemplate::new(200).set_body_json(json!({
            "code": "200", "error": null, "msg": format!("{} records were found", rows.len()), "data": rows
        }))
    }
}

#[tokio::test]
async fn an_answer_at_the_cap_is_bisected() {
    let server = MockServer::start().await;
    Mock::given(query_param("api", "campaign_3"))
        .respond_with(Truncating)
        .mount(&server)
        .await;
    let c = Client::builder(Endpoint::Url(server.uri()), "tok2")
        .retry(fast_retries())
        .max_records_per_answer(CAP)
        .build()
        .unwrap();
    let rows: Vec<_> = c
        .campaign_3(
            Campaigns::All,
            WireDate::parse("20260101000000").unwrap(),
            WireDate::parse("20260110000000").unwrap(),
        )
        .try_collect()
        .await
        .unwrap();
    assert!(
        rows.iter().all(|r| !r.customer_id.starts_with('t')),
        "no truncated answer kept"
    );
    assert!(rows.len() >= 9, "{} rows", rows.len());
    let dates: Vec<&str> = rows.iter().map(|r| r.date.as_str()).collect();
    assert!(dates.is_sorted(), "time order");
}

#[tokio::test]
async fn an_unreachable_server_is_a_transport_error_after_the_bound() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let c = Client::builder(Endpoint::Url(format!("http://{addr}")), "tok")
        .retry(fast_retries())
        .build()
        .unwrap();
    match c.campaigns().await {
        Err(Error::Transport { attempts, .. }) => assert_eq!(attempts, 4),
        other => panic!("{other:?}"),
    }
}
