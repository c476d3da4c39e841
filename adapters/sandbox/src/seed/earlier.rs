//! The sandbox's earlier past: the 90 days before its story (which covers the last ten), so the insights have
//! something to say on a fresh start. Sixty archived pull requests (numbered below the story's, as older ones
//! are) merged about one a day; production deploys them on three planned days a week, through a deploy PR whose
//! boxes their authors tick (frank slowly, so his changes hold the deploys they are in); dev on three other days
//! from a button or the command line. One bad week in production: a deploy ECS could not run (redeployed once
//! fixed), one rolled back by hand three hours after it succeeded, one that tengu rolled back itself. Written
//! before the story, oldest first, so ids follow time.

use std::ops::Range;

use chrono::{DateTime, Duration, Utc};

use super::{AUTHORS, FIRST_NUMBER, PastDeployment, environments, image_for, login, replay_steps};
use tengu_core::domain::{
    CarriedChange, ChecklistItem, CommitSha, DeployPr, DeploymentState, Environment, ImageRef, NewDeployment, PrNumber,
    PrState, SourcePr, Trigger, Verification,
};
use tengu_core::error::CoreError;
use tengu_core::ports::DeploymentInsert;
use tengu_core::tengu::Tengu;

/// How many archived pull requests (numbers 1 to this); their deploy PRs take the numbers after them.
const ARCHIVED: usize = 60;
/// The archive covers the days from this many ago ...
const FIRST_DAY_AGO: i64 = 90;
/// ... to the story's history, which starts ten days ago.
const STORY_DAYS_AGO: i64 = 11;
/// The week (from the archive's first day) when production went wrong.
const BAD_WEEK: i64 = 6;
const SLOW_VERIFIER: &str = "frank";

const TITLES: [&str; 12] = [
    "Tidy the checkout form",
    "Speed up the product grid",
    "Log slow queries",
    "Fix the pager on search results",
    "Add alt text to product images",
    "Retry payment webhooks",
    "Show stock per warehouse",
    "Upgrade the image resizer",
    "Fix a typo in the returns email",
    "Trim the cart payload",
    "Add a newsletter opt-out link",
    "Cache exchange rates",
];

/// An archived pull request and the moments of its way.
struct ArchivedPr {
    number: PrNumber,
    title: String,
    author: &'static str,
    written: DateTime<Utc>,
    merged: DateTime<Utc>,
    listed: DateTime<Utc>,
    verified: DateTime<Utc>,
}

fn archived_prs(now: DateTime<Utc>) -> Vec<ArchivedPr> {
    let first = now - Duration::days(FIRST_DAY_AGO);
    let span = Duration::days(FIRST_DAY_AGO - STORY_DAYS_AGO - 3).num_minutes();
    (0..ARCHIVED)
        .map(|k| {
            let merged = first + Duration::minutes(span * k as i64 / ARCHIVED as i64);
            let author = AUTHORS[k % AUTHORS.len()];
            // Listed by the next refresh of the deploy PR; ticked within hours, but frank's after a day or two.
            let listed = merged + Duration::minutes(5 + (k as i64 * 7) % 40);
            let wait = if author == SLOW_VERIFIER {
                Duration::hours(30 + (k % 3) as i64 * 9)
            } else {
                Duration::minutes(35 + (k as i64 * 53) % 320)
            };
            ArchivedPr {
                number: PrNumber::new(k as u64 + 1).expect("positive"),
                title: format!("{} ({})", TITLES[k % TITLES.len()], k / TITLES.len() + 1),
                author,
                written: merged - Duration::hours(6 + (k % 4) as i64 * 11),
                merged,
                listed,
                verified: listed + wait,
            }
        })
        .collect()
}

/// One archived deployment, before it is written.
struct Event {
    trigger: Trigger,
    state: DeploymentState,
    actor: &'static str,
    at: DateTime<Utc>,
    /// The archived pull requests it shipped (none for a rollback).
    prs: Range<usize>,
    /// What runs after it: the archived pull requests `0..tip`.
    tip: usize,
    reason: Option<&'static str>,
    /// Merges come from a deploy PR.
    from_deploy_pr: bool,
}

