//! Pages answered from memory: a signed-in person's page, as rendered at the current generation of tengu's
//! records, is sent again until a write moves the generation (here or, on PostgreSQL, in another instance) or a
//! few seconds pass. Each answer carries a fresh CSP nonce: the nonce's places in the page are remembered and
//! written over. A page is rendered once at a time per person and address; others asking meanwhile wait for it.

use std::collections::{HashMap, VecDeque};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use tengu_app::server_glue::ActingAs;
use tengu_core::domain::Actor;
use tengu_core::ports::Topics;

use super::AppState;
use super::identity::CspNonce;

/// Even without a write, a page is rendered again after this long (pages show nothing that moves faster
/// without a write; this bounds how stale anything else could be).
const LIFETIME: Duration = tengu_core::read_models::LONGEST_HELD;
/// A rendered page larger than this is sent but not kept (pages list bounded numbers of rows: none comes close).
const LARGEST: usize = 1024 * 1024;
/// Beyond this many kept pages (about 10 MB of 40 KB pages), those not being rendered are dropped.
const MOST_PAGES: usize = 256;

/// Paths that are not pages (or are not made from tengu's records: the sandbox chat lives in memory).
fn is_cacheable_path(path: &str) -> bool {
    const NOT_PAGES: &[&str] =
        &["/api/", "/pkg/", "/webhooks/", "/slack/", "/auth/", "/link/", "/healthz", "/readyz", "/sign-", "/chat"];
    !NOT_PAGES.iter().any(|prefix| path.starts_with(prefix))
}

/// One person's page at one address: the render kept, behind a lock that lets one request render it at a time.
type Slot = Arc<tokio::sync::Mutex<Option<Kept>>>;

#[derive(Default)]
pub struct PageCache {
    /// By `(person, address)`.
    slots: Mutex<HashMap<(String, String), Slot>>,
}

struct Kept {
    generation: u64,
    made: Instant,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    /// Where the nonce of the render stands in `body`.
    nonce_at: Vec<usize>,
}

impl Kept {
    fn fresh(&self, generation: u64) -> bool {
        self.generation == generation && self.made.elapsed() < LIFETIME
    }

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
        response
    }
}

impl PageCache {
    fn slot(&self, key: (String, String)) -> Slot {
        let mut slots = self.slots.lock().expect("page cache");
        if slots.len() >= MOST_PAGES && !slots.contains_key(&key) {
            // Slots in use by a render are kept; the rest go.
            slots.retain(|_, slot| Arc::strong_count(slot) > 1);
        }
        slots.entry(key).or_default().clone()
    }
}

/// Answers a signed-in person's page from memory when it was rendered at the current generation.
pub async fn answer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let person = match request.extensions().get::<ActingAs>() {
        Some(ActingAs(Actor::Person(login))) => login.to_string(),
        _ => return next.run(request).await,
    };
    let nonce = request.extensions().get::<CspNonce>().map(|CspNonce(nonce)| nonce.clone());
    let (Some(nonce), true) = (nonce, request.method() == Method::GET && is_cacheable_path(request.uri().path()))
    else {
        return next.run(request).await;
    };
    let slot = state.pages.slot((person, request.uri().to_string()));
    let mut kept = slot.lock().await;
    // Read before rendering: a write during the render leaves what it made stale at once. Webhook deliveries are
    // shown on their own page alone.
    let topics =
        if request.uri().path().starts_with("/settings/deliveries") { Topics::EVERYTHING } else { Topics::PAGES };
    let generation = state.tengu.changes().stamp(topics);
    if let Some(page) = kept.as_ref().filter(|page| page.fresh(generation)) {
        return page.answer(&nonce);
    }
    let response = next.run(request).await;
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
    // A page that says something went wrong (a passing database failure, say) is shown, never kept.
    if body.len() > LARGEST || contains(&body, b"role=\"alert\"") {
        return Response::from_parts(parts, Body::from(body));
    }
    let page = Kept {
        generation,
        made: Instant::now(),
        status: parts.status,
        nonce_at: places_of(&body, nonce.as_bytes()),
        headers: parts.headers,
        body,
    };
    let answer = page.answer(&nonce);
    *kept = Some(page);
    answer
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
    haystack.windows(needle.len()).any(|window| window == needle)
}

fn places_of(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
    if needle.is_empty() {
        return Vec::new();
    }
    haystack.windows(needle.len()).enumerate().filter(|(_, window)| *window == needle).map(|(at, _)| at).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_page_carries_each_answers_own_nonce_and_only_pages_are_kept() {
        let body = Bytes::from_static(b"<script nonce=\"AAAA\">x</script><script nonce=\"AAAA\"></script>");
        let page = Kept {
            generation: 1,
            made: Instant::now(),
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            nonce_at: places_of(&body, b"AAAA"),
            body,
        };
        assert_eq!(page.nonce_at, vec![15, 46]);
        assert!(page.fresh(1) && !page.fresh(2));
        let answer = page.answer("BBBB");
        let bytes = futures_bytes(answer);
        assert_eq!(bytes, "<script nonce=\"BBBB\">x</script><script nonce=\"BBBB\"></script>");
        assert!(is_cacheable_path("/") && is_cacheable_path("/environments/dev") && is_cacheable_path("/deployments"));
        for not_page in ["/api/load_home", "/pkg/tengu.js", "/sign-in", "/chat", "/webhooks/github", "/healthz"] {
            assert!(!is_cacheable_path(not_page), "{not_page}");
        }
    }

    fn futures_bytes(response: Response) -> String {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let bytes = runtime.block_on(axum::body::to_bytes(response.into_body(), usize::MAX)).unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }
}
