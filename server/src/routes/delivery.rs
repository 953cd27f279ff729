//! Delivering Grove to browsers on slow links: the front end's files carry a hash of their
//! content in their names (`scripts/build.sh`), are sent precompressed (brotli, gzip) and may
//! be cached for a year; pages and other responses are compressed on the fly and carry an
//! ETag, so a revisit of an unchanged page is a `304` without a body.

use axum::{
    body::Body,
    extract::Request,
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    Router,
};
use sha2::{Digest, Sha256};
use std::path::Path;
use tower_http::{
    compression::{
        predicate::{NotForContentType, Predicate, SizeAbove},
        CompressionLayer,
    },
    services::ServeDir,
};

/// Cached for a year and never revalidated: the name changes when the content does.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Personal pages: kept by the browser, always revalidated (a 304 when unchanged).
const REVALIDATE: &str = "private, no-cache";
/// Responses larger than this are sent without an ETag rather than held in memory.
const MAX_VALIDATED_BYTES: usize = 8 * 1024 * 1024;

/// The name of the current front-end files (`grove.<hash>`), as `scripts/build.sh` recorded it
/// in `pkg/current`; plain `grove` for a front end built without hashes.
pub fn output_name(site_root: &Path) -> String {
    std::fs::read_to_string(site_root.join("pkg").join("current"))
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-')
        })
        .unwrap_or_else(|| "grove".to_owned())
}

/// `/pkg/*`: the front end's files, the brotli or gzip copy when the browser takes it
/// (`Content-Encoding`, `Vary: Accept-Encoding`), `Last-Modified` and a year-long immutable
/// cache for the hashed names.
pub fn assets<S: Clone + Send + Sync + 'static>(site_root: &Path) -> Router<S> {
    let files = ServeDir::new(site_root.join("pkg"))
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .fallback_service(files)
        .layer(axum::middleware::map_response(cache_forever))
}

async fn cache_forever(mut response: Response) -> Response {
    let headers = response.headers_mut();
    // the encoding sent depends on Accept-Encoding, so caches must keep them apart
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if response.status().is_success() {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    }
    response
}

/// `/texts/<locale>.<hash>.json`: the interface texts a page names for its reader
/// (`app::i18n`), cached for a year like the other hashed front-end files; an outdated hash
/// or an unknown locale is a 404.
pub async fn texts(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    match app::i18n::texts_file(&file) {
        Some(json) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)),
            ],
            json,
        )
            .into_response(),
        None => app::error::AppError::new(404, "not_found", "No such file.").into_response(),
    }
}

/// Compresses responses on the fly (brotli or gzip, as the browser asks), except what is
/// compressed already or streamed in bulk: the front end's files (precompressed), exports and
/// model archives.
pub fn compression() -> CompressionLayer<impl Predicate> {
    // small answers (a task, a submit's outcome: under 4 KiB) cost more CPU to compress (a
    // brotli encoder allocates and clears its tables per response) than they save on
    // the wire; pages and anything streamed (no size known) are still compressed
    let predicate = SizeAbove::new(4096)
        .and(NotForContentType::GRPC)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::SSE)
        .and(NotForContentType::const_new("application/gzip"))
        .and(NotForContentType::const_new("application/x-tar"))
        .and(NotForContentType::const_new("application/octet-stream"))
        .and(NotForContentType::const_new("application/wasm"));
    CompressionLayer::new()
        .br(true)
        .gzip(true)
        .compress_when(predicate)
}

/// Gives pages and JSON answers to GET an ETag (a hash of the body, with the page's
/// per-response script nonce left out) and answers `If-None-Match` with `304 Not Modified`.
/// A 304 carries no Content-Security-Policy, so the browser keeps the cached page together with
/// the policy (and nonce) it came with.
pub async fn validators(request: Request, next: Next) -> Response {
    if request.method() != Method::GET {
        return next.run(request).await;
    }
    let asked = request.headers().get(header::IF_NONE_MATCH).cloned();
    let response = next.run(request).await;
    if response.status() != StatusCode::OK
        || response.headers().contains_key(header::ETAG)
        || response.headers().contains_key(header::CONTENT_ENCODING)
        || !is_validated_type(response.headers())
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_VALIDATED_BYTES).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::error!(error.cause_chain = ?error, "response body unreadable");
            return app::error::AppError::internal().into_response();
        }
    };
    let tag = entity_tag(&bytes, nonce(&parts.headers).as_deref());
    let cache = parts
        .headers
        .get(header::CACHE_CONTROL)
        .cloned()
        .unwrap_or(HeaderValue::from_static(REVALIDATE));
    if asked.as_ref().is_some_and(|asked| matches(asked, &tag)) {
        let mut not_modified = StatusCode::NOT_MODIFIED.into_response();
        let headers = not_modified.headers_mut();
        headers.insert(header::ETAG, tag);
        headers.insert(header::CACHE_CONTROL, cache);
        if let Some(vary) = parts.headers.get(header::VARY) {
            headers.insert(header::VARY, vary.clone());
        }
        return not_modified;
    }
    parts.headers.insert(header::ETAG, tag);
    parts.headers.insert(header::CACHE_CONTROL, cache);
    Response::from_parts(parts, Body::from(bytes))
}

