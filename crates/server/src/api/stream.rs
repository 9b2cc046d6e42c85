//! The streamed answers — campaign_3 and the detail reports. The size is known before the first byte (so
//! the 60,000-record and 256 MB caps are errors, never truncation), then rows
//! are serialized in ~64 KiB chunks by a task, through a small channel: memory
//! stays flat whatever the row count. The last chunk is marked: a task that
//! stops before it (a store error, a panic) ends the body with an error, so
//! the client sees a broken answer, never a short one that looks whole.

use std::io;
use std::task::{Poll, ready};

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use jiff::tz::TimeZone;
use marcador_wire::WireError;
use marcador_wire::envelope::{STREAM_SUFFIX, stream_prefix};

use super::ApiError;
use crate::config::Limits;
use serde::Serialize;

use crate::store::{Campaign3Read, DetailRead};

const CHUNK: usize = 64 * 1024;

/// A piece of the answer; the last one says so.
enum Chunk {
    More(Bytes),
    Last(Bytes),
}
const CHANNEL_CHUNKS: usize = 4;

pub async fn campaign_3(
    limits: &Limits,
    mut read: Campaign3Read,
    tz: TimeZone,
) -> Result<Response, ApiError> {
    let prefix = stream_prefix(read.count);
    // wire_bytes counts a comma after every row; the last row has none.
    let total = (prefix.len() as u64 + read.bytes + STREAM_SUFFIX.len() as u64).saturating_sub(1);
    let refusal = if read.count == 0 {
        Some(WireError::no_data())
    } else if read.count > limits.max_records_per_answer {
        Some(WireError::too_many_records(limits.max_records_per_answer))
    } else if total > limits.max_answer_bytes {
        Some(WireError::answer_too_large(limits.max_answer_bytes))
    } else {
        None
    };
    if let Some(e) = refusal {
        // Refused before a row is read: the snapshot ends and its connection
        // is reused (a client splitting its range meets many of these).
        if let Err(e) = read.finish().await {
            tracing::warn!(error = %e, "campaign_3 snapshot did not end cleanly");
        }
        return Err(e.into());
    }

    let (mut sink, body) = Sink::open(prefix);
    tokio::spawn(async move {
        let mut rows = Box::pin(read.rows(tz));
        while let Some(row) = rows.next().await {
            let row = match row {
                Ok(r) => r,
                Err(e) => return sink.fail("campaign_3", e).await,
            };
            if sink.row(&row).await.is_err() {
                return; // the client went away or the deadline passed
            }
        }
        drop(rows);
        // Every row read: the snapshot ends and its connection is reused (an
        // early return above drops it, and the connection is closed).
        if let Err(e) = read.finish().await {
            tracing::warn!(error = %e, "campaign_3 snapshot did not end cleanly");
        }
        sink.last().await;
    });
    Ok(body)
}

/// A detail report (cdr_1, cdr_5, act_3): its rows are read once inside the
/// snapshot to measure them as they will be written — count and exact bytes,
/// stopping past a cap — so a refusal comes before the first byte; then read
/// again from the same snapshot and sent as campaign_3 is. Twice the reading,
/// constant memory.
pub async fn detail<T, R, F>(
    limits: &Limits,
    read: DetailRead<T>,
    to_row: F,
) -> Result<Response, ApiError>
where
    T: Send + 'static,
    R: Serialize + Send + Sync,
    F: Fn(T) -> R + Send + 'static,
{
    detail_in(limits, read, to_row, stream_prefix).await
}

