#[leash::concurrency(max = 4, per = hots)]
fn misspelt(host: &str) {}

#[leash::concurrency(max = 4, per = host)]
fn no_parameters() {}

#[leash::concurrency(max = 4, per = "host")]
fn a_string(host: &str) {}

#[leash::concurrency(max = 4, per = self.host)]
fn a_field(host: &str) {}

#[leash::concurrency(max = 4, per)]
fn without_a_value(host: &str) {}

struct NotHash;

#[leash::concurrency(max = 4, per = key)]
fn key_not_hash(key: NotHash) {}

fn main() {}
