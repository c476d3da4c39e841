//! The sandbox's first day: a shop repository with a month of merged work, two environments a few PRs apart,
//! their ECS services and a deployment history, and one open deploy PR per environment, partly verified.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use super::world::{SimCommit, SimService, World};
use tengu_core::domain::{
    Actor, BranchName, CarriedChange, ChecklistItem, ClusterName, Commit, CommitSha, DeployPr, DeployPrOptions,
    DeploymentMove, DeploymentState, EnvName, Environment, ImageRef, Login, NewDeployment, Permission, PrNumber,
    PrState, RepoSlug, ServiceName, SourcePr, TaskDefinitionArn, Trigger, Verification,
};
use tengu_core::error::CoreError;
use tengu_core::ports::{DeploymentInsert, PullRequest};
use tengu_core::tengu::Tengu;

mod earlier;

const AUTHORS: [&str; 6] = ["alice", "bob", "carol", "dave", "erin", "frank"];
const TITLES: [&str; 30] = [
    "Add product search",
    "Fix rounding of tax on discounted items",
    "Show delivery estimate on product page",
    "Cache category listings",
    "Upgrade payment SDK",
    "Add wishlist",
    "Fix broken image on empty cart",
    "Send order confirmation in the buyer's language",
    "Paginate order history",
    "Add health check endpoint for the worker",
    "Speed up checkout page",
    "Fix double charge on retried payments",
    "Add gift wrapping option",
    "Log slow SQL queries",
    "Show stock level on product cards",
    "Fix timezone of delivery slots",
    "Add coupon codes",
    "Move image resizing to the worker",
    "Fix flaky cart test",
    "Add address autocomplete",
    "Rate-limit login attempts",
    "Show recently viewed products",
    "Fix currency symbol for JPY",
    "Add returns page",
    "Reduce worker memory usage",
    "Add dark mode to the storefront",
    "Fix sort order of reviews",
    "Add invoice PDF download",
    "Retry failed webhook deliveries",
    "Show savings on sale items",
];
/// How many source PRs each deploy branch already holds.
const PRODUCTION_DEPLOYED: usize = 22;
const DEV_DEPLOYED: usize = 27;
const DIRECT_COMMIT_AFTER: usize = 24;
const FIRST_NUMBER: u64 = 101;
const REGISTRY: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/shop";

fn repo() -> RepoSlug {
    RepoSlug::parse("acme/shop").expect("a valid slug")
}

fn login(name: &str) -> Login {
    Login::parse(name).expect("seed logins are valid")
}

fn branch(name: &str) -> BranchName {
    BranchName::parse(name).expect("seed branches are valid")
}

fn env_name(name: &str) -> EnvName {
    EnvName::parse(name).expect("seed environments are valid")
}

/// A stable, made-up SHA for the `n`th commit.
fn sha(n: u64) -> CommitSha {
    let mut state = n.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(0x632B_E59B_D9B4_E019);
    let mut hex = String::with_capacity(48);
    for _ in 0..3 {
        state ^= state >> 30;
        state = state.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        state ^= state >> 27;
        state = state.wrapping_mul(0x94D0_49BB_1331_11EB);
        state ^= state >> 31;
        hex.push_str(&format!("{state:016x}"));
    }
    CommitSha::parse(&hex[..40]).expect("sixteen hex digits three times")
}

