use std::net::TcpStream;

pub struct TestServer {
    addr: String,
}

impl TestServer {
    pub fn connect(&self) -> TcpStream {
        TcpStream::connect(&self.addr).unwrap()
    }
}
