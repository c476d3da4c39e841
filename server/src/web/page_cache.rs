//! Pages answered from memory: a signed-in person's page that says which topics of tengu's records it is made of
//! (`MadeOf` on its response, put there by the page's drawing) is sent again until a write moves one of them
//! (here or, on PostgreSQL, in another instance) or a few seconds pass. A page that says nothing, or says something
//! went wrong, is never kept. Each answer carries a fresh CSP nonce: the nonce's places in the page are remembered and
//! written over. A page is rendered once at a time per person and address; others asking meanwhile wait for it.

use std::collections::{HashMap, VecDeque};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use tengu_app::server_glue::ActingAs;
use tengu_core::domain::Actor;
use tengu_core::ports::{Changes, Topics};
use tengu_core::read_models::Kept;

use super::AppState;
use super::identity::CspNonce;

/// A rendered page larger than this is sent but not kept (pages list bounded numbers of rows: none comes close).
const LARGEST: usize = 1024 * 1024;
/// Beyond this many kept pages (about 10 MB of 40 KB pages), the stale ones are dropped.
const MOST_PAGES: usize = 256;

/// A request that asks for something else than a page (a stylesheet, a live stream, JSON) does not wait for one.
fn asks_for_a_page(request: &Request) -> bool {
    request.headers().get(header::ACCEPT).is_none_or(|accept| {
        let accept = accept.as_bytes();
        contains(accept, b"text/html") || accept == b"*/*"
    })
}

/// What a page says it is made of, on its response: the page cache may keep it, and a live page's stream knows which
/// writes to draw it again for. A page that says nothing (a failure, a refusal in its address) is never kept.
#[derive(Debug, Clone, Copy)]
pub struct MadeOf(pub Topics);

/// What the page said of itself: the topics it is made of, or None (not kept).
fn kept_topics(response: &Response) -> Option<Topics> {
    response.extensions().get::<MadeOf>().map(|MadeOf(topics)| *topics)
}

/// By `(person, address)`.
type Key = (String, String);

/// Signed-in people's pages as last rendered, kept by tengu's one rule of memory (`read_models::Kept`).
pub struct PageCache {
    pages: Kept<Key, Page>,
    /// One render at a time per person and address: others asking meanwhile wait for it, then take what it kept.
    rendering: Mutex<HashMap<Key, Arc<tokio::sync::Mutex<()>>>>,
}

struct Page {
    /// What the page is made of.
    topics: Topics,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    /// Where the nonce of the render stands in `body`.
    nonce_at: Vec<usize>,
}

impl Page {
    /// The page with `nonce` where the render's nonce stood (the same length: both are 16 random bytes in base64).
    /// The kept page is not copied: the answer is its pieces between the nonces, shared, and the nonce itself.
    fn answer(&self, nonce: &str) -> Response {
        let nonce = Bytes::copy_from_slice(nonce.as_bytes());
        let mut pieces = VecDeque::with_capacity(2 * self.nonce_at.len() + 1);
        let mut from = 0;
        for &at in &self.nonce_at {
            pieces.push_back(self.body.slice(from..at));
            pieces.push_back(nonce.clone());
            from = at + nonce.len();
        }
        pieces.push_back(self.body.slice(from..));
        let body = Body::new(Pieces { pieces, left: self.body.len() as u64 });
        let mut response = Response::new(body);
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers.clone();
        response.extensions_mut().insert(MadeOf(self.topics));
        response
    }
}

impl PageCache {
    pub fn new(changes: Arc<Changes>) -> Self {
        Self { pages: Kept::new(changes, MOST_PAGES), rendering: Mutex::default() }
    }

    /// The lock a render of `key` holds.
    fn render_lock(&self, key: &Key) -> Arc<tokio::sync::Mutex<()>> {
        let mut rendering = self.rendering.lock().expect("page cache");
        if rendering.len() >= MOST_PAGES && !rendering.contains_key(key) {
            // Locks nobody holds or waits for go.
            rendering.retain(|_, lock| Arc::strong_count(lock) > 1);
        }
        rendering.entry(key.clone()).or_default().clone()
    }
}

