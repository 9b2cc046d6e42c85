//! Group commit: writes that arrive while another group is being written
//! wait for it, then are written together in one transaction, and each is
//! answered only after that commit (`codifies.rs`, the audit log).
//!
//! Whoever finds no group being written leads: it takes what has queued and
//! writes it, in a task of its own, so a request dropped meanwhile never
//! leaves a group half-done or a queued write behind.

use std::future::Future;
use std::sync::{Mutex, PoisonError};

use tokio::sync::oneshot;

use super::{Result, StoreError};

/// Writes of one kind waiting for the group being written (shared by a
/// store's clones).
pub(super) struct Group<W: Write> {
    queue: Mutex<Taken<W>>,
    lead: tokio::sync::Mutex<()>,
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
        tokio::spawn(lead());
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
        let _lead = self.lead.lock().await;
        loop {
            let taken: Taken<W> = {
                let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
                let n = queue.len().min(max);
                queue.drain(..n).collect()
            };
            if taken.is_empty() {
                return;
            }
            write(taken).await;
        }
    }
}
