//! The `tengu` binary from a terminal, on a throwaway sandbox database.

use std::process::Command;

fn tengu(database: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tengu"))
        .args(args)
        .env("TENGU_DATABASE_URL", format!("sqlite://{}", database.display()))
        .env("RUST_LOG", "warn")
        .env_remove("TENGU_CONFIG")
        .output()
        .expect("the binary runs")
}

fn scratch(name: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    std::env::temp_dir().join(format!("tengu-cli-{name}-{}-{nanos}", std::process::id())).join("tengu.db")
}

#[test]
fn release_pr_prints_the_url_and_the_list_and_keeps_ticks() {
    let db = scratch("release");
    let first = tengu(&db, &["release-pr", "production", "--as", "alice"]);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let listing = String::from_utf8(first.stdout).unwrap();
    assert!(listing.contains("https://github.com/acme/shop/pull/"), "{listing}");
    assert!(listing.contains("3 of 8 verified"), "{listing}");
    assert!(listing.contains("[x] #123 Fix currency symbol for JPY  @frank  (verified by frank)"), "{listing}");
    assert!(listing.contains("[ ] #124 Add returns page  @erin"), "{listing}");
    assert!(listing.contains("Commits without a pull request:"), "{listing}");
    let again = tengu(&db, &["release-pr", "production"]);
    assert_eq!(String::from_utf8(again.stdout).unwrap(), listing, "a second refresh changes nothing");
}