/// Answers a signed-in person's page from memory while nothing it is made of has changed since its render.
pub async fn answer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let person = match request.extensions().get::<ActingAs>() {
        Some(ActingAs(Actor::Person(login))) => login.to_string(),
        _ => return next.run(request).await,
    };
    let nonce = request.extensions().get::<CspNonce>().map(|CspNonce(nonce)| nonce.clone());
    let (Some(nonce), true) = (nonce, request.method() == Method::GET && asks_for_a_page(&request)) else {
        return next.run(request).await;
    };
    let key = (person, request.uri().to_string());
    if let Some(page) = state.pages.pages.get(&key) {
        return page.answer(&nonce);
    }
    let lock = state.pages.render_lock(&key);
    let _rendering = lock.lock().await;
    // Rendered by whoever held the lock meanwhile.
    if let Some(page) = state.pages.pages.get(&key) {
        return page.answer(&nonce);
    }
    // Read before rendering: a write during the render leaves what it made stale at once.
    let before = state.tengu.changes().snapshot();
    let response = next.run(request).await;
    let Some(topics) = kept_topics(&response) else {
        return response;
    };
    let keepable = response.status() == StatusCode::OK
        && !response.headers().contains_key(header::SET_COOKIE)
        && response.headers().get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
    if !keepable {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(error) => {
            tracing::warn!(%error, "a page could not be rendered whole");
            parts.headers.remove(header::CONTENT_LENGTH);
            return Response::from_parts(parts, Body::from("tengu could not finish this page; reload it."));
        }
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    if body.len() > LARGEST {
        return Response::from_parts(parts, Body::from(body));
    }
    let page = Page {
        topics,
        status: parts.status,
        nonce_at: places_of(&body, nonce.as_bytes()),
        headers: parts.headers,
        body,
    };
    state.pages.pages.keep(key, topics, before.stamp(topics), page).answer(&nonce)
}

/// A kept page's pieces, sent one after another; its length is known, so the answer says it (not chunked).
struct Pieces {
    pieces: VecDeque<Bytes>,
    left: u64,
}

impl http_body::Body for Pieces {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        Poll::Ready(this.pieces.pop_front().map(|piece| {
            this.left -= piece.len() as u64;
            Ok(http_body::Frame::data(piece))
        }))
    }

    fn is_end_stream(&self) -> bool {
        self.pieces.is_empty()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.left)
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

fn places_of(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
    if needle.is_empty() {
        return Vec::new();
    }
    memchr::memmem::find_iter(haystack, needle).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tengu_core::ports::Topic;

    #[test]
    fn a_kept_page_carries_each_answers_own_nonce_and_holds_until_its_own_topics_move() {
        let body = Bytes::from_static(b"<script nonce=\"AAAA\">x</script><script nonce=\"AAAA\"></script>");
        let changes = Arc::new(Changes::default());
        let cache = PageCache::new(changes.clone());
        let topics = Topic::Deployments | Topic::People;
        let page = Page {
            topics,
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            nonce_at: places_of(&body, b"AAAA"),
            body,
        };
        assert_eq!(page.nonce_at, vec![15, 46]);
        let key = ("alice".to_owned(), "/".to_owned());
        cache.pages.keep(key.clone(), topics, changes.stamp(topics), page);
        changes.wrote(Topics::of(Topic::Deliveries));
        assert!(cache.pages.get(&key).is_some(), "a delivery is not on this page");
        let page = cache.pages.get(&key).unwrap();
        changes.wrote(Topics::of(Topic::Deployments));
        assert!(cache.pages.get(&key).is_none());
        let answer = page.answer("BBBB");
        let bytes = futures_bytes(answer);
        assert_eq!(bytes, "<script nonce=\"BBBB\">x</script><script nonce=\"BBBB\"></script>");
    }

    #[test]
    fn only_a_page_that_says_what_it_is_made_of_is_kept() {
        let mut response = Response::new(Body::empty());
        assert_eq!(kept_topics(&response), None, "silent: not kept");
        response.extensions_mut().insert(MadeOf(Topics::PAGES));
        assert_eq!(kept_topics(&response), Some(Topics::PAGES));
        assert!(response.headers().is_empty(), "the word is for the cache, not the browser");
        let asking = |accept: Option<&str>| {
            let mut request = Request::new(Body::empty());
            if let Some(accept) = accept {
                request.headers_mut().insert(header::ACCEPT, accept.parse().unwrap());
            }
            asks_for_a_page(&request)
        };
        assert!(asking(None) && asking(Some("text/html,application/xhtml+xml,*/*;q=0.8")) && asking(Some("*/*")));
        assert!(!asking(Some("text/event-stream")) && !asking(Some("text/css,*/*;q=0.1")));
    }

    fn futures_bytes(response: Response) -> String {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let bytes = runtime.block_on(axum::body::to_bytes(response.into_body(), usize::MAX)).unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }
}
