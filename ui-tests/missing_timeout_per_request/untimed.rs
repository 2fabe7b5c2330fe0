// Reported: no request of this client is ever given a timeout.
pub struct SearchClient {
    inner: reqwest::Client,
}

impl SearchClient {
    pub fn new() -> Self {
        SearchClient { inner: reqwest::Client::new() }
    }

    fn prepare(&self, path: &str) -> reqwest::RequestBuilder {
        self.inner.get(path)
    }
}
