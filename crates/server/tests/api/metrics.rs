//! `GET /metrics`: the page parses as Prometheus's text format (read by a
//! parser that is not ours), and its numbers move with traffic — requests by
//! path, api and status, refusals by reason, the quota per operation, the
//! store's transactions — and with the engine: calls in flight and agents by
//! state.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::SignedDuration;
use marcador_server::engine::sim::{SimProfile, SimTelephony};
use marcador_server::engine::{Engine, EngineConfig};
use marcador_server::metrics::Metrics;
use reqwest::StatusCode;

use crate::engine::setup;
use crate::helpers::*;

/// The page, parsed: each sample's name with its labels (sorted, `k=v`
/// joined by `,`) → value.
async fn scrape(app: &TestApp) -> HashMap<String, f64> {
    let resp = app
        .http
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let kind = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
    parse(&resp.text().await.unwrap())
}

fn parse(page: &str) -> HashMap<String, f64> {
    let lines = page.lines().map(|l| Ok(l.to_owned()));
    let scrape = prometheus_parse::Scrape::parse(lines).expect("the Prometheus text format");
    scrape
        .samples
        .into_iter()
        .map(|s| {
            let mut labels: Vec<String> =
                s.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            labels.sort();
            let value = match s.value {
                prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Untyped(v) => v,
                prometheus_parse::Value::Histogram(h) => {
                    h.iter().map(|b| b.count).fold(0.0, f64::max)
                }
                prometheus_parse::Value::Summary(_) => f64::NAN,
            };
            (format!("{}{{{}}}", s.metric, labels.join(",")), value)
        })
        .collect()
}

fn value(m: &HashMap<String, f64>, key: &str) -> f64 {
    m.get(key).copied().unwrap_or(0.0)
}

both!(the_page_parses_and_moves_with_traffic);
async fn the_page_parses_and_moves_with_traffic() {
    let app = spawn_app().await;
    const PATH: &str = "/api/v2/real_time.php";
    let answered = format!("marcador_http_requests_total{{api=campaigns,path={PATH},status=200}}");
    let refused = "marcador_admissions_refused_total{reason=token}";
    let quota = "marcador_quota_used{operation=acme}";
    let admits = "marcador_store_transaction_seconds_count{kind=admit}";
    let unrouted = "marcador_http_requests_total{api=,path=other,status=404}";
    let openapi = "marcador_http_requests_total{api=,path=/openapi.json,status=200}";
    let before = scrape(&app).await;
    for _ in 0..3 {
        let (s, _) = app
            .get(&app.a.token, &format!("{PATH}?api=campaigns"))
            .await;
        assert_eq!(s, StatusCode::OK);
    }
    let (s, _) = app
        .get("not-a-token", &format!("{PATH}?api=campaigns"))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // A path nobody serves is counted as `other`; Marcador's own by their path.
    for path in ["/no-such-path", "/openapi.json"] {
        app.http
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
    }
    let after = scrape(&app).await;
    assert_eq!(
        value(&after, unrouted) - value(&before, unrouted),
        1.0,
        "{after:?}"
    );
    assert_eq!(
        value(&after, openapi) - value(&before, openapi),
        1.0,
        "{after:?}"
    );
    assert_eq!(
        value(&after, &answered) - value(&before, &answered),
        3.0,
        "{after:?}"
    );
    assert_eq!(value(&after, refused) - value(&before, refused), 1.0);
    assert_eq!(
        value(&after, quota) - value(&before, quota),
        3.0,
        "{after:?}"
    );
    assert_eq!(
        value(&after, "marcador_quota_limit{operation=acme}"),
        1_000.0,
        "{after:?}"
    );
    assert_eq!(
        value(&after, admits) - value(&before, admits),
        3.0,
        "{after:?}"
    );
    // The latency histogram counted the same requests.
    let latency =
        format!("marcador_http_request_duration_seconds_count{{api=campaigns,path={PATH}}}");
    assert!(value(&after, &latency) >= 3.0, "{after:?}");
}

both!(the_engine_publishes_its_dialer_and_agents);
async fn the_engine_publishes_its_dialer_and_agents() {
    let (_db, store) = test_store().await;
    let (op, campaign) = setup(&store, 3, 200).await;
    let metrics = Arc::new(Metrics::new());
    let store = store.with_metrics(metrics.clone());
    let mut engine = Engine::new(
        store.clone(),
        SimTelephony::new(3, SimProfile::default()),
        EngineConfig::new(op, 3),
        now(),
    )
    .await
    .unwrap();
    engine.observe(metrics.clone(), "acme".into());
    let mut in_flight_seen = 0.0f64;
    for minute in 1..=10 {
        let until = now()
            .checked_add(SignedDuration::from_mins(minute))
            .unwrap();
        engine.run_until(until).await.unwrap();
        let page = parse(&metrics.render());
        let key = format!("marcador_dialer_calls_in_flight{{campaign={campaign},operation=acme}}");
        in_flight_seen = in_flight_seen.max(value(&page, &key));
        let agents: f64 = page
            .iter()
            .filter(|(k, _)| k.starts_with("marcador_agents{"))
            .map(|(_, v)| v)
            .sum();
        assert_eq!(agents, 3.0, "every agent in one state: {page:?}");
        assert!(
            value(
                &page,
                "marcador_store_transaction_seconds_count{kind=facts}"
            ) >= 1.0
        );
    }
    assert!(in_flight_seen >= 1.0, "the campaign dialed");
}
