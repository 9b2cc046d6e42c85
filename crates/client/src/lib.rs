//! A typed client for the Wolkvox API v2 — real Wolkvox or a Marcador server —
//! that stays inside the API's limits by construction:
//!
//! - never more than 2 requests in flight per token, across every clone of the
//!   client and every client of the process built with the same token;
//! - a third request refused anyway (another program on the token), `429`,
//!   `502`/`503` and transport failures are retried with jittered, bounded
//!   back-off; `TOKEN LIMIT EXCEEDED` stops at once with [`Error::QuotaExhausted`],
//!   which says when the quota resets;
//! - "no data" (`404`, `0 records were found`) is an empty result, not an error;
//! - ranged reports take any range: it is split into windows of at most 31 days,
//!   a window over the 60,000-record / 256 MB cap (or answering exactly at the
//!   cap) is bisected until it fits, and rows come back in time order with no
//!   duplicates at window edges.
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//! use marcador_client::{Campaigns, Client, Endpoint, wire::WireDate};
//!
//! # async fn run() -> Result<(), marcador_client::Error> {
//! let client = Client::new(Endpoint::Wolkvox { server: "0016".into() }, "my-token")?;
//! let from = WireDate::parse("20260601000000").map_err(marcador_client::Error::Config)?;
//! let to = WireDate::parse("20261130235959").map_err(marcador_client::Error::Config)?;
//! let mut rows = client.campaign_3(Campaigns::All, from, to);
//! while let Some(row) = rows.try_next().await? {
//!     println!("{} {} {}", row.date, row.customer_id, row.result);
//! }
//! # Ok(()) }
//! ```

mod companions;
mod error;
mod ranged;
mod retry;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use jiff::Zoned;
use jiff::tz::TimeZone;
pub use marcador_wire as wire;
use marcador_wire::api::{self, param, report};
use marcador_wire::rows::{CallLast10Row, CampaignRealtimeRow, CodifyRequest};
use marcador_wire::{CampaignType, Envelope, WireError, WriteAnswer};
use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;

pub use companions::{NewRecords, Record};
pub use error::Error;
pub use ranged::{Window, WindowRows, merge_diagram, windows, windows_after};
pub use retry::RetryPolicy;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where the API lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// Real Wolkvox: server `"0016"` is `https://wv0016.wolkvox.com`.
    Wolkvox { server: String },
    /// Any base URL, e.g. a Marcador server: `http://127.0.0.1:8080`.
    Url(String),
}

impl Endpoint {
    /// The base URL requests are sent to.
    ///
    /// ```
    /// use marcador_client::Endpoint;
    /// let e = Endpoint::Wolkvox { server: "0016".into() };
    /// assert_eq!(e.base_url().unwrap().as_str(), "https://wv0016.wolkvox.com/");
    /// ```
    pub fn base_url(&self) -> Result<Url> {
        let text = match self {
            Endpoint::Wolkvox { server } => {
                let server = server.trim();
                if server.is_empty() || !server.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return Err(Error::Config(format!(
                        "wolkvox server {server:?} is not a server number such as 0016"
                    )));
                }
                format!("https://wv{server}.wolkvox.com")
            }
            Endpoint::Url(url) => url.trim().to_owned(),
        };
        let url =
            Url::parse(&text).map_err(|e| Error::Config(format!("{text:?} is not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::Config(format!("{text:?} is not an http(s) URL")));
        }
        Ok(url)
    }

    fn server(&self) -> Option<&str> {
        match self {
            Endpoint::Wolkvox { server } => Some(server.trim()),
            Endpoint::Url(_) => None,
        }
    }
}

/// Which campaigns `campaign_3` covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Campaigns {
    /// `campaign_id=all`.
    All,
    One(i64),
}

impl Campaigns {
    fn wire(self) -> String {
        match self {
            Campaigns::All => api::ALL_CAMPAIGNS.to_owned(),
            Campaigns::One(id) => id.to_string(),
        }
    }
}

impl From<i64> for Campaigns {
    fn from(id: i64) -> Self {
        Campaigns::One(id)
    }
}

/// One codification: `PUT campaign.php?api=codify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Codify {
    pub campaign_id: i64,
    pub type_campaign: CampaignType,
    pub customer_id: String,
    /// The first activity code (`cod_act`).
    pub code: String,
    /// The second activity code (`cod_act_2`), if any.
    pub code_2: Option<String>,
    pub comment: Option<String>,
}

