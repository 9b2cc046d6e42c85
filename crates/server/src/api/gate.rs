//! The gate every Wolkvox request passes, in this order: the token header, the
//! token itself, the per-token in-flight limit (refused at once, never queued),
//! the operation's daily quota, and a deadline over the whole answer, body included.
//!
//! Requests refused by the in-flight limit or the quota are not counted
//! against the quota; every other authenticated request is.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use marcador_wire::WireError;
use marcador_wire::api::TOKEN_HEADER;
use marcador_wire::limits::{DAILY_REQUESTS_PER_LICENSE, MAX_IN_FLIGHT_PER_TOKEN};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tower_http::timeout::DeadlineBody;

use super::{ApiError, AppState};
use crate::domain;

pub async fn gate(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let deadline = st.limits.deadline();
    let started = Instant::now();
    match tokio::time::timeout(deadline, admit(&st, req, next)).await {
        Ok(Ok(resp)) => {
            // The rest of the deadline covers the streamed body.
            let left = deadline.saturating_sub(started.elapsed());
            resp.map(|b| Body::new(DeadlineBody::new(left, b)))
        }
        Ok(Err(e)) => e.into_response(),
        Err(_) => ApiError(WireError::deadline()).into_response(),
    }
}

async fn admit(st: &AppState, mut req: Request, next: Next) -> Result<Response, ApiError> {
    let token = match req.headers().get(TOKEN_HEADER) {
        None => return Err(WireError::enter_token().into()),
        Some(v) if v.is_empty() => return Err(WireError::enter_token().into()),
        Some(v) => v
            .to_str()
            .map_err(|_| WireError::validate_token())?
            .to_owned(),
    };
    let caller = st
        .store
        .authenticate(&token)
        .await?
        .ok_or_else(WireError::validate_token)?;
    let gate = st
        .gates
        .entry(caller.token_id)
        .or_insert_with(|| Arc::new(Semaphore::new(MAX_IN_FLIGHT_PER_TOKEN)))
        .clone();
    let permit = gate.try_acquire_owned().map_err(|_| {
        st.in_flight_refusals.fetch_add(1, Ordering::Relaxed);
        tracing::info!(
            token_id = caller.token_id,
            "third request in flight refused"
        );
        WireError::simultaneous_requests()
    })?;
    let day = domain::local_day(st.clock.now(), &caller.tz);
    let limit = caller
        .licenses
        .saturating_mul(DAILY_REQUESTS_PER_LICENSE as i64);
    if !st
        .store
        .consume_quota(caller.operation_id, &day, limit)
        .await?
    {
        return Err(WireError::token_limit_exceeded().into());
    }
    req.extensions_mut().insert(caller);
    let resp = next.run(req).await;
    // The permit is held until the body has been sent (or dropped), not just
    // until the handler returns: a streamed answer is still "in flight".
    Ok(resp.map(|b| {
        Body::new(b.map_frame(move |f| {
            let _held = &permit;
            f
        }))
    }))
}
