//! The retry model on small sources: each shape that is not a retry next to
//! the near miss that is one.

use super::*;

/// Runs `f` on the context of `src`, its standard macros expanded as the
/// driver does.
fn with_context<R>(src: &str, f: impl FnOnce(&FileContext) -> R) -> R {
    let mut file: syn::File = syn::parse_str(src).expect("parses");
    crate::expand::expand_expr_macros(&mut file);
    let imports = crate::imports::Imports::collect(&file);
    let policy = crate::context::Policy::default();
    let memo = crate::context::Memo::default();
    f(&FileContext::new(
        "t.rs", src, &file, &imports, &policy, &memo,
    ))
}

/// The retry loops of `src`, as the lints see them.
fn loops(src: &str) -> Vec<RetryLoop> {
    with_context(src, |cx| retry_loops(cx).to_vec())
}

fn one(src: &str) -> RetryLoop {
    let mut l = loops(src);
    assert_eq!(l.len(), 1, "expected one retry loop in {src}: {l:#?}");
    l.remove(0)
}

fn none(src: &str) {
    let l = loops(src);
    assert!(l.is_empty(), "expected no retry loop in {src}: {l:#?}");
}

// (a) the input changes between attempts

#[test]
fn growing_buffer_is_not_a_retry() {
    none("fn f() -> usize { let mut buf = Vec::new(); loop { match fill(&mut buf) { Ok(n) => return n, Err(need) => buf.resize(need, 0) } } }");
    let l = one("fn f() -> usize { let mut buf = Vec::new(); loop { match fill(&mut buf) { Ok(n) => return n, Err(e) => log(e) } } }");
    assert_eq!(l.ops, ["fill"]);
}

#[test]
fn buffer_reached_through_locals_is_an_input() {
    // `code` holds `call(..)`'s result, `call` reads `buf`.
    none("fn f() { let mut buf = vec![0; 8]; let mut size = 0; loop { let r = call(buf.as_mut_slice(), &mut size); let code = r.map_err(|_| last()); match code { Ok(()) => break, Err(_) => { buf = vec![0; size]; } } } }");
    let l = one("fn f() { let mut buf = vec![0; 8]; let mut other = 0; loop { let r = call(buf.as_mut_slice()); let code = r.map_err(|_| last()); match code { Ok(()) => break, Err(_) => { other = 1; } } } }");
    assert_eq!(
        l.ops,
        ["call"],
        "named through the locals, not `code` or `map_err`"
    );
}

#[test]
fn stepped_receiver_is_a_search() {
    none("fn f(mut dir: &Path) { while dir.symlink_metadata().is_err() { dir = dir.parent().unwrap(); } }");
    // Replacing the client is a reconnect: the same request again.
    one("fn f(mut client: Client) -> R { loop { match client.send() { Ok(r) => return r, Err(_) => client = Client::new() } } }");
}

#[test]
fn random_input_is_a_search() {
    none("fn f() -> Result<L, E> { for _ in 0..150 { let port = fastrand::u16(1024..); match bind(port) { Ok(l) => return Ok(l), Err(_) => continue } } Err(E) }");
    none("fn name() -> String { format!(\"{}\", rand()) } fn f(base: &Path) -> Result<F, E> { for _ in 0..10 { let path = base.join(name()); match create(&path) { Ok(f) => return Ok(f), Err(_) => continue } } Err(E) }");
    one("fn f() -> Result<L, E> { for _ in 0..150 { let port = 8080; match bind(port) { Ok(l) => return Ok(l), Err(_) => continue } } Err(E) }");
}

#[test]
fn changes_on_success_or_flags_are_not_input_changes() {
    // `dispatch(&mut conn)` runs after success; `first = false` flips once.
    let l = one("fn f(mut conn: Conn) { let mut first = true; loop { let fast = !first; let (info, s) = conn.connect(fast)?; if reconnect(info, s).is_ok() { dispatch(&mut conn); return; } first = false; } }");
    assert_eq!(l.ops, ["reconnect"]);
}

// (b) panic isolation

#[test]
fn catch_unwind_is_panic_isolation() {
    none("fn f() { loop { if std::panic::catch_unwind(|| run()).is_ok() { break; } } }");
    none("async fn f() { loop { if AssertUnwindSafe(run()).catch_unwind().await.is_ok() { break; } } }");
    one("fn f() { loop { if run().is_ok() { break; } } }");
}

#[test]
fn wrappers_are_looked_through_for_the_name() {
    let l = one("async fn f() { loop { if let Err(e) = Box::pin(reconnect_once(inner)).await { log(e); continue; } else { break; } } }");
    assert_eq!(l.ops, ["reconnect_once"]);
    let l = one("async fn f() { loop { let r = fetch(&q).instrument(span.clone()).await; match r { Ok(p) => return p, Err(_) => {} } } }");
    assert_eq!(l.ops, ["fetch"]);
    // A retried status is named after the request it reads.
    let l = one("async fn f() { loop { let response = client.send(req.clone()).await; let code = response.status(); if code == StatusCode::TOO_MANY_REQUESTS { sleep(D).await; continue; } return response; } }");
    assert_eq!(l.ops, ["send"]);
    // A result leash cannot trace to a call is not named after its variable.
    none("fn f(res: Result<(), E>) { loop { match res { Ok(()) => break, Err(_) => {} } } }");
}

