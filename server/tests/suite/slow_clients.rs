//! The webhook door stays open under slow or abusive clients: a real `tengu serve`, real sockets.

use std::time::{Duration, Instant};

use crate::support::process::{Served, sqlite_url};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SECRET: &str = "slow-clients-webhook-secret";

/// A connection that announces a 5 MB webhook body and then sends one byte every 2 s, as in the report.
async fn trickling_delivery(port: u16, signed: bool) -> TcpStream {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    // A signature of GitHub's shape (which it does not match): such a request takes a turn to be checked.
    let signature = if signed { format!("X-Hub-Signature-256: sha256={}\r\n", "0".repeat(64)) } else { String::new() };
    let head = format!(
        "POST /webhooks/github HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         X-GitHub-Event: ping\r\nX-GitHub-Delivery: slow\r\n{signature}Content-Length: {}\r\n\r\n{{",
        4 * 1024 * 1024
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

fn keep_trickling(mut streams: Vec<TcpStream>) -> tokio::task::JoinHandle<Vec<bool>> {
    tokio::spawn(async move {
        let mut open = vec![true; streams.len()];
        for _ in 0..3 {
            tokio::time::sleep(Duration::from_secs(2)).await;
            for (stream, open) in streams.iter_mut().zip(open.iter_mut()) {
                *open = *open && stream.write_all(b" ").await.is_ok();
            }
        }
        open
    })
}

async fn signed_ping(served: &Served) -> (reqwest::StatusCode, Duration) {
    let body = br#"{"zen":"Keep it logically awesome.","hook_id":1}"#.to_vec();
    let signature = tengu_server::web::webhook_signature::sign(SECRET.as_bytes(), &body);
    let started = Instant::now();
    let answer = served
        .http
        .post(served.url("/webhooks/github"))
        .header("content-type", "application/json")
        .header("x-github-event", "ping")
        .header("x-github-delivery", format!("ping-{}", started.elapsed().as_nanos()))
        .header("x-hub-signature-256", signature)
        .body(body)
        .send()
        .await
        .unwrap();
    (answer.status(), started.elapsed())
}

#[tokio::test]
async fn forty_slow_unsigned_connections_do_not_keep_a_signed_delivery_out() {
    let served = Served::start(&sqlite_url("slow-unsigned"), &[("TENGU_GITHUB_WEBHOOK_SECRET", SECRET)]).await;
    let mut streams = Vec::new();
    for _ in 0..40 {
        streams.push(trickling_delivery(served.port(), false).await);
    }
    let trickling = keep_trickling(streams);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, took) = signed_ping(&served).await;
    assert!(status.is_success(), "a signed delivery is taken beside 40 slow ones: {status}");
    assert!(took < Duration::from_secs(1), "answered within 1 s, not after the turn queue's wait: {took:?}");
    trickling.abort();
}

#[tokio::test]
async fn slow_bodies_that_look_signed_hold_no_turn_and_end_when_their_time_is_up() {
    let served = Served::start(&sqlite_url("slow-signed"), &[("TENGU_GITHUB_WEBHOOK_SECRET", SECRET)]).await;
    // Forty requests that pass every check of their headers (a signature of GitHub's shape), then trickle: each
    // holds only the bytes it sent, so GitHub's own delivery is taken at once beside them.
    let mut streams = Vec::new();
    for _ in 0..40 {
        streams.push(trickling_delivery(served.port(), true).await);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, took) = signed_ping(&served).await;
    assert!(status.is_success(), "a signed delivery beside 40 slow ones: {status}");
    assert!(took < Duration::from_secs(1), "answered at once, not after a queue's wait: {took:?}");
    let started = Instant::now();
    let mut answered = Vec::new();
    for mut stream in streams {
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(25), stream.read_to_end(&mut answer)).await;
        assert!(read.is_ok(), "a slow body is cut off by its deadline");
        answered.push(String::from_utf8_lossy(&answer).into_owned());
    }
    assert!(started.elapsed() < Duration::from_secs(25), "every slow body was answered after its 10 s");
    let timed_out = answered.iter().filter(|a| a.starts_with("HTTP/1.1 408")).count();
    assert_eq!(timed_out, 40, "each was told its body came too slowly: {answered:?}");
}

#[tokio::test]
async fn headers_that_never_end_lose_their_connection() {
    let served = Served::start(&sqlite_url("slow-headers"), &[]).await;
    let mut stream = TcpStream::connect(("127.0.0.1", served.port())).await.unwrap();
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n").await.unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            if stream.write_all(b"X-Slow: 1\r\n").await.is_err() {
                break;
            }
            let mut buf = [0u8; 512];
            match tokio::time::timeout(Duration::from_millis(10), stream.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => break,
                Ok(Ok(n)) => answer.extend_from_slice(&buf[..n]),
                Err(_) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the connection is closed within 15 s");
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(4) && took < Duration::from_secs(9), "closed after about 5 s: {took:?}");
    assert!(!String::from_utf8_lossy(&answer).contains("200 OK"), "no answer to headers that never ended");
}
