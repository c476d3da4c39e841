//! The HTTP check against a stand-in service on 127.0.0.1: its status and body, a slow answer, nobody listening.

use std::time::Duration;

use tengu_core::domain::CheckUrl;
use tengu_core::ports::Probe;
use tengu_probe::HttpProbe;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn a_check_reads_the_status_and_the_body_and_says_when_nothing_answers() {
    let service = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/healthz"))
        .respond_with(ResponseTemplate::new(503).set_body_string(r#"{"status":"degraded"}"#))
        .mount(&service)
        .await;
    Mock::given(method("GET"))
        .and(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&service)
        .await;
    Mock::given(method("GET"))
        .and(path("/moved"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/healthz"))
        .mount(&service)
        .await;
    let probe = HttpProbe::new().unwrap();
    let url = |p: &str| CheckUrl::parse(&format!("{}{p}", service.uri())).unwrap();

    let answer = probe.get(&url("/healthz"), Duration::from_secs(5)).await.unwrap();
    assert_eq!((answer.status, answer.body.as_str()), (503, r#"{"status":"degraded"}"#));
    let moved = probe.get(&url("/moved"), Duration::from_secs(5)).await.unwrap();
    assert_eq!(moved.status, 302, "a redirect is the answer, not followed");
    let slow = probe.get(&url("/slow"), Duration::from_secs(1)).await.unwrap_err();
    assert_eq!(slow.0, "no answer within 1 s");

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let nobody = CheckUrl::parse(&format!("http://127.0.0.1:{port}/healthz")).unwrap();
    let refused = probe.get(&nobody, Duration::from_secs(5)).await.unwrap_err();
    assert_eq!(refused.0, "the connection was refused or could not be made");
}