// (c) corrective re-attempts

#[test]
fn repair_whose_failure_leaves_is_not_a_retry() {
    none("fn f(a: &Path, b: &Path) -> io::Result<()> { loop { match hard_link(a, b) { Ok(()) => return Ok(()), Err(e) if e.kind() == NotFound => create_dir_all(b.parent().unwrap())?, Err(e) => return Err(e) } } }");
    one("fn f(a: &Path, b: &Path) -> io::Result<()> { loop { match hard_link(a, b) { Ok(()) => return Ok(()), Err(e) if e.kind() == NotFound => { create_dir_all(b.parent().unwrap()).ok(); } Err(e) => return Err(e) } } }");
    // The error handed to the repair is still a repair; the error itself is not.
    none("fn f(a: &Path, b: &Path) -> Result<(), E> { loop { match link(a, b) { Ok(()) => return Ok(()), Err(source) => make_parents(b, source)? } } }");
    one("fn f(a: &Path, b: &Path) -> Result<(), E> { loop { match link(a, b) { Ok(()) => return Ok(()), Err(source) => { warn(&source); wrap(source).ok(); } } } }");
    // A repair whose failure returns (advance the stream, or give up).
    none("fn f(s: &mut S) -> R { loop { match parse(s.rest()) { Ok(v) => return v, Err(_) => { if s.uncons().is_err() { return R::Eof; } } } } }");
}

#[test]
fn a_question_mark_on_the_policy_is_a_bound_not_a_repair() {
    let l = one("fn f(mut b: Backoff) -> Result<(), E> { loop { match op() { Ok(()) => return Ok(()), Err(e) => { let d = b.next_backoff().ok_or(e)?; sleep(d); } } } }");
    assert!(l.bound.is_bounded());
}

#[test]
fn once_flag_is_not_a_retry() {
    none("fn f() -> Result<V, E> { let mut retried = false; loop { match op() { Ok(v) => return Ok(v), Err(e) => { if retried { return Err(e); } retried = true; fix(); } } } }");
    one("fn f() -> Result<V, E> { loop { match op() { Ok(v) => return Ok(v), Err(e) => { if e.is_fatal() { return Err(e); } fix(); } } } }");
}

// (d) state machines

const MACHINE: &str = "enum S { Idle, Connecting(F), Connected(C) }
impl R {
    fn poll_ready(&mut self, cx: &mut Cx) -> Poll<Result<(), E>> {
        loop {
            match &mut self.state {
                S::Idle => { IDLE }
                S::Connecting(f) => match f.poll(cx) {
                    Poll::Ready(Ok(c)) => self.state = S::Connected(c),
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Err(e)) => { self.error = Some(e); break; }
                },
                S::Connected(inner) => match inner.poll_ready(cx) {
                    Poll::Ready(Ok(())) => return Poll::Ready(Ok(())),
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Err(_)) => self.state = S::Idle,
                },
            }
        }
        Poll::Ready(Ok(()))
    }
}";

#[test]
fn failure_moving_to_a_state_that_does_not_reissue_is_not_a_retry() {
    // Idle reconnects (its failure leaves through `?`) instead of polling again.
    none(&MACHINE.replace(
        "IDLE",
        "self.maker.poll_ready(cx)?; self.state = S::Connecting(self.maker.make()); continue;",
    ));
    // Idle goes straight back to a connected state: the poll is retried.
    let l = one(&MACHINE.replace("IDLE", "self.state = S::Connected(C::default());"));
    assert_eq!(l.ops, ["poll_ready"]);
}

