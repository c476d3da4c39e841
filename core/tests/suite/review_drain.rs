//! A push replaces a review environment's task without cutting a connection: the route moves to the new task,
//! and the old one keeps serving the requests it has for `drain_seconds` before it is stopped. The tasks here are
//! real HTTP servers on loopback addresses of their own (a stand-in for ECS tasks: stopping one closes its
//! connections, as stopping a container does), and a client holds a slow request open across the push.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use async_trait::async_trait;
use chrono::{Duration, TimeZone, Utc};
use tengu_core::domain::{BranchName, ClusterName, CommitSha, Login, PrNumber, RepoSlug};
use tengu_core::ports::{
    EcsNotConfigured, LogNotifier, ManualClock, OrchestratorError, Store, TaskRunner, TaskSpec, TaskStatus,
};
use tengu_core::tengu::Ports;
use tengu_core::usecases::ReviewPr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A slow page: ten bytes, one every 150 ms.
const PAGE: &[u8] = b"0123456789";

/// Tasks that are HTTP servers, each on a loopback address of its own (127.0.0.2, .3, …) at the review port.
struct LocalTasks {
    port: u16,
    next: Mutex<u8>,
    running: Mutex<HashMap<String, (String, tokio::task::JoinHandle<()>)>>,
    stopped: Mutex<HashMap<String, String>>,
}

impl LocalTasks {
    fn new(port: u16) -> Self {
        Self { port, next: Mutex::new(2), running: Mutex::default(), stopped: Mutex::default() }
    }

    fn stopped_reason(&self, arn: &str) -> Option<String> {
        self.stopped.lock().unwrap().get(arn).cloned()
    }
}

/// Answers every request with `PAGE`, slowly; each connection lives inside the task's own tokio task, so
/// aborting the task (stopping it) closes them.
async fn serve(listener: TcpListener) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let Ok((mut stream, _)) = listener.accept().await else { return };
        connections.spawn(async move {
            let mut request = [0u8; 1024];
            let _ = stream.read(&mut request).await;
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", PAGE.len());
            let _ = stream.write_all(head.as_bytes()).await;
            for byte in PAGE {
                tokio::time::sleep(StdDuration::from_millis(150)).await;
                if stream.write_all(&[*byte]).await.is_err() {
                    return;
                }
            }
        });
    }
}

#[async_trait]
impl TaskRunner for LocalTasks {
    async fn run_task(&self, _: &TaskSpec) -> Result<String, OrchestratorError> {
        let ip = {
            let mut next = self.next.lock().unwrap();
            *next += 1;
            format!("127.0.0.{}", *next - 1)
        };
        let listener = TcpListener::bind((ip.as_str(), self.port)).await.expect("a loopback address of its own");
        let arn = format!("arn:aws:ecs:local:1:task/review/{ip}");
        let server = tokio::spawn(serve(listener));
        self.running.lock().unwrap().insert(arn.clone(), (ip, server));
        Ok(arn)
    }

    async fn describe_tasks(&self, _: &ClusterName, arns: &[String]) -> Result<Vec<TaskStatus>, OrchestratorError> {
        let running = self.running.lock().unwrap();
        let stopped = self.stopped.lock().unwrap();
        Ok(arns
            .iter()
            .map(|arn| TaskStatus {
                arn: arn.clone(),
                last_status: if stopped.contains_key(arn) { "STOPPED" } else { "RUNNING" }.to_owned(),
                health: None,
                private_ip: running.get(arn).map(|(ip, _)| ip.clone()),
                stopped_reason: stopped.get(arn).cloned(),
                tags: Vec::new(),
                started_at: None,
            })
            .collect())
    }

    async fn stop_task(&self, _: &ClusterName, arn: &str, reason: &str) -> Result<(), OrchestratorError> {
        if let Some((_, server)) = self.running.lock().unwrap().get(arn) {
            server.abort();
        }
        self.stopped.lock().unwrap().insert(arn.to_owned(), reason.to_owned());
        Ok(())
    }

    async fn list_tengu_tasks(&self, _: &ClusterName) -> Result<Vec<String>, OrchestratorError> {
        let stopped = self.stopped.lock().unwrap();
        Ok(self.running.lock().unwrap().keys().filter(|arn| !stopped.contains_key(*arn)).cloned().collect())
    }

    async fn task_template(&self, reference: &str) -> Result<tengu_core::domain::TaskDefinitionDoc, OrchestratorError> {
        Err(OrchestratorError::Rejected(format!("{reference}: these tasks run on this machine, not from a definition")))
    }
}

fn pull_request(at: char) -> ReviewPr {
    ReviewPr {
        repo: RepoSlug::parse("acme/shop").unwrap(),
        number: PrNumber::new(600).unwrap(),
        title: "Gift cards".into(),
        author: Login::parse("alice").unwrap(),
        branch: BranchName::parse("feature/gift-cards").unwrap(),
        sha: CommitSha::parse(at.to_string().repeat(40)).unwrap(),
    }
}

