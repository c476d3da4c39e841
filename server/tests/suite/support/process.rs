//! A real `tengu serve` process on a free loopback port, over a database of the test's choosing, spoken to over
//! HTTP like a browser or GitHub would.

#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Served {
    pub child: Child,
    pub base: String,
    pub http: reqwest::Client,
    /// Where its log goes (stderr), for a test that counts what it did.
    pub log: std::path::PathBuf,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Served {
    /// Starts `tengu serve` (the sandbox) on `database_url` with these extra variables, and waits until it answers.
    pub async fn start(database_url: &str, extra: &[(&str, &str)]) -> Served {
        Self::start_on(free_port(), database_url, extra).await
    }

    /// The same on a given port (a restart keeps its port, and with it its instance name).
    pub async fn start_on(port: u16, database_url: &str, extra: &[(&str, &str)]) -> Served {
        let base = format!("http://127.0.0.1:{port}");
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let log = std::env::temp_dir().join(format!("tengu-serve-{port}-{nanos}.log"));
        let mut command = Command::new(env!("CARGO_BIN_EXE_tengu"));
        command
            .arg("serve")
            .env("TENGU_DATABASE_URL", database_url)
            .env("TENGU_PUBLIC_URL", &base)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn,tengu_server::jobs=debug")
            .env_remove("TENGU_CONFIG")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("the log file"));
        for (key, value) in extra {
            command.env(key, value);
        }
        let child = command.spawn().expect("tengu serve starts");
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let served = Served { child, base, http, log };
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if let Ok(answer) = served.http.get(served.url("/healthz")).send().await
                && answer.status().is_success()
            {
                return served;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("tengu serve did not answer /healthz within 60 s: {}", served.log_text());
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// How many times this instance ran the periodic job `job` (it logs each run at debug level).
    pub fn job_runs(&self, job: &str) -> usize {
        self.log_text().lines().filter(|line| line.contains("job ran") && line.contains(job)).count()
    }

    pub fn port(&self) -> u16 {
        self.base.rsplit(':').next().unwrap().parse().unwrap()
    }

    /// A server function called from the dashboard by the person whose session cookie this is.
    pub async fn call(&self, cookie: &str, path: &str, form: &str) -> (reqwest::StatusCode, String) {
        let answer = self
            .http
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", &self.base)
            .header("cookie", cookie)
            .body(form.to_owned())
            .send()
            .await
            .unwrap();
        (answer.status(), answer.text().await.unwrap())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Signs in through the sandbox's consent page as `login`; the session cookie pair to send.
    pub async fn sign_in(&self, login: &str) -> String {
        let cookie = |answer: &reqwest::Response| {
            let value = answer.headers()["set-cookie"].to_str().unwrap();
            value.split(';').next().unwrap().to_owned()
        };
        let location = |answer: &reqwest::Response| answer.headers()["location"].to_str().unwrap().to_owned();
        let start = self.http.get(self.url("/auth/github?next=/")).send().await.unwrap();
        let first = cookie(&start);
        let to = location(&start);
        let query = |key: &str| {
            let query = to.split_once('?').map(|(_, q)| q).unwrap_or("");
            query.split('&').find_map(|pair| pair.strip_prefix(&format!("{key}="))).unwrap_or("").to_owned()
        };
        let consent = self
            .http
            .post(self.url("/auth/sandbox"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", &self.base)
            .header("cookie", &first)
            .body(format!("state={}&code_challenge={}&login={login}", query("state"), query("code_challenge")))
            .send()
            .await
            .unwrap();
        let callback = location(&consent);
        let back = self.http.get(self.url(&callback)).header("cookie", &first).send().await.unwrap();
        assert_eq!(back.status(), reqwest::StatusCode::SEE_OTHER);
        cookie(&back)
    }

    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill").arg(format!("-{signal}")).arg(self.child.id().to_string()).status();
        assert!(status.unwrap().success(), "kill -{signal} works");
    }

    /// Waits for the process to end; how long it took, and whether it ended well.
    pub fn wait_for_exit(&mut self, limit: Duration) -> (Duration, Option<std::process::ExitStatus>) {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (started.elapsed(), Some(status));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        (started.elapsed(), None)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A throwaway SQLite database file's URL.
pub fn sqlite_url(name: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!("tengu-proc-{name}-{}-{nanos}", std::process::id()));
    format!("sqlite://{}/tengu.db", dir.display())
}

/// A new, empty database on the local PostgreSQL server (`TENGU_TEST_POSTGRES_URL` names another); its URL.
pub async fn postgres_url(name: &str) -> String {
    let admin_url = std::env::var("TENGU_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let admin = tengu_sql::SqlStore::connect(&admin_url).await.unwrap_or_else(|e| {
        panic!("PostgreSQL at {admin_url} did not answer ({e}); start it or set TENGU_TEST_POSTGRES_URL")
    });
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let database = format!("tengu_test_{name}_{}_{nanos}", std::process::id());
    admin.execute_raw(&format!("CREATE DATABASE {database}")).await.expect("CREATE DATABASE");
    admin.close().await;
    let base = admin_url.rsplit_once('/').map(|(base, _)| base).unwrap_or(&admin_url);
    format!("{base}/{database}")
}

/// tengu itself over the same database as a served process (the sandbox world is shared through it): what a
/// test does "in the dashboard" without clicking through it, e.g. an admin's override or a person's API token.
pub async fn tengu_beside(served: &Served, database_url: &str) -> tengu_core::Tengu {
    simulation_beside(served, database_url).await.0
}

/// `tengu_beside`, with the simulated GitHub the served process shares (its world is a document in the database).
pub async fn simulation_beside(
    served: &Served,
    database_url: &str,
) -> (tengu_core::Tengu, tengu_sandbox::SimulatedGithub) {
    let store = tengu_sql::SqlStore::connect(database_url).await.expect("the served database opens");
    let store: std::sync::Arc<dyn tengu_core::ports::Store> = std::sync::Arc::new(store);
    tengu_sandbox::simulate(store, std::sync::Arc::new(tengu_core::ports::SystemClock), &served.base)
        .await
        .expect("the sandbox beside the server")
}

/// An API token of `login` with these scopes, for 30 days; its secret.
pub async fn token_of(tengu: &tengu_core::Tengu, login: &str, scopes: Vec<tengu_core::domain::TokenScope>) -> String {
    let person = tengu_core::domain::Actor::Person(tengu_core::domain::Login::parse(login).unwrap());
    tengu.create_token(&person, "CI", scopes, 30).await.expect("a token").secret
}

/// What a finished `tengu` command said and how it ended.
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the `tengu` binary with these arguments and variables (nothing inherited that names a server or token).
pub async fn run_tengu(args: &[&str], vars: &[(&str, &str)]) -> Ran {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_tengu"));
    command.args(args).env_remove("TENGU_SERVER").env_remove("TENGU_TOKEN").env_remove("TENGU_CONFIG");
    command.env("RUST_LOG", "warn");
    for (key, value) in vars {
        command.env(key, value);
    }
    let out = command.output().await.expect("tengu runs");
    Ran {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
