// leash-flags: -A concurrency -A fallback -A switching -A timeout -A budget -A retry_without_jitter
// Not retries: a search over candidates, a stream of items, a lock guard is
// not an item (the retry in `guarded` is still reported).
fn recover(_id: u8) -> Result<u32, String> {
    Ok(1)
}
struct Id(u8);
fn check(_id: &Id) -> Result<u32, String> {
    Ok(1)
}

fn search() -> Option<u8> {
    for id in 0..=3 {
        let candidate = Id(id);
        if check(&candidate).is_ok() {
            return Some(id);
        }
    }
    None
}

fn direct() -> Option<u32> {
    for id in 0..4u8 {
        if let Ok(v) = recover(id) {
            return Some(v);
        }
    }
    None
}

fn frames(mut it: impl Iterator<Item = Vec<u8>>) -> Option<String> {
    loop {
        let frame = it.next()?;
        match String::from_utf8(frame) {
            Ok(s) => return Some(s),
            Err(_) => continue,
        }
    }
}

struct Store;
impl Store {
    fn put(&self) -> Result<(), String> {
        Ok(())
    }
}
fn guarded(lock: &std::sync::RwLock<Store>) {
    loop {
        if lock.read().unwrap().put().is_ok() {
            return;
        }
    }
}
