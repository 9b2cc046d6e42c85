//! The HTTP/1.1 server under the API: how connections are accepted, kept and
//! closed. axum's own `serve` keeps every connection for as long as the client
//! wants; this loop (on hyper's connection builder) adds what a server facing
//! the internet or a load balancer needs:
//!
//! - TCP_NODELAY on every accepted socket: an answer leaves as soon as it is
//!   written, never held back for the client's delayed ACK;
//! - a cap on open connections ([`Http::max_connections`], lowered to what the
//!   open-files limit allows after raising it to its hard limit): a connection
//!   past it is answered 503 in the envelope and closed, at once, and the
//!   connections already open are served as before;
//! - per connection, a [`Watch`] on its phase: a new connection must send its
//!   first head, and a request its whole head once its first byte arrived,
//!   within [`Http::head_timeout_ms`]; a keep-alive connection with nothing
//!   in flight is closed after [`Http::idle_timeout_ms`]. A request in flight
//!   is governed by the request deadline instead (`api/gate.rs`);
//! - a graceful end: stop accepting, close connections with no request in
//!   flight, let requests in flight finish (each within the request deadline).

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::response::IntoResponse;
use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use marcador_wire::WireError;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

use crate::api::ApiError;
use crate::config::Http;

/// hyper's read buffer: a head larger than this is refused by hyper itself
/// (an empty 431). Well above the limits `api/errors.rs` answers in the
/// envelope, so every head a client could mean to send gets the envelope.
const MAX_HEAD_BUFFER: usize = 256 * 1024;
/// Header fields hyper parses before refusing on its own (above the
/// envelope's limit of [`marcador_wire::limits::MAX_HEADER_FIELDS`]).
const HYPER_MAX_HEADERS: usize = 512;
/// Files kept for everything but client connections (database, logs…).
const RESERVED_FILES: u64 = 256;
/// Connections past the cap being answered 503 at the same time; past this
/// too, a connection is closed without an answer.
const REFUSING_AT_ONCE: usize = 64;
/// How long a connection past the cap has to send its request head.
const REFUSAL_TIMEOUT: Duration = Duration::from_secs(1);

/// Counts of what the server did with connections (for tests and operators).
#[derive(Debug, Default)]
pub struct ConnectionStats {
    /// Connections answered 503 (or closed) because the cap was reached.
    pub refused: AtomicU64,
    /// Connections closed by the head or idle timeout.
    pub timed_out: AtomicU64,
    /// Connections being served now (a request they carried has ended or
    /// been dropped once its connection is no longer counted here).
    pub open: AtomicU64,
}

/// Serves `router` on `listener` until `shutdown` completes, then lets the
/// requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    http: &Http,
    stats: Arc<ConnectionStats>,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let open = Arc::new(Semaphore::new(connection_cap(http.max_connections)));
    let refusing = Arc::new(Semaphore::new(REFUSING_AT_ONCE));
    let timeouts = Timeouts {
        head: http.head_timeout(),
        idle: http.idle_timeout(),
    };
    let mut builder = http1::Builder::new();
    builder
        .max_buf_size(MAX_HEAD_BUFFER)
        .max_headers(HYPER_MAX_HEADERS);
    let tracker = TaskTracker::new();
    let stop = CancellationToken::new();
    tokio::pin!(shutdown);
    loop {
        let (sock, _) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
        };
        if let Err(e) = sock.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY could not be set");
        }
        match open.clone().try_acquire_owned() {
            Ok(permit) => {
                stats.open.fetch_add(1, Ordering::Relaxed);
                let conn = connection(
                    sock,
                    router.clone(),
                    builder.clone(),
                    timeouts,
                    stop.clone(),
                    stats.clone(),
                );
                let counted = stats.clone();
                tracker.spawn(async move {
                    conn.await;
                    counted.open.fetch_sub(1, Ordering::Relaxed);
                    drop(permit);
                });
            }
            Err(_) => {
                stats.refused.fetch_add(1, Ordering::Relaxed);
                if let Ok(permit) = refusing.clone().try_acquire_owned() {
                    tracker.spawn(async move {
                        refuse(sock).await;
                        drop(permit);
                    });
                }
                // Else dropped here: closed without an answer.
            }
        }
    }
    stop.cancel();
    tracker.close();
    tracker.wait().await;
    Ok(())
}

/// The connection cap, lowered so that the process's open-files limit
/// (raised to its hard limit first) can hold it.
fn connection_cap(wanted: usize) -> usize {
    let wanted = wanted.max(1);
    #[cfg(unix)]
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(files) => {
            let room =
                usize::try_from(files.saturating_sub(RESERVED_FILES + REFUSING_AT_ONCE as u64))
                    .unwrap_or(usize::MAX)
                    .max(1);
            if room < wanted {
                tracing::warn!(
                    configured = wanted,
                    open_files = files,
                    cap = room,
                    "the open-files limit cannot hold http.max_connections; capped lower (raise `ulimit -n`)"
                );
                return room;
            }
        }
        Err(e) => tracing::warn!(error = %e, "the open-files limit could not be read"),
    }
    wanted
}

