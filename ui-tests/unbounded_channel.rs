// leash-flags: --confidence low
// Unbounded queues, through every import shape, and bounded near-misses.
use crossbeam_channel as chan;
use std::sync::mpsc;
use tokio::sync::mpsc::unbounded_channel as uc;

fn positives() {
    let (_tx, _rx) = uc::<u32>();
    let (_tx, _rx) = mpsc::channel::<u32>();
    let (_tx, _rx) = chan::unbounded::<u8>();
    let (_tx, _rx) = flume::unbounded::<u8>();
    let (_tx, _rx) = async_channel::unbounded::<u8>();
    let (_tx, _rx) = futures::channel::mpsc::unbounded::<u8>();
    let (_tx, _rx) = futures_channel::mpsc::unbounded::<u8>();
    let (_tx, _rx) = kanal::unbounded::<u8>();
    println!("{:?}", tokio::sync::mpsc::unbounded_channel::<u8>());
}

fn negatives() {
    let (_tx, _rx) = mpsc::sync_channel::<u32>(16);
    let (_tx, _rx) = chan::bounded::<u8>(4);
    let (_tx, _rx) = tokio::sync::mpsc::channel::<u8>(64);
    let (_tx, _rx) = futures::channel::mpsc::channel::<u8>(8);
    let (_tx, _rx) = tokio::sync::oneshot::channel::<u8>();
    let (_tx, _rx) = tokio::sync::watch::channel(0u8);
    // leash: allow(unbounded_channel) -- one start-up message per worker
    let (_tx, _rx) = mpsc::channel::<u32>();
}

mod local {
    // A crate's own `channel` wrapper is not the std constructor.
    fn channel() -> ((), ()) {
        ((), ())
    }
    fn uses_it() {
        let _ = channel();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn skipped_by_default() {
        let _ = std::sync::mpsc::channel::<u8>();
    }
}
