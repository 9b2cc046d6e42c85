//! The engine against a clock that runs by itself: the wall clock of `serve`,
//! or the demo's sped-up one.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::Engine;
use crate::clock::SharedClock;

/// How often the live engine reads campaign changes and catches up with the clock.
const STEP: Duration = Duration::from_millis(200);

/// Runs the engine against `clock` until `cancel`: every 200 ms — and at once
/// when telephony reports something — it reads campaign changes (start, stop,
/// speed) and processes events up to the clock's now.
pub async fn run_live(mut engine: Engine, clock: SharedClock, cancel: CancellationToken) {
    let mut every = tokio::time::interval(STEP);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let wake = engine.wake();
    loop {
        let reported = async {
            match &wake {
                Some(w) => w.notified().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = every.tick() => {
                if let Err(e) = engine.sync_campaigns().await {
                    tracing::error!(error = %e, "reading campaigns failed; retrying");
                }
            }
            _ = reported => {}
        }
        if let Err(e) = engine.run_until(clock.now()).await {
            tracing::error!(error = %e, "engine step failed; retrying");
        }
    }
    // Calls in progress are not cut: what has happened is written.
    if let Err(e) = engine.flush().await {
        tracing::error!(error = %e, "engine final flush failed");
    }
}
