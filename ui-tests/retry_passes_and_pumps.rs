// leash-flags: -A concurrency -A fallback -A switching -A timeout -A budget
// Loops that look like retries but are not (v2.0), each beside one that is:
// a failover pass that drops the failed alternative and stops when none is
// left, a restart on an interrupted system call, a read pump that forwards
// an error and then leaves on a flag set from it, a failure path that returns
// through `Err(e)?`, a prompt that checks a person's new answer, a watch
// that ticks when its wait times out, and a strategy given its limit after
// it was built.
use std::time::Duration;

type Res<T> = Result<T, String>;

struct Source {
    id: u32,
}

async fn fetch_piece(_from: &Source) -> Res<Vec<u8>> {
    Ok(Vec::new())
}

// Silent: each failure removes the source it tried; the list running out ends it.
pub async fn download_from_any(mut sources: Vec<Source>) -> Res<Vec<u8>> {
    loop {
        let chosen = pick(&sources);
        match fetch_piece(chosen).await {
            Ok(bytes) => return Ok(bytes),
            Err(e) => {
                let failed = chosen.id;
                sources.retain(|s| s.id != failed);
                if sources.is_empty() {
                    return Err(e);
                }
            }
        }
    }
}

// Reported: the same source again, at once, for ever.
pub async fn download_from_first(sources: Vec<Source>) -> Res<Vec<u8>> {
    loop {
        let chosen = pick(&sources);
        match fetch_piece(chosen).await {
            Ok(bytes) => return Ok(bytes),
            Err(e) => eprintln!("piece failed: {e}"),
        }
    }
}

fn pick(sources: &[Source]) -> &Source {
    &sources[0]
}

// Silent: an interrupted system call is restarted, by design.
pub fn preallocate(fd: i32, len: u64) -> Res<()> {
    loop {
        match rustix::fs::fallocate(fd, FallocateFlags::KEEP_SIZE, 0, len) {
            Ok(_) => return Ok(()),
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.to_string()),
        }
    }
}

// Silent: the pump forwards a failed read and then leaves on the flag.
pub async fn pump(file: File, tx: Sender<Res<Vec<u8>>>) {
    let mut pos = 0u64;
    loop {
        let result = file.read_at(Vec::new(), pos).await;
        if let Ok(n) = result.as_ref() {
            pos += *n as u64;
        }
        let failed = result.is_err();
        if tx.send(result.map(|_| Vec::new())).await.is_err() {
            return;
        }
        if failed {
            break;
        }
    }
}

// Silent: the error path waits, then returns the error through `?`.
pub fn serve_until_stopped() -> Res<()> {
    loop {
        match run_server() {
            Ok(true) => continue,
            Ok(false) => break,
            Err(e) => {
                std::thread::sleep(Duration::from_millis(100));
                Err(e)?
            }
        }
    }
    Ok(())
}

fn run_server() -> Res<bool> {
    Ok(false)
}

fn ask(question: &str) -> Res<String> {
    let answer = Input::<String>::new().with_prompt(question).interact_text()?;
    Ok(answer)
}

// Silent: every round checks a new answer from a person.
pub fn ask_port() -> Option<u16> {
    loop {
        let answer = ask("port");
        match answer {
            Ok(text) => match validate_port(text) {
                Ok(port) => return Some(port),
                Err(e) => println!("not a port: {e}"),
            },
            Err(e) => println!("no answer: {e}"),
        }
    }
}

fn validate_port(text: String) -> Res<u16> {
    text.parse().map_err(|_| text)
}

// Silent: the wait timing out is the tick of a periodic job.
pub async fn report_every(period: Duration, mut stop: watch::Receiver<bool>) {
    loop {
        if tokio::time::timeout(period, stop.changed()).await.is_err() {
            publish_stats();
        } else {
            break;
        }
    }
}

fn publish_stats() {}

// Silent: the strategy gets its limit after it was built.
pub fn strategy(max_delay: Option<Duration>, attempts: usize) -> Take<ExponentialBackoff> {
    let mut st = tokio_retry::strategy::ExponentialBackoff::from_millis(10).map(jitter);
    if let Some(max) = max_delay {
        st = st.max_delay(max);
    }
    st.take(attempts)
}

// Reported: no limit at all.
pub fn endless() -> ExponentialBackoff {
    tokio_retry::strategy::ExponentialBackoff::from_millis(10).map(jitter)
}

// Silent for jitter: the delay is the caller's policy's; a zero fallback
// (the time has passed) is no delay of its own.
pub async fn download_with_policy(policy: &dyn RetryPolicy, url: &str) -> Res<Vec<u8>> {
    let start = SystemTime::now();
    let mut tries = 0;
    loop {
        match fetch_url(url).await {
            Ok(bytes) => return Ok(bytes),
            Err(e) => {
                let execute_after = match policy.should_retry(start, tries) {
                    RetryDecision::Retry { execute_after } => execute_after,
                    RetryDecision::DoNotRetry => return Err(e),
                };
                tries += 1;
                let wait = execute_after.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO);
                tokio::time::sleep(wait).await;
            }
        }
    }
}

// Reported: a fixed wait.
pub async fn download_fixed(url: &str) -> Res<Vec<u8>> {
    for _ in 0..5 {
        match fetch_url(url).await {
            Ok(bytes) => return Ok(bytes),
            Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
        }
    }
    Err("gave up".into())
}

async fn fetch_url(_url: &str) -> Res<Vec<u8>> {
    Ok(Vec::new())
}
