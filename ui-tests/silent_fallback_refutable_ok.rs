// leash-flags: -A retry -A concurrency -A timeout -A switching --confidence low
// `if let Ok(true) = ..`: the else branch also runs on `Ok(false)`, so it is not
// the failure path alone.
fn pick(global: &Global) -> Handle {
    if let Ok(true) = global.has_feature("workers") {
        global.worker_handle()
    } else {
        global.main_handle()
    }
}

// The whole success is bound: the else branch is the failure alone.
fn pick_or_default(global: &Global) -> Handle {
    if let Ok(h) = global.worker_handle() {
        h
    } else {
        global.main_handle()
    }
}
