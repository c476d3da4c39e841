//! The CI samples under `examples/ci/` hand over to tengu as their comments say: each sample's "Hand over to
//! tengu" step, exactly as written there, runs in bash against a real sandbox `tengu serve` (it downloads the CLI
//! from the server, deploys in remote mode, and ends with the CLI's exit code): refused by the gate (3), deployed
//! (0) once an admin overrides the gate, failed (1) for an image the registry lacks.

use std::path::{Path, PathBuf};

use crate::support::commit_of;
use crate::support::process::{Served, sqlite_url, tengu_beside, token_of};
use tengu_core::domain::{Actor, EnvName, Login, TokenScope};

/// The script of the step named "Hand over to tengu": the `run: |` (GitHub Actions) or `command: |` (CircleCI)
/// block under it, unindented.
fn hand_off_step(sample: &Path) -> String {
    let text = std::fs::read_to_string(sample).expect("the sample");
    let lines: Vec<&str> = text.lines().collect();
    let named = lines.iter().position(|l| l.trim_start().trim_start_matches("- ") == "name: Hand over to tengu");
    let named = named.unwrap_or_else(|| panic!("{} has no step named Hand over to tengu", sample.display()));
    let (key, _) = lines
        .iter()
        .enumerate()
        .skip(named)
        .find(|(_, l)| matches!(l.trim(), "run: |" | "command: |"))
        .unwrap_or_else(|| panic!("the hand-off step of {} has no script block", sample.display()));
    let indent = |l: &str| l.len() - l.trim_start().len();
    let block_indent = indent(lines[key]);
    let body: Vec<&str> =
        lines[key + 1..].iter().take_while(|l| l.trim().is_empty() || indent(l) > block_indent).copied().collect();
    let strip = body.iter().filter(|l| !l.trim().is_empty()).map(|l| indent(l)).min().unwrap_or(0);
    body.iter().map(|l| l.get(strip..).unwrap_or("")).collect::<Vec<_>>().join("\n")
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/ci")
}

struct Sample {
    file: &'static str,
    /// What the CI provides besides the server and the token, for a deployment of dev with image tag `tag`.
    vars: fn(tag: &str, run: usize) -> Vec<(String, String)>,
}

const REGISTRY: &str = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com";

fn github_branch(tag: &str, run: usize) -> Vec<(String, String)> {
    vec![
        ("DEPLOY_ENV".into(), "deployment/dev".into()),
        ("IMAGE".into(), format!("{REGISTRY}/shop:{tag}")),
        ("COMMIT".into(), commit_of(tag)),
        ("IDEMPOTENCY_KEY".into(), format!("gha-{run}-1")),
    ]
}

fn github_master(tag: &str, run: usize) -> Vec<(String, String)> {
    // The sample deploys staging; the sandbox has dev and production.
    vec![
        ("DEPLOY_ENV".into(), "dev".into()),
        ("IMAGE".into(), format!("{REGISTRY}/shop:{tag}")),
        ("COMMIT".into(), commit_of(tag)),
        ("IDEMPOTENCY_KEY".into(), format!("gha-{run}-1")),
    ]
}

/// CircleCI tags the image with the commit itself: a missing image is one the sandbox's registry lacks by its
/// repository's name.
fn circle(deploy_env: &str, tag: &str, run: usize) -> Vec<(String, String)> {
    let repository = if tag.contains("missing") { "shop-missing" } else { "shop" };
    vec![
        ("DEPLOY_ENV".into(), deploy_env.into()),
        ("CIRCLE_BRANCH".into(), "deployment/dev".into()),
        ("ECR_REGISTRY".into(), REGISTRY.into()),
        ("ECR_REPOSITORY".into(), repository.into()),
        ("CIRCLE_SHA1".into(), commit_of(tag)),
        ("CIRCLE_WORKFLOW_ID".into(), format!("wf-{run}")),
        ("CIRCLE_BUILD_NUM".into(), run.to_string()),
    ]
}

fn circle_branch(tag: &str, run: usize) -> Vec<(String, String)> {
    circle("from-branch", tag, run)
}

fn circle_master(tag: &str, run: usize) -> Vec<(String, String)> {
    circle("dev", tag, run)
}

/// Runs a hand-off script as CI would (bash, -e, pipefail) in a directory of its own; its exit code and output.
async fn hand_off(script: &str, served: &Served, token: &str, vars: Vec<(String, String)>) -> (i32, String) {
    let dir = tempdir();
    let mut command = tokio::process::Command::new("bash");
    command.args(["-eo", "pipefail", "-c", script]).current_dir(&dir).env_remove("TENGU_CONFIG");
    command.env("TENGU_SERVER", &served.base).env("TENGU_TOKEN", token).env("RUST_LOG", "warn");
    for (key, value) in vars {
        command.env(key, value);
    }
    let out = command.output().await.expect("bash runs");
    let _ = std::fs::remove_dir_all(&dir);
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), said)
}

fn tempdir() -> PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!("tengu-ci-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn try_sample(sample: &Sample, run: usize) {
    let script = hand_off_step(&examples().join(sample.file));
    let url = sqlite_url("ci-sample");
    let served = Served::start(&url, &[]).await;
    let tengu = tengu_beside(&served, &url).await;
    let dev = EnvName::parse("dev").unwrap();
    let token = token_of(&tengu, "dave", vec![TokenScope::Deploy(dev.clone())]).await;

    let (code, said) = hand_off(&script, &served, &token, (sample.vars)("ok1", run)).await;
    assert_eq!(code, 3, "{}: refused by the gate: {said}", sample.file);
    assert!(said.contains("dev has unverified changes") && said.contains("tengu refused"), "{}: {said}", sample.file);

    let alice = Actor::Person(Login::parse("alice").unwrap());
    tengu.override_environment_gate(&alice, &dev, None, "the CI samples ship test images").await.unwrap();
    let (code, said) = hand_off(&script, &served, &token, (sample.vars)("ok1", run + 1)).await;
    assert_eq!(code, 0, "{}: deployed: {said}", sample.file);
    assert!(said.contains("succeeded in") && said.contains("deployed"), "{}: {said}", sample.file);

    let (code, said) = hand_off(&script, &served, &token, (sample.vars)("missing1", run + 2)).await;
    assert_eq!(code, 1, "{}: failed: {said}", sample.file);
    assert!(said.contains("not found in the registry"), "{}: {said}", sample.file);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_ci_sample_hands_over_to_tengu_and_ends_with_its_exit_code() {
    let samples = [
        Sample { file: "github-actions/deploy-branch.yml", vars: github_branch },
        Sample { file: "github-actions/deploy-master.yml", vars: github_master },
        Sample { file: "circleci/config.yml", vars: circle_branch },
        Sample { file: "circleci/config.yml", vars: circle_master },
    ];
    let runs = samples.iter().enumerate().map(|(i, sample)| try_sample(sample, i * 10));
    futures::future::join_all(runs).await;
}

#[test]
fn every_sample_has_one_hand_off_step_that_uses_the_remote_mode() {
    for file in ["github-actions/deploy-branch.yml", "github-actions/deploy-master.yml", "circleci/config.yml"] {
        let script = hand_off_step(&examples().join(file));
        assert!(script.contains("/api/v1/cli"), "{file} fetches the CLI from the server");
        assert!(script.contains("./tengu deploy"), "{file} deploys");
        assert!(!script.contains("override-gate"), "{file} never overrides the gate from CI");
        assert!(script.contains("--sha"), "{file} names the commit the image was built from");
    }
}
