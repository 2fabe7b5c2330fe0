// leash-flags: -A concurrency -A fallback -A switching -A timeout -A budget
// Loops that go round after an error without retrying the same thing: a
// search whose input changes each round, a wait for newer state, a question
// to a person, a state machine whose operation idles in the new state, a
// recursion into a child value. Each sits beside a near miss that is a retry
// and is reported. Also: jitter of a delay computed by a function, and a
// retried operation on a local file.
use std::io;
use std::path::Path;
use std::time::Duration;

// silent: each round tries the next snapshot name (`{base}.snap{n}`)
async fn reserve_snapshot_dir(base: &str) -> io::Result<String> {
    for n in 0..64 {
        let name = format!("{base}.snap{n}");
        match tokio::fs::create_dir(&name).await {
            Ok(()) => return Ok(name),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other("every snapshot slot is used"))
}

// reported (no backoff): the same directory each round
async fn make_spool_dir(base: &str) -> io::Result<()> {
    for n in 0..64 {
        match tokio::fs::create_dir(base).await {
            Ok(()) => return Ok(()),
            Err(e) => eprintln!("round {n}: {e}"),
        }
    }
    Err(io::Error::other("no spool"))
}

// silent: each round asks a different mirror
async fn fetch_from_mirrors(mirrors: Vec<Mirror>) -> Option<Vec<u8>> {
    for mirror in mirrors.into_iter().take(4) {
        if let Ok(bytes) = mirror.download().await {
            return Some(bytes);
        }
    }
    None
}

// silent: the ticket id is drawn anew each round; the error says it is taken
struct Desk {
    tickets: Tickets,
}
impl Desk {
    async fn open_ticket_once(&self) -> Result<u64, DeskError> {
        let id = self.tickets.mint_ticket_id();
        self.tickets.register(id).await?;
        Ok(id)
    }
    async fn open_ticket(&self) -> Result<u64, DeskError> {
        for round in 1..=3 {
            match self.open_ticket_once().await {
                Ok(id) => return Ok(id),
                Err(DeskError::IdTaken) if round < 3 => {}
                Err(e) => return Err(e),
            }
        }
        Err(DeskError::Unavailable)
    }
}

// silent: an unknown table waits for a newer catalog before looking again
async fn table_handle(catalog: &Catalog, wanted: u64) -> Result<Table, LookupError> {
    let mut seen = catalog.version();
    loop {
        match catalog.open_table() {
            Ok(t) => return Ok(t),
            Err(LookupError::Unknown) => {}
            Err(e) => return Err(e),
        }
        if wanted > seen {
            seen = catalog.wait_for_version(wanted).await?;
        } else {
            return Err(LookupError::Unknown);
        }
    }
}

// silent: after a bad edit the user decides whether to edit again
fn edit_settings(path: &Path) -> Result<Settings, String> {
    loop {
        launch_editor(path)?;
        match load_settings(path) {
            Ok(s) => break Ok(s),
            Err(e) => {
                if !confirm("The file does not parse. Edit it again?") {
                    return Err(e);
                }
            }
        }
    }
}

// reported (unbounded, no backoff): nobody is asked, the same file is read again
fn reload_settings(path: &Path) -> Result<Settings, String> {
    loop {
        match load_settings(path) {
            Ok(s) => break Ok(s),
            Err(e) => eprintln!("{e}"),
        }
    }
}

// silent: a failed poll moves the wizard back to choosing, where polling idles
struct Wizard {
    stage: Stage,
    done: bool,
}
impl Wizard {
    async fn poll_device_login(&mut self) -> Result<(), String> {
        let Stage::Pairing { code } = &mut self.stage else {
            return Ok(());
        };
        code.check().await?;
        Ok(())
    }
    async fn run(&mut self) {
        while !self.done {
            if let Err(e) = self.poll_device_login().await {
                eprintln!("{e}");
                self.stage = Stage::Choosing;
            }
            self.done = self.read_key().is_some();
        }
    }
}

// silent: the recursion descends into the payload of an `Err` data value
fn flatten(v: Value) -> Result<Value, String> {
    match v {
        Value::Outcome(Err(v)) => {
            let inner = flatten(*v)?;
            Ok(Value::Outcome(Err(Box::new(inner))))
        }
        other => Ok(other),
    }
}

// reported (unbounded): the same request again after a failure
fn fetch_manifest(url: String) -> Result<Vec<u8>, String> {
    match http_get(&url) {
        Ok(b) => Ok(b),
        Err(_) => fetch_manifest(url),
    }
}

struct Pacing {
    base: Duration,
}
impl Pacing {
    // full jitter, drawn here
    fn pause_delay(&self, round: u32) -> Duration {
        let top = self.base * 2u32.pow(round);
        Duration::from_millis(fastrand::u64(0..=top.as_millis() as u64))
    }
}

// silent: the delay comes from `pause_delay`, which draws it at random
async fn publish(p: &Pacing, feed: &Feed) -> Result<(), String> {
    let mut round = 0;
    loop {
        match feed.publish().await {
            Ok(()) => return Ok(()),
            Err(e) => {
                round += 1;
                if round > 5 {
                    return Err(e);
                }
                let wait = p.pause_delay(round);
                tokio::time::sleep(wait).await;
            }
        }
    }
}

// reported (no jitter): a fixed pause towards a shared feed
async fn publish_fixed(feed: &Feed) -> Result<(), String> {
    for _ in 0..5 {
        match feed.publish().await {
            Ok(()) => return Ok(()),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    Err("gave up".into())
}

// silent by default (low): the retried operation opens a file on this machine
async fn open_journal(path: &str) -> Option<std::fs::File> {
    for _ in 0..3 {
        match std::fs::File::open(path) {
            Ok(f) => return Some(f),
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    None
}
