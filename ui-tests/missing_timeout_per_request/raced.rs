// Low: every request through `self.http` races a sleep in `select!`.
pub struct Store {
    http: hyper_util::client::legacy::Client<Connector, Body>,
}

impl Store {
    pub fn new(connector: Connector) -> Self {
        let http = hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build(connector);
        Store { http }
    }

    async fn dispatch(&self, req: Request<Body>, timeout: Duration) -> Result<Response, Error> {
        tokio::select! {
            res = self.http.request(req) => Ok(res?),
            _ = tokio::time::sleep(timeout) => Err(Error::Timeout),
        }
    }
}
