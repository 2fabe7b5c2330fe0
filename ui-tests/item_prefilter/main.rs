// leash-flags: --confidence low
// Cross-file results through function bodies the item prefilter blanks at
// first sight: `sync_all` retries `store::flush`, whose body has no word any
// lint looks for, and which calls `disk::write_block`, another retry loop; and
// a task wrapper (`tasks::in_background`) called once per job from a body that
// never names the runtime.
mod disk;
mod store;
mod tasks;

use std::time::Duration;

pub fn sync_all(n: u32) {
    for attempt in 0..3 {
        match store::flush(n) {
            Ok(()) => return,
            Err(_) => std::thread::sleep(Duration::from_millis(100 * (attempt + 1))),
        }
    }
}

pub fn start_all(jobs: Vec<u32>) {
    for job in jobs {
        tasks::in_background(async move { job });
    }
}

/// Nothing to report in here: a plain function the filter blanks for good.
pub fn total(jobs: &[u32]) -> u32 {
    jobs.iter().sum()
}
