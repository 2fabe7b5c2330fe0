---
[dependencies]
regex = "1"
---
// A cargo script: the frontmatter above is skipped, lines kept.
use std::net::TcpStream;

fn main() {
    let _ = TcpStream::connect("db:5432");
}
