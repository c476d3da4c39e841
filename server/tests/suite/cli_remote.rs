//! `tengu deploy|abort|status --server`: the CLI asks a real `tengu serve` (sandbox, SQLite) through the API with
//! a token from TENGU_TOKEN, follows the deployment with the same progress lines as the local mode, and ends with
//! the exit code that says how it went.

use std::time::Duration;

use crate::support::process::{Served, run_tengu, sqlite_url, tengu_beside, token_of};
use tengu_core::domain::{Actor, EnvName, Login, TokenScope};

const IMAGE: &str = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/acme/shop";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_mode_ends_with_the_code_of_each_outcome_and_prints_the_progress() {
    let url = sqlite_url("cli-remote");
    let served = Served::start(&url, &[]).await;
    let tengu = tengu_beside(&served, &url).await;
    let dev = EnvName::parse("dev").unwrap();
    let dave = token_of(&tengu, "dave", vec![TokenScope::Deploy(dev.clone()), TokenScope::Read]).await;
    let production_only =
        token_of(&tengu, "dave", vec![TokenScope::Deploy(EnvName::parse("production").unwrap())]).await;
    let server = served.base.clone();
    let with = |token: &str| vec![("TENGU_SERVER", server.clone()), ("TENGU_TOKEN", token.to_owned())];
    let deploy = |tag: &str| {
        let image = format!("{IMAGE}:{tag}");
        ["deploy", "dev", "--image", &image, "--sha", &crate::support::commit_of(tag)].map(str::to_owned).to_vec()
    };
    async fn run(args: &[String], vars: &[(&str, String)]) -> crate::support::process::Ran {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        run_tengu(&args, &vars).await
    }

    // Refused (3): a token without the environment's scope; a token that is no token; the verification gate.
    let ran = run(&deploy("ok1"), &with(&production_only)).await;
    assert_eq!(ran.code, 3, "{}", ran.stderr);
    assert!(ran.stderr.contains("this token may not deploy to dev"), "{}", ran.stderr);
    let ran = run(&deploy("ok1"), &with("tengu_not-a-real-token")).await;
    assert_eq!(ran.code, 3, "{}", ran.stderr);
    let ran = run(&deploy("ok1"), &with(&dave)).await;
    assert_eq!(ran.code, 3, "{}", ran.stderr);
    assert!(ran.stderr.contains("dev has unverified changes"), "{}", ran.stderr);
    // No token at all is a usage error (64), and nothing is sent.
    let ran = run(&deploy("ok1"), &[("TENGU_SERVER", server.clone())]).await;
    assert_eq!(ran.code, 64, "{}", ran.stderr);
    assert!(ran.stderr.contains("set TENGU_TOKEN"), "{}", ran.stderr);

    // An admin overrides the gate in the dashboard; then the deploy succeeds (0), its progress printed as it goes.
    let alice = Actor::Person(Login::parse("alice").unwrap());
    tengu.override_environment_gate(&alice, &dev, None, "CI hand-off test ships test images").await.unwrap();
    let ran = run(&deploy("ok1"), &with(&dave)).await;
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    assert!(ran.stderr.contains("requested by dave"), "{}", ran.stderr);
    assert!(ran.stderr.contains("tasks running  (web "), "progress lines: {}", ran.stderr);
    assert!(ran.stderr.contains("[####################]"), "the bar fills: {}", ran.stderr);
    assert!(ran.stdout.contains("succeeded in"), "{}", ran.stdout);

    // `tengu status` tells what runs.
    let ran = run(&["status".to_owned(), "dev".to_owned()], &with(&dave)).await;
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(ran.stdout.starts_with(&format!("dev: runs {IMAGE}:ok1")), "{}", ran.stdout);
    // `tengu diff` asks what a deploy would change, and changes nothing.
    let diff = ["diff", "dev", "--image", &format!("{IMAGE}:ok9")].map(str::to_owned).to_vec();
    let ran = run(&diff, &with(&dave)).await;
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(ran.stdout.starts_with("web: shop-dev-web:"), "{}", ran.stdout);
    assert!(ran.stdout.contains(&format!("  ~ container app image: {IMAGE}:ok1 → {IMAGE}:ok9")), "{}", ran.stdout);
    assert!(ran.stdout.trim_end().ends_with("ready: the image, the roles and the log groups it names exist"));

    // Busy (4) while another deployment runs; aborted (2) for the one being followed when someone aborts it.
    let follower = tokio::spawn({
        let (args, vars) = (deploy("ok2"), with(&dave));
        async move { run(&args, &vars).await }
    });
    tokio::time::sleep(Duration::from_secs(4)).await;
    let ran = run(&deploy("ok3"), &with(&dave)).await;
    assert_eq!(ran.code, 4, "{}", ran.stderr);
    assert!(ran.stderr.contains("dev is busy"), "{}", ran.stderr);
    let ran = run(&["abort".to_owned(), "dev".to_owned()], &with(&dave)).await;
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let followed = follower.await.unwrap();
    assert_eq!(followed.code, 2, "{}\n{}", followed.stdout, followed.stderr);
    assert!(followed.stdout.contains("aborted"), "{}", followed.stdout);
    // Nothing left to abort: refused (3).
    let ran = run(&["abort".to_owned(), "dev".to_owned()], &with(&dave)).await;
    assert_eq!(ran.code, 3, "{}", ran.stderr);

    // Failed (1): the image is not in the registry (the sandbox's registry lacks tags saying `missing`).
    let ran = run(&deploy("missing1"), &with(&dave)).await;
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);
    assert!(ran.stdout.contains("failed") && ran.stdout.contains("not found in the registry"), "{}", ran.stdout);
    // Rolled back (2): the simulated circuit breaker puts the old task definitions back; never a success.
    let ran = run(&deploy("fail1"), &with(&dave)).await;
    assert_eq!(ran.code, 2, "{}\n{}", ran.stdout, ran.stderr);
    assert!(ran.stdout.contains("rolled back"), "{}", ran.stdout);

    // Unreachable (5): nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let ran =
        run(&deploy("ok4"), &[("TENGU_SERVER", format!("http://127.0.0.1:{closed}")), ("TENGU_TOKEN", dave)]).await;
    assert_eq!(ran.code, 5, "{}", ran.stderr);
    assert!(ran.stderr.contains("could not be reached"), "{}", ran.stderr);
}

#[tokio::test]
async fn help_lists_the_exit_codes_and_a_bad_command_line_is_64_not_2() {
    let ran = run_tengu(&["deploy", "--help"], &[]).await;
    assert_eq!(ran.code, 0);
    for (_, code, meaning) in tengu_server::cli::EXIT_TABLE {
        let listed = format!("{code:>2}  {}", meaning.split(':').next().unwrap());
        assert!(ran.stdout.contains(&listed), "{listed}: {}", ran.stdout);
    }
    assert!(ran.stdout.contains("--server"), "{}", ran.stdout);
    let ran = run_tengu(&["deploy", "dev", "--no-such-flag"], &[]).await;
    assert_eq!(ran.code, 64, "{}", ran.stderr);
}
