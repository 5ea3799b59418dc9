//! The warm instances: which instance serves a request, when a new one starts, when an idle
//! one is reaped. An instance belongs to one key (deployment + hash of its environment) and
//! takes at most `per_instance` requests at once; all keys together have at most `max` instances.
//! When the cap is reached the least recently used idle instance of any key makes room, or the
//! request waits for one. Starting and calling instances is `instance.rs`'s job.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::instance::Instance;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub deployment: String,
    pub env_hash: String,
}

struct Slot {
    instance: Arc<Instance>,
    in_flight: usize,
    last_used: Instant,
}

#[derive(Default)]
struct State {
    slots: HashMap<Key, Vec<Slot>>,
    /// Instances being started, counted against the cap.
    starting: usize,
    /// Instances being started, per key: requests for a key that is starting one wait for it
    /// (it takes `per_instance` of them) instead of each starting another.
    starting_for: HashMap<Key, usize>,
}

impl State {
    fn total(&self) -> usize {
        self.slots.values().map(Vec::len).sum::<usize>() + self.starting
    }

    /// Takes out the least recently used idle instance of any key.
    fn evict_idle(&mut self) -> Option<Arc<Instance>> {
        let mut oldest: Option<(Key, usize, Instant)> = None;
        for (key, slots) in &self.slots {
            for (i, slot) in slots.iter().enumerate() {
                if slot.in_flight == 0
                    && oldest.as_ref().is_none_or(|(_, _, t)| slot.last_used < *t)
                {
                    oldest = Some((key.clone(), i, slot.last_used));
                }
            }
        }
        let (key, index, _) = oldest?;
        let slots = self.slots.get_mut(&key)?;
        let slot = slots.swap_remove(index);
        if slots.is_empty() {
            self.slots.remove(&key);
        }
        Some(slot.instance)
    }
}

pub struct Pool {
    state: Mutex<State>,
    changed: Notify,
    pub max: usize,
    pub per_instance: usize,
    pub idle: Duration,
}

/// What `acquire` gives: an instance to use, or the right to start one.
pub enum Acquired {
    Warm(Lease),
    /// Start an instance, then `add` it (or `start_failed`).
    Start,
}

/// One request's hold on an instance; dropping it frees the place.
pub struct Lease {
    pool: Arc<Pool>,
    key: Key,
    pub instance: Arc<Instance>,
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Ok(mut state) = self.pool.state.lock()
            && let Some(slot) = state.slots.get_mut(&self.key).and_then(|slots| {
                slots
                    .iter_mut()
                    .find(|s| Arc::ptr_eq(&s.instance, &self.instance))
            })
        {
            slot.in_flight = slot.in_flight.saturating_sub(1);
            slot.last_used = Instant::now();
        }
        self.pool.changed.notify_waiters();
    }
}

impl Lease {
    /// Takes the instance out of the pool and kills it (it timed out or crashed).
    pub fn discard(&self) {
        self.pool.remove_instance(&self.key, &self.instance);
    }
}

impl Pool {
    pub fn new(max: usize, per_instance: usize, idle: Duration) -> Pool {
        Pool {
            state: Mutex::new(State::default()),
            changed: Notify::new(),
            max: max.max(1),
            per_instance: per_instance.max(1),
            idle,
        }
    }