#[test]
fn recursion_after_a_state_change_is_not_a_retry() {
    let src = "impl W {
        fn restart(&mut self) { self.state = St::Restarting(self.factory.create()); }
        fn poll(&mut self, cx: &mut Cx) -> Poll<()> {
            match self.state {
                St::Idle => match self.check(cx) {
                    Ok(()) => Poll::Pending,
                    Err(_) => { RECOVER self.poll(cx) }
                },
                St::Restarting(ref mut fut) => {
                    let svc = fut.poll(cx).unwrap_or_else(|_| panic!(\"cannot restart\"));
                    self.state = St::Idle;
                    self.poll(cx)
                }
            }
        }
    }";
    assert_eq!(
        recursive_retries(&src.replace("RECOVER", "self.restart();")),
        0
    );
    assert_eq!(recursive_retries(&src.replace("RECOVER", "")), 1);
}

/// `unbounded_retry` findings of the recursive-retry model in `src`.
fn recursive_retries(src: &str) -> usize {
    with_context(src, |cx| {
        let mut sink = crate::Sink::default();
        crate::rules::unbounded_retry::check_library(cx, &mut sink);
        sink.findings.len()
    })
}

#[test]
fn recursion_into_the_payload_of_a_data_value_is_structural() {
    // `Err(v)` here is a value's variant; `lift(v)` lifts its child.
    let data = "fn lift(v: Val) -> Result<Val, E> { match v { Val::Result(r) => match r { Ok(v) => lift(*v), Err(v) => { let v = lift(*v)?; Ok(Val::Result(Err(Box::new(v)))) } }, other => Ok(other) } }";
    assert_eq!(recursive_retries(data), 0);
    // Near miss: the same arguments again after a failed call.
    let retry = "fn fetch(url: Url) -> Result<Body, E> { match get(&url) { Ok(b) => Ok(b), Err(_) => fetch(url) } }";
    assert_eq!(recursive_retries(retry), 1);
    // Near miss: a parameter recomputed by a `let` is no child value.
    let capped = "fn spawn_connect(delay: Duration, pool: &Pool) { match pool.connect() { Ok(c) => pool.add(c), Err(_) => { let delay = (delay * 2).min(CAP); spawn_connect(delay, pool) } } }";
    assert_eq!(recursive_retries(capped), 1);
}

// (e) a failure that leaves later

#[test]
fn failure_value_that_a_later_statement_leaves_on() {
    none("fn f() -> Result<V, E> { loop { let r = match fetch() { Ok(v) => return Ok(v), Err(e) => Err(e) }; if let Err(e) = r { report(&e); return Err(e); } } }");
    one("fn f() -> Result<V, E> { loop { let r = match fetch() { Ok(v) => return Ok(v), Err(e) => Err(e) }; if let Err(e) = r { report(&e); } } }");
}

// bounds and delays followed into the file's own functions

#[test]
fn bound_in_a_helper_of_the_file() {
    let policy = "impl P { fn pause(&mut self) -> Option<u64> { PAUSE } }
        impl C { fn run(&mut self) -> Result<(), E> { loop { match op() { Ok(()) => return Ok(()), Err(e) => { let Some(ms) = self.policy.pause() else { return Err(e) }; sleep(ms); } } } } }";
    let bounded = one(&policy.replace(
        "PAUSE",
        "if self.tries >= self.max { return None; } self.tries += 1; Some(100)",
    ));
    assert!(bounded.bound.is_bounded(), "{bounded:?}");
    let open = one(&policy.replace("PAUSE", "Some(self.ms)"));
    assert_eq!(open.bound, Bound::None);
}

#[test]
fn operation_that_gives_up_by_itself_bounds_the_loop() {
    let src = "impl C {
        fn try_connect(&mut self) -> Result<Conn, E> { GIVE_UP connect(&self.addr) }
        fn connect(&mut self) -> Result<Conn, E> {
            loop { match self.try_connect() { Ok(c) => return Ok(c), Err(e) if e.is_max() => return Err(e), Err(_) => {} } }
        }
    }";
    let bounded = one(&src.replace(
        "GIVE_UP",
        "self.attempts += 1; if self.attempts > self.max { return Err(E::Max); }",
    ));
    assert_eq!(bounded.bound, Bound::Policy);
    assert_eq!(one(&src.replace("GIVE_UP", "")).bound, Bound::None);
}

#[test]
fn operation_that_waits_first_is_not_hot() {
    let src = "impl P {
        async fn recreate(&self) -> Result<(), E> { WAIT self.reopen().await }
        async fn reconnect(&self) { loop { match self.recreate().await { Ok(()) => break, Err(e) => warn(e) } } }
    }";
    let l = one(&src.replace("WAIT", "self.pause().await;"));
    assert_eq!(l.failure_paths[0].hot, Some(l.failure_paths[0].span));
    let waits = "async fn pause(&self) { tokio::time::sleep(D).await; }";
    let l = one(&src
        .replace("WAIT", "self.pause().await;")
        .replace("impl P {", &format!("impl P {{ {waits}")));
    assert_eq!(
        l.failure_paths[0].hot, None,
        "`recreate` waits through `pause`"
    );
    assert_eq!(l.failure_paths[0].waits_in.as_deref(), Some("recreate"));
    // A sleep in a future raced against another is part of the operation.
    let raced = "let a = async { sleep(D).await; tcp().await }; select(a, udp()).await?;";
    let l = one(&src.replace("WAIT", raced));
    assert!(l.failure_paths[0].hot.is_some());
}

#[test]
fn conditional_delay_counts_for_the_whole_path() {
    let l = one("fn f() { loop { match op() { Ok(()) => break, Err(e) => match e.kind() { Busy => sleep(D), _ => {} } } } }");
    assert_eq!(l.failure_paths[0].hot, None);
    // Two `Err` arms of one `match` are two branches of one path.
    let l = one("fn f(busy: bool) { loop { match op() { Ok(()) => break, Err(_) if busy => sleep(D), Err(_) => {} } } }");
    assert!(l.failure_paths.iter().all(|p| p.hot.is_none()), "{l:?}");
    let l = one("fn f() { loop { match op() { Ok(()) => break, Err(_) => {} } } }");
    assert!(l.failure_paths[0].hot.is_some());
}

#[test]
fn compare_exchange_wrapper_of_the_file_is_contention() {
    none("impl Q { fn pop_internal(&self) -> Result<Option<T>, ()> { match self.next() { Some(n) => self.head.compare_exchange(h, n).map(|_| Some(n)).map_err(|_| ()), None => Ok(None) } }
         fn try_pop(&self) -> Option<T> { loop { if let Ok(h) = self.pop_internal() { return h; } } } }");
    one(
        "impl Q { fn write_all(&self) -> Result<(), E> { self.conn.lock().unwrap().write(b) }
         fn send(&self) { loop { if let Ok(()) = self.write_all() { return; } } } }",
    );
}

// jitter