/// The planned days of a week (from the archive's first day) and hour of each environment's deploys, and how
/// long before it a change must have been merged to go.
fn plan(production: bool) -> ([i64; 3], i64, Duration) {
    if production { ([0, 2, 4], 10, Duration::hours(4)) } else { ([0, 1, 3], 15, Duration::hours(1)) }
}

fn events(production: bool, prs: &[ArchivedPr], now: DateTime<Utc>) -> Vec<Event> {
    let (days, hour, cutoff) = plan(production);
    let first = now - Duration::days(FIRST_DAY_AGO);
    let story = now - Duration::days(STORY_DAYS_AGO);
    let (mut events, mut tip, mut free, mut bad) = (Vec::new(), 0, first, 0);
    for day in 0..FIRST_DAY_AGO - STORY_DAYS_AGO {
        let planned = first + Duration::days(day) + Duration::hours(hour);
        let ready = prs.iter().take_while(|pr| pr.merged <= planned - cutoff).count();
        if !days.contains(&(day % 7)) || planned < free || ready <= tip {
            continue;
        }
        let batch = tip..ready;
        // Production waits for every box of its deploy PR to be ticked.
        let ticked = prs[batch.clone()].iter().map(|pr| pr.verified + Duration::minutes(30)).max();
        let at = if production { ticked.map_or(planned, |t| t.max(planned)) } else { planned };
        if at >= story - Duration::hours(6) {
            break;
        }
        let actor = prs[ready - 1].author;
        let went_wrong = day / 7 == BAD_WEEK;
        let step = (
            if went_wrong {
                bad += 1;
                bad
            } else {
                0
            },
            production,
        );
        tip = push_outcome(&mut events, step, Event::shipped(production, actor, at, batch));
        free = events.last().map_or(at, |e: &Event| e.at) + Duration::hours(1);
    }
    events
}

/// Adds the deployment and what followed it; what runs after them.
fn push_outcome(events: &mut Vec<Event>, (bad, production): (usize, bool), shipped: Event) -> usize {
    let (at, batch) = (shipped.at, shipped.prs.clone());
    // Deployed again once fixed, from the same deploy PR.
    let redeploy = |minutes| Event {
        trigger: Trigger::Redeploy,
        state: DeploymentState::Succeeded,
        at: at + Duration::minutes(minutes),
        ..Event::shipped(production, shipped.actor, at, batch.clone())
    };
    match (bad, production) {
        (1, _) => {
            let reason = if production {
                "ECS circuit breaker rolled back: 2 tasks failed their health check"
            } else {
                "Timed out after 15 minutes: 0 of 2 tasks running"
            };
            events.push(Event { state: DeploymentState::Failed, reason: Some(reason), ..shipped });
            events.push(redeploy(90));
            batch.end
        }
        (2, true) => {
            let actor = shipped.actor;
            events.push(shipped);
            events.push(Event {
                trigger: Trigger::Rollback,
                state: DeploymentState::Succeeded,
                actor,
                at: at + Duration::hours(3),
                prs: batch.start..batch.start,
                tip: batch.start,
                reason: None,
                from_deploy_pr: false,
            });
            batch.start
        }
        (3, true) => {
            let reason = "Rolled back: the error rate check failed (4.2 % against at most 1 %)";
            events.push(Event { state: DeploymentState::RolledBack, reason: Some(reason), ..shipped });
            batch.start
        }
        _ => {
            events.push(shipped);
            batch.end
        }
    }
}

impl Event {
    fn shipped(production: bool, actor: &'static str, at: DateTime<Utc>, prs: Range<usize>) -> Self {
        let trigger = match (production, prs.end % 2) {
            (true, _) => Trigger::Merge,
            (false, 0) => Trigger::Button,
            (false, _) => Trigger::Cli,
        };
        let tip = prs.end;
        Event {
            trigger,
            state: DeploymentState::Succeeded,
            actor,
            at,
            prs,
            tip,
            reason: None,
            from_deploy_pr: production,
        }
    }
}

