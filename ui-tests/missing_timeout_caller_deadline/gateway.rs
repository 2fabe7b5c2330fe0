// Reported: anyone can send through this client, and nothing bounds it.
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;

pub struct Gateway {
    client: Client<HttpConnector, String>,
}

impl Gateway {
    pub fn new() -> Self {
        let client = Client::builder(TokioExecutor::new()).build(HttpConnector::new());
        Gateway { client }
    }

    pub async fn post(&self, body: String) -> bool {
        let req = http::Request::post("/").body(body).unwrap();
        self.client.request(req).await.is_ok()
    }
}
