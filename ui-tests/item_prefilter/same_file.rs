// A spawn wrapper and a caller in one file. The caller's body names no word of
// any lint, so the first look blanks it; once the wrapper is known, the body
// must come back (found by fuzzing the item prefilter). The loop takes no
// input, so the finding is `low`: the fixture shows both tiers.

pub fn handle<F: std::future::Future<Output = ()> + Send + 'static>(task: F) -> bool {
    tokio::spawn(task);
    true
}

pub struct Worker;

impl Worker {
    pub async fn serve(&self) {
        loop {
            while handle(async move {}) {}
        }
    }
}
