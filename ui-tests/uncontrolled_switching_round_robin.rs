// leash-flags: -A retry -A concurrency -A timeout -A fallback
// Round-robin selection that is not on the failure path of a retry loop: load
// balancing and one rotation per call are not switching.
impl Pool {
    fn next_conn(&self, conns: &[Conn]) -> Conn {
        let i = self.index.fetch_add(1, Ordering::Relaxed) % conns.len();
        conns[i].clone()
    }

    fn next_addr(&mut self) -> &Addr {
        let addr = &self.addrs[self.index];
        if self.addrs.len() == self.index + 1 {
            self.index = 0;
        } else {
            self.index += 1;
        }
        addr
    }

    fn dispatch(&mut self) {
        loop {
            let Ok(req) = self.rx.recv() else { return };
            self.next = (self.next + 1) % self.workers.len();
            self.workers[self.next].send(req);
        }
    }

    fn replica(&mut self, addrs: &[Addr]) -> Result<Client, Error> {
        let mut last = None;
        for i in 0..addrs.len() {
            let index = (i + self.start) % addrs.len();
            match Client::open(&addrs[index]) {
                Ok(c) => return Ok(c),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(Error::NoAddress))
    }
}
