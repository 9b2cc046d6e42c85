//! Marcador's live wallboard: the page at `/` (one HTML file with its CSS
//! and script, embedded in the binary: no CDN, works offline) and the one
//! snapshot it polls, `GET /wallboard/snapshot`, behind the gate like any
//! Wolkvox path (a token, the in-flight limit) but not counted against the
//! quota. The snapshot's rows are made by the same functions the real-time
//! reports and diagram_1_3 answer with, so the page shows what the API does.
//! The token is typed into the page and kept in the tab's session storage;
//! it is sent as the `wolkvox-token` header, never in a URL.

use std::sync::LazyLock;

use axum::Extension;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use marcador_wire::api::TOKEN_HEADER;
use marcador_wire::date::format_response_date;
use marcador_wire::wallboard::{POLL_MS, SNAPSHOT_PATH, Snapshot};

use super::reports_manager::ivr::option_rows;
use super::{ApiError, AppState, real_time};
use crate::domain;
use crate::store::Caller;

/// The page (Spanish and English; `crates/server/assets/wallboard.html`),
/// with the wire's path, header and poll interval put in where it names them.
static PAGE: LazyLock<String> = LazyLock::new(|| {
    include_str!("../../assets/wallboard.html")
        .replace("{{SNAPSHOT_PATH}}", SNAPSHOT_PATH)
        .replace("{{TOKEN_HEADER}}", TOKEN_HEADER)
        .replace("{{POLL_MS}}", &POLL_MS.to_string())
});

/// `GET /`: the wallboard page (no token: the page asks for one).
pub async fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // Everything it needs is in the page itself.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
                 connect-src 'self'; img-src 'self' data:",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        PAGE.as_str(),
    )
        .into_response()
}

/// `GET /wallboard/snapshot`: the operation now.
pub async fn snapshot(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
    let now = st.clock.now();
    let snapshot = Snapshot {
        at: format_response_date(now.as_second(), &caller.tz),
        campaigns: real_time::campaign_rows(&st, &caller).await?,
        agents: real_time::agent_rows(&st, &caller).await?,
        calls: real_time::calls_last_10_rows(&st, &caller).await?,
        ivr: option_rows(
            &st,
            &caller,
            domain::local_midnight(now, &caller.tz),
            now.as_second(),
        )
        .await?,
    };
    Ok(([(header::CACHE_CONTROL, "no-store")], axum::Json(snapshot)).into_response())
}
