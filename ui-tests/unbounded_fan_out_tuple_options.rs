// leash-flags: -A retry -A fallback -A switching -A budget -A timeout -A unbounded_spawn -A unbounded_channel
// A chain of the two halves of a tuple is at most two futures; a name shadowed by
// the call's own `let` is looked up in the binding before it.
use futures::future::join_all;

async fn task() {}

async fn halves(pair: (Option<u32>, Option<u32>)) {
    let tasks = (pair.0.map(|_| task()), pair.1.map(|_| task()));
    let tasks = tasks.0.into_iter().chain(tasks.1);
    let _ = join_all(tasks).await;
}

async fn shadowed() {
    let futs = (0..1000).map(|_| task());
    let futs = join_all(futs);
    futs.await;
}
