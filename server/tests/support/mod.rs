//! A tengu on the sandbox over a throwaway SQLite file, driven request by request (no socket needed).

#![allow(dead_code)]

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Request, StatusCode};
use tengu_core::ports::{Store, SystemClock};
use tengu_core::sql_store::SqlStore;
use tower::ServiceExt;

pub struct TestApp {
    pub router: Router,
    pub tengu: tengu_core::Tengu,
    /// The same database, for a test that must change it behind tengu's back.
    pub database: SqlStore,
}

pub async fn spawn_app(webhook_secrets: Vec<Vec<u8>>) -> TestApp {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!("tengu-http-{}-{nanos}", std::process::id()));
    let store = SqlStore::connect(&format!("sqlite://{}/tengu.db", dir.display())).await.unwrap();
    store.migrate().await.unwrap();
    let database = store.clone();
    let store: Arc<dyn Store> = Arc::new(store);
    let tengu = tengu_core::sandbox::start(store, Arc::new(SystemClock), "http://127.0.0.1:3000").await.unwrap();
    let router = tengu_server::web::router(tengu.clone(), tengu_server::web::leptos_options(), webhook_secrets);
    TestApp { router, tengu, database }
}

impl TestApp {
    pub async fn send(&self, request: Request<Body>) -> (StatusCode, HeaderMap, String) {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = to_bytes(response.into_body(), 10 << 20).await.unwrap();
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    /// Waits until every stored webhook delivery has been handled (they are handled after the answer).
    pub async fn settle_deliveries(&self) {
        for _ in 0..200 {
            if self.tengu.store().unfinished_deliveries(10).await.unwrap().is_empty() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("webhook deliveries were not handled within 2 s");
    }
}

pub fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}
