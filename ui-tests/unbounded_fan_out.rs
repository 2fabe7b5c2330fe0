// leash-flags: -A retry -A fallback -A switching -A budget -A timeout -A unbounded_spawn -A unbounded_channel
// Fan-out over iterators of unknown size, and fixed-size or limited near-misses.
use futures::future::{join_all, try_join_all};
use futures::stream::{self, FuturesUnordered, StreamExt, TryStreamExt};

async fn fetch(u: &str) -> Result<u32, ()> {
    reqwest::get(u).await.map(|_| 0).map_err(|_| ())
}

async fn positives(urls: Vec<String>, ids: &[u32]) {
    let _ = join_all(urls.iter().map(|u| fetch(u))).await;
    let _ = try_join_all(urls.iter().map(|u| fetch(u))).await;
    let mut pending = Vec::new();
    for u in &urls {
        pending.push(fetch(u));
    }
    let _ = join_all(pending).await;
    let _set: FuturesUnordered<_> = urls.iter().map(|u| fetch(u)).collect();
    let _ = urls.iter().map(|u| fetch(u)).collect::<FuturesUnordered<_>>();
    let _ = FuturesUnordered::from_iter(ids.iter().map(|_| fetch("x")));
    stream::iter(ids)
        .for_each_concurrent(None, |_| async {
            let _ = fetch("x").await;
        })
        .await;
    let _ = stream::iter(ids)
        .map(Ok::<_, ()>)
        .try_for_each_concurrent(0, |_| async { fetch("x").await.map(|_| ()) })
        .await;
    let _: Vec<_> = stream::iter(urls.iter().map(|u| fetch(u)))
        .buffer_unordered(usize::MAX)
        .collect()
        .await;
    let _ = join_all((0..ids.len()).map(|_| fetch("x"))).await;
}

async fn near_misses(urls: Vec<String>, a: Option<u32>, b: Option<u32>) {
    let _ = join_all(vec![fetch("a"), fetch("b")]).await;
    let _ = join_all([fetch("a"), fetch("b")]).await;
    let _ = join_all((0..3).map(|_| fetch("x"))).await;
    let both = a.into_iter().chain(b);
    let _ = join_all(both.map(|_| fetch("x"))).await;
    let mut two = Vec::new();
    two.push(fetch("a"));
    two.push(fetch("b"));
    let _ = join_all(two).await;
    let _: Vec<_> = stream::iter(urls.iter().map(|u| fetch(u)))
        .buffer_unordered(16)
        .collect()
        .await;
    stream::iter(urls).for_each_concurrent(Some(8), |_| async {}).await;
}
