// Suppressions must say why.
fn a() {
    // leash: allow(unbounded_channel)
    let _ = std::sync::mpsc::channel::<u8>();
}

#[leash::allow(unbounded_channel)]
fn b() {
    let _ = std::sync::mpsc::channel::<u8>();
}

#[leash::allow(unbounded_channel, reason = "bounded by the protocol: one reply per request")]
fn c() {
    let _ = std::sync::mpsc::channel::<u8>();
}

fn d() {
    // leash: allow(unbounded_chanel) -- misspelt, so it suppresses nothing
    let _ = std::sync::mpsc::channel::<u8>();
}
