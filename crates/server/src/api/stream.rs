//! The streamed campaign_3 answer: its size is known before the first byte (so
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
use crate::store::Campaign3Read;

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

    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Chunk, io::Error>>(CHANNEL_CHUNKS);
    tokio::spawn(async move {
        let mut buf = Vec::with_capacity(CHUNK + 4096);
        buf.extend_from_slice(prefix.as_bytes());
        let mut first = true;
        let mut rows = Box::pin(read.rows(tz));
        while let Some(row) = rows.next().await {
            let row = match row {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(error = %e, "campaign_3 stream failed");
                    let _ = tx.send(Err(io::Error::other("store failed"))).await;
                    return;
                }
            };
            if !first {
                buf.push(b',');
            }
            first = false;
            if let Err(e) = serde_json::to_writer(&mut buf, &row) {
                let _ = tx.send(Err(io::Error::other(e))).await;
                return;
            }
            if buf.len() >= CHUNK {
                let chunk = Bytes::from(std::mem::replace(
                    &mut buf,
                    Vec::with_capacity(CHUNK + 4096),
                ));
                if tx.send(Ok(Chunk::More(chunk))).await.is_err() {
                    return; // the client went away or the deadline passed
                }
            }
        }
        drop(rows);
        // Every row read: the snapshot ends and its connection is reused (an
        // early return above drops it, and the connection is closed).
        if let Err(e) = read.finish().await {
            tracing::warn!(error = %e, "campaign_3 snapshot did not end cleanly");
        }
        buf.extend_from_slice(STREAM_SUFFIX.as_bytes());
        let _ = tx.send(Ok(Chunk::Last(Bytes::from(buf)))).await;
    });
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
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}
