// Default tier: building a response in memory is not a client call; sending
// a request through the client is.
use hyper::Response;
use reqwest::Client;

// Silent: `Response::builder()..body(..)` fails only on an invalid header.
fn health(ok: bool) -> Response<String> {
    Response::builder()
        .status(if ok { 200 } else { 503 })
        .body(String::from("ok"))
        .unwrap_or_else(|_| Response::new(String::new()))
}

// Reported: the request is sent, and its failure is replaced by a default.
async fn remote_health(url: &str) -> String {
    let client = Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .build()
        .unwrap();
    client
        .get(url)
        .send()
        .await
        .map(|_| String::from("ok"))
        .unwrap_or_else(|_| String::from("unknown"))
}
