//! The site's own files: served precompressed when the browser takes it (brotli, then gzip, else as built), with
//! a year's cache lifetime when their names carry their content's hash, and pages compressed on the fly.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use leptos::config::LeptosOptions;
use tengu_core::ports::{Store, SystemClock};
use tengu_sql::SqlStore;
use tower::ServiceExt;

async fn router_over(site_root: &std::path::Path, hash_files: bool) -> axum::Router {
    let db = site_root.join("tengu.db");
    let store = SqlStore::connect(&format!("sqlite://{}", db.display())).await.unwrap();
    store.migrate().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(store);
    let tengu = tengu_sandbox::start(store, Arc::new(SystemClock), "http://127.0.0.1:3000").await.unwrap();
    let options = LeptosOptions::builder()
        .output_name("tengu")
        .site_root(site_root.display().to_string())
        .site_pkg_dir("pkg")
        .hash_files(hash_files)
        .build();
    let web = tengu_server::web::WebSettings::sandbox("http://127.0.0.1:3000", Vec::new());
    tengu_server::web::router(tengu, options, web)
}

async fn fetch(router: &axum::Router, path: &str, accept: Option<&str>) -> (StatusCode, header::HeaderMap, Vec<u8>) {
    let mut request = Request::get(path);
    if let Some(accept) = accept {
        request = request.header(header::ACCEPT_ENCODING, accept);
    }
    let response = router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    (status, headers, to_bytes(response.into_body(), 1 << 20).await.unwrap().to_vec())
}

fn site(root: &std::path::Path) {
    let pkg = root.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("tengu.0123abcd.wasm"), b"\0asm the module as built").unwrap();
    std::fs::write(pkg.join("tengu.0123abcd.wasm.br"), b"the module, brotli").unwrap();
    std::fs::write(pkg.join("tengu.0123abcd.wasm.gz"), b"the module, gzip").unwrap();
}

fn scratch(name: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!("tengu-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashed_files_go_out_precompressed_with_a_years_cache_lifetime() {
    let root = scratch("static");
    site(&root);
    let router = router_over(&root, true).await;
    let wasm = "/pkg/tengu.0123abcd.wasm";

    let (status, headers, body) = fetch(&router, wasm, Some("gzip, deflate, br")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_ENCODING], "br");
    assert_eq!(body, b"the module, brotli");
    assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=31536000, immutable");

    let (_, headers, body) = fetch(&router, wasm, Some("gzip")).await;
    assert_eq!(headers[header::CONTENT_ENCODING], "gzip");
    assert_eq!(body, b"the module, gzip");

    let (_, headers, body) = fetch(&router, wasm, None).await;
    assert!(!headers.contains_key(header::CONTENT_ENCODING));
    assert_eq!(body, b"\0asm the module as built");

    // Static files need no sign-in; a missing one is a 404, not a page.
    let (status, headers, _) = fetch(&router, "/pkg/tengu.ffff.wasm", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!headers.contains_key(header::CACHE_CONTROL), "a 404 is not kept for a year");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unhashed_files_are_asked_for_again_and_pages_are_compressed() {
    let root = scratch("static-plain");
    site(&root);
    let router = router_over(&root, false).await;
    let (status, headers, _) = fetch(&router, "/pkg/tengu.0123abcd.wasm", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache");

    let (status, headers, body) = fetch(&router, "/sign-in?next=/", Some("gzip")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_ENCODING], "gzip", "the HTML is compressed on the fly");
    let mut html = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&body[..]), &mut html).unwrap();
    assert!(html.contains("Sign in with GitHub"), "{html}");
}
