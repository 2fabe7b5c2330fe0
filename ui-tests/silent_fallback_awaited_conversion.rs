// leash-flags: -A retry -A concurrency -A timeout -A switching --confidence low
// An awaited call is an operation (an extractor, a remote decode), not a pure
// conversion, whatever its name: its fallback is reported.
async fn original_uri(parts: &mut Parts) -> Uri {
    Extension::<OriginalUri>::from_request_parts(parts)
        .await
        .unwrap_or_else(|_| Extension(OriginalUri(parts.uri.clone())))
        .0
        .0
}

// The same name, not awaited: a conversion, not reported.
fn from_bytes(raw: &[u8]) -> Header {
    Header::from_bytes(raw).unwrap_or_else(|_| Header::empty())
}