async fn accept_failed(e: io::Error) {
    match e.kind() {
        // The client gave up between connecting and our accept: not ours.
        io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset => {}
        _ => {
            // Out of files or memory: wait for connections to end rather than spin.
            tracing::error!(error = %e, "accept failed");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Answers a connection past the cap with the 503 envelope and closes it.
/// Reading the request first (bounded) lets the answer arrive instead of a reset.
async fn refuse(sock: TcpStream) {
    let service = hyper::service::service_fn(|_req: hyper::Request<Incoming>| async {
        Ok::<_, Infallible>(ApiError(WireError::too_many_connections()).into_response())
    });
    let mut builder = http1::Builder::new();
    builder.keep_alive(false);
    let conn = builder.serve_connection(TokioIo::new(sock), service);
    let _ = tokio::time::timeout(REFUSAL_TIMEOUT, conn).await;
}

#[derive(Clone, Copy)]
struct Timeouts {
    head: Duration,
    idle: Duration,
}

/// Serves one connection, closing it when its watch says it is overdue.
async fn connection(
    sock: TcpStream,
    router: Router,
    builder: http1::Builder,
    timeouts: Timeouts,
    stop: CancellationToken,
    stats: Arc<ConnectionStats>,
) {
    let watch = Arc::new(Watch::new());
    // Who is at the other end: the audit log's address.
    let peer = sock.peer_addr().ok();
    let io = TokioIo::new(Watched {
        inner: sock,
        watch: watch.clone(),
    });
    let on_request = watch.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let busy = Busy::begin(on_request.clone());
        let router = router.clone();
        async move {
            let mut req = req.map(Body::new);
            if let Some(peer) = peer {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
            }
            let resp = match router.oneshot(req).await {
                Ok(resp) => resp,
                Err(never) => match never {},
            };
            Ok::<_, Infallible>(resp.map(|inner| Body::new(BusyBody { inner, _busy: busy })))
        }
    });
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let mut stopping = false;
    loop {
        let due = watch.due(timeouts);
        tokio::select! {
            ended = conn.as_mut() => {
                if let Err(e) = ended {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            () = sleep_until(due) => {
                if watch.due(timeouts).is_some_and(|d| d <= Instant::now()) {
                    stats.timed_out.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!("closed a connection past its head or idle timeout");
                    return;
                }
            }
            () = watch.changed.notified() => {}
            () = stop.cancelled(), if !stopping => {
                stopping = true;
                // Nothing has started on it (at most half a head): close now.
                if !watch.is_busy() {
                    return;
                }
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Where a connection is: between requests, reading a head, or serving.
struct Watch {
    phase: Mutex<Phase>,
    /// Woken when the phase moves a deadline earlier or away.
    changed: Notify,
}

struct Phase {
    /// Requests whose answer is not yet fully handed to the connection.
    busy: usize,
    /// Since when nothing has been in flight (the accept, or the last answer).
    idle_since: Instant,
    /// When the first byte of the next head arrived, if one is being read.
    head_since: Option<Instant>,
    /// Requests served on this connection so far.
    served: u64,
}

impl Watch {
    fn new() -> Watch {
        Watch {
            phase: Mutex::new(Phase {
                busy: 0,
                idle_since: Instant::now(),
                head_since: None,
                served: 0,
            }),
            changed: Notify::new(),
        }
    }

    fn phase(&self) -> MutexGuard<'_, Phase> {
        self.phase.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// When the connection is overdue, or `None` while a request is in flight.
    fn due(&self, t: Timeouts) -> Option<Instant> {
        let p = self.phase();
        if p.busy > 0 {
            None
        } else if let Some(since) = p.head_since {
            Some(since + t.head)
        } else if p.served == 0 {
            // A new connection owes its first head.
            Some(p.idle_since + t.head)
        } else {
            Some(p.idle_since + t.idle)
        }
    }

    fn is_busy(&self) -> bool {
        self.phase().busy > 0
    }

    /// Bytes arrived: between requests, they start a head.
    fn read(&self) {
        let mut p = self.phase();
        if p.busy == 0 && p.head_since.is_none() {
            p.head_since = Some(Instant::now());
            drop(p);
            self.changed.notify_one();
        }
    }
}

/// One request in flight on a connection, from its head to the end of its answer.
struct Busy(Arc<Watch>);

impl Busy {
    fn begin(watch: Arc<Watch>) -> Busy {
        {
            let mut p = watch.phase();
            p.busy += 1;
            p.served += 1;
            p.head_since = None;
        }
        Busy(watch)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let mut p = self.0.phase();
        p.busy = p.busy.saturating_sub(1);
        if p.busy == 0 {
            p.idle_since = Instant::now();
        }
        drop(p);
        self.0.changed.notify_one();
    }
}

/// An answer body that keeps its request counted as busy until hyper is done with it.
struct BusyBody {
    inner: Body,
    _busy: Busy,
}

impl HttpBody for BusyBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The socket, telling its watch when bytes arrive.
struct Watched {
    inner: TcpStream,
    watch: Arc<Watch>,
}

/// How long a closing connection keeps reading what its client still sends.
const LINGER: Duration = Duration::from_secs(2);
/// The most it reads then.
const LINGER_BYTES: usize = 8 << 20;

impl Drop for Watched {
    /// Closing a socket while the client's bytes are still arriving (a body
    /// no handler read: a GET with a body, say) makes the kernel answer them
    /// with a reset, which can destroy the answer still on its way to the
    /// client. As nginx's lingering close: when bytes are pending, the socket
    /// is kept open (a duplicate of it) by a task that reads and drops what
    /// arrives for a moment, then closes it in order.
    fn drop(&mut self) {
        let mut byte = [0u8; 1];
        if !matches!(self.inner.try_read(&mut byte), Ok(n) if n > 0) {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let Ok(dup) = socket2::SockRef::from(&self.inner).try_clone() else {
            return;
        };
        let Ok(sock) = TcpStream::from_std(dup.into()) else {
            return;
        };
        handle.spawn(async move {
            let mut buf = vec![0u8; 64 * 1024];
            let mut read = 0;
            let drain = async {
                while read < LINGER_BYTES {
                    sock.readable().await.ok();
                    match sock.try_read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => read += n,
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                        Err(_) => break,
                    }
                }
            };
            let _ = tokio::time::timeout(LINGER, drain).await;
        });
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.watch.read();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
