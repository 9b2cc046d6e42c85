//! The gate every Wolkvox request passes, in this order: the token header, the
//! token itself, the per-token in-flight limit (refused at once, never queued;
//! counted in the database on PostgreSQL, so it holds across processes, and in
//! memory by the one process serving a SQLite file: `Store::admit`),
//! the operation's daily quota, and a deadline over the whole answer, body included.
//!
//! Requests refused by the in-flight limit or the quota are not counted
//! against the quota; every other authenticated request is, but those of
//! the paths the wire crate lists as uncounted (the agent API's).
//!
//! A request's lease lives in a [`Slot`], which ends it however the request
//! ends: a small answer (everything but a streamed report) is finished in
//! memory, the lease released, and only then sent — head and body in one
//! write, and a client that sends its next request on reading the answer is
//! never refused by the one it just read. A streamed answer releases when its
//! last frame is ready ([`LeaseBody`]). The deadline, a panic in a handler
//! (answered as a 500 envelope), or a client that goes away drop the slot,
//! which releases in a task of its own. Admission itself runs in a task, so a
//! request abandoned while it is being admitted still has its lease ended.

use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::Method;
use axum::http::header::USER_AGENT;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::FutureExt;
use http_body::{Body as HttpBody, Frame, SizeHint};
use http_body_util::BodyExt;
use marcador_wire::WireError;
use marcador_wire::api::{TOKEN_HEADER, UNCOUNTED_PATHS, param};
use marcador_wire::information::audit_action;
use marcador_wire::limits::{DAILY_REQUESTS_PER_LICENSE, MAX_IN_FLIGHT_PER_TOKEN};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tower_http::timeout::DeadlineBody;

use super::observe::ServedOperation;
use super::{ApiError, AppState};
use crate::domain;
use crate::metrics::Refusal;
use crate::store::{Admission, AdmitRequest, AuditEntry, Lease, Store, StoreError};

pub async fn gate(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let deadline = st.limits.deadline();
    let started = Instant::now();
    let mut slot = Slot::new(st.store.clone(), st.requests.clone());
    let mut operation = None;
    let answer =
        tokio::time::timeout(deadline, admit(&st, &mut slot, &mut operation, req, next)).await;
    let mut resp = match answer {
        Ok(Ok(resp)) => resp,
        Ok(Err(e)) => e.into_response(),
        Err(_) => ApiError(WireError::deadline(deadline)).into_response(),
    };
    if let Some(op) = operation {
        resp.extensions_mut().insert(ServedOperation(op));
    }
    let left = deadline.saturating_sub(started.elapsed());
    finish(resp, slot, left, deadline).await
}

/// What a change was, for the audit log: the method, the path's file and
/// the parameters that name what it touched (never a customer's data).
fn action(req: &Request) -> String {
    let file = req.uri().path().rsplit('/').next().unwrap_or("");
    let query = req.uri().query().unwrap_or("");
    let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.trim().to_owned(), v.into_owned()))
        .filter(|(k, _)| AUDITED_PARAMS.contains(&k.as_str()))
        .collect();
    audit_action(
        req.method().as_str(),
        file,
        params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    )
}

/// The parameters an audit entry names.
const AUDITED_PARAMS: &[&str] = &[
    param::API,
    param::TYPE_CAMPAIGN,
    param::CAMPAIGN_ID,
    param::AGENT_ID,
    param::STATUS,
];

/// A change's audit entry until it is written. The gate writes it once the
/// answer is a success, unless the handler took it to write with its change
/// in the same transaction (a codify: one write transaction instead of two).
#[derive(Clone)]
pub struct PendingAudit(Arc<std::sync::Mutex<Option<AuditEntry>>>);

impl PendingAudit {
    fn new(entry: AuditEntry) -> Self {
        PendingAudit(Arc::new(std::sync::Mutex::new(Some(entry))))
    }

    /// The entry, to be written by whoever takes it (once).
    pub fn take(&self) -> Option<AuditEntry> {
        match self.0.lock() {
            Ok(mut entry) => entry.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        }
    }
}

