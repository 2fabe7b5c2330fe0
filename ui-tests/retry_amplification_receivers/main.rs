// leash-flags: -A concurrency -A fallback -A switching -A timeout -A budget
// A retry whose operation fills a local map is not amplified by a client
// method that shares the map's method name (`insert`); a retry that calls the
// client's own `insert` on a binding of the client's type is.
mod store;
mod schema;

use store::Warehouse;

// silent: `load_schema` only fills a local `HashMap`
async fn startup(wh: &Warehouse) -> Result<(), String> {
    for _ in 0..3 {
        match schema::load_schema(wh).await {
            Ok(_) => return Ok(()),
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(rand::random::<u64>() % 100)).await,
        }
    }
    Err("no schema".into())
}

// reported: `save_rows` calls `Warehouse::insert`, which retries itself
async fn flush(wh: &Warehouse, rows: Vec<u8>) -> Result<(), String> {
    for _ in 0..3 {
        match save_rows(wh, &rows).await {
            Ok(()) => return Ok(()),
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(rand::random::<u64>() % 100)).await,
        }
    }
    Err("not flushed".into())
}

async fn save_rows(wh: &Warehouse, rows: &[u8]) -> Result<(), String> {
    wh.insert(rows).await
}