#[test]
fn single_local_peer() {
    let src = "fn f() { loop { match TcpStream::connect(ADDR) { Ok(s) => return s, Err(_) => sleep(Duration::from_millis(100)) } } }";
    assert!(one(&src.replace("ADDR", "\"127.0.0.1:9000\"")).local_peer);
    assert!(!one(&src.replace("ADDR", "\"db.internal:5432\"")).local_peer);
    // A signal to a process, a Unix-domain address: this machine.
    let signal = "fn f(pid: Pid) { loop { match send_signal(pid, libc::SIGUSR1) { Ok(()) => return, Err(_) => sleep(D) } } }";
    assert!(one(signal).local_peer);
    let unix = "fn f(fd: Fd, path: &str) { let addr = UnixAddr::new(path); loop { match socket::connect(fd, &addr) { Ok(_) => return, Err(_) => sleep(D) } } }";
    assert!(one(unix).local_peer);
    // Near miss: a signaling server is remote.
    let remote = "fn f(signaling: Url) { loop { match connect_signaling(&signaling) { Ok(_) => return, Err(_) => sleep(D) } } }";
    assert!(!one(remote).local_peer);
}

// event loops and schedules

#[test]
fn accept_loop_serves_connections() {
    // A failed handshake on an accepted connection moves on to the next one.
    none("async fn f(l: Listener) { loop { let (s, _) = l.accept().await.unwrap(); let mut n = Net::new(s); let id = match n.read_connect().await { Ok(c) => c, Err(_) => { sleep(D).await; continue; } }; serve(id); } }");
    none("fn f(l: Listener) { loop { let Ok(mut c) = l.accept() else { continue }; let id = match c.read_connect() { Ok(id) => id, Err(_) => continue }; serve(c, id); } }");
    // Retrying the accept itself until it succeeds is a retry.
    let l = one("async fn f(l: Listener) -> S { loop { match l.accept().await { Ok(s) => return s, Err(e) => log(e) } } }");
    assert_eq!(l.ops, ["accept"]);
}

#[test]
fn periodic_reconnect_is_a_schedule() {
    // Reconnects every 10 s whether the last report worked or not.
    none("async fn f() { loop { match Manager::connect(&addr).await { Err(e) => log(e), Ok(mut c) => { c.report().await; } } sleep(Duration::from_secs(10)).await; } }");
    // Waits only after a failure: a reconnect supervisor.
    let l = one("async fn f() { loop { match Manager::connect(&addr).await { Err(e) => { log(e); sleep(Duration::from_secs(10)).await; } Ok(mut c) => { c.run().await; } } } }");
    assert_eq!(l.kind, LoopKind::ReconnectSupervisor);
}

#[test]
fn full_channel_is_readiness() {
    none("fn f(s: &S, mut msg: M) { loop { match s.try_broadcast(msg) { Ok(_) => return, Err(TrySendError::Full(m)) => { msg = m; wait(); } Err(_) => return } } }");
    one("fn f(s: &S, msg: M) { loop { match s.broadcast(msg.clone()) { Ok(_) => return, Err(_) => wait() } } }");
}

#[test]
fn retry_policy_delay_and_guard() {
    // `policy.next_delay()` returning `None` is a bound.
    let l = one("fn f(p: &mut P) -> Result<(), E> { loop { match op() { Ok(()) => return Ok(()), Err(e) => { let Some(d) = p.next_delay() else { return Err(e) }; sleep(d); } } } }");
    assert_eq!(l.bound, Bound::Policy);
    // An awaited retry policy in the arm's guard waits.
    let l = one("async fn f(r: &mut R) -> Result<(), E> { loop { match op().await { Ok(()) => return Ok(()), Err(e) if r.should_retry(&e).await => continue, Err(e) => return Err(e) } } }");
    assert!(l.failure_paths.iter().all(|p| p.hot.is_none()), "{l:?}");
    let l = one("async fn f(r: &mut R) -> Result<(), E> { loop { match op().await { Ok(()) => return Ok(()), Err(e) if r.is_transient(&e) => continue, Err(e) => return Err(e) } } }");
    assert!(l.failure_paths[0].hot.is_some());
}

#[test]
fn delay_inside_select() {
    let l = one("async fn f(rx: Rx) { loop { match establish().await { Ok(c) => return c, Err(e) => log(e) } tokio::select! { _ = tokio::time::sleep_until(next) => (), r = rx.recv() => handle(r), } } }");
    assert_eq!(l.failure_paths[0].hot, None);
    assert_eq!(l.delays()[0].name, "sleep_until");
    let l = one("async fn f(rx: Rx) { loop { match establish().await { Ok(c) => return c, Err(e) => log(e) } tokio::select! { r = rx.recv() => handle(r), } } }");
    assert!(l.failure_paths[0].hot.is_some());
}

// (b) loops that handle events, not attempts

#[test]
fn framed_read_at_the_head_is_an_event_loop() {
    // Each round reads the next packet; a failed connect drops that packet.
    none("async fn f(rd: &mut R) -> Result<(), E> { loop { let len = rd.read_u8().await?; let p = read_packet(rd, len).await?; match connect(p.to).await { Ok(s) => { spawn(forward(s)); } Err(e) => { log(e); } } } }");
    // Near miss: the same connect with nothing read per round.
    let l = one("async fn f(to: Addr) -> Result<(), E> { loop { match connect(to).await { Ok(s) => { run(s).await; } Err(e) => { log(e); } } } }");
    assert_eq!(l.kind, LoopKind::ReconnectSupervisor);
    assert!(is_framed_read("read_u32_le") && is_framed_read("read_exact"));
    assert!(!is_framed_read("read_config") && !is_framed_read("read_u"));
}

