//! A real Marcador server on 127.0.0.1:0 over a demo dataset.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use marcador_client::wire::WireDate;
use marcador_client::{Client, Endpoint, RetryPolicy};
use marcador_server::config::Limits;
use marcador_server::demo::DemoSize;
pub use marcador_server::testing::{DemoServer as Served, six_months};

/// 2026-11-22 10:00:00 in Bogotá.
pub const NOW: &str = "2026-11-22T15:00:00Z";
pub const TOKEN: &str = "c1e47a0b9d3f4e2a8b6c";

pub fn tz() -> TimeZone {
    TimeZone::get("America/Bogota").unwrap()
}

pub fn now() -> Timestamp {
    NOW.parse().unwrap()
}

/// The wire date `days` days before [`NOW`] (Bogotá).
pub fn days_ago(days: i64) -> WireDate {
    let t = now() - jiff::SignedDuration::from_hours(24 * days);
    WireDate::from(t.to_zoned(tz()).datetime())
}

pub async fn serve_demo(limits: Limits, size: DemoSize) -> Served {
    Served::start(limits, size, now(), TOKEN).await.unwrap()
}

pub fn client(s: &Served) -> Client {
    Client::builder(Endpoint::Url(s.base.clone()), TOKEN)
        .retry(fast_retries())
        .build()
        .unwrap()
}

/// Retries without the default's patience, so failing tests fail fast.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: std::time::Duration::from_millis(20),
        max_delay: std::time::Duration::from_millis(100),
    }
}
