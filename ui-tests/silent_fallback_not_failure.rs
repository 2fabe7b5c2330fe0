// leash-flags: -A retry -A concurrency -A timeout -A switching --confidence low
// Results that are not the failure of an operation, and failure paths that diverge.
fn oom() -> ! {
    std::process::abort()
}

fn layout(len: usize) -> Layout {
    Layout::array::<u64>(len).unwrap_or_else(|_| oom())
}

fn saturating(t: Time, d: Span) -> Time {
    t.checked_add(d).unwrap_or_else(|_| Time::MAX)
}

fn bump(counter: &AtomicUsize) -> usize {
    counter
        .fetch_update(SeqCst, SeqCst, |n| n.checked_add(1))
        .unwrap_or_else(|_| usize::MAX)
}

fn parker(cache: &RefCell<Parker>) -> Parker {
    match cache.try_borrow_mut() {
        Ok(p) => p.clone(),
        Err(_) => Parker::new(),
    }
}

fn reply(res: Result<Body, BadRange>) -> Response {
    res.map(Response::ok).unwrap_or_else(|BadRange| Response::range_not_satisfiable())
}
