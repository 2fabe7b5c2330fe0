// leash-flags: -A concurrency -A fallback -A switching -A timeout -A budget
// Loops that go round again after an error but are not retries (v2.0: the
// input changes, panic isolation, a repair whose failure leaves, a state
// machine that moves on, a failure that leaves later), each next to a loop
// that is one and is reported.
use std::path::{Path, PathBuf};
use std::time::Duration;

type Res<T> = Result<T, String>;

fn create_new(_p: &Path) -> Res<u32> {
    Ok(1)
}
fn random_suffix() -> u64 {
    rand::random()
}
fn unique_name(prefix: &str) -> String {
    format!("{prefix}-{}", random_suffix())
}

// silent: each attempt tries a fresh random name (a search)
fn temp_file(dir: &Path) -> Res<u32> {
    for _ in 0..8 {
        let path = dir.join(unique_name("tmp"));
        match create_new(&path) {
            Ok(f) => return Ok(f),
            Err(_) => continue,
        }
    }
    Err("no free name".into())
}

// reported (no backoff): the same name again and again
fn fixed_file(dir: &Path) -> Res<u32> {
    for _ in 0..8 {
        let path = dir.join("lock");
        match create_new(&path) {
            Ok(f) => return Ok(f),
            Err(_) => continue,
        }
    }
    Err("busy".into())
}

fn list_into(_buf: &mut [u16], _needed: &mut usize) -> Res<()> {
    Ok(())
}

// silent: the buffer grows to the size the failure asked for
fn list_names() -> Vec<u16> {
    let mut buf = vec![0u16; 64];
    let mut needed = 0;
    loop {
        let listed = list_into(buf.as_mut_slice(), &mut needed);
        let outcome = listed.map_err(|e| e.len());
        match outcome {
            Ok(()) => return buf,
            Err(_) => buf = vec![0u16; needed],
        }
    }
}

// silent: walks up to the first ancestor that exists
fn existing_ancestor(mut dir: PathBuf) -> PathBuf {
    while std::fs::metadata(&dir).is_err() {
        dir = dir.parent().map(Path::to_path_buf).unwrap_or_default();
    }
    dir
}

fn run_executor() {}

// silent: panic isolation re-entering the executor
fn executor_thread() {
    loop {
        if std::panic::catch_unwind(run_executor).is_ok() {
            break;
        }
    }
}

fn hard_link(_a: &Path, _b: &Path) -> std::io::Result<()> {
    Ok(())
}

// silent: the repair (`create_dir_all(..)?`) leaves when it fails
fn link(a: &Path, b: &Path) -> std::io::Result<()> {
    loop {
        match hard_link(a, b) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(b.parent().unwrap_or(b))?;
            }
            Err(e) => return Err(e),
        }
    }
}

fn query() -> Res<u32> {
    Ok(1)
}
fn refresh_token() {}

// silent: re-sent once after a refresh, a second failure leaves
fn query_once_more() -> Res<u32> {
    let mut refreshed = false;
    loop {
        match query() {
            Ok(v) => return Ok(v),
            Err(e) => {
                if refreshed {
                    return Err(e);
                }
                refreshed = true;
                refresh_token();
            }
        }
    }
}

// silent: a failed page leaves through the `match` on the value the first
// `match` produced
fn forward_pages(pages: &std::sync::mpsc::Sender<u32>) -> Res<()> {
    loop {
        let page = match query() {
            Ok(0) => return Ok(()),
            Ok(p) => Ok(p),
            Err(e) => Err(e),
        };
        match page {
            Ok(p) => {
                let _ = pages.send(p);
            }
            Err(e) => {
                eprintln!("page failed: {e}");
                return Err(e);
            }
        }
    }
}

// reported: the failure is only logged, and the query goes again at once
fn forward_pages_again(pages: &std::sync::mpsc::Sender<u32>) -> Res<()> {
    loop {
        let page = match query() {
            Ok(0) => return Ok(()),
            Ok(p) => Ok(p),
            Err(e) => Err(e),
        };
        match page {
            Ok(p) => {
                let _ = pages.send(p);
            }
            Err(e) => eprintln!("page failed: {e}"),
        }
    }
}

