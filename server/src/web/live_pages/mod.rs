//! A page kept up to date while it is open: `GET /api/live?page=<address>` is a stream of server-sent events that
//! carries the HTML of the page's regions (elements with `data-region` and an `id`) whenever one of them changes.
//! The page is drawn by the same render that answered its load, as the person watching (so it shows what they
//! may see, and the page cache answers it when nothing changed); a render happens only when a write touched one of
//! the topics the page said it is made of (a page that said nothing is drawn again on any write). The browser swaps
//! the regions in; it never fetches the page.

mod regions;

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, Request};
use axum::http::{Extensions, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::stream::{self, Stream};
use serde::{Deserialize, Serialize};
use tengu_app::contract;
use tengu_app::server_glue::ActingAs;
use tengu_core::Tengu;
use tengu_core::ports::{Topic, Topics};
use tokio::sync::watch;
use tower::ServiceExt;

pub use regions::{Region, regions_of};

use super::page_cache::MadeOf;

/// A stream ends after this long; the browser's EventSource connects again at once, and that request passes the
/// session and permission checks afresh.
const STREAM_LIFETIME: Duration = Duration::from_secs(300);
/// How soon the browser connects again after a stream ended.
const RECONNECT_AFTER: Duration = Duration::from_millis(500);
/// A sign-out anywhere moves it.
const SESSIONS: Topics = Topics::of(Topic::Sessions);
/// The largest page drawn for a stream (pages are tens of KB).
const LARGEST_PAGE: usize = 4 * 1024 * 1024;

/// What a stream needs besides its request: the pages' own router (the render a page load gets, behind the
/// identity layers the stream's request already passed), tengu's change notices, and the server's closing.
#[derive(Clone)]
pub struct LivePages {
    pub pages: Router,
    pub tengu: Tengu,
    pub closing: watch::Receiver<bool>,
}

#[derive(Deserialize)]
pub struct Watched {
    page: String,
}

/// One frame's region, as the browser receives it.
#[derive(Serialize)]
struct Swap<'a> {
    id: &'a str,
    html: &'a str,
}

/// A page drawn for a stream.
enum Drawn {
    Page {
        regions: Vec<Region>,
        made_of: Topics,
    },
    /// Sent elsewhere or refused (signed out, no longer allowed): the stream ends.
    NotYours(StatusCode),
    /// Failed for now (a database hiccup): drawn again at the next change.
    Unavailable,
}

/// `GET /api/live?page=/environments/production`: signed-in people only (the identity layers answer 401 first).
pub async fn stream(live: LivePages, Query(watched): Query<Watched>, request: Request) -> Response {
    if request.extensions().get::<ActingAs>().is_none() {
        return (StatusCode::UNAUTHORIZED, "Sign in to tengu first.").into_response();
    }
    let Some(page) = own_page(&watched.page) else {
        return (StatusCode::BAD_REQUEST, "page must be one of tengu's own pages, such as /environments/dev")
            .into_response();
    };
    let extensions = request.extensions().clone();
    let seen = live.tengu.changes().snapshot();
    match draw(&live.pages, &page, &extensions).await {
        Drawn::Page { regions, made_of } => {
            let sessions = seen.stamp(SESSIONS);
            let stamp = seen.stamp(made_of);
            let watch = Watch { live, page, extensions, made_of, stamp, sessions, shown: shown(&regions) };
            let first = Frame::Regions(regions);
            Sse::new(frames(watch, first)).keep_alive(KeepAlive::default()).into_response()
        }
        Drawn::NotYours(StatusCode::NOT_FOUND) => {
            (StatusCode::NOT_FOUND, "There is no such page to watch.").into_response()
        }
        Drawn::NotYours(status) => (status, "This page is not yours to watch; sign in again.").into_response(),
        Drawn::Unavailable => {
            (StatusCode::SERVICE_UNAVAILABLE, "tengu cannot draw this page right now").into_response()
        }
    }
}

/// One of tengu's pages by its path and query (never another site, never the API or a file).
fn own_page(page: &str) -> Option<String> {
    let own = page.starts_with('/') && !page.starts_with("//") && !page.contains('\\');
    let path = page.split(['?', '#']).next().unwrap_or_default();
    let a_page = !path.starts_with("/api/") && !path.starts_with("/pkg/") && !path.contains("..");
    (own && a_page && page.parse::<axum::http::Uri>().is_ok())
        .then(|| page.split('#').next().unwrap_or(page).to_owned())
}

