//! Browser-facing defences that apply to every request: cross-site request forgery is refused
//! before it reaches a handler, and every response carries headers that stop framing, MIME
//! sniffing and referrer leaks. The Content-Security-Policy of pages needs the page's nonce and
//! is set where pages are rendered (`app::shell`).

use app::error::AppError;
use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// Refuses a state-changing request that a browser sent from another site.
///
/// Browsers say where a request comes from (`Sec-Fetch-Site`, `Origin`) and scripts cannot
/// forge either; a request without both did not come from a browser (a script or bot with a
/// cookie or an API key), so no victim's cookie can be riding on it. This is OWASP's
/// "verifying origin with standard headers" defence, on top of the `SameSite=Lax` cookie.
/// `public_origin` (from `GROVE_PUBLIC_URL`) is accepted besides the `Host` header, for a
/// server behind a proxy that rewrites the host.
pub async fn refuse_cross_site_writes(
    State(public_origin): State<Option<String>>,
    request: Request,
    next: Next,
) -> Response {
    if is_safe(request.method()) || is_same_origin(request.headers(), public_origin.as_deref()) {
        next.run(request).await
    } else {
        tracing::warn!(method = %request.method(), path = %request.uri().path(), "cross-site write refused");
        AppError::new(
            403,
            "cross_site_request",
            "This request came from another site and was refused.",
        )
        .into_response()
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn is_same_origin(headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        // `none`: the user typed or bookmarked it; anything but same-origin is another site
        return site == "same-origin" || site == "none";
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if public_origin.is_some_and(|public| public.eq_ignore_ascii_case(origin)) {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    // `Origin: null` comes from sandboxed frames and privacy redirects: never ours
    let origin_host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

/// The largest request body Grove reads: the longest message is 100,000 characters of text.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// Refuses a body announced as too large with a clear error before anything reads it (a
/// body without a length is cut off at the same size by `RequestBodyLimitLayer`).
pub async fn refuse_large_bodies(request: Request, next: Next) -> Response {
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if announced.is_some_and(|length| length > MAX_BODY_BYTES) {
        return AppError::new(
            413,
            "body_too_large",
            format!("Requests may carry at most {} KiB.", MAX_BODY_BYTES / 1024),
        )
        .into_response();
    }
    next.run(request).await
}

/// Headers every response gets.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
        ("cross-origin-opener-policy", "same-origin"),
        (
            "permissions-policy",
            "camera=(), microphone=(), geolocation=()",
        ),
    ] {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    // pages set their own policy with a nonce; everything else (JSON, files) runs no script. A
    // 304 keeps the policy the cached page came with (a new one would not know its nonce).
    if response.status() != StatusCode::NOT_MODIFIED {
        response
            .headers_mut()
            .entry(header::CONTENT_SECURITY_POLICY)
            .or_insert(HeaderValue::from_static(
                "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
            ));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        assert!(is_same_origin(
            &headers(&[("sec-fetch-site", "same-origin")]),
            None
        ));
        assert!(is_same_origin(
            &headers(&[("sec-fetch-site", "none")]),
            None
        ));
        assert!(!is_same_origin(
            &headers(&[("sec-fetch-site", "cross-site")]),
            None
        ));
        assert!(!is_same_origin(
            &headers(&[("sec-fetch-site", "same-site")]),
            None
        ));
        // a matching Origin does not override a cross-site fetch
        let forged = headers(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "http://grove.test"),
            ("host", "grove.test"),
        ]);
        assert!(!is_same_origin(&forged, None));
    }

    #[test]
    fn origin_must_match_the_host() {
        assert!(is_same_origin(
            &headers(&[("origin", "http://grove.test"), ("host", "grove.test")]),
            None
        ));
        assert!(is_same_origin(
            &headers(&[
                ("origin", "https://Grove.test:8443"),
                ("host", "grove.test:8443")
            ]),
            None
        ));
        assert!(!is_same_origin(
            &headers(&[("origin", "https://evil.test"), ("host", "grove.test")]),
            None
        ));
        assert!(!is_same_origin(
            &headers(&[("origin", "null"), ("host", "grove.test")]),
            None
        ));
        assert!(!is_same_origin(
            &headers(&[("origin", "http://grove.test")]),
            None
        ));
    }

    #[test]
    fn the_public_origin_counts_behind_a_proxy() {
        let proxied = headers(&[
            ("origin", "https://grove.example"),
            ("host", "127.0.0.1:3000"),
        ]);
        assert!(is_same_origin(&proxied, Some("https://grove.example")));
        assert!(!is_same_origin(&proxied, None));
    }

    #[test]
    fn requests_from_outside_a_browser_pass() {
        assert!(is_same_origin(&headers(&[("host", "grove.test")]), None));
    }
}