struct Producer {
    open: bool,
}

impl Producer {
    fn reopen(&self) -> Res<()> {
        Ok(())
    }
    // waits before every attempt
    fn recreate(&self) -> Res<()> {
        std::thread::sleep(Duration::from_millis(100));
        self.reopen()
    }
    // reported (unbounded), but not as a hot retry: `recreate` waits first
    fn reconnect(&self) {
        loop {
            match self.recreate() {
                Ok(()) => break,
                Err(e) => eprintln!("could not re-create the producer: {e}"),
            }
        }
        let _ = self.open;
    }
}

struct Listener;
struct Conn;
impl Listener {
    fn accept(&self) -> std::io::Result<Conn> {
        Ok(Conn)
    }
}
impl Conn {
    fn read_connect(&mut self) -> Res<u32> {
        Ok(1)
    }
}
fn serve(_c: Conn, _id: u32) {}

// silent: an accept loop; a failed handshake moves on to the next connection
fn accept_peers(listener: &Listener) {
    loop {
        let Ok(mut conn) = listener.accept() else {
            continue;
        };
        let id = match conn.read_connect() {
            Ok(id) => id,
            Err(_) => {
                std::thread::sleep(Duration::from_secs(1));
                continue;
            }
        };
        serve(conn, id);
    }
}

struct Manager;
impl Manager {
    fn connect(_addr: &str) -> Res<Manager> {
        Ok(Manager)
    }
    fn report(&mut self) -> Res<()> {
        Ok(())
    }
}

// silent: reports every ten seconds, reconnecting each time (a schedule)
fn report_stats(addr: &str) {
    loop {
        match Manager::connect(addr) {
            Ok(mut m) => {
                let _ = m.report();
            }
            Err(e) => eprintln!("manager unreachable: {e}"),
        }
        std::thread::sleep(Duration::from_secs(10));
    }
}

// Not a retry: a rate limiter answers "not until", and the loop waits for
// exactly the time the answer names before it asks again (readiness, as
// with `WouldBlock`).
async fn until_ready(limiter: &RateLimiter, clock: &Clock) {
    loop {
        match limiter.check() {
            Ok(()) => return,
            Err(not_until) => {
                let wait = not_until.wait_time_from(clock.now());
                tokio::time::sleep(wait).await;
            }
        }
    }
}

// Still a retry: the wait does not come from the failure.
async fn until_sent(client: &Client, msg: &Msg) {
    loop {
        match client.send(msg).await {
            Ok(()) => return,
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

// Silent: each failure takes the server it failed on out of the routing
// table, and the selection leaves when none is left: a failover pass.
pub async fn connection(&self, servers: &[Server]) -> Result<Conn, Error> {
    loop {
        let server = match self.select(servers) {
            Some(s) => s,
            None => return Err(Error::NoServer),
        };
        match self.pool_of(&server).get().await {
            Ok(conn) => return Ok(conn),
            Err(e) => {
                warn!("server {server:?} failed: {e}");
                self.registry.mark_unavailable(&server);
                continue;
            }
        }
    }
}

// Reported: the failed server is marked, but the pick never comes up empty
// and nothing leaves when every server is marked.
pub async fn any_connection(&self, servers: &[Server]) -> Result<Conn, Error> {
    loop {
        let server = self.pick(servers);
        match self.pool_of(&server).get().await {
            Ok(conn) => return Ok(conn),
            Err(_) => {
                self.registry.mark_unavailable(&server);
                continue;
            }
        }
    }
}

// Silent: the failure hands back the value to work on next (each error
// carries a less precise duration): an in-memory search, not a retry.
pub fn deep_recover(first: ConversionError) -> Duration {
    let mut err = first;
    loop {
        match err.recover() {
            Ok(duration) => return duration,
            Err(e) => err = e,
        }
    }
}

// Reported: a fresh connection is the same target; the query is retried.
pub fn query_until_done(mut conn: Conn) -> Rows {
    loop {
        match conn.query() {
            Ok(rows) => return rows,
            Err(_) => conn = Conn::open(),
        }
    }
}
