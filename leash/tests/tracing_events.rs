//! With the `tracing` feature, every decision is an event with structured
//! fields (target `leash`).
#![cfg(feature = "tracing")]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// One event: its message and its other fields, as text.
type Recorded = (String, BTreeMap<String, String>);

/// Records every `leash` event.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Recorded>>>);

struct Fields<'a>(&'a mut Recorded);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 .0 = format!("{value:?}");
        } else {
            self.0
                 .1
                .insert(field.name().to_string(), format!("{value:?}"));
        }
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target() == "leash"
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut recorded = Recorded::default();
        event.record(&mut Fields(&mut recorded));
        self.0.lock().unwrap().push(recorded);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

fn recorded(f: impl FnOnce()) -> Vec<Recorded> {
    let recorder = Recorder::default();
    tracing::subscriber::with_default(recorder.clone(), f);
    let events = recorder.0.lock().unwrap().clone();
    events
}

fn messages(events: &[Recorded]) -> Vec<&str> {
    events.iter().map(|(m, _)| m.as_str()).collect()
}

#[leash::retry(attempts = 3, backoff = "1ms..1ms")]
fn failing() -> Result<(), ()> {
    Err(())
}

#[test]
fn attempts_retries_exhaustion_and_rejections_are_events() {
    let events = recorded(|| {
        let _ = failing();
        let limit = leash::Concurrency::new(1);
        let _held = limit.try_acquire();
        assert!(limit.try_acquire().is_none());
    });
    assert_eq!(
        messages(&events),
        [
            "attempt",
            "retrying",
            "attempt",
            "retrying",
            "attempt",
            "retry budget exhausted",
            "concurrency budget full, call rejected"
        ]
    );
    let (_, retrying) = &events[1];
    assert_eq!(retrying["site"], "\"failing\"");
    assert_eq!(retrying["module"], "\"tracing_events\"");
    assert_eq!(retrying["attempt"], "1");
    assert_eq!(retrying["max_attempts"], "3");
    assert_eq!(retrying["delay_ms"], "1.0");
    assert_eq!(events[5].1["attempts"], "3");
}

#[test]
fn a_refused_retry_names_its_budget() {
    let budget =
        leash::RetryBudget::configure("tracing-empty", Duration::from_secs(1), 0, 0.0).unwrap();
    let events = recorded(|| {
        let _: Result<(), ()> = leash::Retry::new(3)
            .backoff(Duration::ZERO, Duration::ZERO)
            .budget(budget)
            .run(|| Err(()));
    });
    assert_eq!(
        messages(&events),
        ["attempt", "retry refused by the shared budget"]
    );
    assert_eq!(events[1].1["budget"], "\"tracing-empty\"");
    assert_eq!(events[1].1["site"], "\"retry\"");
}

#[test]
fn switches_fallbacks_and_panics_are_events() {
    let events = recorded(|| {
        let _ = leash::Failover::new(2).run(&["a", "b"], |_| Err::<(), _>(()));
        leash::fall_back("cache is optional", 0);
        let _ = std::panic::catch_unwind(|| {
            let _: Result<(), ()> = leash::Retry::new(2).run(|| panic!("boom"));
        });
    });
    assert_eq!(
        messages(&events),
        [
            "switching target",
            "switching target",
            "switching budget exhausted",
            "fell back",
            "attempt",
            "attempt panicked"
        ]
    );
    assert_eq!(events[0].1["from"], "0");
    assert_eq!(events[0].1["target"], "1");
    assert_eq!(events[1].1["target"], "0");
    assert_eq!(events[2].1["calls"], "3");
    assert_eq!(events[3].1["reason"], "\"cache is optional\"");
    assert_eq!(events[5].1["attempt"], "1");
}
