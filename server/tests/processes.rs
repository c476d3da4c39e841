//! Real `tengu serve` processes: stopped with SIGTERM while browsers watch a rollout live.

mod support;

use std::time::Duration;

use support::process::{Served, sqlite_url};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_with_live_rollout_streams_open_exits_within_ten_seconds() {
    let mut served = Served::start(&sqlite_url("sigterm"), &[]).await;
    let cookie = served.sign_in("alice").await;
    // Three browsers watch production's rollout; each stream has sent its first frame and stays open.
    let mut streams = Vec::new();
    for _ in 0..3 {
        let mut answer = served
            .http
            .get(served.url("/api/environments/production/live"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), reqwest::StatusCode::OK);
        let first = tokio::time::timeout(Duration::from_secs(10), answer.chunk()).await.unwrap().unwrap().unwrap();
        assert!(String::from_utf8_lossy(&first).starts_with("data:"), "a first frame");
        streams.push(answer);
    }
    served.signal("TERM");
    let (took, status) = served.wait_for_exit(Duration::from_secs(15));
    let status = status.expect("the process ended");
    assert!(took < Duration::from_secs(10), "it took {took:?}");
    assert!(status.success(), "a clean stop: {status:?}");
    eprintln!("SIGTERM with 3 live streams open: exited in {} ms", took.as_millis());
    // The streams ended rather than being left hanging.
    for mut stream in streams {
        let rest =
            tokio::time::timeout(Duration::from_secs(2), async { while let Ok(Some(_)) = stream.chunk().await {} });
        assert!(rest.await.is_ok(), "the stream ended");
    }
}