/// What the client did so far (all clones together).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// Requests sent again after a refusal or a transport failure.
    pub retries: u64,
    /// Answers refusing a third request in flight (another program on the token).
    pub busy_refusals: u64,
}

/// Builds a [`Client`] with settings other than the defaults.
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    endpoint: Endpoint,
    token: String,
    time_zone: Option<TimeZone>,
    retry: RetryPolicy,
    max_records: u64,
    timeout: Duration,
    server_header: Option<String>,
}

impl ClientBuilder {
    /// Sends `wolkvox_server: SERVER` with a [`Endpoint::Url`] too (a proxy in
    /// front of Wolkvox may need it); [`Endpoint::Wolkvox`] always sends it.
    pub fn wolkvox_server(mut self, server: impl Into<String>) -> Self {
        self.server_header = Some(server.into());
        self
    }

    /// The operation's time zone, used to say when the daily quota resets
    /// (default `America/Bogota`).
    pub fn time_zone(mut self, tz: TimeZone) -> Self {
        self.time_zone = Some(tz);
        self
    }

    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The most records one answer may hold (60,000 on Wolkvox). A window
    /// answering this many rows is bisected, in case the server truncated it.
    pub fn max_records_per_answer(mut self, n: u64) -> Self {
        self.max_records = n.max(1);
        self
    }

    /// How long one request may take, body included (default 90 s: the API's
    /// own deadline is 60 s).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    pub fn build(self) -> Result<Client> {
        let base = self.endpoint.base_url()?;
        let mut token = HeaderValue::from_str(self.token.trim())
            .map_err(|_| Error::Config("the token holds characters a header cannot".into()))?;
        if token.is_empty() {
            return Err(Error::Config("the token is empty".into()));
        }
        token.set_sensitive(true);
        let server = match self.endpoint.server().or(self.server_header.as_deref()) {
            Some(s) => Some(
                HeaderValue::from_str(s)
                    .map_err(|_| Error::Config(format!("server {s:?} is not a header value")))?,
            ),
            None => None,
        };
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("marcador-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        let tz = match self.time_zone {
            Some(tz) => tz,
            None => TimeZone::get(DEFAULT_TIME_ZONE)
                .map_err(|e| Error::Config(format!("time zone {DEFAULT_TIME_ZONE}: {e}")))?,
        };
        let limiter = retry::limiter(base.as_str(), self.token.trim());
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                token,
                server,
                limiter,
                tz,
                retry: self.retry,
                max_records: self.max_records,
                requests: AtomicU64::new(0),
                retries: AtomicU64::new(0),
                busy: AtomicU64::new(0),
            }),
        })
    }
}

/// The operation time zone assumed when none is given.
pub const DEFAULT_TIME_ZONE: &str = "America/Bogota";

/// The client. Cheap to clone; clones share the connection pool, the
/// in-flight limit and the statistics.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    token: HeaderValue,
    server: Option<HeaderValue>,
    limiter: Arc<Semaphore>,
    tz: TimeZone,
    retry: RetryPolicy,
    max_records: u64,
    requests: AtomicU64,
    retries: AtomicU64,
    busy: AtomicU64,
}

impl fmt::Debug for Client {
    /// Never shows the token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.inner.base.as_str())
            .finish_non_exhaustive()
    }
}

/// A request, described once so that it can be sent again.
pub(crate) struct Call {
    pub method: Method,
    pub path: &'static str,
    pub query: Vec<(&'static str, String)>,
    /// Shared, so that a retry re-sends it without copying.
    pub body: Option<Bytes>,
    /// Whether sending it twice does no harm (reads, codify, start/stop…):
    /// only such calls are retried after a failure that may have reached the server.
    pub idempotent: bool,
}

impl Call {
    pub fn get(path: &'static str, api_name: &str) -> Self {
        Call {
            method: Method::GET,
            path,
            query: vec![(param::API, api_name.to_owned())],
            body: None,
            idempotent: true,
        }
    }

    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.query.push((name, value.into()));
        self
    }

    pub fn write(method: Method, api_name: &str, body: Option<Vec<u8>>, idempotent: bool) -> Self {
        Call {
            method,
            path: api::CAMPAIGN_PATH,
            query: vec![(param::API, api_name.to_owned())],
            body: body.map(Bytes::from),
            idempotent,
        }
    }

