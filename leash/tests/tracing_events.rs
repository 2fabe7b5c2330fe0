//! With the `tracing` feature, retries, exhaustion and rejections are events.
#![cfg(feature = "tracing")]

use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Records the message of every `leash` event.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<String>>>);

struct Message<'a>(&'a mut String);

impl Visit for Message<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            *self.0 = format!("{value:?}");
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
        let mut message = String::new();
        event.record(&mut Message(&mut message));
        self.0.lock().unwrap().push(message);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[leash::retry(attempts = 3, backoff = "1ms..1ms")]
fn failing() -> Result<(), ()> {
    Err(())
}

#[test]
fn retries_exhaustion_and_rejections_are_events() {
    let recorder = Recorder::default();
    tracing::subscriber::with_default(recorder.clone(), || {
        let _ = failing();
        let limit = leash::Concurrency::new(1);
        let _held = limit.try_acquire();
        assert!(limit.try_acquire().is_none());
    });
    let events = recorder.0.lock().unwrap().clone();
    assert_eq!(
        events,
        [
            "retrying",
            "retrying",
            "retry budget exhausted",
            "concurrency budget full, call rejected"
        ]
    );
}
