//! With the `metrics` feature, every decision goes through the `metrics`
//! facade, so any exporter sees it.
#![cfg(feature = "metrics")]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use metrics::{
    Counter, CounterFn, Gauge, GaugeFn, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder,
    SharedString, Unit,
};

/// Every metric by name and labels, with its last value (counters: total).
type Values = Arc<Mutex<BTreeMap<String, f64>>>;

struct Handle(String, Values);

impl CounterFn for Handle {
    fn increment(&self, value: u64) {
        *self.1.lock().unwrap().entry(self.0.clone()).or_default() += value as f64;
    }
    fn absolute(&self, value: u64) {
        self.1.lock().unwrap().insert(self.0.clone(), value as f64);
    }
}

impl GaugeFn for Handle {
    fn increment(&self, value: f64) {
        *self.1.lock().unwrap().entry(self.0.clone()).or_default() += value;
    }
    fn decrement(&self, value: f64) {
        *self.1.lock().unwrap().entry(self.0.clone()).or_default() -= value;
    }
    fn set(&self, value: f64) {
        self.1.lock().unwrap().insert(self.0.clone(), value);
    }
}

impl HistogramFn for Handle {
    fn record(&self, value: f64) {
        self.1.lock().unwrap().insert(self.0.clone(), value);
    }
}

#[derive(Default)]
struct TestRecorder(Values);

impl TestRecorder {
    fn handle(&self, key: &Key) -> Arc<Handle> {
        let labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        Arc::new(Handle(
            format!("{}{{{}}}", key.name(), labels.join(",")),
            Arc::clone(&self.0),
        ))
    }
}

impl Recorder for TestRecorder {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(self.handle(key))
    }
    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::from_arc(self.handle(key))
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::from_arc(self.handle(key))
    }
}

#[leash::retry(attempts = 3, backoff = "2ms..2ms", jitter = "none")]
fn flaky() -> Result<(), ()> {
    Err(())
}

#[test]
fn decisions_are_counted_through_the_facade() {
    let recorder = TestRecorder::default();
    let values = Arc::clone(&recorder.0);
    metrics::with_local_recorder(&recorder, || {
        let _ = flaky();
        let empty =
            leash::RetryBudget::configure("metrics-empty", Duration::from_secs(1), 0, 0.0).unwrap();
        let _: Result<(), ()> = leash::Retry::new(2).budget(empty).run(|| Err(()));
        let _ = leash::Failover::new(1).run(&[1, 2], |_| Err::<(), ()>(()));
        leash::fall_back("optional", ());
        let limit = leash::Concurrency::new(1);
        let held = limit.try_acquire();
        assert!(limit.try_acquire().is_none());
        drop(held);
    });
    let values = values.lock().unwrap().clone();
    let flaky = "site=flaky,module=metrics";
    let expected = [
        (format!("leash_attempts_total{{{flaky}}}"), 3.0),
        (format!("leash_retries_total{{{flaky}}}"), 2.0),
        (format!("leash_retry_delay_seconds{{{flaky}}}"), 0.002),
        (format!("leash_retries_exhausted_total{{{flaky}}}"), 1.0),
        (
            "leash_retries_throttled_total{site=retry,module=,budget=metrics-empty}".to_string(),
            1.0,
        ),
        (
            "leash_switches_total{site=failover,module=}".to_string(),
            1.0,
        ),
        (
            "leash_switching_exhausted_total{site=failover,module=}".to_string(),
            1.0,
        ),
        (
            "leash_fallbacks_total{site=fallback,module=,reason=optional}".to_string(),
            1.0,
        ),
        (
            "leash_concurrency_rejected_total{site=concurrency,module=}".to_string(),
            1.0,
        ),
        (
            "leash_concurrency_in_flight{site=concurrency,module=}".to_string(),
            0.0,
        ),
    ];
    for (name, value) in expected {
        assert_eq!(values.get(&name), Some(&value), "{name} in {values:#?}");
    }
}
