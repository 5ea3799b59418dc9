//! The in-memory [`RateLimiter`]: fixed, aligned windows counted per key on one node. Expired
//! windows are swept as new windows open, so memory stays bounded by the keys active in the
//! current windows.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use crate::ports::RateLimiter;

#[derive(Default)]
pub struct MemoryRateLimiter {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// key → (window start, window length, count)
    counters: HashMap<String, (i64, i64, u64)>,
    last_sweep: i64,
}

/// Upper bound on tracked keys; past it the oldest windows are dropped first by the sweep,
/// and if still full the limiter fails open for new keys rather than grow without bound.
const MAX_KEYS: usize = 1_000_000;

#[async_trait]
impl RateLimiter for MemoryRateLimiter {
    async fn hit(&self, key: &str, window_start: i64, window_secs: i64) -> u64 {
        let Ok(mut inner) = self.inner.lock() else {
            return 0;
        };
        // Window starts stand in for "now": they only move forward.
        if window_start - inner.last_sweep >= 60 || inner.counters.len() >= MAX_KEYS {
            inner.counters.retain(|_, (start, len, _)| *start + *len > window_start);
            inner.last_sweep = window_start;
        }
        if inner.counters.len() >= MAX_KEYS && !inner.counters.contains_key(key) {
            return 0;
        }
        let entry = inner.counters.entry(key.to_owned()).or_insert((window_start, window_secs, 0));
        if entry.0 != window_start {
            *entry = (window_start, window_secs, 0);
        }
        entry.2 += 1;
        entry.2
    }

    async fn reset(&self, key: &str) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.counters.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_per_window() {
        let l = MemoryRateLimiter::default();
        assert_eq!(l.hit("a", 0, 60).await, 1);
        assert_eq!(l.hit("a", 0, 60).await, 2);
        assert_eq!(l.hit("b", 0, 60).await, 1);
        assert_eq!(l.hit("a", 60, 60).await, 1);
    }
}
