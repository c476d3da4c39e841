use crate::domain::{Actor, Environment, Login, Permission, PrNumber, RepoSlug, Role};

/// Something an actor wants to do, as the rule table sees it: one variant per mutating use case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action<'a> {
    /// Tick or untick one item; `author` is the source PR's author (ticking one's own needs less).
    Verify {
        repo: &'a RepoSlug,
        deploy_pr: PrNumber,
        item: PrNumber,
        author: &'a Login,
    },
    OverrideGate {
        repo: &'a RepoSlug,
        deploy_pr: PrNumber,
    },
    RefreshDeployPr {
        env: &'a Environment,
    },
    Deploy {
        env: &'a Environment,
    },
    Redeploy {
        env: &'a Environment,
    },
    Rollback {
        env: &'a Environment,
    },
    Abort {
        env: &'a Environment,
    },
    /// Ship an image whose commit tengu cannot know (so neither the gate nor the history can see what it carries).
    ShipUnknownCommit {
        env: &'a Environment,
    },
    /// Approve (or reject) a deployment someone else asked for.
    Approve {
        env: &'a Environment,
        requested_by: &'a str,
    },
    /// Lock or unlock an environment.
    Lock {
        env: &'a Environment,
    },
    /// Deploy through someone else's lock, saying why.
    OverrideLock {
        env: &'a Environment,
    },
    /// Deploy during a freeze window, saying why.
    OverrideFreeze {
        env: &'a Environment,
    },
    /// Stop, Start or Rebuild a pull request's review environment.
    ReviewEnv {
        repo: &'a RepoSlug,
        pr: PrNumber,
    },
    /// Stop a task tengu started that no review environment holds.
    StopStrangerTask {
        repo: &'a RepoSlug,
    },
    /// Have a failed webhook delivery about this repository handled again.
    RetryDelivery {
        repo: &'a RepoSlug,
    },
    /// Create or revoke one's own API tokens.
    ManageTokens,
    /// Link one's own chat account to one's GitHub login.
    LinkChat,
}

