//! The in-process [`EventBus`]: a broadcast channel. Subscribers that fall behind lose the
//! oldest events (they see `Lagged`), so a slow consumer never slows a publisher.

use tokio::sync::broadcast;

use crate::ports::{Event, EventBus};

/// Events buffered per subscriber before the slowest starts losing them.
const CAPACITY: usize = 4096;

pub struct InProcessBus {
    tx: broadcast::Sender<Event>,
}

impl Default for InProcessBus {
    fn default() -> Self {
        Self { tx: broadcast::channel(CAPACITY).0 }
    }
}

impl InProcessBus {
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }
}

impl EventBus for InProcessBus {
    fn publish(&self, event: Event) {
        // No subscriber is not an error: nobody is listening yet.
        let _ = self.tx.send(event);
    }

    fn listening(&self) -> bool {
        self.tx.receiver_count() > 0
    }
}
