// leash-flags: -A retry -A concurrency -A timeout -A switching --confidence low
// A file built on a parser crate: its failing calls with no effect in sight are
// parser and syntax-tree checks, a branch of the parse, never reported.
use syn::parse::ParseStream;

fn optional_type(input: ParseStream) -> Option<syn::Type> {
    let ahead = input.fork();
    match ahead.call(parse_type) {
        Ok(t) => Some(t),
        Err(_) => Some(default_type()),
    }
}

fn attribute_flags(attrs: &[syn::Attribute]) -> Flags {
    attrs_to_flags(attrs).unwrap_or_else(|_| Flags::default())
}

// An effect is still an effect, parser file or not.
fn include_file(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|_| String::new())
}