    fn what(&self) -> String {
        let api_name = self
            .query
            .first()
            .map(|(_, v)| v.as_str())
            .unwrap_or_default();
        format!("{} {}?api={api_name}", self.method, self.path)
    }
}

/// Why an answer was not the success expected.
pub(crate) enum Failure {
    Wire(WireError),
    Decode(String),
}

impl Client {
    /// A client with the default settings.
    ///
    /// ```
    /// use marcador_client::{Client, Endpoint};
    /// let c = Client::new(Endpoint::Url("http://127.0.0.1:8080".into()), "5f1c0d2e9a7b4c3d8e6f").unwrap();
    /// assert!(!format!("{c:?}").contains("5f1c"));
    /// ```
    pub fn new(endpoint: Endpoint, token: impl Into<String>) -> Result<Client> {
        Self::builder(endpoint, token).build()
    }

    pub fn builder(endpoint: Endpoint, token: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            endpoint,
            token: token.into(),
            time_zone: None,
            retry: RetryPolicy::default(),
            max_records: marcador_wire::limits::MAX_RECORDS_PER_ANSWER,
            timeout: Duration::from_secs(90),
            server_header: None,
        }
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The operation time zone the client assumes.
    pub fn time_zone(&self) -> &TimeZone {
        &self.inner.tz
    }

    pub fn stats(&self) -> Stats {
        Stats {
            requests: self.inner.requests.load(Ordering::Relaxed),
            retries: self.inner.retries.load(Ordering::Relaxed),
            busy_refusals: self.inner.busy.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn max_records(&self) -> u64 {
        self.inner.max_records
    }

    /// `GET real_time.php?api=campaigns`: one row per campaign (a bare array on the wire).
    pub async fn campaigns(&self) -> Result<Vec<CampaignRealtimeRow>> {
        self.execute(
            &Call::get(api::REAL_TIME_PATH, report::CAMPAIGNS),
            bare_rows,
        )
        .await
    }

    /// `GET real_time.php?api=calls_last_10`: the calls of the last 10 minutes.
    pub async fn calls_last_10(&self) -> Result<Vec<CallLast10Row>> {
        self.rows(Call::get(api::REAL_TIME_PATH, report::CALLS_LAST_10))
            .await
    }

    /// `PUT campaign.php?api=codify`: codifies one record; answers the server's
    /// acknowledgement (`code` 202, `msg` naming the customer).
    pub async fn codify(&self, c: &Codify) -> Result<WriteAnswer> {
        let body = CodifyRequest {
            cod_act: Some(c.code.clone()),
            cod_act_2: c.code_2.clone(),
            comment: c.comment.clone(),
            customer_id: Some(c.customer_id.clone()),
        };
        let call = Call::write(Method::PUT, report::CODIFY, Some(to_json(&body)?), true)
            .with(param::TYPE_CAMPAIGN, c.type_campaign.as_str())
            .with(param::CAMPAIGN_ID, c.campaign_id.to_string());
        self.message(call).await
    }

    /// Sends a call whose answer is an envelope of rows; "no data" is empty.
    pub(crate) async fn rows<T: DeserializeOwned>(&self, call: Call) -> Result<Vec<T>> {
        self.execute(&call, envelope_rows).await
    }

    /// Sends a write whose answer is `{"code": 2xx, "error": null, "msg": …}`.
    pub(crate) async fn message(&self, call: Call) -> Result<WriteAnswer> {
        self.execute(&call, write_answer).await
    }

    /// Sends `call` under the token's in-flight limit, retrying what can be
    /// waited out, and parses a success with `parse`.
    pub(crate) async fn execute<T>(
        &self,
        call: &Call,
        parse: fn(StatusCode, &[u8]) -> Result<T, Failure>,
    ) -> Result<T> {
        let inner = &self.inner;
        let mut url = inner.base.clone();
        url.set_path(call.path);
        url.query_pairs_mut()
            .extend_pairs(call.query.iter().map(|(k, v)| (*k, v.as_str())));
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            if attempt > 1 {
                inner.retries.fetch_add(1, Ordering::Relaxed);
            }
            let answer = {
                let _permit = inner
                    .limiter
                    .acquire()
                    .await
                    .map_err(|_| Error::Config("the in-flight limiter was closed".into()))?;
                inner.requests.fetch_add(1, Ordering::Relaxed);
                self.send_once(call, &url).await
            };
            let last = attempt >= inner.retry.max_attempts.max(1);
            let (status, headers, body) = match answer {
                Ok(a) => a,
                Err(e) => {
                    let may_retry = !e.is_builder() && (call.idempotent || e.is_connect());
                    if may_retry && !last {
                        tracing::debug!(attempt, error = %e, "transport failure; retrying");
                        tokio::time::sleep(inner.retry.delay(attempt)).await;
                        continue;
                    }
                    return Err(Error::Transport {
                        url: redact(&url),
                        attempts: attempt,
                        source: e,
                    });
                }
            };
            let wire = match parse(status, &body) {
                Ok(v) => return Ok(v),
                Err(Failure::Decode(detail)) => {
                    return Err(Error::Decode {
                        what: call.what(),
                        detail,
                    });
                }
                Err(Failure::Wire(w)) => w,
            };
            if wire.is_token_limit() {
                return Err(Error::QuotaExhausted {
                    resets_at: next_midnight(&inner.tz),
                });
            }
            let busy = wire.is_simultaneous_refusal();
            if busy {
                inner.busy.fetch_add(1, Ordering::Relaxed);
            }
            let retryable = busy
                || matches!(wire.code.0, 429 | 503)
                || (call.idempotent && matches!(wire.code.0, 500 | 502));
            if !retryable {
                return Err(Error::Api(wire));
            }
            if last {
                return Err(if busy {
                    Error::Busy { attempts: attempt }
                } else {
                    Error::Api(wire)
                });
            }
            let wait = inner
                .retry
                .delay(attempt)
                .max(retry_after(&headers).unwrap_or_default());
            tracing::debug!(attempt, code = wire.code.0, ?wait, "refused; retrying");
            tokio::time::sleep(wait).await;
        }
    }

    async fn send_once(
        &self,
        call: &Call,
        url: &Url,
    ) -> Result<(StatusCode, HeaderMap, Bytes), reqwest::Error> {
        let inner = &self.inner;
        let mut req = inner
            .http
            .request(call.method.clone(), url.clone())
            .header(api::TOKEN_HEADER, inner.token.clone());
        if let Some(server) = &inner.server {
            req = req.header(api::SERVER_HEADER, server.clone());
        }
        if let Some(body) = &call.body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let resp = req.send().await?;
        let status = resp.status();
        let headers = resp.headers().clone();
        // The whole body is read under the permit: a streamed answer is in flight
        // until its last byte.
        let body = resp.bytes().await?;
        Ok((status, headers, body))
    }
}

pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(v).map_err(|e| Error::Config(format!("cannot write the body: {e}")))
}

