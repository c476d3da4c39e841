//! Databases for tests: a fresh SQLite file, or a fresh PostgreSQL database on the local server.

use std::sync::atomic::{AtomicU32, Ordering};

use tengu_sql::SqlStore;

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{prefix}_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst))
}

pub async fn sqlite() -> SqlStore {
    let dir = std::env::temp_dir().join(unique("tengu_test"));
    let url = format!("sqlite://{}/tengu.db", dir.display());
    let store = SqlStore::connect(&url).await.expect("SQLite opens");
    store.migrate().await.expect("SQLite migrates");
    store
}

/// The PostgreSQL server: `TENGU_TEST_POSTGRES_URL`, or the local one every machine of this kind runs.
pub fn postgres_admin_url() -> String {
    std::env::var("TENGU_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A new, empty database on the PostgreSQL server, so tests never see each other's rows.
pub async fn postgres() -> SqlStore {
    let admin_url = postgres_admin_url();
    let admin = SqlStore::connect(&admin_url).await.unwrap_or_else(|e| {
        panic!("PostgreSQL at {admin_url} did not answer ({e}); start it or set TENGU_TEST_POSTGRES_URL")
    });
    let name = unique("tengu_test");
    admin.execute_raw(&format!("CREATE DATABASE {name}")).await.expect("CREATE DATABASE");
    admin.close().await;
    let base = admin_url.rsplit_once('/').map(|(base, _)| base).unwrap_or(&admin_url);
    let store = SqlStore::connect(&format!("{base}/{name}")).await.expect("the new database opens");
    store.migrate().await.expect("PostgreSQL migrates");
    store
}

/// A test fake of GitHub's answers about people: everyone has `self.0` on every repository and belongs to every
/// organisation.
pub struct EveryoneHas(pub tengu_core::domain::Permission);

#[async_trait::async_trait]
impl tengu_core::ports::People for EveryoneHas {
    async fn permission(
        &self,
        _repo: &tengu_core::domain::RepoSlug,
        _login: &tengu_core::domain::Login,
    ) -> Result<tengu_core::domain::Permission, tengu_core::ports::CodeHostError> {
        Ok(self.0)
    }

    async fn is_member(
        &self,
        _via: &tengu_core::domain::RepoSlug,
        _org: &str,
        _team: Option<&str>,
        _login: &tengu_core::domain::Login,
    ) -> Result<bool, tengu_core::ports::CodeHostError> {
        Ok(true)
    }
}

/// What tests read pages as: tengu itself, which sees everything.
pub fn everyone() -> tengu_core::domain::Viewer {
    tengu_core::domain::Viewer::trusted(tengu_core::domain::Actor::System)
}

/// A test fake of GitHub's answers about people: the named person administers every repository, everyone else
/// may write; everyone belongs to every organisation.
pub struct OneAdmin(pub &'static str);

#[async_trait::async_trait]
impl tengu_core::ports::People for OneAdmin {
    async fn permission(
        &self,
        _repo: &tengu_core::domain::RepoSlug,
        login: &tengu_core::domain::Login,
    ) -> Result<tengu_core::domain::Permission, tengu_core::ports::CodeHostError> {
        use tengu_core::domain::Permission;
        Ok(if login.to_string() == self.0 { Permission::Admin } else { Permission::Write })
    }

    async fn is_member(
        &self,
        _via: &tengu_core::domain::RepoSlug,
        _org: &str,
        _team: Option<&str>,
        _login: &tengu_core::domain::Login,
    ) -> Result<bool, tengu_core::ports::CodeHostError> {
        Ok(true)
    }
}

/// `acme/shop`'s environment `name`, deployed from `master` to its `deployment/<name>` branch on ECS cluster
/// `cluster`, with no services, containers or approvals: a test changes what it needs with `..`.
pub fn acme_environment(name: &str, cluster: &str) -> tengu_core::domain::Environment {
    use tengu_core::domain::{BranchName, ClusterName, DeployPrOptions, EnvName, Environment, RepoSlug};
    let name = EnvName::parse(name).expect("a test's environment name");
    Environment {
        repo: RepoSlug::parse("acme/shop").expect("acme/shop"),
        source_branch: BranchName::parse("master").expect("master"),
        deploy_branch: Environment::default_deploy_branch(&name),
        cluster: ClusterName::parse(cluster).expect("a test's cluster name"),
        services: vec![],
        deploy_pr: DeployPrOptions::default(),
        image_template: None,
        containers: Vec::new(),
        url: None,
        required_permission: None,
        approvals_required: 0,
        verification: Default::default(),
        name,
    }
}

/// tengu's settings for `environments` alone, everything else as a fresh install has it.
pub fn settings_for(environments: Vec<tengu_core::domain::Environment>) -> tengu_core::settings::Settings {
    tengu_core::settings::Settings {
        environments,
        sandbox: false,
        public_url: "https://tengu.acme.test".into(),
        github_web_url: tengu_core::links::default_github_web(),
        reminders: Default::default(),
        deploys: Default::default(),
        review: Vec::new(),
        access: Default::default(),
        deliveries: Default::default(),
        freezes: Vec::new(),
        weekly_summary: false,
    }
}

/// tengu whose only outside system is `code_host` (a GitHub stand-in): a fresh SQLite store, no ECS, notices to
/// the log, the rule table, and `people` saying who may do what.
pub async fn tengu_on_code_host(
    settings: tengu_core::settings::Settings,
    code_host: std::sync::Arc<dyn tengu_core::ports::CodeHost>,
    people: std::sync::Arc<dyn tengu_core::ports::People>,
    clock: std::sync::Arc<dyn tengu_core::ports::Clock>,
) -> tengu_core::Tengu {
    use std::sync::Arc;
    use tengu_core::ports::{EcsNotConfigured, LogNotifier, RulePolicy};
    let ports = tengu_core::tengu::Ports {
        store: Arc::new(sqlite().await),
        code_host,
        code_host_setup: Arc::new(tengu_core::ports::NoAppSetup),
        chat_setup: Arc::new(tengu_core::ports::NoChatSetup),
        orchestrator: Arc::new(EcsNotConfigured),
        account: Arc::new(tengu_core::ports::AccountNotConfigured),
        tasks: Arc::new(EcsNotConfigured),
        notifier: Arc::new(LogNotifier),
        clock,
        people,
        policy: Arc::new(RulePolicy),
        probe: Arc::new(tengu_core::ports::ProbeNotConfigured),
        alarms: Arc::new(tengu_core::ports::AlarmsNotConfigured),
    };
    tengu_core::Tengu::new(settings, ports)
}

/// Where aws-sdk-cloudwatch asks `DescribeAlarms` (Smithy RPC v2 CBOR, the only protocol it speaks).
pub const DESCRIBE_ALARMS: &str = "/service/GraniteServiceVersion20100801/operation/DescribeAlarms";

/// A recorded-shape stand-in of CloudWatch's `DescribeAlarms` on 127.0.0.1, in CBOR (moto parses only
/// CloudWatch's Query and JSON protocols): it knows these metric and composite alarms, as (name, state, reason).
pub async fn cloudwatch_knowing(
    metric: &[(&str, &str, &str)],
    composite: &[(&str, &str, &str)],
) -> wiremock::MockServer {
    use ciborium::Value;
    let text = |s: &str| Value::Text(s.to_owned());
    let alarms = |list: &[(&str, &str, &str)]| {
        Value::Array(
            list.iter()
                .map(|(name, state, reason)| {
                    Value::Map(vec![
                        (text("AlarmName"), text(name)),
                        (text("StateValue"), text(state)),
                        (text("StateReason"), text(reason)),
                    ])
                })
                .collect(),
        )
    };
    let answer = Value::Map(vec![(text("MetricAlarms"), alarms(metric)), (text("CompositeAlarms"), alarms(composite))]);
    let mut bytes = Vec::new();
    ciborium::into_writer(&answer, &mut bytes).expect("CBOR");
    let cloudwatch = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path(DESCRIBE_ALARMS))
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .insert_header("smithy-protocol", "rpc-v2-cbor")
                .insert_header("content-type", "application/cbor")
                .set_body_bytes(bytes),
        )
        .mount(&cloudwatch)
        .await;
    cloudwatch
}
