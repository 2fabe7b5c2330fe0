// Low: every request goes through `prepare`, which sets its timeout.
pub struct AdminClient {
    inner: reqwest::Client,
    request_timeout: std::time::Duration,
}

impl AdminClient {
    pub fn new(request_timeout: std::time::Duration) -> Self {
        AdminClient { inner: reqwest::Client::new(), request_timeout }
    }

    fn prepare(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.inner.request(method, path).timeout(self.request_timeout)
    }
}
