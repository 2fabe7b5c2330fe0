// leash-flags: -A retry -A fallback -A switching -A budget -A timeout -A unbounded_fan_out -A unbounded_channel
// A crate-local function that spawns its argument is a spawn wrapper; a call to
// a namesake that takes plain values, or to a function this file defines without
// spawning, is not.
fn run<F: FnOnce() + Send + 'static>(job: F) {
    std::thread::spawn(job);
}

mod io {
    pub fn read(_fd: &i32, _buf: &mut [u8]) -> usize {
        0
    }
}

fn copy(from: &str, to: String) -> usize {
    from.len() + to.len()
}

fn callers(requests: Vec<String>, fd: i32) {
    for item in requests.iter() {
        let item = item.clone();
        run(move || drop(item)); // wrapper: reported
    }
    let mut buf = [0u8; 8];
    loop {
        // plain values: not a task
        if io::read(&fd, &mut buf) == 0 {
            break;
        }
    }
    for item in requests.iter() {
        copy(item, item.to_uppercase()); // defined here, spawns nothing
    }
}
