//! Every error answer is the Wolkvox envelope, with HTTP status = `code`:
//! the request's head is checked against the limits before routing (414 for
//! a long target, 431 for large headers, 413 for a body whose announced
//! length is over the limit, refused before a byte of it is read), and any error the HTTP layer
//! answered in its own words (axum's rejections: a body over the limit, one
//! that could not be read; a method a route does not take) is rewritten as
//! an envelope of the same status.
//!
//! Only what hyper refuses before there is a request at all (bytes that are
//! not HTTP/1.1, a head over its buffer) is answered by hyper itself: an
//! empty 400, 414 or 431, and the connection is closed.

use axum::body::to_bytes;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use marcador_wire::WireError;
use marcador_wire::limits::{
    MAX_BODY_BYTES, MAX_HEADER_BYTES, MAX_HEADER_FIELDS, MAX_TARGET_BYTES,
};

use super::ApiError;

/// The most of an HTTP-layer error text read into the envelope's message.
const DETAIL_BYTES: usize = 1024;

pub async fn envelope_errors(req: Request, next: Next) -> Response {
    if let Some(e) = head_over_limits(&req) {
        return ApiError(e).into_response();
    }
    let resp = next.run(req).await;
    if resp.status().as_u16() < 400 || is_json(&resp) {
        return resp;
    }
    let status = resp.status();
    let e = if status == StatusCode::PAYLOAD_TOO_LARGE {
        WireError::body_too_large()
    } else {
        let detail = to_bytes(resp.into_body(), DETAIL_BYTES)
            .await
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        WireError::http(
            status.as_u16(),
            status.canonical_reason().unwrap_or_default(),
            &detail,
        )
    };
    ApiError(e).into_response()
}

fn head_over_limits(req: &Request) -> Option<WireError> {
    let target = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if target > MAX_TARGET_BYTES {
        return Some(WireError::uri_too_long());
    }
    let headers = req.headers();
    // As on the wire: "name: value\r\n".
    let bytes: usize = headers
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len() + 4)
        .sum();
    if headers.len() > MAX_HEADER_FIELDS || bytes > MAX_HEADER_BYTES {
        return Some(WireError::headers_too_large());
    }
    // A chunked body over the limit is stopped by the routes' body limit.
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Some(WireError::body_too_large());
    }
    None
}

fn is_json(resp: &Response) -> bool {
    resp.headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"))
}