/// The archive's commit that put the first `tip` archived pull requests on the source branch.
fn archived_sha(tip: usize) -> CommitSha {
    CommitSha::parse(format!("a1c0{tip:036x}")).expect("40 hex digits")
}

/// An environment's archived deployments with their revisions, which end just below the story's first (37 in
/// production, 51 in dev). Everything is counted from `now`, so the same whenever the sandbox starts.
fn revisions(env: &Environment, prs: &[ArchivedPr], now: DateTime<Utc>) -> Vec<(Event, u32)> {
    let production = env.name.as_str() == "production";
    let events = events(production, prs, now);
    let first = if production { 37 } else { 51 } - events.len() as u32;
    events.into_iter().enumerate().map(|(i, event)| (event, first + i as u32)).collect()
}

/// The image each archived revision of the environment ran, for the simulated ECS.
pub(super) fn revision_images(env: &Environment) -> Vec<(u32, ImageRef)> {
    let now = Utc::now();
    let prs = archived_prs(now);
    revisions(env, &prs, now)
        .into_iter()
        .map(|(event, revision)| (revision, image_for(&archived_sha(event.tip))))
        .collect()
}

/// Writes the archive of every environment, oldest first across them, before the story's history.
pub(super) async fn write(tengu: &Tengu) -> Result<(), CoreError> {
    let now = tengu.clock().now();
    let prs = archived_prs(now);
    let mut all: Vec<(Environment, Event, u32)> = Vec::new();
    for env in environments() {
        all.extend(revisions(&env, &prs, now).into_iter().map(|(event, revision)| (env.clone(), event, revision)));
    }
    all.sort_by_key(|(_, event, _)| event.at);
    let mut next_deploy_pr = ARCHIVED as u64 + 1;
    let mut last_deploy_pr = None;
    for (env, event, revision) in all {
        let deploy_pr = match (event.from_deploy_pr, event.trigger) {
            (true, Trigger::Redeploy) => last_deploy_pr,
            (true, _) => {
                let number = PrNumber::new(next_deploy_pr).expect("positive");
                next_deploy_pr += 1;
                tengu.store().save_deploy_pr(&merged_deploy_pr(&env, number, &prs, &event)).await?;
                Some(number)
            }
            (false, _) => None,
        };
        last_deploy_pr = deploy_pr.or(last_deploy_pr);
        write_one(tengu, &env, &event, revision, &prs, deploy_pr).await?;
    }
    debug_assert!(next_deploy_pr < FIRST_NUMBER, "the archive's numbers stay below the story's");
    Ok(())
}

async fn write_one(
    tengu: &Tengu,
    env: &Environment,
    event: &Event,
    revision: u32,
    prs: &[ArchivedPr],
    deploy_pr: Option<PrNumber>,
) -> Result<(), CoreError> {
    let sha = archived_sha(event.tip);
    let shipped = &prs[event.prs.clone()];
    let mut carried: Vec<CarriedChange> =
        shipped.iter().map(|pr| CarriedChange::pull_request(pr.number, Some(login(pr.author)))).collect();
    carried.push(CarriedChange::commit(sha.clone(), None));
    let inserted = tengu
        .store()
        .insert_deployment(&NewDeployment {
            env: env.name.clone(),
            repo: env.repo.clone(),
            image: image_for(&sha),
            sha: Some(sha),
            trigger: event.trigger,
            actor: event.actor.to_owned(),
            source_prs: shipped.iter().map(|pr| pr.number).collect(),
            requested_at: event.at,
            task_definitions: Vec::new(),
            deploy_pr,
            carried,
            idempotency_key: None,
            needs_approval: false,
            note: None,
        })
        .await?;
    let DeploymentInsert::Started(id) = inserted else {
        return Err(CoreError::Refused("the sandbox's archived deployments overlap; delete the database file".into()));
    };
    let past = PastDeployment {
        prs_deployed: event.tip,
        revision,
        state: event.state,
        trigger: event.trigger,
        actor: event.actor,
        hours_ago: 0,
        reason: event.reason,
    };
    replay_steps(tengu, id, env, &past, event.at).await
}