fn slug(title: &str) -> String {
    title
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

pub(super) fn people() -> Vec<Login> {
    std::iter::once("visitor").chain(AUTHORS).map(login).collect()
}

/// Each seeded person's simulated permission on acme/shop: an admin, a maintainer, four writers (who may deploy
/// to dev but not to production, which asks for maintain) and a visitor who may only look.
pub(super) fn permission_of(person: &Login) -> Permission {
    match person.as_str() {
        "alice" => Permission::Admin,
        "bob" => Permission::Maintain,
        "carol" | "dave" | "erin" | "frank" => Permission::Write,
        "visitor" => Permission::Read,
        _ => Permission::None,
    }
}

/// Review environments for acme/shop's pull requests, on a simulated cluster.
pub(super) fn review_settings() -> tengu_core::domain::ReviewSettings {
    tengu_core::domain::ReviewSettings {
        repo: repo(),
        cluster: ClusterName::parse("shop-review").expect("a valid cluster"),
        task_definition: "shop-review".to_owned(),
        launch_type: tengu_core::domain::LaunchType::Fargate,
        subnets: vec!["subnet-sandbox".to_owned()],
        security_groups: vec!["sg-sandbox".to_owned()],
        assign_public_ip: false,
        container: "app".to_owned(),
        port: 8080,
        environment: vec![("RAILS_ENV".to_owned(), "review".to_owned())],
        url_template: "https://pr-{number}-{repo}.review.sandbox.test".to_owned(),
        ttl_hours: tengu_core::domain::ReviewSettings::DEFAULT_TTL_HOURS,
        max_concurrent: tengu_core::domain::ReviewSettings::DEFAULT_MAX_CONCURRENT,
        opt_in_label: None,
        drain_seconds: tengu_core::domain::ReviewSettings::DEFAULT_DRAIN_SECONDS,
        opt_out_label: tengu_core::domain::ReviewSettings::DEFAULT_OPT_OUT_LABEL.to_owned(),
    }
}

/// One HTTP check on dev's health, asked as soon as ECS completed the rollout: no bake, so a sound release takes
/// no longer than before, and a `flaky` one fails at once.
fn dev_verification() -> tengu_core::domain::VerificationPlan {
    tengu_core::domain::VerificationPlan {
        bake_seconds: 0,
        http: vec![tengu_core::domain::HttpCheck {
            name: "health".to_owned(),
            url: tengu_core::domain::CheckUrl::parse(super::checks::DEV_HEALTH).expect("a valid URL"),
            expect_status: 200,
            json: Some(tengu_core::domain::JsonExpectation {
                pointer: "/status".to_owned(),
                value: serde_json::json!("ok"),
            }),
            interval_seconds: 5,
            count: 1,
            failure_limit: 0,
            timeout_seconds: 5,
            initial_delay_seconds: 0,
        }],
        alarms: Vec::new(),
    }
}

pub(super) fn environments() -> Vec<Environment> {
    ["dev", "production"]
        .into_iter()
        .map(|name| {
            let name = env_name(name);
            Environment {
                repo: repo(),
                source_branch: branch("master"),
                deploy_branch: Environment::default_deploy_branch(&name),
                cluster: ClusterName::parse(format!("shop-{name}")).expect("a valid cluster"),
                services: vec![ServiceName::parse("web").expect("valid"), ServiceName::parse("worker").expect("valid")],
                deploy_pr: DeployPrOptions {
                    labels: vec!["deploy".to_owned(), name.to_string()],
                    refresh_on_push: true,
                    ..DeployPrOptions::default()
                },
                image_template: Some(format!("{REGISTRY}:{{short_sha}}")),
                containers: Vec::new(),
                url: Some(format!("https://{name}.shop.example.com")),
                // Production asks more than write, so the sandbox shows an environment's own bar.
                required_permission: (name.as_str() == "production").then_some(Permission::Maintain),
                // ... and a second person's approval (the two-person rule).
                approvals_required: u32::from(name.as_str() == "production"),
                // ... and dev's releases are checked once ECS completed them (an image tagged `flaky` fails).
                verification: if name.as_str() == "dev" { dev_verification() } else { Default::default() },
                name,
            }
        })
        .collect()
}

struct History {
    commits: Vec<SimCommit>,
    /// Commits on the source branch after each source PR was merged (index = PR index).
    len_after_pr: Vec<usize>,
    pulls: Vec<PullRequest>,
}

fn merged_history() -> History {
    let mut commits = Vec::new();
    let mut len_after_pr = Vec::new();
    let mut pulls = Vec::new();
    let mut counter = 0u64;
    let mut next_sha = || {
        counter += 1;
        sha(counter)
    };
    for (i, title) in TITLES.iter().enumerate() {
        let number = PrNumber::new(FIRST_NUMBER + i as u64).expect("positive");
        let author = login(AUTHORS[(i * 5 + i / 6) % AUTHORS.len()]);
        let branch_name = format!("{}/{}", author, slug(title));
        let mut add = |headline: String, parents: u8, pr: Option<PrNumber>, author: &Login| {
            commits.push(SimCommit {
                commit: Commit { sha: next_sha(), headline, author: Some(author.clone()), parents },
                pr,
            });
        };
        match i % 5 {
            // A merge commit, with the branch's own commits before it.
            0 | 3 => {
                add(title.to_string(), 1, Some(number), &author);
                if i % 2 == 0 {
                    add("Address review comments".to_owned(), 1, Some(number), &author);
                }
                add(format!("Merge pull request #{} from acme/{branch_name}", number.get()), 2, Some(number), &author);
            }
            // A squash merge: one commit whose message names the PR.
            1 | 4 => add(format!("{title} (#{})", number.get()), 1, Some(number), &author),
            // A rebase merge: the PR's commits as they were, found only through GitHub's association.
            _ => {
                add(title.to_string(), 1, Some(number), &author);
                add(format!("Add tests: {}", title.to_lowercase()), 1, Some(number), &author);
            }
        }
        if i + 1 == DIRECT_COMMIT_AFTER {
            add("Bump version to 2.14.0".to_owned(), 1, None, &login("erin"));
        }
        len_after_pr.push(commits.len());
        pulls.push(PullRequest {
            number,
            title: title.to_string(),
            body: format!("Closes a card on the board.\n\n{title}."),
            author,
            base: branch("master"),
            head: branch(&branch_name),
            state: PrState::Merged,
            url: format!("https://github.com/acme/shop/pull/{}", number.get()),
            head_sha: commits.last().expect("each PR adds commits").commit.sha.clone(),
        });
    }
    History { commits, len_after_pr, pulls }
}

/// Open feature PRs with review environments.
const OPEN_PRS: [(&str, &str, &str); 3] = [
    ("carol", "feature/checkout-colours", "Try new checkout button colours"),
    ("frank", "feature/gift-cards", "Add gift cards"),
    // The simulated task of a branch named `…crash…` exits after it starts: the failure path, to look at.
    ("bob", "fix/crash-on-empty-cart", "Fix the crash on an empty cart"),
];

/// One past deployment of an environment, the same in the world and in the history.
struct PastDeployment {
    /// Source PRs deployed so far (the deploy branch's tip after the deployment).
    prs_deployed: usize,
    revision: u32,
    state: DeploymentState,
    trigger: Trigger,
    actor: &'static str,
    hours_ago: i64,
    reason: Option<&'static str>,
}

fn past_deployments(env: &str) -> Vec<PastDeployment> {
    use DeploymentState::{Failed, RolledBack, Succeeded};
    let d = |prs_deployed, revision, state, trigger, actor, hours_ago, reason| PastDeployment {
        prs_deployed,
        revision,
        state,
        trigger,
        actor,
        hours_ago,
        reason,
    };
    match env {
        "production" => vec![
            d(8, 37, Succeeded, Trigger::Merge, "alice", 240, None),
            d(13, 38, Succeeded, Trigger::Merge, "dave", 190, None),
            d(
                17,
                39,
                Failed,
                Trigger::Merge,
                "bob",
                140,
                Some("ECS circuit breaker rolled back to shop-production-web:38: 3 tasks failed their health check"),
            ),
            d(17, 40, Succeeded, Trigger::Merge, "bob", 138, None),
            d(
                20,
                41,
                RolledBack,
                Trigger::Button,
                "carol",
                70,
                Some("Rolled back by carol: error rate rose after the deploy"),
            ),
            d(13, 42, Succeeded, Trigger::Rollback, "carol", 69, None),
            d(PRODUCTION_DEPLOYED, 43, Succeeded, Trigger::Merge, "erin", 26, None),
        ],
        _ => vec![
            d(10, 51, Succeeded, Trigger::Merge, "bob", 200, None),
            d(16, 52, Succeeded, Trigger::Merge, "alice", 150, None),
            d(19, 53, Succeeded, Trigger::Cli, "dave", 100, None),
            d(23, 54, Failed, Trigger::Merge, "frank", 50, Some("Timed out after 15 minutes: 0 of 2 tasks running")),
            d(23, 55, Succeeded, Trigger::Redeploy, "frank", 49, None),
            d(DEV_DEPLOYED, 56, Succeeded, Trigger::Merge, "carol", 5, None),
        ],
    }
}

/// How many past deployments came from merging a deploy PR (each had its own).
fn past_deploy_prs() -> usize {
    environments()
        .iter()
        .flat_map(|env| past_deployments(env.name.as_str()))
        .filter(|d| d.trigger == Trigger::Merge)
        .count()
}

/// The merged deploy PR a past deployment came from: the source PRs it shipped, each ticked by its author.
fn past_deploy_pr(
    history: &History,
    env: &Environment,
    number: PrNumber,
    shipped_from: usize,
    prs_deployed: usize,
    merged_at: DateTime<Utc>,
) -> DeployPr {
    let items = (shipped_from..prs_deployed.max(shipped_from))
        .map(|index| {
            let pull = &history.pulls[index];
            let commits = history.commits.iter().filter(|c| c.pr == Some(pull.number)).map(|c| c.commit.clone());
            // A rhythm of waits, so the insights have something to say: merged 6 to 34 hours before the deploy,
            // written 10 to 50 hours before that, listed 20 minutes after the merge.
            let source_merged = merged_at - Duration::hours(6 + (index % 5) as i64 * 7);
            let written = source_merged - Duration::hours(10 + (index % 3) as i64 * 20);
            ChecklistItem {
                source: SourcePr {
                    number: pull.number,
                    title: pull.title.clone(),
                    author: pull.author.clone(),
                    assignees: Vec::new(),
                    commits: commits.collect(),
                    merged_at: Some(source_merged),
                    first_commit_at: Some(written),
                },
                verified: Some(Verification { by: pull.author.to_string(), at: merged_at - Duration::minutes(30) }),
                listed_at: Some(source_merged + Duration::minutes(20)),
            }
        })
        .collect();
    DeployPr {
        repo: env.repo.clone(),
        number,
        env: env.name.clone(),
        title: format!("Deploy to {} {}", env.name, merged_at.format("%Y-%m-%d")),
        url: tengu_core::links::GithubWeb::default().pull(&env.repo, number),
        base: env.deploy_branch.clone(),
        head: env.source_branch.clone(),
        head_sha: Some(tip_sha(history, prs_deployed)),
        state: PrState::Merged,
        items,
        direct_commits: shipped_commits(history, shipped_from, prs_deployed)
            .iter()
            .filter(|c| c.pr.is_none())
            .map(|c| c.commit.clone())
            .collect(),
        gate_override: None,
        updated_at: merged_at,
        merge_sha: None,
        version: 0,
    }
}

fn tip_sha(history: &History, prs_deployed: usize) -> CommitSha {
    history.commits[history.len_after_pr[prs_deployed - 1] - 1].commit.sha.clone()
}

/// The commits that came with source PRs `shipped_from..prs_deployed` (the direct ones among them included).
fn shipped_commits(history: &History, shipped_from: usize, prs_deployed: usize) -> &[SimCommit] {
    if prs_deployed <= shipped_from {
        return &[];
    }
    let first_commit = if shipped_from == 0 { 0 } else { history.len_after_pr[shipped_from - 1] };
    &history.commits[first_commit..history.len_after_pr[prs_deployed - 1]]
}

/// What a deployment from `shipped_from` to `prs_deployed` source PRs carried: those PRs with their authors and
/// commits, and the direct commits among them; a rollback to fewer carries its commit.
fn carried_between(history: &History, shipped_from: usize, prs_deployed: usize, tip: &CommitSha) -> Vec<CarriedChange> {
    if prs_deployed <= shipped_from {
        return vec![CarriedChange::commit(tip.clone(), None)];
    }
    let commits = shipped_commits(history, shipped_from, prs_deployed);
    let mut carried: Vec<CarriedChange> = history.pulls[shipped_from..prs_deployed]
        .iter()
        .map(|pull| CarriedChange::pull_request(pull.number, Some(pull.author.clone())))
        .collect();
    carried.extend(commits.iter().map(|sim| match sim.pr {
        Some(pr) => CarriedChange { source_pr: Some(pr), sha: Some(sim.commit.sha.clone()), author: None },
        None => CarriedChange::commit(sim.commit.sha.clone(), sim.commit.author.clone()),
    }));
    if !carried.iter().any(|c| c.sha.as_ref() == Some(tip)) {
        carried.push(CarriedChange::commit(tip.clone(), None));
    }
    carried
}

fn image_for(sha: &CommitSha) -> ImageRef {
    ImageRef::parse(format!("{REGISTRY}:{}", sha.short())).expect("a valid image")
}

fn task_definition(env: &str, service: &str, revision: u32) -> TaskDefinitionArn {
    TaskDefinitionArn::parse(format!(
        "arn:aws:ecs:us-east-1:123456789012:task-definition/shop-{env}-{service}:{revision}"
    ))
    .expect("a valid ARN")
}

pub(super) fn world(_now: DateTime<Utc>) -> World {
    let history = merged_history();
    let mut branches = BTreeMap::new();
    branches.insert("master".to_owned(), history.commits.len());
    branches.insert("deployment/production".to_owned(), history.len_after_pr[PRODUCTION_DEPLOYED - 1]);
    branches.insert("deployment/dev".to_owned(), history.len_after_pr[DEV_DEPLOYED - 1]);
    let mut pulls: BTreeMap<u64, PullRequest> = history.pulls.iter().map(|p| (p.number.get(), p.clone())).collect();
    let mut next_number = FIRST_NUMBER + TITLES.len() as u64;
    for (author, head, title) in OPEN_PRS {
        let number = PrNumber::new(next_number).expect("positive");
        next_number += 1;
        branches.insert(head.to_owned(), history.commits.len());
        pulls.insert(
            number.get(),
            PullRequest {
                number,
                title: title.to_owned(),
                body: String::new(),
                author: login(author),
                base: branch("master"),
                head: branch(head),
                state: PrState::Open,
                url: format!("https://github.com/acme/shop/pull/{}", number.get()),
                head_sha: history.commits.last().expect("history is not empty").commit.sha.clone(),
            },
        );
    }
    let mut services = Vec::new();
    // Every revision the seeded history ran is one ECS knows (a review reads what a rollback would go back to).
    let mut task_definition_images = BTreeMap::new();
    for env in environments() {
        let past = past_deployments(env.name.as_str());
        for (deployment, service) in past.iter().flat_map(|d| env.services.iter().map(move |s| (d, s))) {
            let arn = task_definition(env.name.as_str(), service.as_str(), deployment.revision);
            task_definition_images
                .insert(arn.as_str().to_owned(), image_for(&tip_sha(&history, deployment.prs_deployed)));
        }
        for (revision, image) in earlier::revision_images(&env) {
            for service in &env.services {
                let arn = task_definition(env.name.as_str(), service.as_str(), revision);
                task_definition_images.insert(arn.as_str().to_owned(), image.clone());
            }
        }
        let current = past.iter().rev().find(|d| d.state == DeploymentState::Succeeded).expect("a success");
        for service in &env.services {
            services.push(SimService {
                cluster: env.cluster.clone(),
                service: service.clone(),
                task_definition: task_definition(env.name.as_str(), service.as_str(), current.revision),
                image: image_for(&tip_sha(&history, current.prs_deployed)),
                desired: if service.as_str() == "web" { 3 } else { 2 },
                rollout: None,
                updates: 0,
                // dev's worker has a task that keeps crashing: the overview shows it below its desired count.
                short_by: u32::from(env.name.as_str() == "dev" && service.as_str() == "worker"),
            });
        }
    }
    World {
        repo: repo(),
        history: history.commits,
        branches,
        pulls,
        // The past deploy PRs (recorded by `history`) took the numbers after the open pull requests.
        next_number: next_number + past_deploy_prs() as u64,
        services,
        statuses: BTreeMap::new(),
        merge_heads: BTreeMap::new(),
        comments: BTreeMap::new(),
        pull_options: BTreeMap::new(),
        task_definition_images,
        github_deployments: Vec::new(),
        tasks: BTreeMap::new(),
        pushes: BTreeMap::new(),
    }
}

/// Writes the sandbox's past into tengu's records through the same use cases people use.
pub(super) async fn history(tengu: &Tengu) -> Result<(), CoreError> {
    let past_commits = merged_history();
    let mut writer = PastWriter {
        tengu,
        now: tengu.clock().now(),
        commits: &past_commits,
        next_deploy_pr: FIRST_NUMBER + (TITLES.len() + OPEN_PRS.len()) as u64,
        last_merged: None,
        carried_by_success: Default::default(),
    };
    earlier::write(tengu).await?;
    for (env, past, shipped_from) in past_in_order() {
        writer.record(&env, past, shipped_from).await?;
    }
    tick_some_boxes(tengu).await?;
    start_open_review_envs(tengu, &past_commits).await
}

/// Every past deployment with the number of PRs its environment had shipped before it, oldest first across
/// environments, so ids follow time as they do in a real history.
fn past_in_order() -> Vec<(Environment, PastDeployment, usize)> {
    let mut past: Vec<(Environment, PastDeployment, usize)> = Vec::new();
    for env in environments() {
        let mut previous_prs = 0;
        for deployment in past_deployments(env.name.as_str()) {
            let shipped_from = previous_prs;
            if deployment.state == DeploymentState::Succeeded {
                previous_prs = deployment.prs_deployed;
            }
            past.push((env.clone(), deployment, shipped_from));
        }
    }
    past.sort_by_key(|(_, deployment, _)| std::cmp::Reverse(deployment.hours_ago));
    past
}

/// Writes past deployments one by one, remembering what earlier ones shipped.
struct PastWriter<'a> {
    tengu: &'a Tengu,
    /// The present the past is counted back from.
    now: DateTime<Utc>,
    commits: &'a History,
    next_deploy_pr: u64,
    /// A merge that failed and was deployed again came from the same deploy PR.
    last_merged: Option<(EnvName, usize, usize, PrNumber)>,
    carried_by_success: std::collections::HashMap<(EnvName, usize), Vec<CarriedChange>>,
}