/// [`detail`] in another envelope: `head(count)` opens it, up to the `[` of its rows.
pub async fn detail_in<T, R, F>(
    limits: &Limits,
    mut read: DetailRead<T>,
    to_row: F,
    head: impl FnOnce(u64) -> String,
) -> Result<Response, ApiError>
where
    T: Send + 'static,
    R: Serialize + Send + Sync,
    F: Fn(T) -> R + Send + 'static,
{
    let cap = limits.max_records_per_answer;
    let (mut count, mut bytes) = (0u64, 0u64);
    // The query reads at most cap + 1 rows, so it always runs to its end,
    // unless the bytes pass their cap first (or it fails): then its statement
    // was left mid-way, and the snapshot's connection is closed, not reused.
    let mut whole = false;
    let measured = async {
        let mut rows = read.rows(cap.saturating_add(1));
        while let Some(row) = rows.next().await {
            count += 1;
            let mut len = Counter(0);
            serde_json::to_writer(&mut len, &to_row(row?)).map_err(|e| {
                tracing::error!(error = %e, "serialize a report row");
                ApiError::from(WireError::internal())
            })?;
            bytes += len.0 + 1;
            if bytes > limits.max_answer_bytes {
                return Ok(());
            }
        }
        whole = true;
        Ok::<(), ApiError>(())
    }
    .await;
    let prefix = head(count);
    let total = (prefix.len() as u64 + bytes + STREAM_SUFFIX.len() as u64).saturating_sub(1);
    let refusal = if let Err(e) = measured {
        Some(e)
    } else if count == 0 {
        Some(WireError::no_data().into())
    } else if count > cap {
        Some(WireError::too_many_records(cap).into())
    } else if total > limits.max_answer_bytes {
        Some(WireError::answer_too_large(limits.max_answer_bytes).into())
    } else {
        None
    };
    if let Some(e) = refusal {
        if whole && let Err(e) = read.finish().await {
            tracing::warn!(error = %e, "report snapshot did not end cleanly");
        }
        return Err(e);
    }
    let (mut sink, body) = Sink::open(prefix);
    tokio::spawn(async move {
        let mut rows = Box::pin(read.rows(count));
        while let Some(row) = rows.next().await {
            let row = match row {
                Ok(r) => to_row(r),
                Err(e) => return sink.fail("report", e).await,
            };
            if sink.row(&row).await.is_err() {
                return;
            }
        }
        drop(rows);
        if let Err(e) = read.finish().await {
            tracing::warn!(error = %e, "report snapshot did not end cleanly");
        }
        sink.last().await;
    });
    Ok(body)
}

/// Counts the bytes written to it.
struct Counter(u64);

impl io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The writing end of a streamed answer: rows go into ~64 KiB chunks sent
/// through a small channel to the body.
struct Sink {
    tx: tokio::sync::mpsc::Sender<Result<Chunk, io::Error>>,
    buf: Vec<u8>,
    first: bool,
}

/// The client is gone (or the deadline passed): stop reading.
struct Gone;

impl Sink {
    /// A sink whose chunks start with `prefix`, and the answer they make.
    fn open(prefix: String) -> (Sink, Response) {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Chunk, io::Error>>(CHANNEL_CHUNKS);
        let mut buf = Vec::with_capacity(CHUNK + 4096);
        buf.extend_from_slice(prefix.as_bytes());
        let mut ended = false;
        let body = Body::from_stream(futures_util::stream::poll_fn(move |cx| {
            if ended {
                return Poll::Ready(None);
            }
            Poll::Ready(match ready!(rx.poll_recv(cx)) {
                Some(Ok(Chunk::More(b))) => Some(Ok(b)),
                Some(Ok(Chunk::Last(b))) => {
                    ended = true;
                    Some(Ok(b))
                }
                Some(Err(e)) => Some(Err(e)),
                None => Some(Err(io::Error::other("the answer stopped before its end"))),
            })
        }));
        let resp = ([(header::CONTENT_TYPE, "application/json")], body).into_response();
        (
            Sink {
                tx,
                buf,
                first: true,
            },
            resp,
        )
    }

    async fn row<R: Serialize>(&mut self, row: &R) -> Result<(), Gone> {
        if !self.first {
            self.buf.push(b',');
        }
        self.first = false;
        if let Err(e) = serde_json::to_writer(&mut self.buf, row) {
            let _ = self.tx.send(Err(io::Error::other(e))).await;
            return Err(Gone);
        }
        if self.buf.len() >= CHUNK {
            let chunk = Bytes::from(std::mem::replace(
                &mut self.buf,
                Vec::with_capacity(CHUNK + 4096),
            ));
            self.tx
                .send(Ok(Chunk::More(chunk)))
                .await
                .map_err(|_| Gone)?;
        }
        Ok(())
    }

    /// The store failed mid-answer: the body ends in an error, never short.
    async fn fail(self, what: &str, e: impl std::fmt::Display) {
        tracing::error!(error = %e, "{what} stream failed");
        let _ = self.tx.send(Err(io::Error::other("store failed"))).await;
    }

    async fn last(mut self) {
        self.buf.extend_from_slice(STREAM_SUFFIX.as_bytes());
        let _ = self.tx.send(Ok(Chunk::Last(Bytes::from(self.buf)))).await;
    }
}
