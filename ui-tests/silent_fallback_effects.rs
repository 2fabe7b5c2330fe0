// leash-flags: -A retry -A concurrency -A timeout -A switching
// v2.0: a fallback is reported by default only when the failing call's effect
// is in sight (I/O, a client, a lock, a process, a channel). The shapes at the
// end have no effect to hide and stay silent, even at low confidence.
use std::alloc::Layout;
use std::cell::Cell;
use std::fs;
use std::net::TcpStream;
use std::sync::{mpsc, Mutex};

// ---- reported: the operation that fails has an effect ----

fn motd(path: &str) -> String {
    match fs::read_to_string(path) {
        Ok(text) => text,
        Err(_) => String::from("welcome"),
    }
}

fn heartbeat(conn: &mut TcpStream, beats: &mut u64) {
    use std::io::Write;
    match conn.write_all(b"ping\n") {
        Ok(()) => *beats += 1,
        Err(_) => {}
    }
}

fn hits(counter: &Mutex<u64>) -> u64 {
    counter.lock().map(|n| *n).unwrap_or_else(|_| 0)
}

async fn balance(pool: &sqlx::PgPool, account: i64) -> i64 {
    sqlx::query_scalar("select balance from accounts where id = $1")
        .bind(account)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|_| 0)
}

fn publish(events: &mpsc::Sender<Event>, batch: Vec<Event>) -> usize {
    let mut sent = 0;
    for ev in batch {
        match events.send(ev) {
            Ok(()) => sent += 1,
            Err(_) => {}
        }
    }
    sent
}

struct Store {
    client: reqwest::Client,
}

impl Store {
    // The effect is one call down, in a method of the same type.
    async fn fetch(&self, key: &str) -> Result<String, reqwest::Error> {
        let resp = self.client.get(key).send().await?;
        resp.text().await
    }

    async fn cached(&self, key: &str) -> String {
        self.fetch(key).await.ok().unwrap_or_default()
    }

    async fn lookup(&self, key: &str) -> String {
        match self.fetch(key).await {
            Ok(v) => v,
            Err(_) => String::new(),
        }
    }
}

// ---- low: no effect in sight (shown with `--confidence low`) ----

fn load_limits(source: &Source) -> Limits {
    source.limits().unwrap_or_else(|_| Limits::default())
}

// A file-system query that falls back to the path it was given: the next
// operation on that path reports its own failure.
fn resolved(path: &std::path::Path) -> std::path::PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

// The same, the fallback reading on from the path given.
fn ancestors(path: &std::path::Path) -> Vec<std::path::PathBuf> {
    let resolved = path.canonicalize();
    let all: Vec<_> = match &resolved {
        Ok(p) => p.ancestors().map(|a| a.to_path_buf()).collect(),
        Err(_) => path.ancestors().map(|a| a.to_path_buf()).collect(),
    };
    all
}

// A probe of the kernel's state: a missing `/proc` or `/sys` file is the
// answer (the process is gone, the feature is off).
const LOCKDOWN_PATH: &str = "/sys/kernel/security/lockdown";

fn lockdown() -> String {
    std::fs::read_to_string(LOCKDOWN_PATH).unwrap_or_else(|_| "unknown".to_string())
}

fn stdin_of(pid: u32) -> String {
    match std::fs::read_link(format!("/proc/{pid}/fd/0")) {
        Ok(p) => p.display().to_string(),
        Err(..) => "/dev/null".to_string(),
    }
}

// Reported (near misses): a write to the kernel's state is a setting not
// applied; the path's text in place of the file's contents is not the path
// walked on.
fn enable_forwarding() -> usize {
    std::fs::write("/proc/sys/net/ipv4/ip_forward", "1").map(|_| 1).unwrap_or_else(|_| 0)
}

fn contents(path: &std::path::Path) -> String {
    match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(_) => path.display().to_string(),
    }
}

// Reported (near miss): a file of the program's own, not the kernel's.
fn settings() -> String {
    std::fs::read_to_string("/etc/app/settings.toml").unwrap_or_else(|_| String::new())
}

// ---- never reported: nothing is hidden ----

thread_local! {
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

fn depth() -> u32 {
    // The thread is shutting down: there is no depth to read.
    DEPTH.try_with(|d| d.get()).unwrap_or_else(|_| 0)
}

fn table_layout(rows: usize) -> Layout {
    Layout::array::<u64>(rows).unwrap_or_else(|_| Layout::new::<u64>())
}

fn grown(base: Layout, tail: Layout) -> Layout {
    match base.extend(tail) {
        Ok((whole, _offset)) => whole,
        Err(_) => base,
    }
}

fn port_of(settings: &Settings) -> i64 {
    settings.get_int("port").unwrap_or_else(|_| 8080)
}

fn cell_offset(grid: &Grid, at: Pos) -> usize {
    grid.offset_of(at).unwrap_or_else(|_| 0)
}

fn open_either(primary: &str, spare: &str) -> std::io::Result<fs::File> {
    // Both fail: the spare's error reaches the caller.
    fs::File::open(primary).or_else(|_| fs::File::open(spare))
}

fn connect_either(a: &str, b: &str) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect(a).or_else(|_| TcpStream::connect(b))?;
    Ok(stream)
}

fn read_either(a: &str, b: &str) -> std::io::Result<String> {
    match fs::read_to_string(a) {
        Ok(text) => Ok(text),
        Err(_) => fs::read_to_string(b),
    }
}

#[no_mangle]
pub extern "C" fn flush_log(path: *const u8) -> i32 {
    // A C status: the caller reads 0 as "failed".
    match fs::write(to_path(path), b"") {
        Ok(()) => 1,
        Err(_) => 0,
    }
}

fn scratch(len: usize) -> *mut u8 {
    match fs::File::create("/tmp/scratch") {
        Ok(f) => map(f, len),
        Err(_) => std::ptr::null_mut(),
    }
}

fn peer_port(conn: &TcpStream, state: &mut Probe) -> u16 {
    match conn.peer_addr() {
        Ok(addr) => addr.port(),
        Err(_) => {
            // Recorded: later code reads the flag.
            state.peer_unknown = true;
            0
        }
    }
}
