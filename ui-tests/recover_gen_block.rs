// An item in unstable syntax (a `gen` block) is the only thing lost: the
// items around it are analysed, at their own lines and columns.
use std::net::TcpStream;

fn dial(addr: &str) -> std::io::Result<TcpStream> {
    TcpStream::connect(addr)
}

fn attempts(addr: &str) -> impl Iterator<Item = std::io::Result<TcpStream>> + '_ {
    gen {
        for _ in 0..3 {
            yield TcpStream::connect(addr);
        }
    }
}

fn redial() -> TcpStream {
    loop {
        match dial("db:5432") {
            Ok(c) => break c,
            Err(_) => {}
        }
    }
}
