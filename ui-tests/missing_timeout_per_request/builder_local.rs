// A file whose requests are built in a local and given their own timeout:
// the client's missing default is low.
pub async fn push(url: &str, buf: Vec<u8>, user: &str) -> Result<(), E> {
    let client = reqwest::Client::new();
    let mut builder = client.post(url).body(buf);
    if !user.is_empty() {
        builder = builder.basic_auth(user, None::<&str>);
    }
    builder.timeout(Duration::from_secs(60)).send().await?;
    Ok(())
}
