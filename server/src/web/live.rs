//! The live rollout of an environment as server-sent events. However many browsers watch, one reader per
//! environment looks at tengu's records (where the deployment's driver writes what ECS says) when, and only when,
//! a write of a deployment is announced, and every watcher gets each change once; the reader stops when the last
//! watcher leaves.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::stream::{self, Stream};
use tengu_app::server_glue::ActingAs;
use tengu_core::Tengu;
use tengu_core::domain::{Actor, EnvName, Viewer};
use tengu_core::ports::{Topic, Topics};
use tengu_core::views::LiveDeployment;
use tokio::sync::watch;

/// A write nobody announced (the `tengu` command line writing the same SQLite file) is seen within this long.
const UNANNOUNCED_WITHIN: Duration = tengu_core::read_models::LONGEST_HELD;
/// A stream ends after this long; the browser's EventSource connects again at once, and that request passes the
/// session and permission checks afresh, so a signed-out or removed person stops receiving within this time.
const STREAM_LIFETIME: Duration = Duration::from_secs(300);

type Frame = Option<LiveDeployment>;

#[derive(Clone)]
pub struct LiveRollouts {
    readers: Arc<Mutex<HashMap<EnvName, watch::Sender<Frame>>>>,
    /// How many times the readers looked at the records (for tests: a quiet rollout costs no reads).
    reads: Arc<std::sync::atomic::AtomicU64>,
    /// Turns true when the server stops: every stream ends, so the graceful shutdown does not wait on them.
    closing: watch::Receiver<bool>,
}

impl LiveRollouts {
    pub fn new(closing: watch::Receiver<bool>) -> Self {
        Self { readers: Arc::default(), reads: Arc::default(), closing }
    }

    /// A watcher of `env`, starting (when nobody watches yet) its one reader.
    fn watch(&self, tengu: &Tengu, env: &EnvName, first: Frame) -> watch::Receiver<Frame> {
        let mut readers = self.readers.lock().expect("the reader table is never poisoned");
        if let Some(sender) = readers.get(env) {
            return sender.subscribe();
        }
        let (sender, receiver) = watch::channel(first);
        readers.insert(env.clone(), sender.clone());
        let (tengu, env, table, reads) = (tengu.clone(), env.clone(), self.readers.clone(), self.reads.clone());
        let deployments = Topics::of(Topic::Deployments);
        tokio::spawn(async move {
            let mut seen = tengu.changes().stamp(deployments);
            loop {
                tokio::select! {
                    () = tengu.changes().changed(deployments, seen) => {}
                    () = tokio::time::sleep(UNANNOUNCED_WITHIN) => {}
                    () = sender.closed() => {}
                }
                {
                    // Checked under the table's lock, so a watcher arriving now either finds this reader or starts
                    // the next one; never a reader nobody listens to.
                    let mut readers = table.lock().expect("the reader table is never poisoned");
                    if sender.receiver_count() == 0 {
                        readers.remove(&env);
                        return;
                    }
                }
                // Read before the records are: a write meanwhile wakes the next round.
                seen = tengu.changes().stamp(deployments);
                reads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                // The reader serves watchers already let in; it reads as tengu itself.
                match tengu.live_deployment(&Viewer::trusted(Actor::System), &env).await {
                    Ok(now) => {
                        sender.send_if_modified(|shown| {
                            let changed = *shown != now;
                            if changed {
                                *shown = now;
                            }
                            changed
                        });
                    }
                    Err(error) => tracing::warn!(%error, %env, "the live rollout could not be read"),
                }
            }
        });
        receiver
    }

    #[cfg(test)]
    fn readers(&self) -> usize {
        self.readers.lock().unwrap().len()
    }
}