/// The sandbox's tengu (its simulated GitHub hears of the review environments) with these tasks.
async fn tengu_with(tasks: Arc<LocalTasks>, drain_seconds: u32) -> (tengu_core::Tengu, Arc<ManualClock>) {
    let store: Arc<dyn Store> = Arc::new(crate::support::sqlite().await);
    let clock = Arc::new(ManualClock::at(Utc.with_ymd_and_hms(2026, 12, 6, 9, 0, 0).unwrap()));
    let sandbox = tengu_sandbox::start(store.clone(), clock.clone(), "http://127.0.0.1:3000").await.unwrap();
    let mut settings = sandbox.settings().clone();
    settings.review[0].port = tasks.port;
    settings.review[0].drain_seconds = drain_seconds;
    let ports = Ports {
        store,
        code_host: sandbox.code_host().clone(),
        code_host_setup: Arc::new(tengu_core::ports::NoAppSetup),
        chat_setup: Arc::new(tengu_core::ports::NoChatSetup),
        orchestrator: Arc::new(EcsNotConfigured),
        account: Arc::new(tengu_core::ports::AccountNotConfigured),
        tasks,
        notifier: Arc::new(LogNotifier),
        clock: clock.clone(),
        people: Arc::new(crate::support::EveryoneHas(tengu_core::domain::Permission::Admin)),
        policy: Arc::new(tengu_core::ports::RulePolicy),
        probe: Arc::new(tengu_core::ports::ProbeNotConfigured),
        alarms: Arc::new(tengu_core::ports::AlarmsNotConfigured),
    };
    (tengu_core::Tengu::new(settings, ports), clock)
}

fn free_port() -> u16 {
    // A port free on 127.0.0.1 is, in practice, free on the other loopback addresses too.
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Opens a request through the route (as the proxy in front of review URLs would) and reads its first byte.
async fn open_request(address: &str) -> (TcpStream, Vec<u8>) {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(b"GET / HTTP/1.1\r\nHost: pr-600-shop.review.sandbox.test\r\n\r\n").await.unwrap();
    let mut seen = Vec::new();
    let mut buffer = [0u8; 256];
    while !seen.ends_with(b"\r\n\r\n0") {
        let n = stream.read(&mut buffer).await.unwrap();
        assert!(n > 0, "the task answers");
        seen.extend_from_slice(&buffer[..n]);
    }
    (stream, seen)
}

/// What else the held request gets: the rest of the page, or a cut.
async fn rest_of(mut stream: TcpStream) -> Vec<u8> {
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(StdDuration::from_secs(5), stream.read_to_end(&mut rest)).await;
    rest
}

/// Opens the environment at `a`, waits until it serves, opens a slow request, pushes `b` and switches the route.
async fn push_with_a_request_open(
    tengu: &tengu_core::Tengu,
    clock: &ManualClock,
) -> (String, String, tokio::task::JoinHandle<Vec<u8>>) {
    let env = tengu.start_review_env(pull_request('a')).await.unwrap();
    let first = env.task.clone().unwrap();
    clock.advance(Duration::seconds(5));
    tengu.reconcile_review_envs().await.unwrap();
    let host = env.url.trim_start_matches("https://").to_owned();
    let old_address = tengu.review_route(&host).await.unwrap().expect("served");
    let (stream, _) = open_request(&old_address).await;
    let held = tokio::spawn(rest_of(stream));

    clock.advance(Duration::minutes(5));
    tengu.push_review_env(pull_request('b')).await.unwrap();
    clock.advance(Duration::seconds(5));
    tengu.reconcile_review_envs().await.unwrap();
    let new_address = tengu.review_route(&host).await.unwrap().expect("served");
    assert_ne!(new_address, old_address, "the route moved to the new task");
    (first, old_address, held)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_open_across_a_push_finishes_and_the_old_task_stops_after_its_drain() {
    let tasks = Arc::new(LocalTasks::new(free_port()));
    let (tengu, clock) = tengu_with(tasks.clone(), 30).await;
    let (first, _, held) = push_with_a_request_open(&tengu, &clock).await;
    assert_eq!(tasks.stopped_reason(&first), None, "the old task drains instead of stopping");

    let rest = held.await.unwrap();
    assert_eq!(rest, PAGE[1..].to_vec(), "the request held across the push got its whole page");

    clock.advance(Duration::seconds(31));
    let report = tengu.reconcile_review_envs().await.unwrap();
    assert!(report.strangers.is_empty(), "{report:?}");
    assert_eq!(
        tasks.stopped_reason(&first).as_deref(),
        Some("drained: a newer push serves the pull request"),
        "stopped once the drain is over"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_drain_the_push_cuts_the_request_open_on_the_old_task() {
    let tasks = Arc::new(LocalTasks::new(free_port()));
    let (tengu, clock) = tengu_with(tasks.clone(), 0).await;
    let (first, _, held) = push_with_a_request_open(&tengu, &clock).await;
    assert_eq!(tasks.stopped_reason(&first).as_deref(), Some("replaced by a newer push"));
    let rest = held.await.unwrap();
    assert!(rest.len() < PAGE.len() - 1, "the request was cut: {} of {} bytes", rest.len(), PAGE.len() - 1);
}