#[test]
fn exit_under_a_later_failure_is_not_success_leaving() {
    // A poller publishes and goes round; only a closed channel ends it.
    none("fn f(tx: Tx) { loop { match poll() { Ok(v) => match tx.try_send(v) { Ok(()) => {} Err(Closed) => return }, Err(e) => log(e) } } }");
    none("fn f(tx: Tx) { loop { match poll() { Ok(v) => { if let Err(_) = tx.send(v) { return; } } Err(e) => log(e) } } }");
    // Near miss: success itself returns.
    one("fn f(tx: Tx) { loop { match poll() { Ok(v) => match tx.try_send(v) { Ok(()) => return, Err(_) => {} }, Err(e) => log(e) } } }");
}

#[test]
fn waiting_for_a_state_change_is_not_a_retry() {
    none("async fn f(rx: &mut Watch) -> Permit { loop { let s = rx.borrow().clone(); match s.acquire().await { Ok(p) => return p, Err(_closed) => {} } rx.changed().await; } }");
    // Near miss: the notification only races a sleep (a shutdown signal).
    one("async fn f(rx: &mut Watch) -> Permit { loop { match acquire().await { Ok(p) => return p, Err(_) => {} } select! { _ = rx.changed() => {}, _ = sleep(D) => {} } } }");
}

#[test]
fn returned_failure_is_not_retried() {
    none("async fn f() -> Result<R, E> { loop { let r = scan().await; return match r { Ok(v) => Ok(v), Err(e) => Err(e) }; } }");
    // Near miss: the failure arm falls through to the next round.
    let l = one("async fn f() -> Result<R, E> { loop { let r = scan().await; match r { Ok(v) => return Ok(v), Err(e) => log(e) } } }");
    assert_eq!(l.ops, ["scan"]);
}

#[test]
fn handed_back_input_is_sent_for_the_first_time() {
    // A pool race returns the unsent request; the loop sends it now.
    none("async fn f(mut request: Req) -> Result<R, E> { loop { match pool.call(request).await { Ok(r) => return Ok(r), Err(ConnError::Error(e)) => return Err(e), Err(ConnError::PermitReclaimed(req)) => { request = req; } } } }");
    // Near miss: the same request again after a real failure.
    one("async fn f(request: Req) -> Result<R, E> { loop { match pool.call(request.clone()).await { Ok(r) => return Ok(r), Err(e) => { log(e); } } } }");
}

#[test]
fn lost_compare_and_set_is_contention() {
    none("async fn f(s: Store) -> Result<i64, E> { loop { let (rev, cur) = s.entry().await?; match s.update(cur + 1, rev).await { Ok(_) => return Ok(cur + 1), Err(e) if e.kind() == UpdateErrorKind::WrongLastRevision => continue, Err(e) => return Err(e) } } }");
    // Near miss: any error goes round.
    one("async fn f(s: Store) -> Result<i64, E> { loop { let (rev, cur) = s.entry().await?; match s.update(cur + 1, rev).await { Ok(_) => return Ok(cur + 1), Err(e) => continue } } }");
}

// searches whose input changes each round

#[test]
fn input_built_from_the_attempt_counter_is_a_search() {
    // Each round tries the next name suffix.
    none("async fn f(dir: &str) -> Result<String, E> { for attempt in 0..1000 { let candidate = format!(\"{dir}.old.{attempt}\"); match create_dir(&candidate).await { Ok(()) => return Ok(candidate), Err(e) if e.kind() == AlreadyExists => {} Err(e) => return Err(e) } } Err(E) }");
    // Each round solves a larger problem.
    none("fn f(base: &Problem) -> Option<S> { for attempt in 0..MAX { let scaled = inflate(base, attempt); if let Ok(s) = solve(&scaled) { return Some(s); } } None }");
    // Near miss: the counter itself is only handed over (for a log line).
    one("async fn f(dir: &str) -> Result<(), E> { for attempt in 0..5 { match create_dir(dir, attempt).await { Ok(()) => return Ok(()), Err(e) => log(e) } } Err(E) }");
    // Near miss: a timeout computed from the counter is the retry's budget.
    one("async fn f(req: &Req) -> Result<R, E> { for attempt in 0..5 { let timeout = BASE * attempt; match send(req, timeout).await { Ok(r) => return Ok(r), Err(e) => log(e) } } Err(E) }");
}

#[test]
fn next_target_of_an_iterator_is_a_failover_pass() {
    none("async fn f(nodes: Nodes) -> Option<V> { for mut client in nodes.take(6) { if let Ok(v) = client.get_kv(req.clone()).await { return Some(v); } else { log(); } } None }");
    // Near miss: `.cycle()` brings the same replicas round again.
    one("async fn f(replicas: Vec<String>) -> String { for replica in replicas.iter().cycle() { let url = format!(\"{replica}/quote\"); match get(&url).await { Ok(r) => return r, Err(e) => log(e) } } String::new() }");
    // Near miss: the same client each round.
    one("async fn f(client: Client) -> Option<V> { for _ in (0..6).take(6) { if let Ok(v) = client.get_kv(req.clone()).await { return Some(v); } else { log(); } } None }");
}

