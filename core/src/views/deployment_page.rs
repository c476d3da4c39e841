//! A deployment's page: what shipped where, who started it, how it ended, and what ECS last said, as the page
//! shows it.

use serde::{Deserialize, Serialize};

use super::{CommitLine, Link, LiveService, Stamp, deployment_tone};
use crate::display::duration;
use crate::domain::{ChecklistItem, CommitSha, Deployment, PrNumber, RepoSlug, TaskDefinitionArn};
use crate::links::{GithubWeb, aws_console_task_definition};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentView {
    pub id: i64,
    pub env: String,
    /// `Rolled back`, and the badge's tone.
    pub state: String,
    pub tone: String,
    pub reason: Option<String>,
    pub image: String,
    /// The short SHA, linked to GitHub; none when the image was given without one.
    pub commit: Option<Link>,
    /// `alice (button)`
    pub started_by: String,
    pub approved_by: Option<String>,
    pub requested: Stamp,
    /// `4m 12s`, or `still running`.
    pub took: String,
    /// `family:revision` of each service's task definition, linked to the AWS console of its region.
    pub task_definitions: Vec<Link>,
    /// What ran before, the same way.
    pub before: Vec<Link>,
    pub source_prs: Vec<Link>,
    /// The deploy PR whose merge started it: its page in tengu, and on GitHub.
    pub deploy_pr: Option<Link>,
    pub deploy_pr_on_github: Option<Link>,
    /// GitHub's comparison of the commit the environment ran before (its previous successful deployment's) with
    /// this one's: every commit it shipped.
    pub compare: Option<Link>,
    /// What shipped as the deploy PR listed it.
    pub shipped: Vec<ShippedChange>,
    pub timeline: Vec<TimelineStep>,
    /// Each service as ECS last described it.
    pub rollout: Vec<LiveService>,
    /// What the verification's checks answered (none: not verified, or not yet).
    pub checks: Vec<super::CheckLine>,
}

/// A source pull request as its deploy PR listed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippedChange {
    pub pr: Link,
    /// The history filtered to the deployments that carried this pull request.
    pub deployments: String,
    pub title: String,
    pub author: String,
    /// `verified by alice`, or `not verified`.
    pub verified: String,
    pub commits: Vec<CommitLine>,
}

/// A state the deployment entered, when, and how long it stayed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineStep {
    /// `Rolling out`, or `Succeeded (end)` for where it ended.
    pub label: String,
    pub at: Stamp,
    pub lasted: Option<String>,
}

impl DeploymentView {
    /// `previous` is the commit the environment ran before, when known.
    pub fn of(d: &Deployment, shipped: &[ChecklistItem], previous: Option<&CommitSha>, github: GithubWeb<'_>) -> Self {
        let pull = |n: PrNumber| Link { label: n.to_string(), url: github.pull(&d.repo, n) };
        let compare = match (previous, &d.sha) {
            (Some(before), Some(after)) if before != after => Some(Link {
                label: format!("{}…{}", before.short(), after.short()),
                url: github.compare(&d.repo, before.as_str(), after.as_str()),
            }),
            _ => None,
        };
        Self {
            id: d.id.0,
            env: d.env.to_string(),
            state: d.state.label().to_owned(),
            tone: deployment_tone(d.state).to_owned(),
            reason: d.reason.clone(),
            image: d.image.to_string(),
            commit: d
                .sha
                .as_ref()
                .map(|sha| Link { label: sha.short().to_owned(), url: github.commit(&d.repo, sha.as_str()) }),
            started_by: format!("{} ({})", d.actor, d.trigger.as_str()),
            approved_by: d.approved_by.clone(),
            requested: Stamp::of(d.requested_at),
            took: d.duration_seconds().map(duration).unwrap_or_else(|| "still running".to_owned()),
            task_definitions: revisions(&d.task_definitions),
            before: revisions(&d.previous_task_definitions),
            source_prs: d.source_prs.iter().map(|n| pull(*n)).collect(),
            deploy_pr: d
                .deploy_pr
                .map(|n| Link { label: n.to_string(), url: crate::links::deploy_pr_page(&d.repo, n) }),
            deploy_pr_on_github: d.deploy_pr.map(pull),
            compare,
            shipped: shipped
                .iter()
                .map(|item| ShippedChange {
                    pr: pull(item.source.number),
                    deployments: carried_pr_history(&d.repo, item.source.number),
                    title: item.source.title.clone(),
                    author: item.source.author.to_string(),
                    verified: match &item.verified {
                        Some(v) => format!("verified by {}", v.by),
                        None => "not verified".to_owned(),
                    },
                    commits: item.source.commits.iter().map(CommitLine::from).collect(),
                })
                .collect(),
            timeline: timeline(d),
            rollout: d.rollout.iter().map(LiveService::of).collect(),
            checks: Vec::new(),
        }
    }
}

fn revisions(arns: &[TaskDefinitionArn]) -> Vec<Link> {
    arns.iter().map(|arn| Link { label: arn.short().to_owned(), url: aws_console_task_definition(arn) }).collect()
}

/// The history of the deployments that carried a source pull request.
pub fn carried_pr_history(repo: &RepoSlug, number: PrNumber) -> String {
    let asked = super::HistoryQuery { repo: repo.to_string(), pr: number.get().to_string(), ..Default::default() };
    format!("/deployments?{}", asked.query_string())
}

