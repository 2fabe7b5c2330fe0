// leash-flags: -A concurrency -A fallback -A switching -A timeout -A budget -A retry_without_jitter
// A retryable HTTP status on an Ok response is a failure signal.
struct Resp(u16);
impl Resp {
    fn status(&self) -> u16 {
        self.0
    }
}
fn get() -> Result<Resp, String> {
    Ok(Resp(200))
}
fn fetch() -> Result<Resp, String> {
    loop {
        let resp = get()?;
        if resp.status() == 429 {
            continue;
        }
        return Ok(resp);
    }
}
