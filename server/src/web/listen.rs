//! The accept loop: HTTP/1.1 with a deadline for a request's headers on every connection, and a deadline for its
//! body on every route, so a client that trickles bytes cannot hold a connection, a task or a turn forever.
//! (`axum::serve` sets neither: hyper reads headers without a timer unless one is given.)

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::ServiceExt;

/// A request's line and headers must have arrived this long after the connection was ready for them.
pub const HEADER_DEADLINE: Duration = Duration::from_secs(5);
/// A request's whole body must have arrived this long after its handler began reading it. A webhook handler
/// holds a turn while it reads and asks for less (`webhooks::BODY_DEADLINE`).
pub const BODY_DEADLINE: Duration = Duration::from_secs(30);

/// Serves `router` on `listener` until `shutdown` resolves, then lets the requests in flight finish.
pub async fn serve(listener: TcpListener, router: Router, shutdown: impl Future<Output = ()> + Send) {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, say: wait a moment instead of spinning.
                    tracing::warn!(%error, "a connection could not be accepted");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = router.clone().map_request(|request: Request<hyper::body::Incoming>| request.map(Body::new));
        let service = TowerToHyperService::new(service);
        let connection = http1_builder().serve_connection(TokioIo::new(stream), service);
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = watched.await {
                tracing::debug!(%error, %remote, "a connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

fn http1_builder() -> hyper::server::conn::http1::Builder {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(HEADER_DEADLINE).keep_alive(true);
    builder
}

/// Every route's request body ends with an error once `BODY_DEADLINE` has passed since it was first read.
pub async fn body_deadline(request: Request, next: Next) -> Response {
    next.run(request.map(|body| Body::new(DeadlineBody::new(body, BODY_DEADLINE)))).await
}

/// A body that fails when its deadline passes before its last byte.
pub struct DeadlineBody {
    inner: Body,
    limit: Duration,
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl DeadlineBody {
    /// The clock starts at the first read, so a handler that waits its turn first is not charged for the wait.
    pub fn new(inner: Body, limit: Duration) -> Self {
        Self { inner, limit, deadline: None }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {0:?}")]
pub struct BodyTooSlow(Duration);

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let limit = self.limit;
        let deadline = self.deadline.get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        if deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(axum::Error::new(BodyTooSlow(limit)))));
        }
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