#[test]
fn input_refilled_from_a_growing_target_is_a_search() {
    // `fill` reads more into `state` each round: the parse sees more bytes.
    none("async fn f(state: &mut St, max: usize) -> Result<H, E> { let mut target = 256; loop { fill(state, target).await?; match try_parse_header(&state.pending) { Ok(h) => return Ok(h), Err(e) => { if target >= max { return Err(e); } target = (target * 2).min(max); } } } }");
    // Near miss: the value changed is not handed to anything the parse reads.
    one("async fn f(state: &mut St, max: usize) -> Result<H, E> { let mut seen = 0; loop { fill(state).await?; match try_parse_header(&state.pending) { Ok(h) => return Ok(h), Err(e) => { seen += 1; } } } }");
}

#[test]
fn fresh_identifier_is_a_search() {
    // A new random id each round.
    none("fn f(store: &S) -> Result<Id, E> { for _ in 0..3 { let id = Uuid::new_v4(); match store.insert(id) { Ok(()) => return Ok(id), Err(_) => continue } } Err(E) }");
    // The operation mints the id itself; the error says it was taken.
    let mints = "impl S { async fn register_once(&self) -> Result<Session, AuthError> { let id = self.minter.mint_client_id(); self.submit(id).await }
        async fn register(&self) -> Result<Session, AuthError> { for attempt in 1..=3 { match self.register_once().await { Ok(s) => return Ok(s), Err(AuthError::IdTaken) if attempt < 3 => { warn(); } Err(e) => return Err(e) } } Err(AuthError::Unavailable) } }";
    none(mints);
    // Near miss: another error from the same operation is a retry.
    one(&mints.replace("IdTaken", "Unavailable"));
    // Near miss: the id is taken, but the operation sends the same one again.
    one(&mints.replace("self.minter.mint_client_id()", "self.id"));
}

// waiting for state or a person

#[test]
fn waiting_for_a_newer_version_is_not_a_retry() {
    none("async fn f(p: &P, want: Version) -> Result<L, S> { let mut have = current(); loop { match create(p) { Ok(l) => return Ok(l), Err(S::Unknown) => {} Err(e) => return Err(e) } if want > have { have = meta.wait_for_version(Kind::Logs, want).await?; } else { return Err(S::Unknown); } } }");
    // Near miss: waiting for something that is not the state it reads.
    one("async fn f(p: &P, want: Version) -> Result<L, S> { let mut have = current(); loop { match create(p) { Ok(l) => return Ok(l), Err(S::Unknown) => {} Err(e) => return Err(e) } if want > have { have = meta.wait_for_slot(want).await?; } else { return Err(S::Unknown); } } }");
}

#[test]
fn asking_a_person_is_not_a_retry() {
    none("fn f(path: &Path) -> Result<Json, E> { loop { open_editor(path)?; match read_json(path) { Ok(j) => break Ok(j), Err(e) => { if auto() || !confirm(\"Re-open editor?\") { return Err(e); } } } } }");
    none("fn f() -> Result<Cfg, E> { loop { match load() { Ok(c) => return Ok(c), Err(e) => { let again = Confirm::new().with_prompt(\"Retry?\").interact()?; if !again { return Err(e); } } } } }");
    // Near miss: the same branch with no one asked.
    one("fn f(path: &Path) -> Result<Json, E> { loop { open_editor(path)?; match read_json(path) { Ok(j) => break Ok(j), Err(e) => { if auto() { return Err(e); } } } } }");
}

#[test]
fn operation_that_idles_in_the_new_state_is_not_reissued() {
    let src = "impl App {
        async fn poll_login(&mut self) -> Result<(), E> { let Auth::Waiting { session } = &mut self.auth else { return Ok(()) }; session.poll().await?; Ok(()) }
        async fn run(&mut self) -> Result<(), E> { while !self.quit { if let Err(e) = self.poll_login().await { self.error = Some(e); self.auth = Auth::Choosing { selected: 0 }; } if self.done() { return Ok(()); } } Ok(()) } }";
    none(src);
    // Near miss: the failure moves to the state the operation works in.
    one(&src.replace(
        "Auth::Choosing { selected: 0 }",
        "Auth::Waiting { session: new() }",
    ));
}

// jitter

#[test]
fn delay_computed_by_a_function() {
    let retry = "async fn f(p: &Params) -> Result<R, E> { let mut n = 0; loop { let e = match op().await { Ok(r) => return Ok(r), Err(e) => e }; n += 1; if n >= p.max { return Err(e); } let delay = match e.retry_after() { Some(h) => h.min(p.max_delay), None => p.compute_delay(n) }; sleeper.sleep(delay).await; } }";
    // Defined elsewhere: the source does not show that it lacks jitter.
    let l = one(retry);
    assert!(
        l.delays().iter().all(|d| d.jitter == Jitter::Unknown),
        "{l:?}"
    );
    // Defined here with a random draw.
    let here = "impl Params { fn compute_delay(&self, n: u32) -> Duration { Duration::from_millis(rand::rng().random_range(0..self.base * n)) } }";
    let l = loops(&format!("{here} {retry}")).remove(0);
    assert!(l.delays().iter().all(|d| d.jitter != Jitter::No), "{l:?}");
    // Near miss: defined here without randomness, fed the attempt counter.
    let plain = "impl Params { fn compute_delay(&self, n: u32) -> Duration { self.base * n } }";
    let l = loops(&format!("{plain} {retry}")).remove(0);
    assert!(l.delays().iter().any(|d| d.jitter == Jitter::No), "{l:?}");
    // A delay call that waits keeps what its argument shows.
    let l = one("async fn f() { loop { match op().await { Ok(()) => return, Err(_) => executor.delay(Duration::from_millis(100)).await } } }");
    assert_eq!(l.delays()[0].jitter, Jitter::No);
}

