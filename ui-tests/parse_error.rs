// A syntax error is reported, and the run goes on.
fn broken( {
