// Default tier: a fan-out is reported only when each future visibly does an
// operation. Callbacks handed in, bookkeeping on the item itself, and
// futures that first take a permit in a helper stay silent; a fan-out of
// lookups through a helper that calls the service is reported.
use futures::future::join_all;
use std::sync::Arc;
use tokio::sync::Semaphore;

struct Cache {
    permits: Arc<Semaphore>,
    backend: Backend,
}

struct Slot {
    refs: std::sync::atomic::AtomicU64,
}

impl Slot {
    async fn release(&self) {
        self.refs.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

// Silent: each future only runs a callback the caller handed in.
async fn notify_all<F, Fut>(keys: Vec<String>, on_evict: F)
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    join_all(keys.into_iter().map(|key| async { on_evict(key).await })).await;
}

// Silent: each future releases a slot in memory.
async fn release_all(slots: Vec<Slot>) {
    join_all(slots.iter().map(|slot| async move { slot.release().await })).await;
}

impl Cache {
    async fn connection(&self) -> Connection {
        let _permit = self.permits.acquire().await;
        self.backend.connect().await
    }

    async fn load(&self, key: &str) -> Option<Vec<u8>> {
        self.backend.fetch(key).await
    }

    // Silent: every future waits for one of the cache's permits first.
    async fn exists_all(&self, keys: Vec<String>) {
        join_all(keys.iter().map(|k| async move {
            let conn = self.connection().await;
            conn.exists(k).await
        }))
        .await;
    }

    // Reported: one backend fetch per requested key, all at once.
    async fn load_all(&self, keys: Vec<String>) {
        join_all(keys.iter().map(|k| self.load(k))).await;
    }
}
