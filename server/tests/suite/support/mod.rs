//! A tengu on the sandbox over a throwaway SQLite file, driven request by request (no socket needed).

#![allow(dead_code)]

pub mod process;

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Request, StatusCode};
use tengu_core::ports::{Store, SystemClock};
use tengu_sql::SqlStore;
use tower::ServiceExt;

pub struct TestApp {
    pub router: Router,
    pub tengu: tengu_core::Tengu,
    /// The same database, for a test that must change it behind tengu's back.
    pub database: SqlStore,
    /// The sandbox's simulated GitHub, on which a test merges or edits as people do on GitHub.
    pub github: tengu_sandbox::SimulatedGithub,
    /// The sandbox's simulated Slack channel, when the Slack app is the sandbox's.
    pub chat: Option<Arc<tengu_sandbox::chat::SandboxChat>>,
}

pub async fn spawn_app(webhook_secrets: Vec<Vec<u8>>) -> TestApp {
    spawn_app_with(webhook_secrets, |_| {}).await
}

/// The same, with the web settings changed first (a Slack app, say).
pub async fn spawn_app_with(
    webhook_secrets: Vec<Vec<u8>>,
    change: impl FnOnce(&mut tengu_server::web::WebSettings),
) -> TestApp {
    spawn(webhook_secrets, change, Vec::new()).await
}

/// The same, with these freeze windows configured.
pub async fn spawn_app_frozen(freezes: Vec<tengu_core::domain::FreezeWindow>) -> TestApp {
    spawn(Vec::new(), |_| {}, freezes).await
}

async fn spawn(
    webhook_secrets: Vec<Vec<u8>>,
    change: impl FnOnce(&mut tengu_server::web::WebSettings),
    freezes: Vec<tengu_core::domain::FreezeWindow>,
) -> TestApp {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!("tengu-http-{}-{nanos}", std::process::id()));
    let store = SqlStore::connect(&format!("sqlite://{}/tengu.db", dir.display())).await.unwrap();
    store.migrate().await.unwrap();
    let database = store.clone();
    let store: Arc<dyn Store> = Arc::new(store);
    let (tengu, github) = tengu_sandbox::simulate(store, Arc::new(SystemClock), "http://127.0.0.1:3000").await.unwrap();
    let tengu = tengu.with_freezes(freezes);
    tengu_server::jobs::spawn_delivery_worker(tengu.clone());
    let mut web = tengu_server::web::WebSettings::sandbox("http://127.0.0.1:3000", webhook_secrets);
    web.sandbox_github = Some(github.clone());
    change(&mut web);
    let chat = web.sandbox_chat.clone();
    let router = tengu_server::web::router(tengu.clone(), tengu_server::web::leptos_options(), web);
    TestApp { router, tengu, database, github, chat }
}

impl TestApp {
    pub async fn send(&self, request: Request<Body>) -> (StatusCode, HeaderMap, String) {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = to_bytes(response.into_body(), 10 << 20).await.unwrap();
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    /// Waits until every stored webhook delivery has been handled or has failed once (they are handled after
    /// the answer).
    pub async fn settle_deliveries(&self) {
        for _ in 0..200 {
            let unfinished = self.tengu.store().unfinished_deliveries(10).await.unwrap();
            if unfinished.iter().all(|d| d.attempts > 0) {
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

/// The cookie pair (`name=value`) a response sets, if any.
pub fn set_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get(axum::http::header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap().to_owned())
}

fn query_value<'a>(location: &'a str, key: &str) -> &'a str {
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or("");
    query.split('&').find_map(|pair| pair.strip_prefix(&format!("{key}="))).unwrap_or("")
}

impl TestApp {
    /// Signs in through the sandbox's consent page, as a browser would; the session cookie to send.
    pub async fn sign_in(&self, login: &str) -> String {
        use axum::http::header;
        let (status, headers, _) = self.send(get("/auth/github?next=/")).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let first = set_cookie(&headers).expect("a session for the sign-in under way");
        let location = headers[header::LOCATION].to_str().unwrap().to_owned();
        let (state, challenge) = (query_value(&location, "state"), query_value(&location, "code_challenge"));
        let consent = Request::post("/auth/sandbox")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ORIGIN, "http://127.0.0.1:3000")
            .header(header::COOKIE, first.as_str())
            .body(Body::from(format!("state={state}&code_challenge={challenge}&login={login}")))
            .unwrap();
        let (status, headers, _) = self.send(consent).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let callback = headers[header::LOCATION].to_str().unwrap().to_owned();
        let back = Request::get(callback.as_str()).header(header::COOKIE, first.as_str()).body(Body::empty()).unwrap();
        let (status, headers, body) = self.send(back).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        let cookie = set_cookie(&headers).expect("the session id is rotated at sign-in");
        assert_ne!(cookie, first, "a new session id after sign-in");
        cookie
    }

    /// Behind tengu's back, a delivery about acme/shop parked after its last failed try.
    pub async fn park_a_delivery(&self, delivery_id: &str) {
        let sql = format!(
            "INSERT INTO webhook_deliveries (delivery_id, event, payload, repo, subject, received_at, attempts, \
             last_error, next_attempt_at, failed_at) VALUES ('{delivery_id}', 'pull_request', '{{}}', 'acme/shop', \
             'acme/shop#140', 0, 10, 'GitHub answered 502', 0, 0)"
        );
        self.database.execute_raw(&sql).await.unwrap();
    }

    /// A GET with the session cookie.
    pub async fn get_as(&self, cookie: &str, path: &str) -> (StatusCode, HeaderMap, String) {
        let request = Request::get(path).header(axum::http::header::COOKIE, cookie).body(Body::empty()).unwrap();
        self.send(request).await
    }
}

/// The commit a test image with tag `tag` is said to be built from: the tag's bytes in hexadecimal, padded to a
/// whole SHA (CI names it with `--sha` or `"sha"`).
pub fn commit_of(tag: &str) -> String {
    let hex: String = tag.bytes().map(|b| format!("{b:02x}")).collect();
    format!("{hex:0<40}")[..40].to_owned()
}

/// A message of the sandbox's chat as its page (`/chat`) shows it.
#[derive(Debug, Clone)]
pub struct ChatSeen {
    pub id: u64,
    pub from: String,
    pub text: String,
}

/// The messages on a `/chat` page, newest first, their text unescaped.
pub fn chat_entries(html: &str) -> Vec<ChatSeen> {
    let between = |text: &str, start: &str, end: &str| -> Option<String> {
        let from = text.find(start)? + start.len();
        let to = text[from..].find(end)? + from;
        Some(text[from..to].to_owned())
    };
    html.split("data-entry=\"")
        .skip(1)
        .filter_map(|entry| {
            let id = entry.split('"').next()?.parse().ok()?;
            let from = between(entry, "class=\"chat__from\">", "</strong>")?;
            let text = between(entry, "class=\"chat__text\">", "</pre>")?;
            Some(ChatSeen { id, from: unescape(&from), text: unescape(&text) })
        })
        .collect()
}

fn unescape(html: &str) -> String {
    html.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#x27;", "'").replace("&amp;", "&")
}
