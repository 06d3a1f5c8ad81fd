//! End-to-end acknowledgements.
//!
//! An input gives every batch an [`AckHandle`]. The pipeline splits it into
//! one holder per sink batch (and per dead-letter batch). A holder settles by
//! calling [`AckHandle::delivered`]; dropping it unsettled (a cancelled
//! retry, a panic, shutdown) marks the batch failed. When the last holder is
//! gone, the input receives one [`BatchOutcome`] and may commit the batch's
//! source position only if it was delivered everywhere.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

/// The fate of one input batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchOutcome {
    /// The id the input gave the batch.
    pub batch_id: u64,
    /// Every sink (or the dead-letter file) accepted every event.
    pub delivered: bool,
}

/// Where outcomes go: the input that made the batch.
pub type OutcomeSender = UnboundedSender<BatchOutcome>;

#[derive(Debug)]
struct Shared {
    batch_id: u64,
    failed: AtomicBool,
    notify: Option<OutcomeSender>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some(notify) = &self.notify {
            // The input may have stopped listening (it gave up waiting on
            // shutdown); the batch then stays uncommitted, which is safe.
            let _ = notify.send(BatchOutcome {
                batch_id: self.batch_id,
                delivered: !self.failed.load(Ordering::Acquire),
            });
        }
    }
}

/// One holder's share of a batch's acknowledgement.
#[must_use = "an AckHandle dropped without `delivered()` fails its batch"]
#[derive(Debug)]
pub struct AckHandle {
    shared: Arc<Shared>,
    settled: bool,
}

impl AckHandle {
    /// A handle that reports to `notify` once every holder has settled.
    pub fn new(batch_id: u64, notify: OutcomeSender) -> Self {
        Self::with_notify(batch_id, Some(notify))
    }

    /// A handle for inputs with no position to commit (stdin).
    pub fn untracked() -> Self {
        Self::with_notify(0, None)
    }

    fn with_notify(batch_id: u64, notify: Option<OutcomeSender>) -> Self {
        Self {
            shared: Arc::new(Shared {
                batch_id,
                failed: AtomicBool::new(false),
                notify,
            }),
            settled: false,
        }
    }

    /// Another holder of the same batch.
    pub fn split(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
            settled: false,
        }
    }

    /// This holder's events are accepted (or dead-lettered).
    pub fn delivered(mut self) {
        self.settled = true;
    }
}

impl Drop for AckHandle {
    fn drop(&mut self) {
        if !self.settled {
            self.shared.failed.store(true, Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc::unbounded_channel;

    #[test]
    fn outcome_arrives_once_after_every_holder_settles() {
        let (notify, mut outcomes) = unbounded_channel();
        let root = AckHandle::new(7, notify);
        let first = root.split();
        let second = root.split();
        root.delivered();
        first.delivered();
        assert!(outcomes.try_recv().is_err(), "one holder is still out");
        second.delivered();
        assert_eq!(
            outcomes.try_recv().ok(),
            Some(BatchOutcome {
                batch_id: 7,
                delivered: true
            })
        );
        assert!(outcomes.try_recv().is_err());
    }

    #[test]
    fn an_unsettled_holder_fails_the_batch() {
        let (notify, mut outcomes) = unbounded_channel();
        let root = AckHandle::new(1, notify);
        let lost = root.split();
        root.delivered();
        drop(lost);
        assert_eq!(
            outcomes.try_recv().ok(),
            Some(BatchOutcome {
                batch_id: 1,
                delivered: false
            })
        );
    }
}