/// Admits the request and runs it; `operation` learns whose it is once the
/// token is known.
async fn admit(
    st: &AppState,
    slot: &mut Slot,
    operation: &mut Option<i64>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let refused_token = |e: WireError| {
        st.metrics.refused(Refusal::Token);
        ApiError(e)
    };
    let token = match req.headers().get(TOKEN_HEADER) {
        None => return Err(refused_token(WireError::enter_token())),
        Some(v) if v.is_empty() => return Err(refused_token(WireError::enter_token())),
        Some(v) => v
            .to_str()
            .map_err(|_| refused_token(WireError::validate_token()))?
            .to_owned(),
    };
    let caller = st
        .store
        .authenticate(&token)
        .await?
        .ok_or_else(|| refused_token(WireError::validate_token()))?;
    *operation = Some(caller.operation_id);
    let day = domain::local_day(st.clock.now(), &caller.tz);
    let limit = caller
        .licenses
        .saturating_mul(DAILY_REQUESTS_PER_LICENSE as i64);
    // The in-flight count and the quota are the store's (shared rows on
    // PostgreSQL, this process's memory serving SQLite alone), so they hold
    // across every process serving it.
    let (token_id, operation_id, deadline) =
        (caller.token_id, caller.operation_id, st.limits.deadline());
    let counted = !UNCOUNTED_PATHS.contains(&req.uri().path());
    let admission = slot
        .admit(move |store| async move {
            store
                .admit(AdmitRequest {
                    token_id,
                    operation_id,
                    day: &day,
                    limit,
                    max_in_flight: MAX_IN_FLIGHT_PER_TOKEN as i64,
                    deadline,
                    counted,
                })
                .await
        })
        .await?;
    match admission {
        Admission::Admitted(_) => {}
        Admission::Busy => {
            st.in_flight_refusals.fetch_add(1, Ordering::Relaxed);
            st.metrics.refused(Refusal::InFlight);
            tracing::info!(token_id, "third request in flight refused");
            return Err(WireError::simultaneous_requests().into());
        }
        Admission::OverQuota => {
            st.metrics.refused(Refusal::Quota);
            return Err(WireError::token_limit_exceeded().into());
        }
    }
    // A change (anything but a read) is written to the audit log once it succeeds.
    let audit = (req.method() != Method::GET).then(|| AuditEntry {
        at: st.clock.now().as_second(),
        ip: req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_default(),
        actor: caller.token_prefix.clone(),
        action: action(&req),
        workstation: req
            .headers()
            .get(USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(200).collect())
            .unwrap_or_default(),
    });
    req.extensions_mut().insert(caller);
    let pending = audit.map(PendingAudit::new);
    if let Some(p) = &pending {
        req.extensions_mut().insert(p.clone());
    }
    match AssertUnwindSafe(next.run(req)).catch_unwind().await {
        Ok(resp) => {
            if let Some(entry) = pending
                .and_then(|p| p.take())
                .filter(|_| resp.status().is_success())
                && let Err(e) = st.store.audit(operation_id, &entry).await
            {
                tracing::warn!(error = %e, "the audit log missed a change");
            }
            Ok(resp)
        }
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(panic = %what, "a handler panicked; answered 500");
            Err(WireError::internal().into())
        }
    }
}

/// Sends the answer with the lease ended at the right moment: an answer held
/// in memory is released first and sent whole; a streamed one carries the
/// slot to its last frame, under what is left of the deadline.
async fn finish(resp: Response, mut slot: Slot, left: Duration, deadline: Duration) -> Response {
    let (parts, body) = resp.into_parts();
    if body.size_hint().exact().is_none() {
        let body = LeaseBody::new(Body::new(DeadlineBody::new(left, body)), slot);
        return Response::from_parts(parts, Body::new(body));
    }
    // Already in memory: collecting moves the bytes out, it does not wait.
    let bytes = match tokio::time::timeout(left, body.collect()).await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "an answer body failed");
            slot.release().await;
            return ApiError(WireError::internal()).into_response();
        }
        Err(_) => {
            slot.release().await;
            return ApiError(WireError::deadline(deadline)).into_response();
        }
    };
    slot.release().await;
    Response::from_parts(parts, Body::from(bytes))
}

type Admitting = JoinHandle<Result<Admission, StoreError>>;

/// A request's place among its token's requests in flight.
#[derive(Default)]
enum Held {
    #[default]
    Nothing,
    /// The admission is running in its task: its lease, if any, is ours.
    Admitting(Admitting),
    Lease(Lease),
}

/// Holds a request's lease from admission to the end of the request, and
/// ends it on every path: [`Slot::release`] when the answer is ready, or
/// `Drop` (deadline, panic, a client gone, a body dropped mid-way).
struct Slot {
    store: Store,
    held: Held,
    /// The process's count of requests being served: this one leaves it
    /// once whatever it held has ended (`None`: already left).
    counted: Option<Arc<AtomicU64>>,
}

