//! The published limits of the Wolkvox API v2, each named once.

use std::time::Duration;

/// At most this many requests in flight per token; the next is refused at once.
pub const MAX_IN_FLIGHT_PER_TOKEN: usize = 2;
/// Requests per day per operation, per license.
pub const DAILY_REQUESTS_PER_LICENSE: u64 = 1_000;
/// At most this many records in one answer.
pub const MAX_RECORDS_PER_ANSWER: u64 = 60_000;
/// At most this many records uploaded in one request.
pub const MAX_RECORDS_PER_UPLOAD: usize = 10_000;
/// At most this many days between `date_ini` and `date_end`.
pub const MAX_RANGE_DAYS: i64 = 31;
/// At most this many bytes in one answer (256 MB).
pub const MAX_ANSWER_BYTES: u64 = 256 * 1024 * 1024;
/// Every request must be answered, body included, within this time.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(60);
/// Marcador's own: a request body (an upload, a codification) larger than
/// this is refused before it is read (10,000 records of every field at their
/// limits fit).
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;
/// Marcador's own: a request target (path and query) longer than this is
/// refused with 414 (the vendor's longest documented query is a few hundred bytes).
pub const MAX_TARGET_BYTES: usize = 8 * 1024;
/// Marcador's own: request headers larger than this in all (names, values)…
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
/// …or more fields than this are refused with 431.
pub const MAX_HEADER_FIELDS: usize = 100;
/// The polling interval the vendor advises for real-time reports (advice, not a limit).
pub const ADVISED_POLL_INTERVAL: Duration = Duration::from_secs(300);
/// How far back `calls_last_10` looks.
pub const CALLS_LAST_10_WINDOW_SECS: i64 = 600;
/// How far back `calls_x_min` looks.
pub const CALLS_X_MIN_WINDOW_SECS: i64 = 60;
/// real_time hits_last_hour: calls started in the last 60 minutes.
pub const HITS_LAST_HOUR_WINDOW_SECS: i64 = 3_600;