impl PastWriter<'_> {
    async fn record(&mut self, env: &Environment, past: PastDeployment, shipped_from: usize) -> Result<(), CoreError> {
        let sha = tip_sha(self.commits, past.prs_deployed);
        let requested_at = self.now - Duration::hours(past.hours_ago);
        let shipped: Vec<PrNumber> = (shipped_from..past.prs_deployed)
            .map(|i| PrNumber::new(FIRST_NUMBER + i as u64).expect("positive"))
            .collect();
        // A rollback carries again what the success it returns to carried, as a real one does.
        let carried = match past.trigger {
            Trigger::Rollback => self
                .carried_by_success
                .get(&(env.name.clone(), past.prs_deployed))
                .cloned()
                .unwrap_or_else(|| vec![CarriedChange::commit(sha.clone(), None)]),
            _ => carried_between(self.commits, shipped_from, past.prs_deployed, &sha),
        };
        if past.state == DeploymentState::Succeeded {
            self.carried_by_success.insert((env.name.clone(), past.prs_deployed), carried.clone());
        }
        let deploy_pr = self.deploy_pr_of(env, &past, shipped_from, requested_at).await?;
        let inserted = self
            .tengu
            .store()
            .insert_deployment(&NewDeployment {
                env: env.name.clone(),
                repo: env.repo.clone(),
                image: image_for(&sha),
                sha: Some(sha),
                trigger: past.trigger,
                actor: past.actor.to_owned(),
                source_prs: shipped,
                requested_at,
                task_definitions: Vec::new(),
                deploy_pr,
                carried,
                idempotency_key: None,
                needs_approval: false,
                note: None,
            })
            .await?;
        let DeploymentInsert::Started(id) = inserted else {
            return Err(CoreError::Refused("the sandbox's past deployments overlap; delete the database file".into()));
        };
        replay_steps(self.tengu, id, env, &past, requested_at).await
    }

    /// A merge came from its deploy PR, recorded as merged with every box ticked.
    async fn deploy_pr_of(
        &mut self,
        env: &Environment,
        past: &PastDeployment,
        shipped_from: usize,
        requested_at: DateTime<Utc>,
    ) -> Result<Option<PrNumber>, CoreError> {
        match (past.trigger, &self.last_merged) {
            (Trigger::Merge, Some((name, from, to, number)))
                if *name == env.name && *from == shipped_from && *to == past.prs_deployed =>
            {
                Ok(Some(*number))
            }
            (Trigger::Merge, _) => {
                let number = PrNumber::new(self.next_deploy_pr).expect("positive");
                self.next_deploy_pr += 1;
                let merged = past_deploy_pr(self.commits, env, number, shipped_from, past.prs_deployed, requested_at);
                self.tengu.store().save_deploy_pr(&merged).await?;
                self.last_merged = Some((env.name.clone(), shipped_from, past.prs_deployed, number));
                Ok(Some(number))
            }
            _ => Ok(None),
        }
    }
}

