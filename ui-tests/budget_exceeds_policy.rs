// leash-flags: --config ui-tests/budget_policy.toml
// Declared budgets checked against [policy] (max_retry_attempts = 5,
// max_concurrency = 32, max_switches = 3 in ui-tests/budget_policy.toml).
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio_retry::strategy::ExponentialBackoff;

#[leash::retry(attempts = 50, backoff = "10ms..1s")]
async fn too_many_attempts() -> Result<(), std::io::Error> {
    Ok(())
}

#[leash::retry(attempts = 3, backoff = "100ms..5s")]
async fn within_policy() -> Result<(), std::io::Error> {
    Ok(())
}

#[leash::concurrency(max = 1000)]
async fn too_wide() {}

#[leash::concurrency(max = 16)]
async fn narrow_enough() {}

async fn spawn_with_permits(jobs: Vec<u32>) {
    let permits = Arc::new(Semaphore::new(500));
    for job in jobs {
        let permit = permits.clone().acquire_owned().await.unwrap();
        tokio::spawn(async move {
            let _permit = permit;
            drop(job);
        });
    }
}

fn no_spawn_here() {
    // A semaphore that does not feed spawns is not a concurrency budget.
    let _gate = Semaphore::new(500);
}

fn strategies() {
    let _ = ExponentialBackoff::from_millis(10).take(100);
    let _ = ExponentialBackoff::from_millis(10).take(4);
    let endpoints = ["a", "b"];
    let _ = endpoints.iter().cycle().take(20);
    let _ = (0..100).take(50);
}

fn padding(sample: &str) -> String {
    // Cycling text to pad a sample is not a failover rotation.
    sample.chars().cycle().take(100).collect()
}

fn fetch() -> Result<u32, std::io::Error> {
    Ok(1)
}

fn loop_over_policy() -> Result<u32, std::io::Error> {
    // A literal attempt bound above the policy's max_retry_attempts = 5.
    for _attempt in 0..20 {
        match fetch() {
            Ok(v) => return Ok(v),
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(100)),
        }
    }
    fetch()
}

fn loop_within_policy() -> Result<u32, std::io::Error> {
    for _attempt in 0..3 {
        match fetch() {
            Ok(v) => return Ok(v),
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(100)),
        }
    }
    fetch()
}

// Beyond u64: still a number, and above every policy.
#[leash::retry(attempts = 99999999999999999999999, backoff = "10ms..1s")]
async fn attempts_beyond_u64() -> Result<(), std::io::Error> {
    Ok(())
}

#[leash::concurrency(max = 340282366920938463463374607431768211456)]
async fn width_beyond_u128() {}
