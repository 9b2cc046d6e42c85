//! What can go wrong, in terms a caller can act on.

use jiff::Zoned;
use marcador_wire::{DateError, WireError};

/// A client error. The server's own refusals keep their Wolkvox envelope
/// ([`Error::Api`]); the ones the client handles itself (the in-flight limit,
/// transport failures) only surface once its bounded retries are spent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `403 TOKEN LIMIT EXCEEDED`: the operation's daily quota is used up. Not
    /// retried: nothing will succeed before `resets_at`, the next midnight in
    /// the operation's time zone.
    #[error(
        "{}: the operation's daily request quota is used up; it resets at {} ({})",
        marcador_wire::error::MSG_TOKEN_LIMIT,
        resets_at.strftime("%Y-%m-%d %H:%M %Z"),
        resets_at.time_zone().iana_name().unwrap_or("operation time zone")
    )]
    QuotaExhausted { resets_at: Zoned },

    /// The server kept refusing a third request in flight on this token. This
    /// client never sends one itself, so another program shares the token.
    #[error(
        "the server refused {attempts} attempts because 2 requests were already in flight on this token: another program is using the same token"
    )]
    Busy { attempts: u32 },

    /// The server answered with an error envelope (`code`, `error`, `msg`).
    #[error("the server answered {} {}: {}", .0.code.0, .0.error, .0.msg)]
    Api(WireError),

    /// The request did not get an answer, after bounded retries.
    #[error("no answer from {url} after {attempts} attempt(s): {source}")]
    Transport {
        url: String,
        attempts: u32,
        #[source]
        source: reqwest::Error,
    },

    /// The answer is not the JSON this endpoint answers with.
    #[error("the answer to {what} is not the expected JSON: {detail}")]
    Decode { what: String, detail: String },

    /// A date range the client cannot even split (reversed, malformed).
    #[error("invalid date range: {0}")]
    Range(#[from] DateError),

    /// Even a one-second window passes the record or byte cap.
    #[error("{msg} — even the one-second window {at} is over the limit; no narrower range exists")]
    CannotSplit { at: String, msg: String },

    /// The endpoint or the token cannot be used to build a request.
    #[error("{0}")]
    Config(String),
}

impl Error {
    /// The server's error envelope, when there is one.
    pub fn wire(&self) -> Option<&WireError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }
}