fn is_validated_type(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html") || t.starts_with("application/json"))
}

/// The script nonce of a page, from its Content-Security-Policy.
fn nonce(headers: &HeaderMap) -> Option<String> {
    let policy = headers
        .get(header::CONTENT_SECURITY_POLICY)?
        .to_str()
        .ok()?;
    let start = policy.find("'nonce-")? + "'nonce-".len();
    let rest = policy.get(start..)?;
    let end = rest.find('\'')?;
    rest.get(..end).filter(|n| !n.is_empty()).map(str::to_owned)
}

/// `W/"<hash>"` of the body with every occurrence of the nonce removed.
fn entity_tag(body: &[u8], nonce: Option<&str>) -> HeaderValue {
    let mut hasher = Sha256::new();
    match nonce.map(str::as_bytes).filter(|n| !n.is_empty()) {
        Some(nonce) => {
            let mut rest = body;
            while let Some(at) = rest.windows(nonce.len()).position(|w| w == nonce) {
                hasher.update(rest.get(..at).unwrap_or_default());
                rest = rest.get(at + nonce.len()..).unwrap_or_default();
            }
            hasher.update(rest);
        }
        None => hasher.update(body),
    }
    let digest = hasher.finalize();
    let hex: String = digest
        .iter()
        .take(12)
        .map(|byte| format!("{byte:02x}"))
        .collect();
    HeaderValue::from_str(&format!("W/\"{hex}\"")).unwrap_or(HeaderValue::from_static("W/\"\""))
}

/// Whether an `If-None-Match` header names the tag (weak comparison) or is `*`.
fn matches(asked: &HeaderValue, tag: &HeaderValue) -> bool {
    let Ok(asked) = asked.to_str() else {
        return false;
    };
    let strip = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let wanted = tag.to_str().map(strip).unwrap_or_default();
    asked
        .split(',')
        .any(|candidate| candidate.trim() == "*" || strip(candidate) == wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nonce_does_not_change_the_tag() {
        let first = entity_tag(b"<script nonce=\"abc123\">x</script>", Some("abc123"));
        let second = entity_tag(b"<script nonce=\"zz9900\">x</script>", Some("zz9900"));
        assert_eq!(first, second);
        assert_ne!(
            first,
            entity_tag(b"<script nonce=\"abc123\">y</script>", Some("abc123"))
        );
    }

    #[test]
    fn if_none_match_compares_weakly_and_takes_lists_and_stars() {
        let tag = HeaderValue::from_static("W/\"0a1b\"");
        assert!(matches(&HeaderValue::from_static("\"0a1b\""), &tag));
        assert!(matches(
            &HeaderValue::from_static("W/\"ffff\", W/\"0a1b\""),
            &tag
        ));
        assert!(matches(&HeaderValue::from_static("*"), &tag));
        assert!(!matches(&HeaderValue::from_static("W/\"0a1c\""), &tag));
    }

    #[test]
    fn the_nonce_is_read_from_the_policy() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; script-src 'nonce-Qx9' 'strict-dynamic'"),
        );
        assert_eq!(nonce(&headers).as_deref(), Some("Qx9"));
        assert_eq!(nonce(&HeaderMap::new()), None);
    }

    #[test]
    fn the_output_name_comes_from_the_build() {
        let dir = std::env::temp_dir().join(format!("grove-delivery-{}", std::process::id()));
        let _ = std::fs::create_dir_all(dir.join("pkg"));
        assert_eq!(output_name(&dir), "grove");
        let _ = std::fs::write(dir.join("pkg/current"), "grove.0123abcd\n");
        assert_eq!(output_name(&dir), "grove.0123abcd");
        let _ = std::fs::write(dir.join("pkg/current"), "../evil");
        assert_eq!(output_name(&dir), "grove");
        let _ = std::fs::remove_dir_all(dir);
    }
}
