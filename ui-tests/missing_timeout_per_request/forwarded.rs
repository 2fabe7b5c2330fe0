// Low: the client forwards, unchanged, the requests its owner is handed (a
// reverse proxy): the downstream caller's deadline governs each one.
pub struct Forwarder {
    inner: hyper_util::client::legacy::Client<Connector, Body>,
}

impl Forwarder {
    pub fn new(connector: Connector) -> Self {
        let inner = hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build(connector);
        Forwarder { inner }
    }

    pub async fn forward(&self, req: Request<Body>) -> Result<Response<Incoming>, Error> {
        self.inner.request(req).await
    }
}

// Low: each request is held in a local that `timeout(..)` then bounds.
pub struct Store {
    client: reqwest::Client,
}

impl Store {
    pub fn new() -> Self {
        Store { client: reqwest::Client::new() }
    }

    pub async fn fetch(&self, url: &str) -> Result<Bytes, Error> {
        let request = self.client.get(url).send();
        let request = tokio::time::timeout(CONNECT_TIMEOUT, request);
        Ok(request.await??.bytes().await?)
    }
}
