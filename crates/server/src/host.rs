//! The machine the server runs on, for real_time.php's `info_server`: the
//! CPU in use, sampled every 10 seconds and kept for the last 10 minutes,
//! and the memory in use now (sysinfo reads both, on every platform it
//! supports). A task samples while the server serves.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sysinfo::System;
use tokio_util::sync::CancellationToken;

/// Between two CPU samples.
pub const SAMPLE_EVERY: Duration = Duration::from_secs(10);
/// Samples kept: 10 minutes of them.
const KEPT: usize = 60;

/// The samples so far.
#[derive(Default)]
pub struct HostStats {
    inner: Mutex<Samples>,
}

#[derive(Default)]
struct Samples {
    /// CPU in use over each interval, percent of all cores.
    cpu: VecDeque<f32>,
    /// Memory in use, percent, at the last sample.
    ram: f32,
}

/// What info_server shows.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct HostNow {
    pub cpu_avg: f32,
    pub cpu_max: f32,
    pub cpu_min: f32,
    pub ram: f32,
}

impl HostStats {
    fn samples(&self) -> std::sync::MutexGuard<'_, Samples> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes one sample from `sys` (its CPU use since its last refresh).
    pub fn sample(&self, sys: &mut System) {
        sys.refresh_cpu_usage();
        sys.refresh_memory();
        let ram = match sys.total_memory() {
            0 => 0.0,
            total => sys.used_memory() as f32 * 100.0 / total as f32,
        };
        let mut s = self.samples();
        if s.cpu.len() == KEPT {
            s.cpu.pop_front();
        }
        let cpu = sys.global_cpu_usage();
        s.cpu.push_back(if cpu.is_finite() { cpu } else { 0.0 });
        s.ram = ram;
    }

    /// The last 10 minutes' CPU (average, highest, lowest) and the memory now.
    pub fn now(&self) -> HostNow {
        let s = self.samples();
        if s.cpu.is_empty() {
            return HostNow {
                ram: s.ram,
                ..HostNow::default()
            };
        }
        let n = s.cpu.len() as f32;
        HostNow {
            cpu_avg: s.cpu.iter().sum::<f32>() / n,
            cpu_max: s.cpu.iter().copied().fold(f32::MIN, f32::max),
            cpu_min: s.cpu.iter().copied().fold(f32::MAX, f32::min),
            ram: s.ram,
        }
    }
}

/// Samples into `stats` every [`SAMPLE_EVERY`] until `stop`.
pub async fn sample(stats: Arc<HostStats>, stop: CancellationToken) {
    let mut sys = System::new();
    // The first CPU reading needs a refresh before it: the baseline.
    sys.refresh_cpu_usage();
    let mut every = tokio::time::interval(SAMPLE_EVERY);
    every.tick().await;
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = every.tick() => {}
        }
        // sysinfo reads /proc (or its platform's twin): off the async threads.
        let stats = stats.clone();
        sys = match tokio::task::spawn_blocking(move || {
            stats.sample(&mut sys);
            sys
        })
        .await
        {
            Ok(sys) => sys,
            Err(_) => return,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_ten_minutes_and_reads_the_machine() {
        let stats = HostStats::default();
        assert_eq!(stats.now().cpu_avg, 0.0);
        let mut sys = System::new();
        for _ in 0..70 {
            stats.sample(&mut sys);
        }
        let now = stats.now();
        assert_eq!(stats.samples().cpu.len(), KEPT);
        assert!(
            now.cpu_min <= now.cpu_avg + 0.01 && now.cpu_avg <= now.cpu_max + 0.01,
            "{now:?}"
        );
        assert!(now.ram > 0.0 && now.ram <= 100.0, "{now:?}");
    }
}
