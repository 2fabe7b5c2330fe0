// leash-flags: --report-unused-allows
// Suppressions that suppress nothing are reported only with the flag.
fn used() {
    // leash: allow(unbounded_channel) -- one message per worker at start-up
    let _ = std::sync::mpsc::channel::<u8>();
}

fn trailing_used() {
    let _ = std::sync::mpsc::channel::<u8>(); // leash: allow(unbounded_channel) -- bounded by the protocol
}

fn stale() {
    // leash: allow(unbounded_channel) -- the channel became bounded since
    let _ = std::sync::mpsc::sync_channel::<u8>(8);
}

fn stale_group() {
    // leash: allow(concurrency) -- nothing below needs it
    let x = 1 + 1;
    let _ = x;
}

// leash: allow(unbounded_channel) -- covers the whole item, and is used
fn item_level() {
    let _ = std::sync::mpsc::channel::<u8>();
}

fn misspelt() {
    // leash: allow(unbounded_chanel) -- reported as unknown_lint, not twice
    let _ = 1;
}