impl Slot {
    fn new(store: Store, requests: Arc<AtomicU64>) -> Self {
        requests.fetch_add(1, Ordering::Relaxed);
        Slot {
            store,
            held: Held::Nothing,
            counted: Some(requests),
        }
    }

    /// This request no longer holds anything.
    fn done(&mut self) {
        if let Some(c) = self.counted.take() {
            c.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Runs `admit` in a task of its own and keeps what it admits. If this
    /// request is dropped meanwhile, the task still finishes and its lease
    /// is released.
    async fn admit<F, Fut>(&mut self, admit: F) -> Result<Admission, StoreError>
    where
        F: FnOnce(Store) -> Fut,
        Fut: Future<Output = Result<Admission, StoreError>> + Send + 'static,
    {
        self.held = Held::Admitting(tokio::spawn(admit(self.store.clone())));
        let Held::Admitting(task) = &mut self.held else {
            return Err(StoreError::Invalid("admission was not started".into()));
        };
        let result = task.await;
        self.held = Held::Nothing;
        match result {
            Ok(Ok(Admission::Admitted(lease))) => {
                self.held = Held::Lease(lease);
                Ok(Admission::Admitted(lease))
            }
            Ok(other) => other,
            Err(e) => Err(StoreError::Invalid(format!("the admission failed: {e}"))),
        }
    }

    /// Ends the lease now. The slot keeps the lease until the delete is
    /// done: if this request is dropped while waiting, `Drop` deletes it
    /// again (deleting an ended lease does nothing).
    async fn release(&mut self) {
        match std::mem::take(&mut self.held) {
            Held::Lease(lease) => {
                self.held = Held::Lease(lease);
                let released = self.store.release(lease).await;
                self.held = Held::Nothing;
                if let Err(e) = released {
                    tracing::warn!(error = %e, "a request lease was not released; it expires after the deadline");
                }
            }
            other => {
                if let Some(task) = release_task(&self.store, other, None) {
                    let _ = task.await;
                }
            }
        }
        self.done();
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let held = std::mem::take(&mut self.held);
        release_task(&self.store, held, self.counted.take());
    }
}

/// Starts ending whatever `held` holds, then takes the request out of
/// `counted` (at once if there is nothing to end); `None` if it holds
/// nothing (or no runtime is left to run the task: the process is exiting,
/// and its leases end with its heartbeat).
fn release_task(
    store: &Store,
    held: Held,
    counted: Option<Arc<AtomicU64>>,
) -> Option<JoinHandle<()>> {
    let count_down = |c: Option<Arc<AtomicU64>>| {
        if let Some(c) = c {
            c.fetch_sub(1, Ordering::Relaxed);
        }
    };
    let lease = match held {
        Held::Nothing => {
            count_down(counted);
            return None;
        }
        Held::Lease(lease) => Ok(lease),
        Held::Admitting(task) => Err(task),
    };
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        count_down(counted);
        return None;
    };
    let store = store.clone();
    Some(runtime.spawn(async move {
        let lease = match lease {
            Ok(lease) => Some(lease),
            Err(admitting) => match admitting.await {
                Ok(Ok(Admission::Admitted(lease))) => Some(lease),
                _ => None,
            },
        };
        if let Some(lease) = lease
            && let Err(e) = store.release(lease).await
        {
            tracing::warn!(error = %e, "a request lease was not released; it expires after the deadline");
        }
        count_down(counted);
    }))
}

/// A streamed answer that ends its request's lease before the client can see
/// the end of the answer: the last frame (or the end of the stream) is held
/// back until the lease is gone.
struct LeaseBody {
    inner: Body,
    slot: Option<Slot>,
    releasing: Option<JoinHandle<()>>,
    held: Option<Frame<Bytes>>,
    done: bool,
}

impl LeaseBody {
    fn new(inner: Body, slot: Slot) -> Self {
        LeaseBody {
            inner,
            slot: Some(slot),
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
                // The slot ends the lease when this body is dropped.
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => {}
            }
            let slot = this.slot.take();
            let releasing = slot.and_then(|mut s| {
                let counted = s.counted.take();
                release_task(&s.store, std::mem::take(&mut s.held), counted)
            });
            match releasing {
                Some(task) => this.releasing = Some(task),
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