#[test]
fn local_file_is_a_single_local_peer() {
    let l = one("async fn f(path: &str) -> Option<File> { for _ in 0..3 { match compio::fs::File::open(path).await { Ok(f) => return Some(f), Err(e) => { warn(e); sleep(Duration::from_millis(10)).await; } } } None }");
    assert!(l.local_peer);
    // Near miss: an object store is a shared service.
    let l = one("async fn f(path: &str) -> Option<Obj> { for _ in 0..3 { match store.get(path).await { Ok(f) => return Some(f), Err(e) => { warn(e); sleep(Duration::from_millis(10)).await; } } } None }");
    assert!(!l.local_peer);
}

// cost: each walk stays linear in the loop's size

thread_local! {
    /// Nodes the operation model's walk for a loop body's writes visited on
    /// this thread.
    pub(super) static MUTATION_VISITS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    /// Variables read to decide whether an assignment steps its variable.
    pub(super) static READ_VARS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// A loop with `n` failure sites, each a statement of the success arm.
fn many_sites(n: usize) -> String {
    let sites = "if tx.send(x).is_err() { continue; } ".repeat(n);
    format!("fn f() {{ loop {{ match connect() {{ Ok(c) => {{ {sites} }} Err(e) => {{ sleep(D).await; }} }} }} }}")
}

#[test]
fn a_loop_body_is_walked_for_its_writes_once() {
    let visits = |n| {
        MUTATION_VISITS.with(|v| v.set(0));
        loops(&many_sites(n));
        MUTATION_VISITS.with(|v| v.get())
    };
    let (v20, v40) = (visits(20), visits(40));
    assert!(v20 > 0, "the sites are asked whether their input changes");
    // One walk per loop: twice the sites, about twice the nodes (one walk
    // per site would be four times).
    assert!(
        v40 <= 2 * v20 + 16,
        "20 sites: {v20} visits, 40 sites: {v40}"
    );
}

#[test]
fn a_site_leaves_out_only_its_own_writes() {
    // The write is in another site's branch: it changes this site's input.
    none("fn f() { let mut port = 1; loop { match bind(port) { Ok(l) => return l, Err(_) => {} } match probe(port) { Ok(_) => {} Err(_) => port += 1 } } }");
    // The write is in the success branch, after the operation succeeded.
    one("fn f() { let mut port = 1; loop { match bind(port) { Ok(l) => { port += 1; return l } Err(e) => log(e) } } }");
}

#[test]
fn a_finder_for_delays_only_agrees_on_whether_there_is_one() {
    let bodies = [
        "{ sleep(d).await; self.reconnect(); }",
        "{ tokio::time::sleep(Duration::from_millis(100 + rand())).await; }",
        "{ Timer::after(d).await; Delay::new(d).await; helper(); }",
        "{ interval.tick().await; backoff.next().await; policy.should_retry(&e).await; }",
        "{ select! { _ = sleep(d) => {}, r = op() => {} } }",
        "{ if failed { std::thread::sleep(d) } else { go() } }",
        "{ f(f(f(x))); }",
    ];
    let locals = HashMap::new();
    for src in bodies {
        let b: Block = syn::parse_str(src).expect("parses");
        let mut all = DelayFinder::new(&locals);
        all.visit_block(&b);
        let mut only = DelayFinder::delays_only(&locals);
        only.visit_block(&b);
        assert_eq!(all.delays.is_empty(), only.delays.is_empty(), "{src}");
        // The first delay answers the question: the walk stops there.
        assert!(only.delays.len() <= 1, "{src}");
        assert!(only.calls.is_empty() && only.local.is_empty(), "{src}");
    }
}

#[test]
fn a_chain_of_assignments_is_read_once() {
    // `a = a = .. = a` in the success branch: what each `=` reads is asked
    // only when a site's receiver is written there, not for every `=` as the
    // walk meets it (which read the rest of the chain each time).
    let chain = |n: usize| vec!["a"; n].join(" = ");
    let src = |n| {
        format!("fn f() {{ loop {{ match connect() {{ Ok(c) => {{ {}; }} Err(e) => {{ sleep(D).await; }} }} }} }}", chain(n))
    };
    let read = |n| {
        READ_VARS.with(|v| v.set(0));
        MUTATION_VISITS.with(|v| v.set(0));
        one(&src(n));
        (
            READ_VARS.with(|v| v.get()),
            MUTATION_VISITS.with(|v| v.get()),
        )
    };
    let ((r100, v100), (r200, v200)) = (read(100), read(200));
    assert!(
        r200 <= 2 * r100 + 16,
        "100: {r100} variables read, 200: {r200}"
    );
    assert!(v200 <= 2 * v100 + 16, "100: {v100} visits, 200: {v200}");
    // A receiver stepped by an assignment that reads it is still a search.
    none("fn f(mut node: Node) { loop { match node.fetch() { Ok(v) => return v, Err(_) => node = node.parent() } } }");
}

#[test]
fn checking_a_persons_new_answer_is_not_a_retry() {
    let helper = "fn ask(p: &str) -> Result<String, E> { let r = Input::<String>::new().with_prompt(p).interact_text()?; Ok(r) }";
    none(&format!("{helper} fn f(param: &P) -> Option<String> {{ loop {{ let input = ask(\"x\"); match input {{ Ok(text) => match param.validate_value(text) {{ Ok(t) => return Some(t), Err(e) => {{ println!(\"{{}}\", e); }} }}, Err(e) => {{ println!(\"{{}}\", e); }} }} }} }}"));
    // Near miss: the value checked again is the same each time.
    one(&format!("{helper} fn f(param: &P, text: String) -> Option<String> {{ loop {{ match param.validate_value(&text) {{ Ok(t) => return Some(t), Err(e) => {{ println!(\"{{}}\", e); }} }} }} }}"));
}

#[test]
fn dropping_the_failed_alternative_is_a_failover_pass() {
    none("async fn f(mut srcs: Vec<S>) -> Result<B, E> { loop { let s = pick(&srcs); match get(s).await { Ok(b) => return Ok(b), Err(e) => { let id = s.id; srcs.retain(|x| x.id != id); if srcs.is_empty() { return Err(e); } } } } }");
    // Near miss: the list is only looked at, never shrunk.
    one("async fn f(srcs: Vec<S>) -> Result<B, E> { loop { let s = pick(&srcs); match get(s).await { Ok(b) => return Ok(b), Err(e) => log(e) } } }");
}

#[test]
fn an_interrupted_call_restarted_is_not_a_retry() {
    none("fn f(fd: i32) -> Result<(), E> { loop { match fallocate(fd, 0, 1) { Ok(_) => return Ok(()), Err(rustix::io::Errno::INTR) => continue, Err(e) => return Err(e) } } }");
    one("fn f(fd: i32) -> Result<(), E> { loop { match fallocate(fd, 0, 1) { Ok(_) => return Ok(()), Err(rustix::io::Errno::IO) => continue, Err(e) => return Err(e) } } }");
}

#[test]
fn an_err_returned_through_question_mark_leaves() {
    none("fn f() -> Result<(), E> { loop { match start_server() { Ok(again) => { if !again { break; } } Err(e) => { sleep(D); Err(e)? } } } Ok(()) }");
    one("fn f() -> Result<(), E> { loop { match start_server() { Ok(again) => { if !again { break; } } Err(e) => { sleep(D); log(e) } } } Ok(()) }");
}

#[test]
fn a_flag_set_from_the_failure_that_a_later_statement_leaves_on() {
    none("async fn f(file: F, tx: T) { let mut pos = 0; loop { let r = file.read_at(pos).await; if let Ok(n) = r.as_ref() { if *n == 0 { break; } pos += *n; } let failed = r.is_err(); tx.send(r).await; if failed { break; } } }");
    // Near miss: the flag is set but nothing leaves on it.
    one("async fn f(file: F, tx: T) { let mut pos = 0; loop { let r = file.read_at(pos).await; if let Ok(n) = r.as_ref() { if *n == 0 { break; } pos += *n; } let failed = r.is_err(); tx.send(r).await; if failed { log(); } } }");
}

#[test]
fn failure_falling_through_to_a_pinned_state_that_moves_on() {
    // No `else`: the failure runs the statements after the `if let`, which
    // move the pinned state to one that asks by another route and leaves
    // when that fails.
    let moves_on = "fn poll(self: Pin<&mut Self>) -> Poll<R> { let mut this = self.project(); loop { match this.state.as_mut().project() { \
        P::Both { logs } => { let r = logs.take().expect(\"x\"); if let Ok(n) = r { return Poll::Ready(Ok(n)); } this.state.set(S::ByHash { call: by_hash() }); } \
        P::ByHash { call } => match call.poll() { Ok(n) => return Poll::Ready(Ok(n)), Err(e) => return Poll::Ready(Err(e)) }, } } }";
    none(moves_on);
    // Back to the state that issues the same call: a retry.
    let again = moves_on.replace(
        "S::ByHash { call: by_hash() }",
        "S::Both { logs: Some(fetch()) }",
    );
    one(&again);
}

#[test]
fn a_shared_atomic_counter_moved_in_the_loop_bounds_it() {
    let bounded = one("async fn f(c: Arc<AtomicUsize>, n: usize) { loop { match setup().await { Ok(x) => return use_it(x), Err(_) => { if c.fetch_add(1, Ordering::Relaxed) >= n { return; } } } } }");
    assert!(bounded.bound.is_bounded(), "{bounded:?}");
    // Near miss: a counter only read is not moved by the loop.
    let unbounded = one("async fn f(c: Arc<AtomicUsize>, n: usize) { loop { match setup().await { Ok(x) => return use_it(x), Err(_) => { if c.load(Ordering::Relaxed) >= n { return; } } } } }");
    assert!(!unbounded.bound.is_bounded(), "{unbounded:?}");
    // Near miss: a metric moved on the failure path bounds nothing.
    let unbounded = one("async fn f(s: Arc<Stats>) { loop { match setup().await { Ok(x) => return use_it(x), Err(_) => { s.failures.fetch_add(1, Ordering::Relaxed); if s.failures_allowed == 0 { return; } } } } }");
    assert!(!unbounded.bound.is_bounded(), "{unbounded:?}");
}
