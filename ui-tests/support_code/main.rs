// leash-flags: --confidence low
// Test support compiled outside `cfg(test)` (a module named for it): its
// findings are `low`. The same code in an ordinary module is `high`.
use std::net::TcpStream;

mod test_server;

pub fn connect_upstream(addr: &str) -> TcpStream {
    TcpStream::connect(addr).unwrap()
}
