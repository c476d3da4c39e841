use std::collections::HashMap;

use tengu_core::domain::QuietHours;

use super::reminders::parse_offset;
use super::*;

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |key| map.get(key).cloned()
}

#[test]
fn defaults_run_the_sandbox_on_a_sqlite_file() {
    let config = Config::load(Some(Path::new("/dev/null")), env(&[])).unwrap();
    assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
    assert!(config.is_sandbox());
}

#[test]
fn the_slack_app_is_read_from_the_file_and_its_secrets_from_variables() {
    let dir = std::env::temp_dir().join(format!("tengu-config-slack-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tengu.toml");
    std::fs::write(
        &file,
        "[slack]\nchannel = \"C0TEAM\"\nremind_by = \"dm\"\nteam_id = \"T0ACME\"\n[[environments]]\n\
         name = \"production\"\nrepo = \"acme/shop\"\ncluster = \"shop\"\nservices = [\"web\"]\n\
         slack_channel = \"C0PROD\"\n",
    )
    .unwrap();
    let secret = "8f742231b10e8888abcd99yyyzzz85a5";
    let config =
        Config::load(Some(&file), env(&[("TENGU_SLACK_SIGNING_SECRET", secret), ("TENGU_SLACK_BOT_TOKEN", "xoxb-1")]))
            .unwrap();
    assert_eq!((config.slack_signing_secret(), config.slack_bot_token()), (Some(secret), Some("xoxb-1")));
    assert_eq!(config.slack.team_id.as_ref().map(TeamIds::ids), Some(vec!["T0ACME".to_owned()]));
    let teams = Config::load(Some(&file), env(&[("TENGU_SLACK_TEAM_ID", "T1, T2")])).unwrap();
    assert_eq!(teams.slack.team_id.as_ref().map(TeamIds::ids), Some(vec!["T1".to_owned(), "T2".to_owned()]));
    // An empty or short signing secret would let anyone sign requests: it stops the start with a sentence.
    for short in ["", "s3cret", "fifteen-bytes!!"] {
        let refused = Config::load(Some(&file), env(&[("TENGU_SLACK_SIGNING_SECRET", short)])).unwrap_err();
        assert!(refused.to_string().contains("[slack] signing_secret"), "{short:?}: {refused}");
        assert!(refused.to_string().contains("at least 16"), "{short:?}: {refused}");
    }
    assert_eq!(config.slack.channel.as_deref(), Some("C0TEAM"));
    assert_eq!(config.slack.remind_by.as_deref(), Some("dm"));
    assert_eq!(config.environments[0].slack_channel.as_deref(), Some("C0PROD"));
    assert!(!format!("{config:?}").contains("xoxb-1"), "the bot token is never printed");
}

#[test]
fn environment_variables_override_the_file() {
    let dir = std::env::temp_dir().join(format!("tengu-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tengu.toml");
    std::fs::write(&file, "database_url = \"sqlite://file.db\"\nlog_format = \"json\"\n[slack]\nwebhook_url = \"https://hooks.example/T/B/x\"\n").unwrap();
    let config = Config::load(Some(&file), env(&[("TENGU_DATABASE_URL", "postgres://u:p@h/db")])).unwrap();
    assert_eq!(config.database_url, "postgres://u:p@h/db");
    assert_eq!(config.log_format, LogFormat::Json);
    assert!(config.slack.webhook_url.is_some());
}

#[test]
fn secrets_never_print() {
    let config = Config::load(
        Some(Path::new("/dev/null")),
        env(&[("TENGU_GITHUB_TOKEN", "ghp_supersecret"), ("TENGU_SLACK_WEBHOOK_URL", "https://hooks/secret")]),
    )
    .unwrap();
    let printed = format!("{config:?}");
    assert!(!printed.contains("supersecret") && !printed.contains("hooks/secret"), "{printed}");
    assert!(!config.is_sandbox());
    assert_eq!(redacted_url("postgres://tengu:hunter2@db:5432/tengu"), "postgres://tengu:***@db:5432/tengu");
    assert_eq!(redacted_url("sqlite://data/tengu.db"), "sqlite://data/tengu.db");
}

#[test]
fn reminders_read_quiet_hours_and_a_time_zone() {
    let config = Config::load(
        Some(Path::new("/dev/null")),
        env(&[("TENGU_REMINDERS_QUIET_HOURS", "22-8"), ("TENGU_REMINDERS_UTC_OFFSET", "+09:00")]),
    )
    .unwrap();
    let policy = config.reminders.policy().unwrap();
    assert_eq!(policy.quiet_hours, Some(QuietHours { from: 22, to: 8 }));
    assert_eq!((policy.every_minutes, policy.utc_offset_minutes), (120, 540));
    assert_eq!(parse_offset("-05:30"), Some(-330));
    for (name, value) in [
        ("TENGU_REMINDERS_QUIET_HOURS", "22"),
        ("TENGU_REMINDERS_QUIET_HOURS", "25-3"),
        ("TENGU_REMINDERS_UTC_OFFSET", "09:00"),
        ("TENGU_REMINDERS_EVERY_MINUTES", "0"),
    ] {
        let err = Config::load(Some(Path::new("/dev/null")), env(&[(name, value)])).unwrap_err();
        assert!(err.to_string().contains("reminders") || err.to_string().contains(name), "{err}");
    }
}

#[test]
fn environments_and_a_github_app_come_from_the_file() {
    let dir = std::env::temp_dir().join(format!("tengu-config-envs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("app.pem");
    std::fs::write(&key, "-----BEGIN RSA PRIVATE KEY-----\n").unwrap();
    let file = dir.join("tengu.toml");
    let text = format!(
        "[github]\napp_id = 12\nprivate_key_path = {:?}\napi_url = \"https://ghe.acme.test/api/v3\"\n\
         [[environments]]\nname = \"production\"\nrepo = \"acme/shop\"\ncluster = \"shop\"\n\
         services = [\"web\"]\ndraft = true\nlabels = [\"deploy\"]\nassignees = [\"release-captain\"]\n\
         title_template = \"Ship {{env}}\"\nrefresh_on_push = true\nmerge_deploys = false\ncontainers = [\"app\"]\n\
         url = \"https://shop.example.com\"\n\
         [aws]\nregion = \"ap-northeast-1\"\nendpoint_url = \"http://127.0.0.1:5000\"\nmax_attempts = 3\n\
         [deploys]\npoll_every_seconds = 2\ntimeout_minutes = 30\nauto_rollback = false\n\
         [[review_environments]]\nrepo = \"acme/shop\"\ncluster = \"shop-review\"\n\
         task_definition = \"shop-review\"\nsubnets = [\"subnet-1\"]\nsecurity_groups = [\"sg-1\"]\n\
         container = \"app\"\nport = 8080\nurl_template = \"https://pr-{{number}}.review.acme.test\"\n\
         environment = {{ RAILS_ENV = \"review\" }}\nmax_concurrent = 4\n",
        key.display().to_string()
    );
    std::fs::write(&file, text).unwrap();
    let config = Config::load(Some(&file), env(&[])).unwrap();
    assert!(!config.is_sandbox());
    let environments = config.environments().unwrap();
    let production = &environments[0];
    assert_eq!(production.deploy_branch.as_str(), "deployment/production");
    assert_eq!(production.source_branch.as_str(), "master");
    assert!(production.deploy_pr.draft && production.deploy_pr.refresh_on_push);
    assert!(!production.deploy_pr.merge_deploys, "the merge waits for CI");
    assert_eq!(production.deploy_pr.title_template, "Ship {env}");
    assert_eq!(production.containers, ["app"]);
    assert_eq!(production.url.as_deref(), Some("https://shop.example.com"));
    let aws = config.aws.settings();
    assert_eq!(aws.region.as_deref(), Some("ap-northeast-1"));
    assert_eq!(aws.endpoint_url.as_deref(), Some("http://127.0.0.1:5000"));
    assert_eq!((aws.max_attempts, aws.static_credentials.is_none()), (3, true));
    let review = &config.review_settings().unwrap()[0];
    assert_eq!((review.cluster.as_str(), review.port, review.max_concurrent), ("shop-review", 8080, 4));
    assert_eq!((review.ttl_hours, review.opt_out_label.as_str()), (120, "no-review-env"));
    assert_eq!(review.environment, [("RAILS_ENV".to_owned(), "review".to_owned())]);
    let policy = config.deploys.policy();
    assert_eq!((policy.poll_every_ms, policy.timeout_minutes, policy.auto_rollback), (2000, 30, false));
    let settings = config.github_settings().unwrap().unwrap();
    assert_eq!(settings.api_url, "https://ghe.acme.test/api/v3");
    assert!(matches!(settings.credentials, Credentials::App { app_id: 12, installation_id: None, .. }));

    std::fs::write(&file, "[[environments]]\nname = \"Prod\"\nrepo = \"acme/shop\"\ncluster = \"c\"\n").unwrap();
    let err = Config::load(Some(&file), env(&[])).unwrap_err();
    assert!(err.to_string().starts_with("environment \"Prod\" is not valid: name:"), "{err}");
    let err = Config::load(Some(Path::new("/dev/null")), env(&[("TENGU_GITHUB_APP_ID", "12")]))
        .unwrap()
        .github_settings()
        .err()
        .unwrap();
    assert!(err.to_string().contains("needs private_key_path"), "{err}");
}

#[test]
fn a_container_gets_its_secrets_as_variables() {
    let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n";
    let vars = [
        ("TENGU_GITHUB_APP_ID", "12"),
        ("TENGU_GITHUB_PRIVATE_KEY", pem),
        ("TENGU_DATABASE_URL", "postgres://tengu@db.internal:5432/tengu"),
        ("TENGU_DATABASE_PASSWORD", "p@ss word/+:"),
    ];
    let config = Config::load(Some(Path::new("/dev/null")), env(&vars)).unwrap();
    let Some(Credentials::App { private_key_pem, .. }) = config.github_credentials().unwrap() else { panic!("an App") };
    assert_eq!(private_key_pem, pem, "the key itself, not a path");
    assert_eq!(config.database_url, "postgres://tengu:p%40ss%20word%2F%2B%3A@db.internal:5432/tengu");
    let sqlite = [("TENGU_DATABASE_URL", "sqlite://tengu.db"), ("TENGU_DATABASE_PASSWORD", "x")];
    let err = Config::load(Some(Path::new("/dev/null")), env(&sqlite)).unwrap_err();
    assert!(err.to_string().contains("a password goes with a postgres:// database"), "{err}");
}

#[test]
fn bad_input_gets_a_sentence() {
    let err = Config::load(Some(Path::new("/dev/null")), env(&[("TENGU_LOG_FORMAT", "xml")])).unwrap_err();
    assert!(err.to_string().contains("expected pretty or json"));
    let dir = std::env::temp_dir().join(format!("tengu-config-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tengu.toml");
    std::fs::write(&file, "databse_url = 1\n").unwrap();
    let err = Config::load(Some(&file), env(&[])).unwrap_err();
    assert!(err.to_string().contains("unknown field"), "{err}");
}

#[test]
fn a_short_or_empty_shared_secret_is_refused_at_start() {
    let load = |pairs: &[(&str, &str)]| Config::load(Some(Path::new("/dev/null")), env(pairs));
    let err = load(&[("TENGU_GITHUB_WEBHOOK_SECRET", "")]).unwrap_err().to_string();
    assert!(err.contains("webhook_secret") && err.contains("0 bytes long") && err.contains("at least 16"), "{err}");
    assert!(load(&[("TENGU_GITHUB_WEBHOOK_SECRET", "short")]).is_err());
    assert!(load(&[("TENGU_REVIEW_PROXY_SECRET", "0123456789abcde")]).is_err());
    let config = load(&[
        ("TENGU_GITHUB_WEBHOOK_SECRET", "0123456789abcdef"),
        ("TENGU_REVIEW_PROXY_SECRET", "x".repeat(32).as_str()),
    ]);
    assert_eq!(config.unwrap().review_proxy_secret().map(str::len), Some(32));
}

#[test]
fn sign_in_settings_come_from_the_file_and_the_environment() {
    let dir = std::env::temp_dir().join(format!("tengu-config-auth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tengu.toml");
    std::fs::write(
        &file,
        "[github]\nclient_id = \"Iv1.abc\"\napi_url = \"https://ghe.acme.test/api/v3\"\n\
         [auth]\nallowed_orgs = [\"acme\"]\nallowed_teams = [\"acme/deployers\"]\nsession_idle_hours = 4\n\
         [[environments]]\nname = \"production\"\nrepo = \"acme/shop\"\ncluster = \"prod\"\nrequired_role = \"maintain\"\n",
    )
    .unwrap();
    let config = Config::load(Some(&file), env(&[("TENGU_GITHUB_CLIENT_SECRET", "s3cret")])).unwrap();
    assert_eq!(config.oauth_client(), Some(("Iv1.abc".to_owned(), "s3cret".to_owned())));
    assert_eq!(config.github_web_url(), "https://ghe.acme.test");
    assert_eq!(config.auth.sessions.session_idle_hours, 4);
    assert_eq!(config.auth.sessions.session_max_days, 7);
    let access = config.auth.access_settings().unwrap();
    assert_eq!(
        (access.allowed_orgs, access.allowed_teams),
        (vec!["acme".to_owned()], vec!["acme/deployers".to_owned()])
    );
    let production = &config.environments().unwrap()[0];
    assert_eq!(production.required_permission, Some(tengu_core::domain::Permission::Maintain));
    assert!(!format!("{config:?}").contains("s3cret"), "the client secret never prints");
    std::fs::write(
        &file,
        "[[environments]]\nname = \"dev\"\nrepo = \"acme/shop\"\ncluster = \"c\"\nrequired_role = \"read\"\n",
    )
    .unwrap();
    let err = Config::load(Some(&file), env(&[])).unwrap_err().to_string();
    assert!(err.contains("required_role") && err.contains("expected write, maintain or admin"), "{err}");
}

#[test]
fn freeze_windows_come_from_the_file_and_a_bad_one_stops_the_start() {
    let dir = std::env::temp_dir().join(format!("tengu-config-freeze-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tengu.toml");
    let environment =
        "[[environments]]\nname = \"production\"\nrepo = \"acme/shop\"\ncluster = \"c\"\nservices = [\"web\"]\n";
    let weekend =
        "[[freeze_windows]]\nname = \"Weekend\"\nenvironments = [\"production\"]\ntime_zone = \"Asia/Tokyo\"\n";
    let holiday = "[[freeze_windows]]\nname = \"New Year\"\nfrom = \"2026-12-29\"\nto = \"2027-01-04 09:00\"\n";
    let load = |text: String| {
        std::fs::write(&file, text).unwrap();
        Config::load(Some(&file), env(&[])).map(|config| config.freeze_windows().unwrap())
    };
    let windows = load(format!("{environment}{weekend}from = \"Fri 18:00\"\nto = \"Mon 08:00\"\n{holiday}")).unwrap();
    assert_eq!(windows.len(), 2);
    assert_eq!((windows[0].zone.name(), windows[0].environments.len()), ("Asia/Tokyo", 1));
    assert_eq!((windows[1].zone.name(), windows[1].environments.len()), ("UTC", 0), "UTC and every environment");
    for (text, says) in [
        (format!("{environment}{weekend}from = \"Fri 18:00\"\nto = \"Fri 18:00\"\n"), "a weekly window must end"),
        (
            format!("{environment}{}from = \"Fri 18:00\"\nto = \"Mon 08:00\"\n", weekend.replace("Tokyo", "Tokio")),
            "\"Asia/Tokio\" is not a time zone name",
        ),
        (
            format!(
                "{environment}{}from = \"Fri 18:00\"\nto = \"Mon 08:00\"\n",
                weekend.replace("[\"production\"]", "[\"prod\"]")
            ),
            "\"prod\" is not a configured environment",
        ),
    ] {
        let err = load(text).unwrap_err().to_string();
        assert!(err.starts_with("freeze window \"Weekend\" is not valid: ") && err.contains(says), "{err}");
    }
}

#[test]
fn an_environments_verification_is_read_with_its_defaults_and_a_bad_one_names_the_setting() {
    let dir = std::env::temp_dir().join(format!("tengu-config-verification-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tengu.toml");
    let environment =
        "[[environments]]\nname = \"production\"\nrepo = \"acme/shop\"\ncluster = \"c\"\nservices = [\"web\"]\n";
    let load = |verification: &str| {
        std::fs::write(&file, format!("{environment}[environments.verification]\n{verification}")).unwrap();
        Config::load(Some(&file), env(&[])).and_then(|config| config.environments())
    };
    let health = "[[environments.verification.http]]\nname = \"health\"\nurl = \"https://shop.example.com/healthz\"\n";
    let envs =
        load(&format!("bake_seconds = 300\n{health}json_pointer = \"/status\"\nexpect_value = \"ok\"\n")).unwrap();
    let plan = &envs[0].verification;
    assert_eq!(plan.bake_seconds, 300);
    let check = &plan.http[0];
    assert_eq!((check.expect_status, check.interval_seconds, check.count, check.failure_limit), (200, 10, 3, 0));
    assert_eq!((check.timeout_seconds, check.initial_delay_seconds), (5, 0));
    assert_eq!(check.json.as_ref().unwrap().value, serde_json::json!("ok"));
    for (verification, says) in [
        (health.replace("https://", "ftp://"), "verification.http \"health\": url: \"ftp://"),
        (format!("{health}failure_limit = 3\n"), "failure_limit: 3 of 3 answers may fail"),
        (format!("{health}json_pointer = \"/status\"\n"), "json_pointer and expect_value go together"),
        (format!("{health}timeout_seconds = 0\n"), "timeout_seconds: between 1 and 60"),
        ("bake_seconds = 86400\n".to_owned(), "verification.bake_seconds: at most 21600"),
        (format!("{health}{health}"), "two checks have this name"),
        ("alarms = [\"\"]\n".to_owned(), "verification.alarms: \"\" is not a CloudWatch alarm name"),
        ("alarms = [\"shop-5xx\"]\n".to_owned(), "verification.alarms: CloudWatch alarms need [aws]"),
    ] {
        let err = load(&verification).unwrap_err().to_string();
        assert!(err.starts_with("environment \"production\" is not valid: ") && err.contains(says), "{err}");
    }
}

#[test]
fn a_container_may_hand_the_whole_file_in_a_variable() {
    let text = "sandbox = false\n[[environments]]\nname = \"production\"\nrepo = \"acme/shop\"\ncluster = \"shop\"\n\
                services = [\"web\"]\n";
    let key = "5f0d3c1b2a4e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708";
    let config = Config::load(None, env(&[("TENGU_CONFIG_TOML", text), ("TENGU_SECRET_KEY", key)])).unwrap();
    assert_eq!(config.environments.len(), 1);
    assert!(!config.is_sandbox() && config.lacks_github(), "for real, with the App still to be made");
    assert_eq!(config.secret_key(), Some(key));
    let both = Config::load(Some(Path::new("/dev/null")), env(&[("TENGU_CONFIG_TOML", text)])).unwrap_err();
    assert!(both.to_string().contains("TENGU_CONFIG_TOML is set too"), "{both}");
    let broken = Config::load(None, env(&[("TENGU_CONFIG_TOML", "[[environments]\n")])).unwrap_err();
    assert!(broken.to_string().starts_with("the configuration file TENGU_CONFIG_TOML is not valid"), "{broken}");
    let sandbox = Config::load(None, env(&[("TENGU_CONFIG_TOML", text), ("TENGU_SANDBOX", "true")])).unwrap();
    assert!(sandbox.is_sandbox() && !sandbox.lacks_github());
    assert!(Config::load(None, env(&[("TENGU_SANDBOX", "maybe")])).is_err());
}

#[test]
fn the_weekly_summary_needs_the_slack_bot() {
    let without = Config::load(None, env(&[("TENGU_CONFIG_TOML", "[slack]\nweekly_summary = true\n")])).unwrap_err();
    assert!(without.to_string().contains("set [slack] bot_token"), "{without}");
    let with = Config::load(
        None,
        env(&[("TENGU_CONFIG_TOML", "[slack]\nweekly_summary = true\n"), ("TENGU_SLACK_BOT_TOKEN", "xoxb-1")]),
    )
    .unwrap();
    assert_eq!(with.slack.weekly_summary, Some(true));
}
