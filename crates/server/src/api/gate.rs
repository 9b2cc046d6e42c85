//! The gate every Wolkvox request passes, in this order: the token header, the
//! token itself, the per-token in-flight limit (refused at once, never queued;
//! counted in the database, so it holds across processes),
//! the operation's daily quota, and a deadline over the whole answer, body included.
//!
//! Requests refused by the in-flight limit or the quota are not counted
//! against the quota; every other authenticated request is.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll, ready};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use marcador_wire::WireError;
use marcador_wire::api::TOKEN_HEADER;
use marcador_wire::limits::{DAILY_REQUESTS_PER_LICENSE, MAX_IN_FLIGHT_PER_TOKEN};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tower_http::timeout::DeadlineBody;

use super::{ApiError, AppState};
use crate::domain;
use crate::store::{Admission, Lease, Store};

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
    let day = domain::local_day(st.clock.now(), &caller.tz);
    let limit = caller
        .licenses
        .saturating_mul(DAILY_REQUESTS_PER_LICENSE as i64);
    // The in-flight count and the quota live in the database, so they hold
    // across every process serving it.
    let lease = match st
        .store
        .admit(
            caller.token_id,
            caller.operation_id,
            &day,
            limit,
            MAX_IN_FLIGHT_PER_TOKEN as i64,
        )
        .await?
    {
        Admission::Admitted(lease) => lease,
        Admission::Busy => {
            st.in_flight_refusals.fetch_add(1, Ordering::Relaxed);
            tracing::info!(
                token_id = caller.token_id,
                "third request in flight refused"
            );
            return Err(WireError::simultaneous_requests().into());
        }
        Admission::OverQuota => return Err(WireError::token_limit_exceeded().into()),
    };
    let release = Release {
        store: st.store.clone(),
        lease,
    };
    req.extensions_mut().insert(caller);
    let resp = next.run(req).await;
    // The lease is held until the body has been sent (or dropped), not just
    // until the handler returns: a streamed answer is still "in flight".
    Ok(resp.map(|b| Body::new(LeaseBody::new(b, release))))
}

/// Ends a request lease; in the background when nothing waits for it.
struct Release {
    store: Store,
    lease: Lease,
}

impl Release {
    fn start(self) -> JoinHandle<()> {
        tokio::spawn(async move {
            if let Err(e) = self.store.release(self.lease).await {
                tracing::warn!(error = %e, "a request lease was not released; it ends with the process's heartbeat");
            }
        })
    }
}

/// An answer body that ends its request's lease before the client can see the
/// end of the answer: the last frame (or the end of a streamed body) is held
/// back until the lease is gone, so a client that sends its next request on
/// receiving an answer is never refused by its own finished request.
struct LeaseBody {
    inner: Body,
    release: Option<Release>,
    releasing: Option<JoinHandle<()>>,
    held: Option<Frame<Bytes>>,
    done: bool,
}

impl LeaseBody {
    fn new(inner: Body, release: Release) -> Self {
        LeaseBody {
            inner,
            release: Some(release),
            releasing: None,
            held: None,
            done: false,
        }
    }
}

impl HttpBody for LeaseBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        loop {
            if let Some(releasing) = this.releasing.as_mut() {
                // A failed release was logged by the task; the answer goes on.
                let _ = ready!(Pin::new(releasing).poll(cx));
                this.releasing = None;
                this.done = true;
                return Poll::Ready(this.held.take().map(Ok));
            }
            if this.done {
                return Poll::Ready(None);
            }
            match ready!(Pin::new(&mut this.inner).poll_frame(cx)) {
                Some(Ok(frame)) if !this.inner.is_end_stream() => {
                    return Poll::Ready(Some(Ok(frame)));
                }
                Some(Ok(frame)) => this.held = Some(frame),
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => {}
            }
            match this.release.take() {
                Some(r) => this.releasing = Some(r.start()),
                None => {
                    this.done = true;
                    return Poll::Ready(this.held.take().map(Ok));
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done && self.held.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        if self.done {
            let n = self
                .held
                .as_ref()
                .and_then(|f| f.data_ref())
                .map_or(0, |d| d.len());
            SizeHint::with_exact(n as u64)
        } else {
            self.inner.size_hint()
        }
    }
}

impl Drop for LeaseBody {
    fn drop(&mut self) {
        // The client went away (or an error ended the answer) before the end.
        if let Some(r) = self.release.take() {
            r.start();
        }
    }
}
