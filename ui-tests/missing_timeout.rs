// leash-flags: -A retry -A fallback -A switching -A budget -A concurrency
// Clients and connects that wait forever, and configured near-misses.
use std::net::TcpStream;
use std::time::Duration;

fn reqwest_clients() -> Result<(), reqwest::Error> {
    let _a = reqwest::Client::new();
    let _b = reqwest::Client::builder().user_agent("svc").build()?;
    let _c = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(2))
        .build()?;
    let builder = reqwest::ClientBuilder::new();
    let builder = builder.pool_max_idle_per_host(4);
    let _d = builder.build()?;
    Ok(())
}

async fn one_shot() -> Result<(), reqwest::Error> {
    let _ = reqwest::get("http://example.com").await?;
    Ok(())
}

fn ureq_agents() {
    let _a = ureq::agent();
    let _b = ureq::Agent::new_with_defaults();
    let config = ureq::Agent::config_builder().user_agent("svc").build();
    let _c = ureq::Agent::new_with_config(config);
}

fn hyper_clients(connector: hyper::client::HttpConnector) {
    let _a: hyper::Client<hyper::client::HttpConnector> = hyper::Client::new();
    let _b = hyper::Client::builder().pool_idle_timeout(Duration::from_secs(30)).build(connector);
}

fn std_connect(addr: &str) -> std::io::Result<TcpStream> {
    TcpStream::connect(addr)
}

// Near-misses.

fn configured() -> Result<(), reqwest::Error> {
    let _a = reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?;
    let mut b = reqwest::Client::builder();
    b = b.timeout(Duration::from_secs(5));
    let _b = b.build()?;
    let _c = reqwest::blocking::Client::new();
    let _d = reqwest::blocking::Client::builder().build()?;
    let _e = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .build();
    Ok(())
}

fn builder_elsewhere(b: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    let b = b.user_agent("svc");
    b
}

fn configured_by_helper() -> Result<reqwest::Client, reqwest::Error> {
    let mut b = reqwest::Client::builder();
    apply_timeouts(&mut b);
    b.build()
}

fn apply_timeouts(_b: &mut reqwest::ClientBuilder) {}

async fn hyper_with_timeout(connector: hyper::client::HttpConnector) {
    let client = hyper::Client::builder().build::<_, hyper::Body>(connector);
    let _ = tokio::time::timeout(Duration::from_secs(5), client.get("http://x".parse().unwrap())).await;
}

fn other_clients() {
    let _s3 = aws_sdk_s3::Client::new(&config());
    let _grpc = tonic::client::Grpc::new(channel());
}

async fn async_connects(addr: &str) {
    let _ = tokio::net::TcpStream::connect(addr).await;
    let _ = TcpStream::connect_timeout(&addr.parse().unwrap(), Duration::from_secs(3));
}

fn loopback(listener: std::net::TcpListener) {
    let _ = TcpStream::connect(listener.local_addr().unwrap());
    let _ = TcpStream::connect("127.0.0.1:8080");
    // The address of a listener this function bound, through a local.
    let own = listener.local_addr().unwrap();
    let _ = TcpStream::connect(own);
}

// Reported: a local that holds a remote address.
fn remote(host: &str) {
    let target = format!("{host}:8080");
    let _ = TcpStream::connect(target);
}

// Not reported: the caller chooses; with a timeout given, the connect is bounded.
fn dial(addr: std::net::SocketAddr, timeout: Option<std::time::Duration>) -> std::io::Result<std::net::TcpStream> {
    match timeout {
        Some(t) => std::net::TcpStream::connect_timeout(&addr, t),
        None => std::net::TcpStream::connect(addr),
    }
}

// Not reported: every request through the field is wrapped in a timeout.
pub struct CredentialsClient {
    inner: hyper::Client<HttpConnector>,
}

impl CredentialsClient {
    pub fn new() -> CredentialsClient {
        CredentialsClient {
            inner: hyper::Client::new(),
        }
    }

    pub async fn request(&self, req: Request<Body>, limit: Duration) -> Result<Response<Body>, Error> {
        tokio::time::timeout(limit, self.inner.request(req)).await?
    }
}

// Not reported: reqwest on wasm32 runs on the browser's fetch, which has no
// timeout to set.
#[cfg(all(feature = "reqwest", target_arch = "wasm32"))]
pub fn browser_client() -> reqwest::Client {
    reqwest::ClientBuilder::new().build().unwrap()
}

