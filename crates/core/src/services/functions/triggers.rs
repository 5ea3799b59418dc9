//! Event and schedule triggers. Both only queue executions (durably, in the store); the queue
//! worker runs them.
//!
//! - Events: a function whose `events` match one of an event's names runs once with the
//!   event's payload as its body and the most specific name as `x-appwrite-event`.
//! - Schedules: at each minute a function's cron expression matches (UTC), it runs once; the
//!   minute is claimed in the store, so a restart or a second node never runs it twice.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;

use super::executions::enqueue;
use super::crud::parse_cron;
use crate::app::{App, now_ms};
use crate::ports::Event;
use crate::records::FunctionRecord;

/// How long the list of triggered functions is reused (another node may change it).
const REFRESH_MS: i64 = 1000;

struct Triggered {
    at: i64,
    generation: u64,
    functions: Vec<FunctionRecord>,
}

impl Triggered {
    async fn get(&mut self, app: &App) -> &[FunctionRecord] {
        let generation = app.functions_generation();
        if now_ms() - self.at > REFRESH_MS || generation != self.generation {
            self.generation = generation;
            match app.store.triggered_functions().await {
                Ok(list) => self.functions = list,
                Err(e) => tracing::warn!(error = %e, "could not load triggered functions"),
            }
            self.at = now_ms();
        }
        &self.functions
    }
}

fn runs(f: &FunctionRecord) -> bool {
    f.enabled && !f.deployment_id.is_empty()
}

/// Event triggers: queues a run for every function listening to an event.
pub async fn run_events(app: Arc<App>, mut events: Receiver<Event>) {
    let mut cache = Triggered { at: 0, generation: 0, functions: Vec::new() };
    loop {
        let event = match events.recv().await {
            Ok(e) => e,
            Err(RecvError::Lagged(n)) => {
                tracing::warn!(missed = n, "function triggers fell behind the event bus");
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        // Functions never trigger on function events (Appwrite refuses such subscriptions).
        if event.names.first().is_some_and(|n| n.starts_with("functions.")) {
            continue;
        }
        let matching: Vec<FunctionRecord> = cache
            .get(&app)
            .await
            .iter()
            .filter(|f| f.project_id == event.project && runs(f) && f.events.iter().any(|e| event.names.contains(e)))
            .cloned()
            .collect();
        if matching.is_empty() {
            continue;
        }
        let body = event.payload.to_string();
        let name = event.names.first().cloned().unwrap_or_default();
        let headers = vec![("content-type".to_owned(), "application/json".to_owned()), ("user-agent".to_owned(), format!("Appwrite/{}", crate::APPWRITE_VERSION))];
        for f in matching {
            if let Err(e) = enqueue(&app, &f, "event", body.clone(), headers.clone(), &name, event.user_id.as_deref()).await {
                tracing::warn!(function = %f.id, error = %e, "could not queue an event execution");
            }
        }
    }
}

/// Whether `cron` matches the minute `minute` (minutes since the epoch, UTC).
fn matches(cron: &croner::Cron, minute: i64) -> bool {
    let Ok(ts) = jiff::Timestamp::from_second(minute * 60) else { return false };
    cron.is_time_matching(&ts.to_zoned(jiff::tz::TimeZone::UTC)).unwrap_or(false)
}

/// Schedule triggers: at every minute boundary, queues a run for each function whose cron
/// expression matches that minute.
pub async fn run_schedules(app: Arc<App>) {
    let mut cache = Triggered { at: 0, generation: 0, functions: Vec::new() };
    let mut last = now_ms() / 60_000;
    loop {
        let next = (last + 1) * 60_000;
        tokio::time::sleep(Duration::from_millis(u64::try_from((next - now_ms()).max(0)).unwrap_or(0))).await;
        let minute = now_ms() / 60_000;
        let due: Vec<FunctionRecord> = cache
            .get(&app)
            .await
            .iter()
            .filter(|f| runs(f) && !f.schedule.is_empty() && parse_cron(&f.schedule).is_some_and(|c| matches(&c, minute)))
            .cloned()
            .collect();
        for f in due {
            match app.store.claim_schedule_tick(&f.project_id, &f.id, minute).await {
                Ok(true) => {
                    if let Err(e) = enqueue(&app, &f, "schedule", String::new(), Vec::new(), "", None).await {
                        tracing::warn!(function = %f.id, error = %e, "could not queue a scheduled execution");
                    }
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(function = %f.id, error = %e, "could not claim a schedule tick"),
            }
        }
        last = minute;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cron_minutes() {
        let every5 = parse_cron("*/5 * * * *").unwrap();
        assert!(matches(&every5, 10));
        assert!(!matches(&every5, 11));
        let hourly = parse_cron("0 * * * *").unwrap();
        assert!(matches(&hourly, 60));
        assert!(!matches(&hourly, 61));
    }
}
