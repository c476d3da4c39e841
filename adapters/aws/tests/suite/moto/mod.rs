//! moto_server (a real ECS and ECR emulator from PyPI) for adapter tests: one server per test process on a free
//! 127.0.0.1 port, reset before each test, which take turns through `Moto::start`. A missing moto_server fails the
//! test (scripts/bootstrap.sh installs it); it is never skipped.

#![allow(dead_code)]

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_ecs::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_ecs::config::{ConfigBag, Intercept};
use tengu_aws::{AwsSettings, StaticCredentials};
use tokio::sync::{Mutex, MutexGuard};

pub const REGION: &str = "us-east-1";
pub const ACCOUNT: &str = "123456789012";

static SERVER: OnceLock<String> = OnceLock::new();
static TURN: Mutex<()> = Mutex::const_new(());

/// A reset moto, held for the length of one test.
pub struct Moto {
    pub url: String,
    _turn: MutexGuard<'static, ()>,
}

impl Moto {
    pub async fn start() -> Moto {
        let turn = TURN.lock().await;
        let url = SERVER.get_or_init(spawn).clone();
        let reset = reqwest::Client::new().post(format!("{url}/moto-api/reset")).send().await;
        assert!(reset.is_ok_and(|r| r.status().is_success()), "moto did not reset");
        Moto { url, _turn: turn }
    }

    pub fn settings(&self) -> AwsSettings {
        AwsSettings {
            region: Some(REGION.to_owned()),
            endpoint_url: Some(self.url.clone()),
            static_credentials: Some(StaticCredentials {
                access_key_id: "testing".to_owned(),
                secret_access_key: "testing".to_owned(),
            }),
            max_attempts: 2,
        }
    }

    pub async fn config(&self) -> aws_config::SdkConfig {
        tengu_aws::load_config(&self.settings()).await
    }

    pub async fn ecs(&self) -> aws_sdk_ecs::Client {
        aws_sdk_ecs::Client::new(&self.config().await)
    }

    pub async fn ecr(&self) -> aws_sdk_ecr::Client {
        aws_sdk_ecr::Client::new(&self.config().await)
    }
}

impl Moto {
    /// moto's default VPC: its subnets and security groups (RunTask checks that they exist).
    pub async fn default_network(&self) -> (Vec<String>, Vec<String>) {
        let ask = |action: &'static str| {
            reqwest::Client::new()
                .post(&self.url)
                .header(
                    "authorization",
                    "AWS4-HMAC-SHA256 Credential=testing/20261122/us-east-1/ec2/aws4_request, SignedHeaders=host, \
                     Signature=0",
                )
                .form(&[("Action", action), ("Version", "2016-11-15")])
                .send()
        };
        let ids = |xml: &str, tag: &str| -> Vec<String> {
            xml.split(&format!("<{tag}>")).skip(1).filter_map(|s| s.split('<').next()).map(str::to_owned).collect()
        };
        let subnets = ask("DescribeSubnets").await.unwrap().text().await.unwrap();
        let groups = ask("DescribeSecurityGroups").await.unwrap().text().await.unwrap();
        (ids(&subnets, "subnetId"), ids(&groups, "groupId"))
    }

    /// Tasks stay RUNNING (by default moto moves a task one step towards STOPPED at each DescribeTasks).
    pub async fn keep_tasks_running(&self) {
        let manual = serde_json::json!({
            "model_name": "ecs::task",
            "transition": { "progression": "manual", "times": 1_000_000 }
        });
        let set = reqwest::Client::new()
            .post(format!("{}/moto-api/state-manager/set-transition", self.url))
            .json(&manual)
            .send()
            .await;
        assert!(set.is_ok_and(|r| r.status().is_success()), "moto did not take the transition");
    }
}

// The watchdog shell outlives no one: it exits when this process does, so nothing waits on it.
#[allow(clippy::zombie_processes)]
fn spawn() -> String {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    // The shell stops moto when this test process is gone, so no emulator outlives its tests.
    // moto_server through a fixture that corrects one of its ECS answers (see the fixture).
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/moto_server.py");
    let watchdog = r#"python3 "$3" -H 127.0.0.1 -p "$1" >/dev/null 2>&1 & m=$!
while kill -0 "$2" 2>/dev/null && kill -0 "$m" 2>/dev/null; do sleep 1; done; kill "$m" 2>/dev/null"#;
    Command::new("sh")
        .args(["-c", watchdog, "sh", &port.to_string(), &std::process::id().to_string(), fixture])
        .stdin(Stdio::null())
        // Nothing of the test's output is held open by the watchdog (the test runner waits for its pipes to close).
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sh runs");
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "moto_server did not listen on 127.0.0.1:{port} within 60 s; scripts/bootstrap.sh installs it"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    format!("http://127.0.0.1:{port}")
}

/// Counts the ECS operations a client sends (one per call, whatever its retries).
#[derive(Debug, Clone, Default)]
pub struct CallCounter(pub std::sync::Arc<AtomicUsize>);

impl CallCounter {
    pub fn take(&self) -> usize {
        self.0.swap(0, Ordering::SeqCst)
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }

    fn read_before_execution(
        &self,
        _: &BeforeSerializationInterceptorContextRef<'_>,
        _: &mut ConfigBag,
    ) -> Result<(), aws_sdk_ecs::error::BoxError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}
