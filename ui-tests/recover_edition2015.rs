// Bare trait objects of edition 2015 (no `edition` key in Cargo.toml).
use std::error::Error;
use std::net::TcpStream;

pub type Action = Fn(&u8) + Send + Sync;
pub type Handler = Box<FnMut(u32) -> u32 + Send>;

pub fn boxed(e: Box<Error + Send>) -> Box<Error + Send> {
    e
}

pub fn dial(addr: &str) -> std::io::Result<TcpStream> {
    TcpStream::connect(addr)
}