/// The page as a load by the same person draws it now.
async fn draw(pages: &Router, page: &str, extensions: &Extensions) -> Drawn {
    let Ok(mut request) = Request::get(page).header(header::ACCEPT, "text/html").body(Body::empty()) else {
        return Drawn::Unavailable;
    };
    *request.extensions_mut() = extensions.clone();
    let Ok(response) = pages.clone().oneshot(request).await;
    let status = response.status();
    if status.is_redirection()
        || matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
    {
        return Drawn::NotYours(status);
    }
    // A page that says nothing of what it is made of is drawn again on any write.
    let made_of = response.extensions().get::<MadeOf>().map_or(Topics::EVERYTHING, |MadeOf(topics)| *topics);
    if status != StatusCode::OK {
        return Drawn::Unavailable;
    }
    match axum::body::to_bytes(response.into_body(), LARGEST_PAGE).await {
        Ok(body) => Drawn::Page { regions: regions_of(&String::from_utf8_lossy(&body)), made_of },
        Err(error) => {
            tracing::warn!(%error, page, "a watched page could not be drawn whole");
            Drawn::Unavailable
        }
    }
}

fn shown(regions: &[Region]) -> HashMap<String, String> {
    regions.iter().map(|region| (region.id.clone(), region.html.clone())).collect()
}

/// A watched page between frames.
struct Watch {
    live: LivePages,
    page: String,
    extensions: Extensions,
    made_of: Topics,
    /// The stamp of `made_of` read before the last draw.
    stamp: u64,
    /// The stamp of sessions when the stream began: a sign-out anywhere since ends it.
    sessions: u64,
    /// Each region as last sent.
    shown: HashMap<String, String>,
}

enum Frame {
    Regions(Vec<Region>),
    /// The page is no longer the person's: the browser stops watching.
    Gone,
}

impl Frame {
    fn event(&self) -> Event {
        match self {
            Frame::Regions(regions) => {
                let swaps: Vec<Swap<'_>> = regions.iter().map(|r| Swap { id: &r.id, html: &r.html }).collect();
                let data = serde_json::to_string(&swaps).unwrap_or_else(|_| "[]".to_owned());
                Event::default().event(contract::LIVE_REGIONS_EVENT).retry(RECONNECT_AFTER).data(data)
            }
            Frame::Gone => Event::default().event(contract::LIVE_GONE_EVENT).data("gone"),
        }
    }
}

impl Watch {
    /// Waits for a write to what the page is made of (or a sign-out anywhere, or the server closing), draws the
    /// page again and says which regions changed; None ends the stream.
    async fn next(&mut self, end: tokio::time::Instant) -> Option<Frame> {
        let changes = self.live.tengu.changes().clone();
        let mut closing = self.live.closing.clone();
        loop {
            if *closing.borrow() {
                return None;
            }
            tokio::select! {
                () = changes.changed(self.made_of, self.stamp) => {}
                // The browser's next connection is checked afresh.
                () = changes.changed(SESSIONS, self.sessions) => return None,
                () = tokio::time::sleep_until(end) => return None,
                _ = closing.wait_for(|closing| *closing) => return None,
            }
            let seen = changes.snapshot();
            match draw(&self.live.pages, &self.page, &self.extensions).await {
                Drawn::Page { regions, made_of } => {
                    (self.made_of, self.stamp) = (made_of, seen.stamp(made_of));
                    let changed: Vec<Region> =
                        regions.into_iter().filter(|r| self.shown.get(&r.id) != Some(&r.html)).collect();
                    if changed.is_empty() {
                        continue;
                    }
                    self.shown.extend(changed.iter().map(|r| (r.id.clone(), r.html.clone())));
                    return Some(Frame::Regions(changed));
                }
                Drawn::NotYours(_) => return Some(Frame::Gone),
                Drawn::Unavailable => self.stamp = seen.stamp(self.made_of),
            }
        }
    }
}

fn frames(watch: Watch, first: Frame) -> impl Stream<Item = Result<Event, Infallible>> {
    let end = tokio::time::Instant::now() + STREAM_LIFETIME;
    let started = stream::once(async move { Ok(first.event()) });
    let rest = stream::unfold(Some(watch), move |watch| async move {
        let mut watch = watch?;
        let frame = watch.next(end).await?;
        // After telling the browser the page is gone, nothing more is sent.
        let more = !matches!(frame, Frame::Gone);
        Some((Ok(frame.event()), more.then_some(watch)))
    });
    stream::StreamExt::chain(started, rest)
}