/// The steps a real deployment takes, a few seconds apart, then the rollout until it ended.
async fn replay_steps(
    tengu: &Tengu,
    id: tengu_core::domain::DeploymentId,
    env: &Environment,
    past: &PastDeployment,
    requested_at: DateTime<Utc>,
) -> Result<(), CoreError> {
    let store = tengu.store();
    let task_definitions: Vec<_> =
        env.services.iter().map(|s| task_definition(env.name.as_str(), s.as_str(), past.revision)).collect();
    let minutes = 3 + (past.revision as i64 % 5);
    let finished_at = requested_at + Duration::minutes(minutes) + Duration::seconds(past.revision as i64 % 47);
    let path = [
        DeploymentState::Checked,
        DeploymentState::TaskDefinitionRegistered,
        DeploymentState::ServiceUpdated,
        DeploymentState::RollingOut,
    ];
    let mut from = DeploymentState::Requested;
    for (i, to) in path.into_iter().enumerate() {
        let at = requested_at + Duration::seconds(2 + 3 * i as i64);
        let change =
            DeploymentMove { from, to, task_definitions: &task_definitions, reason: None, at, finished_at: None };
        store.move_deployment(id, &change).await?;
        from = to;
    }
    let change = DeploymentMove {
        from,
        to: past.state,
        task_definitions: &task_definitions,
        reason: past.reason,
        at: finished_at,
        finished_at: Some(finished_at),
    };
    store.move_deployment(id, &change).await?;
    Ok(())
}

