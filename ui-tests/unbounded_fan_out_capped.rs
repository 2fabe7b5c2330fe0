// Default tier: a fan-out over items cut to a limit first is silent; the
// same fan-out over every item received is reported.
const FETCH_LIMIT: usize = 50;

// Silent: the page is cut to the limit before the fan-out.
pub async fn fetch_featured(mut pages: Vec<Url>, client: &Client) -> Vec<Post> {
    if pages.len() > FETCH_LIMIT {
        pages = pages.get(0..FETCH_LIMIT).unwrap_or_default().to_vec();
    }
    futures::future::join_all(pages.into_iter().map(|url| client.get(url).send())).await
}

// Silent: truncated.
pub async fn fetch_outbox(mut items: Vec<Url>, client: &Client) -> Vec<Post> {
    items.truncate(FETCH_LIMIT);
    futures::future::join_all(items.into_iter().map(|url| client.get(url).send())).await
}

// Reported: every item of the request.
pub async fn fetch_all(items: Vec<Url>, client: &Client) -> Vec<Post> {
    futures::future::join_all(items.into_iter().map(|url| client.get(url).send())).await
}
