// leash-flags: -A concurrency -A fallback -A switching -A timeout -A budget
// Loops that handle events or wait for state, not retries (v2.0): each round
// reads the next frame, success goes round too (a poller that stops only on
// a later failure), the loop awaits a change notification, or the failure's
// value is returned. Each is next to a loop that is a retry and is reported.
use std::time::Duration;

type Res<T> = Result<T, String>;

async fn connect(_to: u16) -> Res<u32> {
    Ok(1)
}
async fn poll() -> Res<u32> {
    Ok(1)
}

// silent: one packet per round; a failed connect drops that packet
async fn relay(rd: &mut tokio::net::TcpStream) -> Res<()> {
    use tokio::io::AsyncReadExt;
    loop {
        let port = rd.read_u16().await.map_err(|e| e.to_string())?;
        match connect(port).await {
            Ok(conn) => forward(conn),
            Err(e) => eprintln!("dropping packet for {port}: {e}"),
        }
    }
}

fn forward(_conn: u32) {}

// silent: success publishes and goes round; only a closed channel returns
fn sample(tx: std::sync::mpsc::SyncSender<u32>) {
    loop {
        match futures::executor::block_on(poll()) {
            Ok(v) => match tx.try_send(v) {
                Ok(()) => {}
                Err(std::sync::mpsc::TrySendError::Full(_)) => {}
                Err(std::sync::mpsc::TrySendError::Disconnected(_)) => return,
            },
            Err(e) => eprintln!("poll failed: {e}"),
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

// silent: a closed permit source waits for the gate to change
async fn opened(rx: &mut tokio::sync::watch::Receiver<Option<std::sync::Arc<tokio::sync::Semaphore>>>) -> tokio::sync::OwnedSemaphorePermit {
    loop {
        let state = rx.borrow_and_update().clone();
        if let Some(sem) = state {
            match sem.acquire_owned().await {
                Ok(permit) => return permit,
                Err(_closed) => {}
            }
        }
        let _ = rx.changed().await;
    }
}

// silent: a failed scan is returned, not retried
async fn scan_once() -> Res<u32> {
    loop {
        let resp = poll().await;
        return match resp {
            Ok(v) => Ok(v),
            Err(e) => Err(e),
        };
    }
}

// reported: the connect is retried at once until it succeeds
async fn dial(port: u16) -> u32 {
    loop {
        match connect(port).await {
            Ok(conn) => return conn,
            Err(e) => eprintln!("connect failed: {e}"),
        }
    }
}

// silent: a strategy driven by hand paces an accept loop's error sleeps; the
// loop is an event loop, and the strategy never reaches a retry call
async fn serve(listener: tokio::net::TcpListener) {
    let mut backoff = backoff::ExponentialBackoff {
        max_elapsed_time: None,
        ..Default::default()
    };
    loop {
        match listener.accept().await {
            Ok((conn, _)) => {
                backoff::backoff::Backoff::reset(&mut backoff);
                drop(conn);
            }
            Err(e) => {
                if let Some(d) = backoff::backoff::Backoff::next_backoff(&mut backoff) {
                    eprintln!("accept failed: {e}, again in {d:?}");
                    tokio::time::sleep(d).await;
                }
            }
        }
    }
}

// reported: the same strategy handed to a retry function retries forever
fn reconnect_policy() -> backoff::ExponentialBackoff {
    backoff::ExponentialBackoff {
        max_elapsed_time: None,
        ..Default::default()
    }
}

async fn keep_connected() -> Res<u32> {
    backoff::future::retry(reconnect_policy(), || async {
        connect(1).await.map_err(backoff::Error::transient)
    })
    .await
}
