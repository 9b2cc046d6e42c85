//! Where "now" comes from: the system clock in production, a hand-moved clock
//! in tests (quota resets at midnight, calls of the last 10 minutes).

use std::sync::{Arc, Mutex};

use jiff::{SignedDuration, Timestamp};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

pub type SharedClock = Arc<dyn Clock>;

/// The machine's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// Wall-clock time, sped up: `speedup` simulated seconds per real second from
/// `origin` (the demo's `--speedup`). Speed 1 is the system clock.
#[derive(Debug)]
pub struct ScaledClock {
    origin: Timestamp,
    started: std::time::Instant,
    speedup: f64,
}

impl ScaledClock {
    pub fn new(origin: Timestamp, speedup: f64) -> Arc<Self> {
        Arc::new(ScaledClock {
            origin,
            started: std::time::Instant::now(),
            speedup: speedup.max(0.0),
        })
    }
}

impl Clock for ScaledClock {
    fn now(&self) -> Timestamp {
        let elapsed = self.started.elapsed().as_secs_f64() * self.speedup;
        SignedDuration::try_from_secs_f64(elapsed)
            .ok()
            .and_then(|d| self.origin.checked_add(d).ok())
            .unwrap_or(self.origin)
    }
}

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    pub fn new(at: Timestamp) -> Arc<Self> {
        Arc::new(ManualClock(Mutex::new(at)))
    }

    pub fn set(&self, at: Timestamp) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = at;
    }

    pub fn advance(&self, by: SignedDuration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t = t.checked_add(by).unwrap_or(*t);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}
