// leash-flags: -A retry -A concurrency -A timeout -A fallback
// Endless failover among endpoints, and bounded near-misses.
use std::time::{Duration, Instant};

async fn cycle_for(endpoints: &[String], client: &Client) -> Response {
    for ep in endpoints.iter().cycle() {
        match client.get(ep).send().await {
            Ok(resp) => return resp,
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    unreachable!()
}

async fn cycle_next(endpoints: &[String], client: &Client) -> Response {
    let mut targets = endpoints.iter().cycle();
    loop {
        let Some(ep) = targets.next() else { continue };
        if let Ok(resp) = client.get(ep).send().await {
            return resp;
        }
    }
}

impl Failover {
    async fn connect(&mut self) -> Conn {
        loop {
            match dial(&self.addrs[self.current]).await {
                Ok(c) => return c,
                Err(e) => {
                    tracing::warn!("{e}");
                    self.current = (self.current + 1) % self.addrs.len();
                }
            }
        }
    }
}

async fn reset_rotation(addrs: &[Addr]) -> Conn {
    let mut i = 0;
    loop {
        let Ok(c) = dial(&addrs[i]).await else {
            i += 1;
            if i == addrs.len() {
                i = 0;
            }
            continue;
        };
        return c;
    }
}

// ---- near-misses: nothing below is reported ----

async fn capped(endpoints: &[String], client: &Client) -> Result<Response, Error> {
    for ep in endpoints.iter().cycle().take(MAX_SWITCHES) {
        if let Ok(resp) = client.get(ep).send().await {
            return Ok(resp);
        }
    }
    Err(Error::AllFailed)
}

async fn one_pass(endpoints: &[String], client: &Client) -> Result<Response, Error> {
    for ep in endpoints {
        if let Ok(resp) = client.get(ep).send().await {
            return Ok(resp);
        }
    }
    Err(Error::AllFailed)
}

async fn counted(addrs: &[Addr]) -> Result<Conn, Error> {
    let mut i = 0;
    let mut switches = 0;
    loop {
        match dial(&addrs[i]).await {
            Ok(c) => return Ok(c),
            Err(e) => {
                switches += 1;
                if switches >= 10 {
                    return Err(e);
                }
                i = (i + 1) % addrs.len();
            }
        }
    }
}

async fn deadline(endpoints: &[String], client: &Client) -> Option<Response> {
    let start = Instant::now();
    for ep in endpoints.iter().cycle() {
        if let Ok(resp) = client.get(ep).send().await {
            return Some(resp);
        }
        if start.elapsed() > Duration::from_secs(30) {
            return None;
        }
    }
    None
}

fn zipped(jobs: Vec<Job>, workers: &[Worker]) {
    for (job, w) in jobs.into_iter().zip(workers.iter().cycle()) {
        w.submit(job);
    }
}
