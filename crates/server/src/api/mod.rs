//! The HTTP API: the Wolkvox v2 paths, with the token check, the per-token
//! in-flight limit, the daily quota and the deadline in [`gate`], and one
//! module per path (`real_time`, `reports_manager`, `campaign`,
//! `information`, `agentbox`) of thin handlers that parse with the wire
//! types, ask the store and answer with the wire types; what they share is
//! in `answer`. [`errors`] makes every error an envelope. Marcador's own:
//! `/healthz`, `/metrics`, `/openapi.json` (`openapi`) and the wallboard
//! (`/`, `wallboard`).

mod agentbox;
mod answer;
mod campaign;
mod configuration;
mod errors;
mod gate;
mod information;
mod input;
mod observe;
pub mod openapi;
mod real_time;
mod reports_manager;
mod stream;
mod wallboard;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use marcador_wire::WireError;
use marcador_wire::api::{
    AGENTBOX_PATH, CAMPAIGN_PATH, CONFIGURATION_PATH, HEALTHZ_PATH, INFORMATION_PATH, METRICS_PATH,
    OPENAPI_PATH, REAL_TIME_PATH, REPORTS_MANAGER_PATH, TOKEN_HEADER, WALLBOARD_PATH,
};
use marcador_wire::limits::MAX_BODY_BYTES;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;

use crate::clock::SharedClock;
use crate::config::Limits;
use crate::metrics::SharedMetrics;
use crate::store::{Store, StoreError};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: SharedClock,
    pub limits: Limits,
    /// Requests refused because two were already in flight on their token.
    pub in_flight_refusals: Arc<AtomicU64>,
    /// Requests this process is serving, from the gate until their lease
    /// (or admission) has ended — however they end.
    pub requests: Arc<AtomicU64>,
    /// The machine's CPU and memory, sampled while serving (info_server).
    pub host: Arc<crate::host::HostStats>,
    /// What `GET /metrics` shows (the store's and the engine's too).
    pub metrics: SharedMetrics,
}

impl AppState {
    pub fn new(store: Store, clock: SharedClock, limits: Limits, metrics: SharedMetrics) -> Self {
        AppState {
            store,
            clock,
            limits,
            in_flight_refusals: Arc::default(),
            requests: Arc::default(),
            host: Arc::default(),
            metrics,
        }
    }
}

/// Every route, in one place.
pub fn router(state: AppState) -> Router {
    router_with(state, Router::new())
}

/// [`router`], with `extra` routes behind the gate beside the Wolkvox ones
/// (the tests mount a handler that panics this way).
pub fn router_with(state: AppState, extra: Router<AppState>) -> Router {
    let not_allowed =
        |m: &'static str| move || async move { ApiError(WireError::method_not_allowed(m)) };
    let wolkvox = Router::new()
        .route(
            REAL_TIME_PATH,
            get(real_time::get).fallback(not_allowed("GET")),
        )
        .route(
            CAMPAIGN_PATH,
            axum::routing::put(campaign::put)
                .post(campaign::post)
                .delete(campaign::delete)
                .get(campaign::get)
                .fallback(not_allowed("PUT, POST OR DELETE"))
                .layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .route(
            INFORMATION_PATH,
            get(information::get).fallback(not_allowed("GET")),
        )
        .route(
            AGENTBOX_PATH,
            axum::routing::post(agentbox::post)
                .put(agentbox::put)
                .delete(agentbox::delete)
                .fallback(not_allowed("POST, PUT OR DELETE")),
        )
        .route(
            CONFIGURATION_PATH,
            axum::routing::put(configuration::put)
                .fallback(not_allowed("PUT"))
                .layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .route(
            REPORTS_MANAGER_PATH,
            get(reports_manager::get).fallback(not_allowed("GET")),
        )
        .route(
            marcador_wire::wallboard::SNAPSHOT_PATH,
            get(wallboard::snapshot).fallback(not_allowed("GET")),
        )
        .merge(extra)
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            gate::gate,
        ));
    Router::new()
        .route(WALLBOARD_PATH, get(wallboard::page))
        .route(HEALTHZ_PATH, get(|| async { "ok" }))
        .route(METRICS_PATH, get(metrics))
        .route(OPENAPI_PATH, get(openapi::serve))
        .merge(wolkvox)
        .fallback(|uri: axum::http::Uri| async move {
            // Marked, so the request metrics count every path nobody serves as one.
            let mut resp = ApiError(WireError::unknown_path(uri.path())).into_response();
            resp.extensions_mut().insert(observe::Unrouted);
            resp
        })
        .with_state(state.clone())
        .layer(CatchPanicLayer::custom(|_| {
            ApiError(WireError::internal()).into_response()
        }))
        .layer(axum::middleware::from_fn(errors::envelope_errors))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            observe::observe,
        ))
        .layer(SetSensitiveRequestHeadersLayer::new([
            HeaderName::from_static(TOKEN_HEADER),
        ]))
}

/// `GET /metrics`: the Prometheus page (no token, as `/healthz`: put it
/// behind the network's own access rules). Each operation's quota is read
/// from the store as it is asked for, so it holds across processes.
async fn metrics(axum::extract::State(st): axum::extract::State<AppState>) -> Response {
    match st.store.quotas_today(st.clock.now()).await {
        Ok(quotas) => {
            for q in quotas {
                st.metrics.quota(&q.operation, q.used, q.limit);
            }
        }
        Err(e) => tracing::warn!(error = %e, "the quota could not be read for /metrics"),
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        st.metrics.render(),
    )
        .into_response()
}

/// A wire error as an HTTP answer: status = `code`, the envelope as the body.
#[derive(Debug)]
pub struct ApiError(pub WireError);

impl From<WireError> for ApiError {
    fn from(e: WireError) -> Self {
        ApiError(e)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "store failed");
        ApiError(WireError::internal())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self.0).unwrap_or_default();
        (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
    }
}