/// `GET /api/environments/{name}/live`: `data:` is the environment's newest deployment as its page shows it
/// (`LiveDeployment` as JSON, `null` when it has none), sent at once and again whenever it changes.
pub async fn events(
    State(tengu): State<Tengu>,
    State(live): State<LiveRollouts>,
    acting: Option<Extension<ActingAs>>,
    Path(name): Path<String>,
) -> Response {
    let Some(Extension(ActingAs(actor))) = acting else {
        return (StatusCode::UNAUTHORIZED, "Sign in to tengu first.").into_response();
    };
    let Ok(env) = EnvName::parse(&name) else {
        return (StatusCode::NOT_FOUND, "no such environment").into_response();
    };
    let viewer = match tengu.viewer(&actor).await {
        Ok(viewer) => viewer,
        Err(error) => {
            tracing::error!(%error, "a viewer's permissions could not be read");
            return (StatusCode::SERVICE_UNAVAILABLE, "tengu's records cannot be read right now").into_response();
        }
    };
    let first = match tengu.live_deployment(&viewer, &env).await {
        Ok(first) => first,
        Err(error) if error.is_callers_fault() => return (StatusCode::NOT_FOUND, error.user_message()).into_response(),
        Err(error) => {
            tracing::error!(%error, %env, "the live rollout could not be read");
            return (StatusCode::SERVICE_UNAVAILABLE, "tengu's records cannot be read right now").into_response();
        }
    };
    let receiver = live.watch(&tengu, &env, first);
    Sse::new(frames(receiver, live.closing.clone())).keep_alive(KeepAlive::default()).into_response()
}

fn frames(
    receiver: watch::Receiver<Frame>,
    closing: watch::Receiver<bool>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let end = tokio::time::Instant::now() + STREAM_LIFETIME;
    stream::unfold((receiver, closing, true), move |(mut receiver, mut closing, first)| async move {
        if *closing.borrow() {
            return None;
        }
        if !first {
            tokio::select! {
                changed = receiver.changed() => changed.ok()?,
                () = tokio::time::sleep_until(end) => return None,
                _ = closing.wait_for(|closing| *closing) => return None,
            }
        }
        let frame = receiver.borrow_and_update().clone();
        let data = serde_json::to_string(&frame).unwrap_or_else(|_| "null".to_owned());
        Some((Ok(Event::default().data(data)), (receiver, closing, false)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sandbox over a SQLite file of its own.
    async fn sandbox(name: &str) -> Tengu {
        let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = tengu_sql::SqlStore::connect(&format!("sqlite://{}/live.db", dir.display())).await.unwrap();
        store.migrate().await.unwrap();
        let clock = Arc::new(tengu_core::ports::SystemClock);
        tengu_sandbox::start(Arc::new(store), clock, "http://127.0.0.1").await.unwrap()
    }

    #[tokio::test]
    async fn one_reader_per_environment_and_none_once_everyone_left() {
        let tengu = sandbox("tengu-live").await;
        let live = LiveRollouts::new(watch::channel(false).1);
        let env = EnvName::parse("production").unwrap();
        let watchers: Vec<_> = (0..5).map(|_| live.watch(&tengu, &env, None)).collect();
        assert_eq!(live.readers(), 1, "five watchers, one reader");
        drop(watchers);
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        while live.readers() > 0 && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(live.readers(), 0, "the reader stopped with the last watcher");
    }

    /// Watched while nothing is written, the records are not read at all; a write of a deployment is read once
    /// and reaches the watcher.
    #[tokio::test]
    async fn the_reader_reads_when_a_deployment_is_written_and_never_on_a_timer() {
        let tengu = sandbox("tengu-live-quiet").await;
        let live = LiveRollouts::new(watch::channel(false).1);
        let env = EnvName::parse("dev").unwrap();
        let mut watcher = live.watch(&tengu, &env, None);
        // A second of other writes (webhook deliveries, a lease): nothing the live view shows.
        for at in 0..10 {
            let now = chrono::Utc::now();
            tengu
                .store()
                .take_lease(&format!("job {at}"), "me", now, now + chrono::Duration::seconds(5))
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(live.reads.load(std::sync::atomic::Ordering::Relaxed), 0, "no read without a deployment written");
        let newest = tengu.store().latest_deployments(&env).await.unwrap().0.expect("the sandbox has deployed dev");
        tengu.store().record_github_deployment(newest.id, 7).await.unwrap();
        tokio::time::timeout(Duration::from_secs(2), watcher.changed()).await.expect("the watcher hears").unwrap();
        assert_eq!(live.reads.load(std::sync::atomic::Ordering::Relaxed), 1, "one read for one write");
        assert_eq!(watcher.borrow().as_ref().map(|d| d.id), Some(newest.id.0));
    }
}