/// The merged deploy PR an archived merge came from, every box ticked by its author.
fn merged_deploy_pr(env: &Environment, number: PrNumber, prs: &[ArchivedPr], event: &Event) -> DeployPr {
    let items = prs[event.prs.clone()]
        .iter()
        .map(|pr| ChecklistItem {
            source: SourcePr {
                number: pr.number,
                title: pr.title.clone(),
                author: login(pr.author),
                assignees: Vec::new(),
                commits: vec![tengu_core::domain::Commit {
                    sha: archived_sha(pr.number.get() as usize),
                    headline: pr.title.clone(),
                    author: Some(login(pr.author)),
                    parents: 1,
                }],
                merged_at: Some(pr.merged),
                first_commit_at: Some(pr.written),
            },
            verified: Some(Verification { by: pr.author.to_owned(), at: pr.verified }),
            listed_at: Some(pr.listed),
        })
        .collect();
    DeployPr {
        repo: env.repo.clone(),
        number,
        env: env.name.clone(),
        title: format!("Deploy to {} {}", env.name, event.at.format("%Y-%m-%d")),
        url: tengu_core::links::GithubWeb::default().pull(&env.repo, number),
        base: env.deploy_branch.clone(),
        head: env.source_branch.clone(),
        head_sha: Some(archived_sha(event.tip)),
        state: PrState::Merged,
        items,
        direct_commits: Vec::new(),
        gate_override: None,
        updated_at: event.at,
        merge_sha: None,
        version: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-07T03:00:00Z").unwrap().to_utc()
    }

    #[test]
    fn production_deploys_a_few_times_a_week_with_one_bad_week() {
        let prs = archived_prs(now());
        let events = events(true, &prs, now());
        let first = now() - Duration::days(FIRST_DAY_AGO);
        assert!(events.windows(2).all(|w| w[0].at < w[1].at), "in time order");
        assert!(events.last().unwrap().at < now() - Duration::days(STORY_DAYS_AGO), "before the story");
        assert!(events.len() < 37, "revisions stay positive: {}", events.len());
        let weeks: Vec<usize> = (0..11)
            .map(|w| {
                events
                    .iter()
                    .filter(|e| (e.at - first).num_days() / 7 == w && e.state == DeploymentState::Succeeded)
                    .count()
            })
            .collect();
        assert!(weeks.iter().all(|n| (1..=5).contains(n)), "a few successes each week: {weeks:?}");
        let bad: Vec<(Trigger, DeploymentState)> =
            events.iter().filter(|e| (e.at - first).num_days() / 7 == BAD_WEEK).map(|e| (e.trigger, e.state)).collect();
        for expected in [
            (Trigger::Merge, DeploymentState::Failed),
            (Trigger::Redeploy, DeploymentState::Succeeded),
            (Trigger::Rollback, DeploymentState::Succeeded),
            (Trigger::Merge, DeploymentState::RolledBack),
        ] {
            assert!(bad.contains(&expected), "{expected:?} in the bad week: {bad:?}");
        }
        let shipped: usize = events.iter().filter(|e| e.state == DeploymentState::Succeeded).map(|e| e.prs.len()).sum();
        assert!(shipped >= ARCHIVED - 5, "nearly every archived change reached production: {shipped}");
    }

    #[test]
    fn frank_verifies_slowly_and_every_number_stays_below_the_storys() {
        let prs = archived_prs(now());
        let wait = |author: &str| {
            let mut waits: Vec<i64> =
                prs.iter().filter(|pr| pr.author == author).map(|pr| (pr.verified - pr.listed).num_minutes()).collect();
            waits.sort();
            waits[waits.len() / 2]
        };
        assert!(AUTHORS.iter().filter(|a| **a != SLOW_VERIFIER).all(|a| wait(SLOW_VERIFIER) > 4 * wait(a)));
        let merges = events(true, &prs, now()).iter().filter(|e| e.trigger == Trigger::Merge).count();
        assert!(ARCHIVED + merges < FIRST_NUMBER as usize, "{merges} deploy PRs after {ARCHIVED} pull requests");
        let dev = events(false, &prs, now());
        assert!(dev.len() < 51 && dev.iter().all(|e| !e.from_deploy_pr));
    }
}
