//! A real Marcador server on 127.0.0.1:0 over a demo dataset.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use jiff::Timestamp;
use jiff::tz::TimeZone;
use marcador_client::wire::WireDate;
use marcador_client::{Client, Endpoint, RetryPolicy};
use marcador_server::clock::{Clock, ManualClock};
use marcador_server::config::{Config, Limits};
use marcador_server::demo::{self, DemoInfo, DemoSize};
use marcador_server::startup::Application;
use marcador_server::store::Store;
use tempfile::TempDir;

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

pub struct Served {
    pub base: String,
    pub store: Store,
    pub demo: DemoInfo,
    pub refusals: Arc<AtomicU64>,
    pub clock: Arc<ManualClock>,
    _dir: TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// Six months of a quiet demo operation: a few thousand attempts spread over
/// every day, so that every 31-day window has rows.
pub fn six_months() -> DemoSize {
    DemoSize {
        records: 2_000,
        days: 183,
        attempts_per_hour: 1.0,
        inbound_per_hour: 0.3,
    }
}

pub async fn serve_demo(limits: Limits, size: DemoSize) -> Served {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        listen: "127.0.0.1:0".into(),
        db: dir.path().join("client.db"),
        limits,
        ..Config::default()
    };
    let store = Store::open(&config.db, 4).await.unwrap();
    let demo = demo::seed(&store, 11, now(), Some(TOKEN.into()), size)
        .await
        .unwrap();
    let clock = ManualClock::new(now());
    let app = Application::with_store(store.clone(), &config, clock.clone())
        .await
        .unwrap();
    let base = format!("http://{}", app.local_addr());
    let refusals = app.in_flight_refusals();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = app
            .run_until(async {
                let _ = stopped.await;
            })
            .await;
    });
    Served {
        base,
        store,
        demo,
        refusals,
        clock,
        _dir: dir,
        stop: Some(stop),
    }
}

impl Served {
    pub fn client(&self) -> Client {
        Client::builder(Endpoint::Url(self.base.clone()), TOKEN)
            .retry(fast_retries())
            .build()
            .unwrap()
    }

    pub fn refusals(&self) -> u64 {
        self.refusals.load(Ordering::Relaxed)
    }

    /// Today's quota day of the operation (the server's clock).
    pub fn today(&self) -> String {
        marcador_server::domain::local_day(self.clock.now(), &tz())
    }
}

/// Retries without the default's patience, so failing tests fail fast.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: std::time::Duration::from_millis(20),
        max_delay: std::time::Duration::from_millis(100),
    }
}