/// The next midnight in `tz`: when a Wolkvox daily quota resets.
pub fn next_midnight(tz: &TimeZone) -> Zoned {
    marcador_wire::date::quota_resets_at(jiff::Timestamp::now(), tz)
}

fn retry_after(h: &HeaderMap) -> Option<Duration> {
    let secs: u64 = h.get(RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(secs.min(60)))
}

/// The URL without its query (which never holds the token, but may be long).
fn redact(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.to_string()
}

// ---- parsing answers -------------------------------------------------------------

/// An error envelope from an answer that is not the expected success, or a
/// synthesized one from the HTTP status when the body is not an envelope
/// (a proxy's HTML page, say).
fn failure(status: StatusCode, body: &[u8], detail: impl fmt::Display) -> Failure {
    if let Ok(w) = serde_json::from_slice::<WireError>(body) {
        return Failure::Wire(w);
    }
    if let Ok(a) = serde_json::from_slice::<WriteAnswer>(body)
        && !(200..300).contains(&a.code.0)
    {
        return Failure::Wire(wire_error(a.code.0, a.error, a.msg, None));
    }
    if status.is_success() {
        return Failure::Decode(format!("{detail}; the answer starts {}", snippet(body)));
    }
    Failure::Wire(wire_error(
        status.as_u16(),
        Some(status.canonical_reason().unwrap_or("").to_uppercase()),
        snippet(body),
        None,
    ))
}

fn wire_error(
    code: u16,
    error: Option<String>,
    msg: String,
    data: Option<Vec<serde_json::Value>>,
) -> WireError {
    WireError {
        code: marcador_wire::Code(code),
        error: error.unwrap_or_default(),
        msg,
        data,
    }
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    format!("{:?}", text.trim())
}

