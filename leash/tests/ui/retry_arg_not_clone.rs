struct Connection;

#[leash::retry(attempts = 3, backoff = "1ms..2ms")]
fn send(conn: Connection) -> Result<(), ()> {
    drop(conn);
    Ok(())
}

fn main() {}