#[test]
fn bad_input_gets_a_sentence_and_a_failing_exit_code() {
    let db = scratch("bad");
    let out = tengu(&db, &["release-pr", "Prod"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("environment name \"Prod\" is not valid"));
    let out = tengu(&db, &["release-pr", "staging"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("environment staging was not found"));
}

#[test]
fn migrate_reports_an_up_to_date_database() {
    let db = scratch("migrate");
    let out = tengu(&db, &["migrate"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("is up to date"));
}

#[test]
fn deploy_follows_a_sandbox_rollout_from_the_terminal_and_records_it() {
    let db = scratch("deploy");
    let image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/shop:cli1234";
    let sha = "c11234c11234c11234c11234c11234c11234c112";
    // An image whose commit nobody names is refused: tengu could not check the gate or record what it ships.
    let out = tengu(&db, &["deploy", "dev", "--image", image, "--as", "dave"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot tell which commit"));
    // dev's deploy PR still waits for ticks: new code does not ship without a reason on record.
    let out = tengu(&db, &["deploy", "dev", "--image", image, "--sha", sha, "--as", "dave"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("dev has unverified changes: deploy PR acme/shop#"), "{stderr}");
    assert!(stderr.contains("override the gate with a reason"), "{stderr}");

    let started = std::time::Instant::now();
    let reason = "CI is down; verified on a laptop";
    // A writer may not override; the terminal's own user (trusted: it holds the database) may.
    let out = tengu(&db, &["deploy", "dev", "--image", image, "--sha", sha, "--as", "dave", "--override-gate", reason]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs the admin role"));
    let out = tengu(&db, &["deploy", "dev", "--image", image, "--sha", sha, "--override-gate", reason]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains(&format!("is overridden: {reason}")), "{stderr}");
    assert!(stderr.contains("requested by terminal:"), "{stderr}");
    assert!(stderr.contains("[--------------------]  0/5 tasks running  (web 0/3, worker 0/2)"), "{stderr}");
    assert!(stderr.lines().filter(|l| l.contains("tasks running")).count() >= 2, "progress moves: {stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("deployment ") && stdout.contains(" succeeded in "), "{stdout}");
    assert!(started.elapsed() >= std::time::Duration::from_secs(19), "the sandbox rollout takes 20 s");

    // The environment is free again; a failing image ends in a failing exit code and says why.
    let out = tengu(
        &db,
        &[
            "deploy",
            "dev",
            "--image",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/shop:fail1",
            "--sha",
            "fa11fa11fa11fa11fa11fa11fa11fa11fa11fa11",
            "--as",
            "dave",
        ],
    );
    assert!(!out.status.success());
    assert_eq!(out.status.code(), Some(2), "tengu rolled it back: the exit code table's 2");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("rolled back") && stdout.contains("circuit-breaker rollback"), "{stdout}");

    let out = tengu(&db, &["deploy", "dev", "--sha", "not-a-sha"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("commit SHA"), "a clear sentence");
}

#[test]
fn a_lock_from_the_terminal_refuses_the_next_deploy_until_it_is_lifted() {
    let db = scratch("lock");
    let bad = tengu(&db, &["lock", "dev", "--reason", "incident 42", "--for", "2 weeks", "--as", "carol"]);
    assert_eq!(bad.status.code(), Some(64), "{}", String::from_utf8_lossy(&bad.stderr));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("write 90m, 2h, 1d or until-unlocked"));
    let locked = tengu(&db, &["lock", "dev", "--reason", "incident 42", "--for", "2h", "--as", "carol"]);
    assert!(locked.status.success(), "{}", String::from_utf8_lossy(&locked.stderr));
    let sentence = String::from_utf8(locked.stdout).unwrap();
    assert!(
        sentence.starts_with("dev is locked by carol since ") && sentence.ends_with(": incident 42\n"),
        "{sentence}"
    );
    let refused = tengu(&db, &["deploy", "dev", "--redeploy", "--as", "dave"]);
    assert!(!refused.status.success());
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(why.contains("dev is locked by carol") && why.contains("only its owner may deploy"), "{why}");
    let overriding = tengu(&db, &["deploy", "dev", "--redeploy", "--override-lock", "the fix is in", "--as", "dave"]);
    assert!(!overriding.status.success());
    let why = String::from_utf8_lossy(&overriding.stderr);
    assert!(why.contains("Override a lock needs the admin role"), "a writer may not override: {why}");
    let lifted = tengu(&db, &["unlock", "dev", "--as", "dave"]);
    assert!(String::from_utf8_lossy(&lifted.stdout).starts_with("unlocked; it was: dev is locked by carol"));
    let again = tengu(&db, &["unlock", "dev", "--as", "dave"]);
    assert_eq!(String::from_utf8_lossy(&again.stdout), "dev was not locked\n");

    // A repository names each of its environments.
    let locked = tengu(&db, &["lock", "acme/shop", "--reason", "audit", "--as", "bob"]);
    let lines = String::from_utf8(locked.stdout).unwrap();
    assert!(
        lines.starts_with("dev is locked by bob since ") && lines.contains("\nproduction is locked by bob"),
        "{lines}"
    );
    let lifted = tengu(&db, &["unlock", "acme/shop", "--as", "bob"]);
    assert_eq!(String::from_utf8_lossy(&lifted.stdout).matches("unlocked; it was: ").count(), 2);
    let again = tengu(&db, &["unlock", "acme/shop", "--as", "bob"]);
    assert_eq!(String::from_utf8_lossy(&again.stdout), "no environment of acme/shop was locked\n");
}

#[test]
fn a_freeze_window_from_the_file_refuses_the_terminal_and_a_bad_one_stops_every_command() {
    let db = scratch("freeze");
    let dir = db.parent().unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let config = dir.join("tengu.toml");
    let with_config = |args: &[&str]| {
        let mut all = vec!["--config", config.to_str().unwrap()];
        all.extend_from_slice(args);
        tengu(&db, &all)
    };
    let window = "[[freeze_windows]]\nname = \"Long weekend\"\nenvironments = [\"dev\"]\ntime_zone = \"Asia/Tokyo\"\n";
    std::fs::write(&config, format!("{window}from = \"2000-01-01\"\nto = \"2100-01-01\"\n")).unwrap();
    let status = with_config(&["status", "dev"]);
    let shown = String::from_utf8_lossy(&status.stdout);
    assert!(
        shown.contains("  FROZEN: frozen until Fri 2100-01-01 00:00 Asia/Tokyo by \"Long weekend\""),
        "{shown}{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let refused = with_config(&["deploy", "dev", "--redeploy", "--as", "dave"]);
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(why.contains("dev is frozen by \"Long weekend\"") && why.contains("nothing ships until then"), "{why}");
    let overriding = with_config(&["deploy", "dev", "--redeploy", "--override-freeze", "hotfix", "--as", "dave"]);
    let why = String::from_utf8_lossy(&overriding.stderr);
    assert!(why.contains("Deploy during a freeze needs the admin role"), "a writer may not override: {why}");

    std::fs::write(&config, format!("{window}from = \"Fri 18:00\"\nto = \"Fri 18:00\"\n")).unwrap();
    for command in [&["status"][..], &["serve"][..]] {
        let out = with_config(command);
        assert_eq!(out.status.code(), Some(64), "{command:?} starts with a window that never ends");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("freeze window \"Long weekend\" is not valid: "), "{said}");
    }
}

#[test]
fn diff_says_what_a_redeploy_and_a_new_image_would_change_before_anything_is_sent() {
    let db = scratch("diff");
    let redeploy = tengu(&db, &["diff", "dev"]);
    let said = String::from_utf8_lossy(&redeploy.stdout).into_owned();
    assert!(redeploy.status.success(), "{said}{}", String::from_utf8_lossy(&redeploy.stderr));
    assert!(
        said.starts_with("web: shop-dev-web:") && said.contains("  nothing changes but a restart of its tasks"),
        "{said}"
    );
    let image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/shop:diff123";
    let deploy = tengu(&db, &["diff", "dev", "--image", image]);
    let said = String::from_utf8_lossy(&deploy.stdout).into_owned();
    assert!(said.contains("→ a new revision of shop-dev-web") && said.contains(&format!(" → {image}\n")), "{said}");
    let both = tengu(&db, &["diff", "dev", "--image", image, "--rollback-to", "3"]);
    assert_eq!(both.status.code(), Some(64), "one target at a time");
}

#[test]
fn doctor_checks_the_configuration_against_reality_and_ends_with_0_only_when_all_pass() {
    let db = scratch("doctor");
    let healthy = tengu(&db, &["doctor"]);
    let said = String::from_utf8_lossy(&healthy.stdout).into_owned();
    assert_eq!(healthy.status.code(), Some(0), "{said}{}", String::from_utf8_lossy(&healthy.stderr));
    assert!(said.starts_with("✓ database: reachable"), "{said}");
    assert!(said.contains("✓ production: ECS: cluster shop-production runs web, worker"), "{said}");
    assert!(said.trim_end().ends_with("checks, 0 failed"), "{said}");

    let unreachable = Command::new(env!("CARGO_BIN_EXE_tengu"))
        .args(["doctor"])
        .env("TENGU_DATABASE_URL", "postgres://nobody@127.0.0.1:1/tengu")
        .env("RUST_LOG", "off")
        .env_remove("TENGU_CONFIG")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&unreachable.stdout).into_owned();
    assert_eq!(unreachable.status.code(), Some(1), "{said}");
    assert!(said.starts_with("✗ database: ") && said.contains("— fix: check database_url"), "{said}");

    // A Slack bot token is asked about; one Slack does not answer for fails the run.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let slack = Command::new(env!("CARGO_BIN_EXE_tengu"))
        .args(["doctor"])
        .env("TENGU_DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("TENGU_SLACK_BOT_TOKEN", "xoxb-doctor")
        .env("TENGU_SLACK_API_URL", format!("http://127.0.0.1:{closed}/api"))
        .env("RUST_LOG", "off")
        .env_remove("TENGU_CONFIG")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&slack.stdout).into_owned();
    assert_eq!(slack.status.code(), Some(1), "{said}{}", String::from_utf8_lossy(&slack.stderr));
    assert!(
        said.contains("✗ Slack: Slack could not be reached") && said.contains("— fix: check [slack] bot_token"),
        "{said}"
    );
}
