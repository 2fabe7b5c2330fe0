// leash-flags: -A retry -A fallback -A switching -A budget -A timeout -A unbounded_fan_out -A unbounded_channel
// A runtime re-exported by another crate (`use spider::tokio;`) is that
// runtime: its spawns are found like tokio's own.
use spider::{tokio, utils};

// reported: one task per accepted connection, through the re-export
async fn serve(listener: tokio::net::TcpListener) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(async move {
            handle(stream).await;
        });
    }
}

// silent: a module of another name is not a runtime
async fn serve_with_utils(listener: tokio::net::TcpListener) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        utils::spawn(async move {
            handle(stream).await;
        });
    }
}

async fn handle(_s: tokio::net::TcpStream) {}
