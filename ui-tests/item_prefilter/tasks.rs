pub fn in_background<F>(fut: F)
where
    F: std::future::Future<Output = u32> + Send + 'static,
{
    tokio::spawn(fut);
}
