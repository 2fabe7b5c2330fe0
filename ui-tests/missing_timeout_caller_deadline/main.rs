// Two files with a hyper client that sets no timeout. One wraps each
// request in `tokio::time::timeout` with the deadline its caller chose, and
// is low; the other never bounds a request and is reported.
mod gateway;
mod relay;

fn main() {}
