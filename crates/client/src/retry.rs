//! Bounded, jittered exponential back-off, and the per-token in-flight limiter
//! shared by every client of the process.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use marcador_wire::limits::MAX_IN_FLIGHT_PER_TOKEN;
use rand::RngExt;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

/// How often and how patiently a request is retried after a refusal the
/// client can wait out: a third request in flight (another program on the
/// token), `429`/`502`/`503`, and transport failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub max_attempts: u32,
    /// The first back-off; each retry doubles it, up to `max_delay`.
    pub base_delay: Duration,
    /// The longest back-off between two attempts.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 6 attempts, 250 ms doubling up to 8 s: about 15 s of patience in all.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1` (`attempt` ≥ 1): half the
    /// exponential delay plus a random share of the other half, so that
    /// clients refused together do not come back together.
    ///
    /// ```
    /// use std::time::Duration;
    /// use marcador_client::RetryPolicy;
    /// let p = RetryPolicy::default();
    /// let d = p.delay(3); // 250 ms × 2² = 1 s, jittered into [0.5 s, 1 s]
    /// assert!(d >= Duration::from_millis(500) && d <= Duration::from_secs(1));
    /// ```
    pub fn delay(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let full = exp.min(self.max_delay);
        let half = full / 2;
        let jitter = rand::rng().random_range(0..=half.as_millis().min(u64::MAX as u128) as u64);
        half + Duration::from_millis(jitter)
    }
}

/// One semaphore of [`MAX_IN_FLIGHT_PER_TOKEN`] permits per (server, token),
/// for the whole process: every clone of a client, and every client built
/// with the same token, share it. Keyed by a hash, so no token is kept here.
static LIMITERS: LazyLock<Mutex<HashMap<[u8; 32], Arc<Semaphore>>>> = LazyLock::new(Mutex::default);

pub(crate) fn limiter(base_url: &str, token: &str) -> Arc<Semaphore> {
    let key: [u8; 32] = Sha256::new()
        .chain_update(base_url.as_bytes())
        .chain_update([0])
        .chain_update(token.as_bytes())
        .finalize()
        .into();
    let mut map = LIMITERS.lock().unwrap_or_else(|e| e.into_inner());
    map.entry(key)
        .or_insert_with(|| Arc::new(Semaphore::new(MAX_IN_FLIGHT_PER_TOKEN)))
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_are_jittered_and_bounded() {
        let p = RetryPolicy::default();
        for attempt in 1..40 {
            let d = p.delay(attempt);
            let full = p
                .base_delay
                .saturating_mul(1 << (attempt - 1).min(16))
                .min(p.max_delay);
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?}");
        }
        let spread: std::collections::HashSet<_> = (0..50).map(|_| p.delay(5)).collect();
        assert!(spread.len() > 1, "jitter");
    }

    #[test]
    fn one_limiter_per_server_and_token() {
        let a = limiter("http://x", "t1");
        assert!(Arc::ptr_eq(&a, &limiter("http://x", "t1")));
        assert!(!Arc::ptr_eq(&a, &limiter("http://x", "t2")));
        assert!(!Arc::ptr_eq(&a, &limiter("http://y", "t1")));
        assert_eq!(a.available_permits(), 2);
    }
}
