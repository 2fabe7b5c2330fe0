//! `cargo leash ...`: cargo runs `cargo-leash leash ...`; this hands the
//! arguments to the `leash` binary installed beside it (or found on `PATH`),
//! which recognises the `leash` argument and reads the Cargo workspace.

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let sibling = std::env::current_exe().ok().and_then(|exe| {
        let name = format!("leash{}", std::env::consts::EXE_SUFFIX);
        let p = exe.parent()?.join(name);
        p.is_file().then_some(p)
    });
    let program = sibling.map_or_else(|| "leash".into(), |p| p.into_os_string());
    let mut args: Vec<_> = std::env::args_os().skip(1).collect();
    // Run directly as `cargo-leash check`, make it look like the cargo form.
    if !matches!(args.first(), Some(a) if a == "leash") {
        args.insert(0, "leash".into());
    }
    match Command::new(&program).args(&args).status() {
        Ok(status) => match status.code() {
            Some(c) => ExitCode::from(u8::try_from(c).unwrap_or(2)),
            None => ExitCode::from(2),
        },
        Err(e) => {
            eprintln!(
                "error: cannot run `{}`: {e} (install leash with `cargo install leash-cli`)",
                std::path::Path::new(&program).display()
            );
            ExitCode::from(2)
        }
    }
}