impl Action<'_> {
    /// The repository whose permission decides; none for what concerns only the person themself.
    pub fn repo(&self) -> Option<&RepoSlug> {
        match self {
            Action::Verify { repo, .. }
            | Action::OverrideGate { repo, .. }
            | Action::ReviewEnv { repo, .. }
            | Action::StopStrangerTask { repo }
            | Action::RetryDelivery { repo } => Some(repo),
            Action::RefreshDeployPr { env }
            | Action::Deploy { env }
            | Action::Redeploy { env }
            | Action::Rollback { env }
            | Action::Abort { env }
            | Action::Lock { env }
            | Action::OverrideLock { env }
            | Action::OverrideFreeze { env }
            | Action::ShipUnknownCommit { env }
            | Action::Approve { env, .. } => Some(&env.repo),
            Action::ManageTokens | Action::LinkChat => None,
        }
    }

    /// How the audit log and a refusal name it.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Verify { .. } => "verify",
            Action::OverrideGate { .. } => "override the gate",
            Action::RefreshDeployPr { .. } => "open or refresh the deploy PR",
            Action::Deploy { .. } => "deploy",
            Action::Redeploy { .. } => "redeploy",
            Action::Rollback { .. } => "roll back",
            Action::Abort { .. } => "abort",
            Action::Lock { .. } => "lock or unlock",
            Action::OverrideLock { .. } => "override a lock",
            Action::OverrideFreeze { .. } => "deploy during a freeze",
            Action::ShipUnknownCommit { .. } => "ship an image whose commit is unknown",
            Action::Approve { .. } => "approve",
            Action::ReviewEnv { .. } => "run review environments",
            Action::StopStrangerTask { .. } => "stop a task",
            Action::RetryDelivery { .. } => "retry a webhook delivery",
            Action::ManageTokens => "manage API tokens",
            Action::LinkChat => "link a chat account",
        }
    }

    /// What the action is about, for the audit log (`acme/shop#12 item #7`, `production`).
    pub fn target(&self) -> String {
        match self {
            Action::Verify { repo, deploy_pr, item, .. } => format!("{repo}{deploy_pr} item {item}"),
            Action::OverrideGate { repo, deploy_pr } => format!("{repo}{deploy_pr}"),
            Action::RefreshDeployPr { env }
            | Action::Deploy { env }
            | Action::Redeploy { env }
            | Action::Rollback { env }
            | Action::Abort { env }
            | Action::Lock { env }
            | Action::OverrideLock { env }
            | Action::OverrideFreeze { env }
            | Action::ShipUnknownCommit { env }
            | Action::Approve { env, .. } => env.name.to_string(),
            Action::ReviewEnv { repo, pr } => format!("review environment {repo}{pr}"),
            Action::StopStrangerTask { repo } => format!("review tasks of {repo}"),
            Action::RetryDelivery { repo } => format!("webhook deliveries of {repo}"),
            Action::ManageTokens => "API tokens".to_owned(),
            Action::LinkChat => "chat account".to_owned(),
        }
    }

    /// The environment's own bar, when it raises the role's (`required_role = "maintain"`).
    fn environment_bar(&self) -> Option<(&Environment, Permission)> {
        match self {
            Action::Deploy { env }
            | Action::Redeploy { env }
            | Action::Rollback { env }
            | Action::Abort { env }
            | Action::Lock { env }
            | Action::OverrideLock { env }
            | Action::OverrideFreeze { env }
            | Action::ShipUnknownCommit { env }
            | Action::Approve { env, .. } => env.required_permission.map(|p| (*env, p)),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Denied(pub String);

/// The permission hook every mutating use case calls first, with the actor's permission on the repository the
/// action concerns (looked up afresh just before).
pub trait Policy: Send + Sync {
    fn authorize(&self, actor: &Actor, permission: Permission, action: &Action<'_>) -> Result<(), Denied>;
}

/// The rule table (the README shows it):
///
/// | action                                        | needs                                    |
/// |-----------------------------------------------|------------------------------------------|
/// | tick or untick one's own item                 | deployer                                 |
/// | tick or untick another author's item          | admin                                    |
/// | override the gate                             | admin                                    |
/// | ship an image whose commit is unknown         | admin, and the environment's bar         |
/// | open or refresh a deploy PR                   | deployer                                 |
/// | deploy, redeploy, roll back, abort            | deployer, and the environment's bar      |
/// | lock or unlock an environment                 | deployer, and the environment's bar      |
/// | deploy through someone else's lock (a reason) | admin, and the environment's bar         |
/// | deploy during a freeze window (a reason)      | admin, and the environment's bar         |
/// | approve someone else's deployment             | deployer, and the environment's bar      |
/// | review environment stop / start / rebuild     | deployer                                 |
/// | stop a task nobody holds                      | admin                                    |
/// | retry a failed webhook delivery               | admin                                    |
/// | manage one's own API tokens                   | signed in                                |
///
/// tengu's own jobs and the terminal may do everything except what is a person's word: verifying, overriding,
/// approving.
pub struct RulePolicy;

impl RulePolicy {
    fn needed_role(actor: &Actor, action: &Action<'_>) -> Option<Role> {
        match action {
            Action::Verify { author, .. } if actor.login() == Some(*author) => Some(Role::Deployer),
            Action::Verify { .. }
            | Action::OverrideGate { .. }
            | Action::OverrideLock { .. }
            | Action::OverrideFreeze { .. }
            | Action::ShipUnknownCommit { .. }
            | Action::StopStrangerTask { .. }
            | Action::RetryDelivery { .. } => Some(Role::Admin),
            Action::ManageTokens | Action::LinkChat => None,
            _ => Some(Role::Deployer),
        }
    }
}

impl Policy for RulePolicy {
    fn authorize(&self, actor: &Actor, permission: Permission, action: &Action<'_>) -> Result<(), Denied> {
        let persons_word =
            matches!(action, Action::Verify { .. } | Action::OverrideGate { .. } | Action::Approve { .. });
        match actor {
            Actor::System if persons_word => {
                return Err(Denied(format!("only a person can {}; tengu cannot do it for someone", action.name())));
            }
            Actor::Terminal(_) if matches!(action, Action::Verify { .. } | Action::Approve { .. }) => {
                return Err(Denied(format!("only a person signed in to tengu can {}", action.name())));
            }
            Actor::System | Actor::Terminal(_) => return Ok(()),
            Actor::Person(_) | Actor::Token { .. } => {}
        }
        if let Action::Approve { requested_by, .. } = action
            && actor.login().is_some_and(|login| same_person(requested_by, login))
        {
            return Err(Denied("a deployment needs another person's approval; you asked for this one".to_owned()));
        }
        let repo = action.repo().map(ToString::to_string).unwrap_or_default();
        let Some(role) = Self::needed_role(actor, action) else { return Ok(()) };
        let yours = match permission.role() {
            Some(have) => format!("you have {permission}, which makes you a {have}"),
            None => format!("you have no access to {repo}"),
        };
        if permission.role().is_none_or(|have| have < role) {
            let what = match action {
                Action::Verify { author, .. } => format!("Verifying {author}'s change"),
                _ => capitalise(action.name()),
            };
            return Err(Denied(format!(
                "{what} needs the {role} role ({} on {repo}); {yours}",
                role.minimum_permission()
            )));
        }
        if let Some((env, bar)) = action.environment_bar()
            && permission < bar
        {
            return Err(Denied(format!(
                "{} to {} needs {bar} on {repo}; you have {permission}",
                capitalise(&gerund(action.name())),
                env.name
            )));
        }
        Ok(())
    }
}

/// Whether a deployment's recorded actor (`alice`, or `alice (token #3)`) is this person.
fn same_person(recorded: &str, login: &Login) -> bool {
    recorded == login.as_str()
        || recorded.strip_prefix(login.as_str()).is_some_and(|rest| rest.starts_with(" (token #"))
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// `deploy` → `deploying`, `roll back` → `rolling back`, for "Deploying to production needs maintain".
fn gerund(verb: &str) -> String {
    match verb {
        "deploy" => "deploying".to_owned(),
        "redeploy" => "redeploying".to_owned(),
        "roll back" => "rolling back".to_owned(),
        "abort" => "aborting a deployment".to_owned(),
        "approve" => "approving a deployment".to_owned(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{BranchName, ClusterName, DeployPrOptions, EnvName};

    fn production(bar: Option<Permission>) -> Environment {
        Environment {
            name: EnvName::parse("production").unwrap(),
            repo: RepoSlug::parse("acme/shop").unwrap(),
            source_branch: BranchName::parse("master").unwrap(),
            deploy_branch: BranchName::parse("deployment/production").unwrap(),
            cluster: ClusterName::parse("prod").unwrap(),
            services: vec![],
            deploy_pr: DeployPrOptions::default(),
            image_template: None,
            containers: vec![],
            url: None,
            required_permission: bar,
            approvals_required: 0,
            verification: Default::default(),
        }
    }

    fn person(login: &str) -> Actor {
        Actor::Person(Login::parse(login).unwrap())
    }

    #[test]
    fn the_rule_table_holds() {
        let env = production(None);
        let repo = env.repo.clone();
        let alice = Login::parse("alice").unwrap();
        let own = Action::Verify {
            repo: &repo,
            deploy_pr: PrNumber::new(9).unwrap(),
            item: PrNumber::new(3).unwrap(),
            author: &alice,
        };
        let policy = RulePolicy;
        let ok = |actor: &Actor, p, a: &Action<'_>| policy.authorize(actor, p, a).is_ok();
        assert!(ok(&person("alice"), Permission::Write, &own));
        assert!(!ok(&person("alice"), Permission::Triage, &own));
        assert!(!ok(&person("bob"), Permission::Maintain, &own), "another's item needs admin");
        assert!(ok(&person("bob"), Permission::Admin, &own));
        assert!(!ok(&Actor::System, Permission::Admin, &own));
        assert!(!ok(&Actor::Terminal("ci@runner".into()), Permission::None, &own));
        assert!(ok(&Actor::Terminal("ci@runner".into()), Permission::None, &Action::Deploy { env: &env }));
        assert!(ok(&person("bob"), Permission::Write, &Action::Deploy { env: &env }));
        assert!(!ok(&person("bob"), Permission::Read, &Action::Redeploy { env: &env }));
        assert!(!ok(
            &person("bob"),
            Permission::Maintain,
            &Action::OverrideGate { repo: &repo, deploy_pr: PrNumber::new(9).unwrap() }
        ));
        assert!(ok(&person("bob"), Permission::None, &Action::ManageTokens));
        let approve = Action::Approve { env: &env, requested_by: "bob" };
        assert!(!ok(&person("bob"), Permission::Admin, &approve), "nobody approves their own");
        assert!(ok(&person("carol"), Permission::Write, &approve));
    }

    #[test]
    fn an_environment_bar_is_named_in_the_refusal() {
        let env = production(Some(Permission::Maintain));
        let refused = RulePolicy.authorize(&person("bob"), Permission::Write, &Action::Deploy { env: &env });
        assert_eq!(refused.unwrap_err().0, "Deploying to production needs maintain on acme/shop; you have write");
        assert!(RulePolicy.authorize(&person("bob"), Permission::Maintain, &Action::Deploy { env: &env }).is_ok());
        let viewer = RulePolicy.authorize(&person("vic"), Permission::Read, &Action::Deploy { env: &env });
        assert_eq!(
            viewer.unwrap_err().0,
            "Deploy needs the deployer role (write on acme/shop); you have read, which makes you a viewer"
        );
    }

    #[test]
    fn only_an_admin_ships_an_image_whose_commit_is_unknown() {
        let env = production(Some(Permission::Maintain));
        let untraced = Action::ShipUnknownCommit { env: &env };
        let refused = RulePolicy.authorize(&person("bob"), Permission::Maintain, &untraced).unwrap_err().0;
        assert!(refused.starts_with("Ship an image whose commit is unknown needs the admin role"), "{refused}");
        assert!(RulePolicy.authorize(&person("alice"), Permission::Admin, &untraced).is_ok());
        assert!(RulePolicy.authorize(&Actor::Terminal("ops@laptop".into()), Permission::None, &untraced).is_ok());
    }
}
