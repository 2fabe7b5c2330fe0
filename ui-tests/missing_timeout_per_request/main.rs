// Two files, each with a client stored in a struct: the file that sets a
// timeout on every request it prepares is low (the client's default is not
// what bounds its requests); the file that never does is reported.
mod forwarded;
mod raced;
mod timed;
mod untimed;

fn main() {}