/// Each step lasted until the next one began; the last one is where it ended (or stands).
fn timeline(d: &Deployment) -> Vec<TimelineStep> {
    d.steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let ended = i + 1 == d.steps.len() && d.finished_at.is_some();
            TimelineStep {
                label: match ended {
                    true => format!("{} (end)", step.state.label()),
                    false => step.state.label().to_owned(),
                },
                at: Stamp::of(step.at),
                lasted: d.steps.get(i + 1).map(|next| duration((next.at - step.at).num_seconds().max(0))),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::{
        Commit, CommitSha, DeploymentId, DeploymentState, DeploymentStep, EnvName, ImageRef, Login, RepoSlug, SourcePr,
        Trigger, Verification,
    };

    #[test]
    fn a_finished_deployment_reads_as_its_page_shows_it_with_links_to_the_configured_github() {
        let at = chrono::Utc.with_ymd_and_hms(2026, 11, 30, 9, 12, 0).unwrap();
        let step = |state, seconds| DeploymentStep { state, at: at + chrono::Duration::seconds(seconds) };
        let arn = |n: u32| {
            TaskDefinitionArn::parse(format!("arn:aws:ecs:eu-west-1:123456789012:task-definition/web:{n}")).unwrap()
        };
        let sha = CommitSha::parse("89abcde0123456789abcdef0123456789abcdef0").unwrap();
        let deployment = Deployment {
            id: DeploymentId(41),
            env: EnvName::parse("production").unwrap(),
            repo: RepoSlug::parse("acme/shop").unwrap(),
            image: ImageRef::parse("registry.test/shop:v9").unwrap(),
            sha: Some(sha.clone()),
            trigger: Trigger::Merge,
            actor: "bob".into(),
            source_prs: vec![PrNumber::new(12).unwrap()],
            task_definitions: vec![arn(8)],
            previous_task_definitions: vec![arn(7)],
            rollout: vec![],
            github_deployment: None,
            deploy_pr: Some(PrNumber::new(40).unwrap()),
            steps: vec![
                step(DeploymentState::Requested, 0),
                step(DeploymentState::RollingOut, 10),
                step(DeploymentState::Succeeded, 252),
            ],
            state: DeploymentState::Succeeded,
            reason: None,
            requested_at: at,
            finished_at: Some(at + chrono::Duration::seconds(252)),
            approved_by: Some("alice".into()),
        };
        let shipped = ChecklistItem {
            source: SourcePr {
                number: PrNumber::new(12).unwrap(),
                title: "Add wish lists".into(),
                author: Login::parse("carol").unwrap(),
                assignees: vec![],
                commits: vec![Commit { sha, headline: "Wish lists".into(), author: None, parents: 1 }],
                merged_at: None,
                first_commit_at: None,
            },
            verified: Some(Verification { by: "carol".into(), at }),
            listed_at: None,
        };
        let before = CommitSha::parse("0123456789abcdef0123456789abcdef01234567").unwrap();
        let page = DeploymentView::of(&deployment, &[shipped], Some(&before), GithubWeb::new("https://ghe.acme.test/"));
        let pr = |n: u64| Link { label: format!("#{n}"), url: format!("https://ghe.acme.test/acme/shop/pull/{n}") };
        assert_eq!(page.source_prs, vec![pr(12)]);
        assert_eq!(page.deploy_pr_on_github, Some(pr(40)));
        assert_eq!(page.deploy_pr.clone().unwrap().url, "/repos/acme/shop/deploy-prs/40");
        let compare = page.compare.clone().unwrap();
        assert_eq!(compare.label, "0123456…89abcde");
        assert_eq!(
            compare.url,
            "https://ghe.acme.test/acme/shop/compare/0123456789abcdef0123456789abcdef01234567...\
             89abcde0123456789abcdef0123456789abcdef0"
        );
        let commit = page.commit.clone().unwrap();
        assert_eq!(commit.label, "89abcde");
        assert_eq!(commit.url, "https://ghe.acme.test/acme/shop/commit/89abcde0123456789abcdef0123456789abcdef0");
        assert_eq!((page.state.as_str(), page.tone.as_str(), page.took.as_str()), ("Succeeded", "good", "4m 12s"));
        assert_eq!((page.task_definitions[0].label.as_str(), page.before[0].label.as_str()), ("web:8", "web:7"));
        assert_eq!(
            page.task_definitions[0].url,
            "https://eu-west-1.console.aws.amazon.com/ecs/v2/task-definitions/web/8/containers?region=eu-west-1"
        );
        assert_eq!(page.started_by, "bob (merge)");
        let labels: Vec<_> = page.timeline.iter().map(|s| (s.label.as_str(), s.lasted.as_deref())).collect();
        assert_eq!(
            labels,
            vec![("Requested", Some("10s")), ("Rolling out", Some("4m 02s")), ("Succeeded (end)", None)]
        );
        let change = &page.shipped[0];
        assert_eq!((change.pr.clone(), change.verified.as_str()), (pr(12), "verified by carol"));
        assert_eq!(change.deployments, "/deployments?repo=acme%2Fshop&pr=12");
        let first = DeploymentView::of(&deployment, &[], None, GithubWeb::default());
        assert_eq!(first.compare, None, "nothing ran before: no comparison");
        assert_eq!((change.commits[0].sha.as_str(), change.commits[0].headline.as_str()), ("89abcde", "Wish lists"));
    }
}