/// Each environment's deploy PR, opened as people would, with some boxes ticked by their authors.
async fn tick_some_boxes(tengu: &Tengu) -> Result<(), CoreError> {
    for env in environments() {
        let pr = tengu.open_or_refresh_deploy_pr(&Actor::System, &env.name).await?;
        let ticked: Vec<usize> = if env.name.as_str() == "production" { vec![0, 2, 3] } else { vec![0] };
        for index in ticked {
            let item = &pr.items[index];
            let actor = Actor::Person(item.source.author.clone());
            tengu.set_verification(&actor, &pr.repo, pr.number, item.source.number, true).await?;
        }
    }
    Ok(())
}

/// The open pull requests' review environments start as they would from an `opened` webhook.
async fn start_open_review_envs(tengu: &Tengu, past_commits: &History) -> Result<(), CoreError> {
    let head = past_commits.commits.last().expect("history is not empty").commit.sha.clone();
    let open_from = FIRST_NUMBER + TITLES.len() as u64;
    for (i, (author, head_branch, title)) in OPEN_PRS.into_iter().enumerate() {
        let pr = tengu_core::usecases::ReviewPr {
            repo: repo(),
            number: PrNumber::new(open_from + i as u64).expect("positive"),
            title: title.to_owned(),
            author: login(author),
            branch: branch(head_branch),
            sha: head.clone(),
        };
        tengu.start_review_env(pr).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeded_history_has_every_kind_of_merge_and_enough_people() {
        let history = merged_history();
        assert_eq!(history.pulls.len(), 30);
        let merges = history.commits.iter().filter(|c| c.commit.parents == 2).count();
        let squashes = history.commits.iter().filter(|c| c.commit.headline.ends_with(')')).count();
        let direct = history.commits.iter().filter(|c| c.pr.is_none()).count();
        assert!(merges >= 5 && squashes >= 5, "{merges} merges, {squashes} squashes");
        assert_eq!(direct, 1);
        let mut authors: Vec<_> = history.pulls.iter().map(|p| p.author.clone()).collect();
        authors.sort();
        authors.dedup();
        assert!(authors.len() >= 5);
    }

    #[test]
    fn made_up_shas_are_distinct() {
        let shas: std::collections::HashSet<_> = (1..500).map(sha).collect();
        assert_eq!(shas.len(), 499);
    }
}
