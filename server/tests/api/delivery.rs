//! Delivery on slow links: hashed front-end files sent precompressed with an immutable cache,
//! pages compressed on the fly and revalidated with an ETag.

use crate::helpers::TestApp;
use axum::http::{header, StatusCode};
use flate2::read::GzDecoder;
use sqlx::PgPool;
use std::{io::Read, path::PathBuf};

/// A built front end in a folder of its own: `grove.0123abcd.{js,wasm,css}` with brotli and
/// gzip copies whose bytes say which one was sent.
fn site() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("grove-site-{}", uuid::Uuid::new_v4()));
    let pkg = dir.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap_or_else(|e| panic!("{e}"));
    for ext in ["js", "wasm", "css"] {
        let file = pkg.join(format!("grove.0123abcd.{ext}"));
        std::fs::write(&file, format!("raw {ext}")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            file.with_extension(format!("{ext}.br")),
            format!("br {ext}"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            file.with_extension(format!("{ext}.gz")),
            format!("gz {ext}"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(pkg.join("current"), "grove.0123abcd\n").unwrap_or_else(|e| panic!("{e}"));
    dir
}

fn header(response: &crate::helpers::TestResponse, name: header::HeaderName) -> &str {
    response
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn hashed_files_go_out_precompressed_and_cached_for_a_year(pool: PgPool) {
    let root = site();
    let mut app = TestApp::with_site_root(pool, &root);
    let path = "/pkg/grove.0123abcd.wasm";

    let br = app
        .get_with(path, &[("accept-encoding", "gzip, deflate, br, zstd")])
        .await;
    assert_eq!(br.status, StatusCode::OK);
    assert_eq!(header(&br, header::CONTENT_ENCODING), "br");
    assert_eq!(br.body, "br wasm");
    assert_eq!(
        header(&br, header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert!(header(&br, header::VARY)
        .to_lowercase()
        .contains("accept-encoding"));
    assert_eq!(header(&br, header::CONTENT_TYPE), "application/wasm");

    let gz = app.get_with(path, &[("accept-encoding", "gzip")]).await;
    assert_eq!(
        (header(&gz, header::CONTENT_ENCODING), gz.body.as_str()),
        ("gzip", "gz wasm")
    );

    let raw = app.get_with(path, &[]).await;
    assert_eq!(raw.body, "raw wasm");
    let modified = header(&raw, header::LAST_MODIFIED).to_owned();
    assert!(!modified.is_empty());
    let again = app
        .get_with(path, &[("if-modified-since", &modified)])
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);

    let missing = app.get_with("/pkg/grove.ffff.wasm", &[]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_ne!(
        header(&missing, header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );

    // pages load the hashed files, stylesheet included
    let page = app.get("/").await;
    assert!(
        page.body.contains("/pkg/grove.0123abcd.js"),
        "{}",
        page.body
    );
    assert!(page.body.contains("/pkg/grove.0123abcd.wasm"));
    assert!(page.body.contains("/pkg/grove.0123abcd.css"));
    let _ = std::fs::remove_dir_all(root);
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn pages_are_compressed_and_an_unchanged_page_is_a_304(pool: PgPool) {
    let mut app = TestApp::new(pool);
    let first = app.get("/").await;
    assert_eq!(first.status, StatusCode::OK);
    let tag = header(&first, header::ETAG).to_owned();
    assert!(tag.starts_with("W/\""), "{tag}");
    assert_eq!(header(&first, header::CACHE_CONTROL), "private, no-cache");

    // a new nonce each time, the same tag while the page is the same
    let second = app.get("/").await;
    assert_ne!(
        header(&first, header::CONTENT_SECURITY_POLICY),
        header(&second, header::CONTENT_SECURITY_POLICY)
    );
    assert_eq!(header(&second, header::ETAG), tag);

    let revisit = app.get_with("/", &[("if-none-match", &tag)]).await;
    assert_eq!(revisit.status, StatusCode::NOT_MODIFIED);
    assert!(revisit.bytes.is_empty());
    assert_eq!(header(&revisit, header::ETAG), tag);
    assert!(revisit
        .headers
        .get(header::CONTENT_SECURITY_POLICY)
        .is_none());

    // another page, or the same page for someone signed in, has another tag
    let login = app.get("/login").await;
    assert_ne!(header(&login, header::ETAG), tag);
    app.register("ada").await;
    let mine = app.get_with("/", &[("if-none-match", &tag)]).await;
    assert_eq!(mine.status, StatusCode::OK);

    // compressed on the fly for a browser that asks
    let gzipped = app.get_with("/login", &[("accept-encoding", "gzip")]).await;
    assert_eq!(header(&gzipped, header::CONTENT_ENCODING), "gzip");
    let mut html = String::new();
    GzDecoder::new(gzipped.bytes.as_slice())
        .read_to_string(&mut html)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(html.contains("<html"), "{html}");
    let br = app.get_with("/login", &[("accept-encoding", "br")]).await;
    assert_eq!(header(&br, header::CONTENT_ENCODING), "br");
    // a small answer is not worth the CPU: sent as it is
    let small = app
        .get_with("/healthz", &[("accept-encoding", "br, gzip")])
        .await;
    assert_eq!(small.status, StatusCode::OK);
    assert!(small.headers.get(header::CONTENT_ENCODING).is_none());
}