// Reported: the native build.
#[cfg(not(target_arch = "wasm32"))]
pub fn native_client() -> reqwest::Client {
    reqwest::ClientBuilder::new().build().unwrap()
}

// Nothing to report here: a body the prefilter blanks, so the attributes
// around it are blanked too (except those a lint reads).
pub fn user_agent(version: &str) -> String {
    format!("client/{version}")
}

// Low: a proxy's service forwards the request it serves; the caller's
// deadline and the stack's timeout layers bound it.
struct Forward;
impl tower::Service<http::Request<Body>> for Forward {
    fn call(&mut self, req: http::Request<Body>) -> Self::Future {
        hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .build(HttpConnector::new())
            .request(req)
    }
}

// Reported: the same client built by a service's constructor for its own calls.
impl Forward {
    fn new() -> Self {
        let _client = hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build(HttpConnector::new());
        Forward
    }
}

// Silent: a client of one function whose every request there is under a
// deadline (`timeout(..)` around it).
pub async fn healthcheck(url: &str) -> Result<(), E> {
    let client = reqwest::Client::builder().use_rustls_tls().build()?;
    let response = tokio::time::timeout(Duration::from_secs(5), client.get(url).send()).await??;
    response.error_for_status()?;
    Ok(())
}

// Reported: one request under a deadline, another not.
pub async fn two_calls(url: &str) -> Result<(), E> {
    let client = reqwest::Client::new();
    tokio::time::timeout(Duration::from_secs(5), client.get(url).send()).await??;
    client.get(url).send().await?;
    Ok(())
}

// Silent: a client over a Unix socket talks to a peer on this machine, the
// connector named in the build or bound to a local first.
pub fn local_api(path: &str) {
    let _client = hyper::Client::builder().build::<_, hyper::Body>(UnixClient);
    let connector = hyperlocal::UnixConnector;
    let _again = hyper::Client::builder().build(connector);
    let _reqwest = reqwest::Client::builder().unix_socket(path).build();
}

// Silent (low): every request of the function's client goes to loopback,
// the agent's own metrics endpoint on this machine.
pub async fn own_metrics(port: u16) -> Result<(), hyper::Error> {
    let client = hyper::Client::new();
    let url = format!("http://127.0.0.1:{port}/metrics").parse().unwrap();
    let _resp = client.get(url).await?;
    Ok(())
}

// Reported: one of its requests goes elsewhere.
pub async fn metrics_and_upstream(port: u16, upstream: hyper::Uri) -> Result<(), hyper::Error> {
    let client = hyper::Client::new();
    let url = format!("http://127.0.0.1:{port}/metrics").parse().unwrap();
    let _local = client.get(url).await?;
    let _remote = client.get(upstream).await?;
    Ok(())
}

// Reported: the same build over a TCP connector bound to a local.
pub fn remote_api() {
    let connector = HttpConnector::new();
    let _client = hyper::Client::builder().build(connector);
}

// Silent: a field's client whose every request is under a deadline, one of
// them in the file's function it is handed to.
pub struct Metadata {
    http: reqwest::Client,
    limit: Duration,
}

impl Metadata {
    pub fn new() -> Self {
        Metadata { http: reqwest::Client::new(), limit: Duration::from_secs(5) }
    }
    pub async fn get(&self, url: &str) {
        let _ = tokio::time::timeout(self.limit, self.http.get(url).send()).await;
    }
    pub async fn token(&self, url: &str) {
        let _ = fetch_token(&self.http, url, self.limit).await;
    }
}

async fn fetch_token(client: &reqwest::Client, url: &str, limit: Duration) {
    let _ = tokio::time::timeout(limit, client.put(url).send()).await;
}

// Reported: the function it is handed to sends without one.
pub struct Untimed {
    api: reqwest::Client,
}

impl Untimed {
    pub fn new() -> Self {
        Untimed { api: reqwest::Client::new() }
    }
    pub async fn token(&self, url: &str) {
        send_untimed(&self.api, url).await;
    }
}

async fn send_untimed(client: &reqwest::Client, url: &str) {
    let _ = client.put(url).send().await;
}

// Reported: `UNIX_EPOCH` names no transport.
pub fn with_agent() -> reqwest::Client {
    let agent = format!("app/{:?}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH));
    reqwest::Client::builder().user_agent(agent).build().unwrap()
}