/// `{"code": 200, "data": [...]}`; the code may be a number or a string, and
/// "no data" is an empty result.
pub(crate) fn envelope_rows<T: DeserializeOwned>(
    status: StatusCode,
    body: &[u8],
) -> Result<Vec<T>, Failure> {
    match serde_json::from_slice::<Envelope<T>>(body) {
        Ok(env) if (200..300).contains(&env.code.0) => Ok(env.data.unwrap_or_default()),
        Ok(env) => {
            let empty = env.data.as_ref().map(|d| d.is_empty());
            let w = wire_error(
                env.code.0,
                env.error,
                env.msg,
                empty.filter(|e| *e).map(|_| Vec::new()),
            );
            if w.is_no_data() {
                Ok(Vec::new())
            } else {
                Err(Failure::Wire(w))
            }
        }
        Err(e) => match failure(status, body, e) {
            Failure::Wire(w) if w.is_no_data() => Ok(Vec::new()),
            f => Err(f),
        },
    }
}

/// A bare JSON array (`real_time.php?api=campaigns`), or an envelope.
fn bare_rows<T: DeserializeOwned>(status: StatusCode, body: &[u8]) -> Result<Vec<T>, Failure> {
    match serde_json::from_slice::<Vec<T>>(body) {
        Ok(rows) if status.is_success() => Ok(rows),
        _ => envelope_rows(status, body),
    }
}

fn write_answer(status: StatusCode, body: &[u8]) -> Result<WriteAnswer, Failure> {
    match serde_json::from_slice::<WriteAnswer>(body) {
        Ok(a) if (200..300).contains(&a.code.0) => Ok(a),
        Ok(a) => Err(Failure::Wire(wire_error(a.code.0, a.error, a.msg, None))),
        Err(e) => Err(failure(status, body, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        assert_eq!(
            Endpoint::Url("http://127.0.0.1:8080".into())
                .base_url()
                .unwrap()
                .as_str(),
            "http://127.0.0.1:8080/"
        );
        assert!(
            Endpoint::Wolkvox {
                server: "00/16".into()
            }
            .base_url()
            .is_err()
        );
        assert!(Endpoint::Url("ftp://x".into()).base_url().is_err());
        // The TLS stack for real Wolkvox comes up (no request is sent).
        let w = Client::new(
            Endpoint::Wolkvox {
                server: "0016".into(),
            },
            "t",
        )
        .unwrap();
        assert_eq!(w.base_url().as_str(), "https://wv0016.wolkvox.com/");
        assert!(Client::new(Endpoint::Url("http://x".into()), " ").is_err());
    }

    #[test]
    fn answers_are_read_whatever_the_code_type() {
        let ok = br#"{"code":"200","error":null,"msg":"1 records were found","data":[{"a":1}]}"#;
        let rows: Vec<serde_json::Value> = envelope_rows(StatusCode::OK, ok).ok().unwrap();
        assert_eq!(rows.len(), 1);
        let no_data =
            br#"{"code":"404","error":"NOT FOUND","msg":"0 records were found","data":[]}"#;
        let rows: Vec<serde_json::Value> = envelope_rows(StatusCode::OK, no_data).ok().unwrap();
        assert!(rows.is_empty());
        let busy = br#"{"code":"403","error":"FORBIDDEN","msg":"TOKEN LIMIT EXCEEDED"}"#;
        match envelope_rows::<serde_json::Value>(StatusCode::OK, busy) {
            Err(Failure::Wire(w)) => assert!(w.is_token_limit()),
            _ => panic!("an error envelope in a 200"),
        }
        match envelope_rows::<serde_json::Value>(StatusCode::BAD_GATEWAY, b"<html>") {
            Err(Failure::Wire(w)) => assert_eq!(w.code.0, 502),
            _ => panic!("a proxy page"),
        }
        assert!(matches!(
            envelope_rows::<serde_json::Value>(StatusCode::OK, b"[1"),
            Err(Failure::Decode(_))
        ));
    }

    #[test]
    fn the_quota_resets_at_the_next_local_midnight() {
        let tz = TimeZone::get("America/Bogota").unwrap();
        let m = next_midnight(&tz);
        assert_eq!((m.hour(), m.minute(), m.second()), (0, 0, 0));
        assert!(m.timestamp() > jiff::Timestamp::now());
        assert!(m.timestamp() <= jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24));
    }
}
