// leash-flags: -A concurrency -A fallback -A switching -A timeout -A budget -A retry_without_jitter
// Not retries: the failure changes the operation's input (a bigger buffer, a
// new offset), a conversion, or stores the error in the state machine.
fn fill(_buf: &mut Vec<u8>) -> Result<usize, usize> {
    Ok(0)
}
fn grow_buffer() -> usize {
    let mut buf = Vec::new();
    loop {
        match fill(&mut buf) {
            Ok(n) => return n,
            Err(need) => buf.reserve(need),
        }
    }
}

fn scan(bytes: &[u8]) -> usize {
    let mut index = 0;
    loop {
        match std::str::from_utf8(&bytes[index..]) {
            Ok(_) => return index,
            Err(e) => index += e.valid_up_to() + 1,
        }
    }
}

enum St {
    Run,
    Failed(String),
}
fn step() -> Result<u32, String> {
    Ok(1)
}
fn machine() -> Result<u32, String> {
    let mut state = St::Run;
    loop {
        match state {
            St::Run => match step() {
                Ok(v) => return Ok(v),
                Err(e) => state = St::Failed(e),
            },
            St::Failed(e) => return Err(e),
        }
    }
}

// a lock-free queue that is full is contention, not a failure
struct Q;
impl Q {
    fn push(&self, _v: u32) -> Result<(), u32> {
        Ok(())
    }
}
fn full_queue(q: &Q) {
    while q.push(1).is_err() {}
}