    /// A warm instance of `key` with room, or the right to start one, waiting for room until
    /// `deadline`. `None` when the deadline passed.
    pub async fn acquire(self: &Arc<Self>, key: &Key, deadline: Instant) -> Option<Acquired> {
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let (found, evicted) = self.try_acquire(key);
            if let Some(evicted) = evicted {
                evicted.kill();
            }
            if let Some(found) = found {
                return Some(found);
            }
            if tokio::time::timeout_at(deadline.into(), notified)
                .await
                .is_err()
            {
                return None;
            }
        }
    }

    fn try_acquire(self: &Arc<Self>, key: &Key) -> (Option<Acquired>, Option<Arc<Instance>>) {
        let Ok(mut state) = self.state.lock() else {
            return (None, None);
        };
        let per_instance = self.per_instance;
        let mut dead = Vec::new();
        let mut found = None;
        if let Some(slots) = state.slots.get_mut(key) {
            // Only the instance a request would take is checked for life (one `wait4`, not
            // one per instance); a dead one is forgotten and the next candidate tried.
            while let Some(i) = slots
                .iter()
                .enumerate()
                .filter(|(_, s)| s.in_flight < per_instance)
                .min_by_key(|(_, s)| s.in_flight)
                .map(|(i, _)| i)
            {
                if !slots[i].instance.alive() {
                    dead.push(slots.swap_remove(i).instance);
                    continue;
                }
                let slot = &mut slots[i];
                slot.in_flight += 1;
                slot.last_used = Instant::now();
                found = Some(slot.instance.clone());
                break;
            }
            if slots.is_empty() {
                state.slots.remove(key);
            }
        }
        drop(dead);
        if let Some(instance) = found {
            return (
                Some(Acquired::Warm(Lease {
                    pool: self.clone(),
                    key: key.clone(),
                    instance,
                })),
                None,
            );
        }
        if state.starting_for.get(key).copied().unwrap_or(0) > 0 {
            return (None, None);
        }
        if state.total() < self.max {
            state.starting += 1;
            *state.starting_for.entry(key.clone()).or_default() += 1;
            return (Some(Acquired::Start), None);
        }
        if let Some(evicted) = state.evict_idle() {
            state.starting += 1;
            *state.starting_for.entry(key.clone()).or_default() += 1;
            return (Some(Acquired::Start), Some(evicted));
        }
        (None, None)
    }

    fn started(state: &mut State, key: &Key) {
        state.starting = state.starting.saturating_sub(1);
        if let Some(n) = state.starting_for.get_mut(key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                state.starting_for.remove(key);
            }
        }
    }

    /// Registers a started instance and leases it to the request that started it.
    pub fn add(self: &Arc<Self>, key: &Key, instance: Instance) -> Lease {
        let instance = Arc::new(instance);
        if let Ok(mut state) = self.state.lock() {
            Self::started(&mut state, key);
            state.slots.entry(key.clone()).or_default().push(Slot {
                instance: instance.clone(),
                in_flight: 1,
                last_used: Instant::now(),
            });
        }
        // Requests waiting for this start take their places in it.
        self.changed.notify_waiters();
        Lease {
            pool: self.clone(),
            key: key.clone(),
            instance,
        }
    }

    pub fn start_failed(&self, key: &Key) {
        if let Ok(mut state) = self.state.lock() {
            Self::started(&mut state, key);
        }
        self.changed.notify_waiters();
    }

    fn remove_instance(&self, key: &Key, instance: &Arc<Instance>) {
        if let Ok(mut state) = self.state.lock()
            && let Some(slots) = state.slots.get_mut(key)
        {
            slots.retain(|s| !Arc::ptr_eq(&s.instance, instance));
            if slots.is_empty() {
                state.slots.remove(key);
            }
        }
        instance.kill();
        self.changed.notify_waiters();
    }

    /// Kills every instance of a deployment.
    pub fn remove_deployment(&self, deployment: &str) {
        let mut removed = Vec::new();
        if let Ok(mut state) = self.state.lock() {
            state.slots.retain(|key, slots| {
                if key.deployment == deployment {
                    removed.append(slots);
                    false
                } else {
                    true
                }
            });
        }
        for slot in removed {
            slot.instance.kill();
        }
        self.changed.notify_waiters();
    }

    /// Kills the instances idle for longer than the idle timeout, and those that died.
    pub fn reap(&self) {
        let mut removed = Vec::new();
        let idle = self.idle;
        if let Ok(mut state) = self.state.lock() {
            for slots in state.slots.values_mut() {
                let mut i = 0;
                while i < slots.len() {
                    let slot = &slots[i];
                    let stale = slot.in_flight == 0 && slot.last_used.elapsed() >= idle;
                    if stale || !slot.instance.alive() {
                        removed.push(slots.swap_remove(i));
                    } else {
                        i += 1;
                    }
                }
            }
            state.slots.retain(|_, slots| !slots.is_empty());
        }
        let any = !removed.is_empty();
        for slot in removed {
            slot.instance.kill();
        }
        if any {
            self.changed.notify_waiters();
        }
    }

    /// How many instances run now (for tests and metrics).
    pub fn count(&self) -> usize {
        self.state
            .lock()
            .map(|s| s.slots.values().map(Vec::len).sum())
            .unwrap_or(0)
    }

    pub fn kill_all(&self) {
        let mut removed = Vec::new();
        if let Ok(mut state) = self.state.lock() {
            for (_, mut slots) in state.slots.drain() {
                removed.append(&mut slots);
            }
        }
        for slot in removed {
            slot.instance.kill();
        }
    }
}
