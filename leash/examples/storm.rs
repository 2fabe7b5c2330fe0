//! A retry storm you can reproduce: N callers against a dependency that is
//! healthy for the first seconds, then fails at rate p; each request is
//! tried up to 3 times, once with per-call attempt limits only and once with
//! a shared `RetryBudget` (tower's defaults: 10 s, 10 retries a second,
//! 20 %). Prints the calls the dependency sees per second each way;
//! `--svg PATH` also plots them.
//!
//! ```text
//! cargo run -p leash --release --example storm -- --callers 50 --fail 1.0 --healthy 2 --seconds 8 --svg docs/retry-storm.svg
//! ```

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use leash::{Retry, RetryBudget};

struct Options {
    callers: usize,
    fail: f64,
    /// Seconds before the dependency starts failing.
    healthy: usize,
    seconds: usize,
    svg: Option<String>,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        callers: 50,
        fail: 1.0,
        healthy: 2,
        seconds: 8,
        svg: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let bad = format!("{flag}: cannot read {value:?}");
        match flag.as_str() {
            "--callers" => options.callers = value.parse().map_err(|_| bad)?,
            "--fail" => options.fail = value.parse().map_err(|_| bad)?,
            "--healthy" => options.healthy = value.parse().map_err(|_| bad)?,
            "--seconds" => options.seconds = value.parse().map_err(|_| bad)?,
            "--svg" => options.svg = Some(value),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if !(0.0..=1.0).contains(&options.fail)
        || options.callers == 0
        || options.seconds <= options.healthy
    {
        return Err(
            "--fail is a rate in 0..=1; --callers at least 1; --seconds more than --healthy".into(),
        );
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
                        let now = second();
                        run.calls[now].fetch_add(1, Ordering::Relaxed);
                        if now >= options.healthy && fastrand::f64() < options.fail {
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

/// A line chart of both runs, calls per second against time, with the
/// second the dependency starts failing marked.
fn svg(without: &[u64], with: &[u64], options: &Options) -> String {
    let (width, height, left, right, top, bottom) = (680.0, 360.0, 70.0, 20.0, 80.0, 50.0);
    let peak = without
        .iter()
        .chain(with)
        .copied()
        .max()
        .unwrap_or(1)
        .max(1);
    // The y axis ends at the next round thousand above the peak.
    let y_max = (peak / 1000 + 1) * 1000;
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let x = |i: f64| left + plot_w * i / without.len() as f64;
    let y = |v: u64| top + plot_h * (1.0 - v as f64 / y_max as f64);
    let line = |values: &[u64]| {
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| format!("{:.1},{:.1}", x(i as f64 + 0.5), y(v)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{left}\" y=\"20\" font-size=\"14\">Calls per second seen by the dependency</text>\n\
         <text x=\"{left}\" y=\"38\">{} callers, a request each 10 ms, up to 3 attempts; \
         healthy, then failing at rate {} from second {}</text>\n",
        options.callers,
        options.fail,
        options.healthy + 1,
    );
    // Grid and y labels.
    for step in 0..=4 {
        let v = y_max * step / 4;
        out += &format!(
            "<line x1=\"{left}\" y1=\"{py:.1}\" x2=\"{r}\" y2=\"{py:.1}\" stroke=\"#ddd\"/>\n\
             <text x=\"{lx}\" y=\"{ty:.1}\" text-anchor=\"end\">{v}</text>\n",
            py = y(v),
            r = width - right,
            lx = left - 6.0,
            ty = y(v) + 4.0,
        );
    }
    for i in 0..without.len() {
        out += &format!(
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
            x(i as f64 + 0.5),
            height - bottom + 16.0,
            i + 1
        );
    }
    out += &format!(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">second</text>\n\
         <line x1=\"{ox:.1}\" y1=\"{top}\" x2=\"{ox:.1}\" y2=\"{b}\" stroke=\"#888\" stroke-dasharray=\"4 4\"/>\n\
         <text x=\"{tx:.1}\" y=\"{ty}\" fill=\"#555\">dependency starts failing</text>\n",
        width - right,
        height - bottom + 34.0,
        ox = x(options.healthy as f64),
        b = height - bottom,
        tx = x(options.healthy as f64) + 4.0,
        ty = height - bottom - 8.0,
    );
    for (values, colour, label, dy) in [
        (without, "#c0392b", "attempt limit only", 0.0),
        (with, "#2471a3", "attempt limit + shared RetryBudget", 16.0),
    ] {
        out += &format!(
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>\n\
             <rect x=\"{left}\" y=\"{ry}\" width=\"14\" height=\"3\" fill=\"{colour}\"/>\n\
             <text x=\"{lx}\" y=\"{ty}\">{label}</text>\n",
            line(values),
            ry = 50.0 + dy,
            lx = left + 20.0,
            ty = 55.0 + dy,
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
        "{} callers, healthy for {} s then failure rate {}, 3 attempts per request, {} s each way",
        options.callers, options.healthy, options.fail, options.seconds
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
    // While failing, after the first failing second (which spends what the
    // healthy seconds paid into the budget).
    let steady = options.healthy + 1..options.seconds;
    let ratio = |calls: &[u64], first: &[u64]| {
        calls[steady.clone()].iter().sum::<u64>() as f64
            / first[steady.clone()].iter().sum::<u64>().max(1) as f64
    };
    if !steady.is_empty() {
        println!(
            "calls per request while failing (seconds {}..={}): {:.2} with the attempt limit only, \
             {:.2} with the shared budget",
            steady.start + 1,
            steady.end,
            ratio(&calls_without, &first_without),
            ratio(&calls_with, &first_with)
        );
    }
    if let Some(path) = &options.svg {
        if let Err(error) = write_atomically(path, &svg(&calls_without, &calls_with, &options)) {
            eprintln!("storm: cannot write {path}: {error}");
            std::process::exit(1);
        }
    }
}
