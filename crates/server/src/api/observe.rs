//! Every request, as an operator sees it: one line at info — method, path,
//! api, status, latency (to the answer's head; a streamed report goes on
//! after it) and the operation once the token is known — and the request
//! metrics. Never the token (the gate reads it; it is marked sensitive), and
//! nothing else of the query but `api`: the other parameters may name a
//! customer or a phone.

use std::time::Instant;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use marcador_wire::api::param;

use super::AppState;

/// The operation a request was admitted for (put on the answer by the gate).
#[derive(Debug, Clone, Copy)]
pub struct ServedOperation(pub i64);

/// On the answer to a path no route serves (put there by the router's fallback).
#[derive(Debug, Clone, Copy)]
pub struct Unrouted;

/// The longest `api` value logged and counted as itself.
const API_MAX_CHARS: usize = 40;

pub async fn observe(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let api = api_of(req.uri().query());
    let resp = next.run(req).await;
    let took = started.elapsed();
    let status = resp.status().as_u16();
    let operation = resp.extensions().get::<ServedOperation>().map(|o| o.0);
    tracing::info!(
        target: "marcador::request",
        %method,
        path = %path,
        api = %api,
        status,
        latency_ms = took.as_secs_f64() * 1_000.0,
        operation,
        "request"
    );
    // Paths nobody serves are counted together: a scanner's guesses would
    // otherwise each be a series.
    let unrouted = resp.extensions().get::<Unrouted>().is_some();
    let counted = if unrouted { "other" } else { path.as_str() };
    st.metrics.request(counted, &api, status, took);
    resp
}

/// The query's `api`, if it looks like one (lower-case letters, digits and
/// `_`, starting with a letter); `""` if absent, `invalid` otherwise.
fn api_of(query: Option<&str>) -> String {
    let Some(query) = query else {
        return String::new();
    };
    let api = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k.trim() == param::API)
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default();
    let well_formed = api.chars().count() <= API_MAX_CHARS
        && api.starts_with(|c: char| c.is_ascii_lowercase())
        && api
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if api.is_empty() || well_formed {
        api
    } else {
        "invalid".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_api_shaped_value_is_kept() {
        assert_eq!(api_of(Some("api=campaign_3&campaign_id=4")), "campaign_3");
        assert_eq!(api_of(Some("date_ini=x")), "");
        assert_eq!(api_of(None), "");
        assert_eq!(api_of(Some("api=573001234567")), "invalid");
        assert_eq!(api_of(Some("api=%3Cscript%3E")), "invalid");
    }
}
