//! A retry storm you can reproduce: N callers against a dependency failing
//! at rate p, each call retried up to 3 times, once with per-call attempt
//! limits only and once with a shared `RetryBudget` (tower's defaults:
//! 10 s, 10 retries a second, 20 %). Prints the calls the dependency sees
//! per second each way; `--svg PATH` also plots them.
//!
//! ```text
//! cargo run -p leash --release --example storm -- --callers 50 --fail 1.0 --seconds 6 --svg docs/retry-storm.svg
//! ```

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use leash::{Retry, RetryBudget};

struct Options {
    callers: usize,
    fail: f64,
    seconds: usize,
    svg: Option<String>,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        callers: 50,
        fail: 1.0,
        seconds: 6,
        svg: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let bad = format!("{flag}: cannot read {value:?}");
        match flag.as_str() {
            "--callers" => options.callers = value.parse().map_err(|_| bad)?,
            "--fail" => options.fail = value.parse().map_err(|_| bad)?,
            "--seconds" => options.seconds = value.parse().map_err(|_| bad)?,
            "--svg" => options.svg = Some(value),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if !(0.0..=1.0).contains(&options.fail) || options.callers == 0 || options.seconds == 0 {
        return Err("--fail is a rate in 0..=1; --callers and --seconds at least 1".into());
    }
    Ok(options)
}

/// Calls seen by the dependency in each second of a run.
struct Run {
    calls: Vec<AtomicU64>,
    first: Vec<AtomicU64>,
}

/// Every caller sends one request each 10 ms; a request is retried up to
/// 3 attempts with 1..5 ms backoff, paid from `budget` if given.
fn run(options: &Options, budget: Option<&'static RetryBudget>) -> Run {
    let run = Run {
        calls: (0..options.seconds).map(|_| AtomicU64::new(0)).collect(),
        first: (0..options.seconds).map(|_| AtomicU64::new(0)).collect(),
    };
    let start = Instant::now();
    let stop = AtomicBool::new(false);
    let second = || (start.elapsed().as_secs() as usize).min(options.seconds - 1);
    std::thread::scope(|scope| {
        for _ in 0..options.callers {
            scope.spawn(|| {
                let retry =
                    Retry::new(3).backoff(Duration::from_millis(1), Duration::from_millis(5));
                let retry = match budget {
                    Some(budget) => retry.budget(budget),
                    None => retry,
                };
                while !stop.load(Ordering::Relaxed) {
                    run.first[second()].fetch_add(1, Ordering::Relaxed);
                    let _: Result<(), ()> = retry.run(|| {
                        run.calls[second()].fetch_add(1, Ordering::Relaxed);
                        if fastrand::f64() < options.fail {
                            Err(())
                        } else {
                            Ok(())
                        }
                    });
                    std::thread::sleep(Duration::from_millis(10));
                }
            });
        }
        std::thread::sleep(Duration::from_secs(options.seconds as u64));
        stop.store(true, Ordering::Relaxed);
    });
    run
}

fn values(counts: &[AtomicU64]) -> Vec<u64> {
    counts.iter().map(|c| c.load(Ordering::Relaxed)).collect()
}

/// A line chart of both runs, calls per second against time.
fn svg(without: &[u64], with: &[u64], options: &Options) -> String {
    let (width, height, margin) = (640.0, 320.0, 50.0);
    let top = without
        .iter()
        .chain(with)
        .copied()
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let x = |i: usize| margin + (width - 2.0 * margin) * (i as f64 + 0.5) / without.len() as f64;
    let y = |v: u64| height - margin - (height - 2.0 * margin) * v as f64 / top;
    let line = |values: &[u64]| {
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| format!("{:.1},{:.1}", x(i), y(v)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{margin}\" y=\"20\">Calls per second seen by the dependency: {} callers, \
         failure rate {}, 3 attempts per call</text>\n\
         <line x1=\"{margin}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"black\"/>\n\
         <line x1=\"{margin}\" y1=\"{margin}\" x2=\"{margin}\" y2=\"{b}\" stroke=\"black\"/>\n\
         <text x=\"{r}\" y=\"{t}\" text-anchor=\"end\">seconds</text>\n\
         <text x=\"5\" y=\"{m2}\">{top}</text>\n<text x=\"5\" y=\"{b}\">0</text>\n",
        options.callers,
        options.fail,
        b = height - margin,
        r = width - margin,
        t = height - margin + 30.0,
        m2 = margin + 4.0,
    );
    for (i, _) in without.iter().enumerate() {
        out += &format!(
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
            x(i),
            height - margin + 15.0,
            i + 1
        );
    }
    for (values, colour, label, dy) in [
        (without, "#c0392b", "attempt limit only", 0.0),
        (with, "#2471a3", "attempt limit + shared RetryBudget", 16.0),
    ] {
        out += &format!(
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>\n\
             <text x=\"{}\" y=\"{}\" fill=\"{colour}\">{label}</text>\n",
            line(values),
            width - 280.0,
            margin + dy,
        );
    }
    out + "</svg>\n"
}

/// Writes `text` to `path` through a temporary file renamed into place.
fn write_atomically(path: &str, text: &str) -> std::io::Result<()> {
    let temporary = format!("{path}.tmp{}", std::process::id());
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })
}

fn main() {
    let options = match options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("storm: {message}");
            std::process::exit(2);
        }
    };
    let without = run(&options, None);
    let with = run(&options, Some(RetryBudget::named("storm")));
    let (calls_without, calls_with) = (values(&without.calls), values(&with.calls));
    let (first_without, first_with) = (values(&without.first), values(&with.first));

    println!(
        "{} callers, failure rate {}, 3 attempts per call, {} s each way",
        options.callers, options.fail, options.seconds
    );
    println!("second  requests  calls (attempt limit only)  requests  calls (+ shared budget)");
    for i in 0..options.seconds {
        println!(
            "{:>6}  {:>8}  {:>26}  {:>8}  {:>22}",
            i + 1,
            first_without[i],
            calls_without[i],
            first_with[i],
            calls_with[i]
        );
    }
    let ratio = |calls: &[u64], first: &[u64]| {
        calls.iter().sum::<u64>() as f64 / first.iter().sum::<u64>().max(1) as f64
    };
    println!(
        "calls per request: {:.2} with the attempt limit only, {:.2} with the shared budget",
        ratio(&calls_without, &first_without),
        ratio(&calls_with, &first_with)
    );
    if let Some(path) = &options.svg {
        if let Err(error) = write_atomically(path, &svg(&calls_without, &calls_with, &options)) {
            eprintln!("storm: cannot write {path}: {error}");
            std::process::exit(1);
        }
    }
}
