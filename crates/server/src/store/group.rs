//! Group commit: writes that arrive while another group is being written
//! wait for it, then are written together in one transaction, and each is
//! answered only after that commit (`codifies.rs`, the audit log).
//!
//! Whoever finds no leader at work starts one: a task of its own that takes
//! what has queued and writes it, group after group, until the queue is
//! empty, so a request dropped meanwhile never leaves a group half-done or a
//! queued write behind.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use tokio::sync::oneshot;

use super::{Result, StoreError};

/// Writes of one kind waiting for the group being written (shared by a
/// store's clones).
pub(super) struct Group<W: Write> {
    queue: Mutex<Taken<W>>,
    lead: tokio::sync::Mutex<()>,
    /// A leader is started and has not yet found the queue empty: a write
    /// queued meanwhile is its to take, and starts no task of its own (a task
    /// a write, each waking to find the queue empty, was a tenth of a
    /// codify's cost under load).
    leading: AtomicBool,
}

/// A write that can join a group, and what its caller is answered.
pub(super) trait Write: Send + 'static {
    type Answer: Send + 'static;
}

impl<W: Write> Default for Group<W> {
    fn default() -> Self {
        Group {
            queue: Mutex::new(Vec::new()),
            lead: tokio::sync::Mutex::new(()),
            leading: AtomicBool::new(false),
        }
    }
}

/// A group taken from the queue: the writes, and where each is answered.
pub(super) type Taken<W> = Vec<(W, oneshot::Sender<Result<<W as Write>::Answer>>)>;

impl<W: Write> Group<W> {
    /// Queues `write` and waits for its answer. `lead` is what leading does
    /// with a store of its own: [`Group::lead`] with the group's writer.
    pub async fn submit<L, F>(&self, write: W, lead: L) -> Result<W::Answer>
    where
        L: FnOnce() -> F,
        F: Future<Output = ()> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        self.queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((write, answer));
        // Leading runs in a task: the group is written and answered whether
        // or not this caller is still waiting.
        if !self.leading.swap(true, Ordering::AcqRel) {
            tokio::spawn(lead());
        }
        answered
            .await
            .map_err(|_| StoreError::Invalid("a group commit ended without an answer".into()))?
    }

    /// Waits for the group being written, then writes what has queued, at
    /// most `max` a transaction, until nothing is left (this caller's write
    /// among it, unless the last group took it).
    pub async fn lead<F, Fut>(&self, max: usize, mut write: F)
    where
        F: FnMut(Taken<W>) -> Fut,
        Fut: Future<Output = ()>,
    {
        // Two leaders never write at once (one may start while another,
        // done, is still returning).
        let _lead = self.lead.lock().await;
        // A leader that ends early (a panic) lets the next write start one.
        let _leaving = Leaving(&self.leading);
        loop {
            let taken: Taken<W> = {
                let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
                let n = queue.len().min(max);
                queue.drain(..n).collect()
            };
            if taken.is_empty() {
                self.leading.store(false, Ordering::Release);
                // A write queued between the drain and the store saw a leader
                // at work and started none: take it, unless a new leader
                // was started for it since.
                let queued = !self
                    .queue
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .is_empty();
                if queued && !self.leading.swap(true, Ordering::AcqRel) {
                    continue;
                }
                return;
            }
            write(taken).await;
        }
    }
}

/// Clears a group's `leading` when its leader returns or unwinds.
struct Leaving<'a>(&'a AtomicBool);

impl Drop for Leaving<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    struct Double(u64);
    impl Write for Double {
        type Answer = u64;
    }

    /// Writes arriving from many tasks at once, in waves with pauses between
    /// (so leaders end and new ones start while writes come in): each is
    /// answered, with its own answer, and no group is larger than `max`.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn every_write_is_answered_while_leaders_come_and_go() {
        let group: Arc<Group<Double>> = Arc::default();
        let largest = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        for wave in 0..50_u64 {
            let tasks: Vec<_> = (0..40_u64)
                .map(|i| {
                    let (g, largest) = (group.clone(), largest.clone());
                    tokio::spawn(async move {
                        let n = wave * 100 + i;
                        let g2 = g.clone();
                        let answer = g
                            .submit(Double(n), move || async move {
                                g2.lead(8, |taken| {
                                    largest.fetch_max(taken.len(), Ordering::Relaxed);
                                    async move {
                                        tokio::task::yield_now().await;
                                        for (Double(n), answer) in taken {
                                            let _ = answer.send(Ok(n * 2));
                                        }
                                    }
                                })
                                .await
                            })
                            .await;
                        assert_eq!(answer.ok(), Some(n * 2));
                    })
                })
                .collect();
            // A write nobody leads would wait for ever: fail instead.
            let all = futures_util::future::join_all(tasks);
            for t in tokio::time::timeout(std::time::Duration::from_secs(10), all)
                .await
                .expect("every write of a wave answered")
            {
                t.unwrap();
            }
            if wave % 5 == 0 {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
        }
        assert!(largest.load(Ordering::Relaxed) <= 8);
        assert!(group.queue.lock().unwrap().is_empty());
    }
}
