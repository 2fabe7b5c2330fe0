// leash-flags: -A retry -A fallback -A switching -A budget -A concurrency
// reqwest reached through another crate's re-export is still reqwest; hyper pool
// options named `*_timeout` are not a request timeout; a connector with a read
// timeout is.
use hyper::Client as HttpClient;
use oauth2::reqwest;
use std::time::Duration;

fn reexported() {
    let _client = reqwest::Client::new();
}

fn pool_options_only(connector: Connector) {
    let mut builder = HttpClient::builder();
    builder.pool_idle_timeout(Duration::from_secs(30));
    let _client = builder.build(connector);
}

fn timeout_connector(connector: Connector) {
    let mut connector = hyper_timeout::TimeoutConnector::new(connector);
    connector.set_read_timeout(Some(Duration::from_secs(5)));
    let _client = HttpClient::builder().build(connector);
}
