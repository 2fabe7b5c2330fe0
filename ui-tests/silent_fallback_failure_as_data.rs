// leash-flags: -A retry -A concurrency -A timeout -A switching --confidence low
// When the success side yields nothing (`None`) or the value carries a flag, the
// failure side reports the failure as data rather than hiding it.
fn panic_message(result: std::thread::Result<()>, slot: &Slot) -> Option<String> {
    if result.is_err() {
        slot.take_message()
    } else {
        None
    }
}

async fn wait_for(dur: Duration, guard: Guard) -> (Guard, Timed) {
    match timeout(dur, wait(guard)).await {
        Ok(g) => (g, Timed(false)),
        Err(_) => (relock().await, Timed(true)),
    }
}

// Silent: the substitute is the text of the error being returned.
async fn bulk_index(response: reqwest::Response) -> Result<(), String> {
    if !response.status().is_success() {
        let error_text = response
            .text()
            .await
            .unwrap_or_else(|_| "Unknown error".to_string());
        return Err(format!("bulk indexing failed: {error_text}"));
    }
    Ok(())
}

// Silent: the failure arm returns an error through `bail!`.
async fn sync(sentinel: tokio::sync::oneshot::Receiver<()>) -> anyhow::Result<()> {
    match tokio::time::timeout(std::time::Duration::from_secs(5), sentinel).await {
        Ok(_) => Ok(()),
        Err(_) => anyhow::bail!("sync timed out after 5s"),
    }
}

// Reported: a plausible value stands in for the body, with no trace.
async fn body_or_empty(response: reqwest::Response) -> String {
    response.text().await.unwrap_or_else(|_| String::new())
}

// Silent: the failure becomes a state that names it (`Failed`), which the
// caller later turns into an error.
pub async fn send_and_wait(&mut self, command: Command) -> Result<(), ClientError> {
    let (tx, rx) = oneshot::channel();
    let cmd = match self.commands.send((command, Some(tx))) {
        Ok(()) => Pending::Waiting(rx),
        Err(_) => Pending::Failed,
    };
    cmd.await
}

// Reported: the failure becomes a state that says nothing of it.
pub async fn send_or_idle(&mut self, command: Command) -> Result<(), ClientError> {
    let (tx, rx) = oneshot::channel();
    let cmd = match self.commands.send((command, Some(tx))) {
        Ok(()) => Pending::Waiting(rx),
        Err(_) => Pending::Idle,
    };
    cmd.await
}

// Silent: the body is read only to fill in the error the path returns next.
async fn table_not_found(name: &str, response: reqwest::Response) -> Result<(), TableError> {
    if response.status() == 404 {
        let body = response.text().await.ok().unwrap_or_default();
        return Err(TableError::NotFound { name: name.to_string(), body });
    }
    Ok(())
}

// Reported: a success can leave between the fallback and the error.
async fn table_or_default(name: &str, response: reqwest::Response) -> Result<(), TableError> {
    let body = response.text().await.ok().unwrap_or_default();
    if body.is_empty() {
        return Ok(());
    }
    Err(TableError::NotFound { name: name.to_string(), body })
}

// Silent: a timed-out lookup becomes the state that says so.
async fn resolve_state(host: &str) -> DnsState {
    match tokio::time::timeout(Duration::from_secs(2), tokio::net::lookup_host(host)).await {
        Ok(Ok(_)) => DnsState::Resolved,
        Ok(Err(_)) => DnsState::NxDomain,
        Err(_) => DnsState::TimedOut,
    }
}

// Silent: a failed upstream request answers as a gateway does.
async fn proxied(client: reqwest::Client, url: &str) -> PageResponse {
    match client.get(url).send().await {
        Ok(r) => PageResponse { status_code: r.status(), ..Default::default() },
        Err(_) => PageResponse { status_code: StatusCode::BAD_GATEWAY, ..Default::default() },
    }
}

// Reported: the failed request passes for an empty page that succeeded.
async fn proxied_as_ok(client: reqwest::Client, url: &str) -> PageResponse {
    match client.get(url).send().await {
        Ok(r) => PageResponse { status_code: r.status(), ..Default::default() },
        Err(_) => PageResponse { status_code: StatusCode::OK, ..Default::default() },
    }
}

// Reported: a constant named for the outage is a plausible price all the same.
async fn price_or_default(client: reqwest::Client, url: &str) -> Quote {
    match client.get(url).send().await {
        Ok(r) => Quote { price: r.content_length().unwrap_or(0) },
        Err(_) => PRICE_WHEN_UNAVAILABLE,
    }
}
