// leash-flags: -A concurrency -A fallback -A switching -A timeout -A budget -A retry_without_jitter
// Not retries: regenerating the candidate each time round (rejection
// sampling), and a poisoned-lock check in an idle loop.
fn gen_prime(_bits: u32) -> u64 {
    7
}
fn invert(_p: &[u64]) -> Result<u64, ()> {
    Ok(1)
}
fn keygen() -> u64 {
    let mut primes = [0u64; 2];
    loop {
        for i in 0..2 {
            primes[i] = gen_prime(64);
        }
        if let Ok(d) = invert(&primes) {
            return d;
        }
    }
}

fn reap(pool: &std::sync::Mutex<Vec<u32>>) {
    loop {
        if let Ok(mut inner) = pool.lock() {
            inner.clear();
            return;
        }
    }
}
