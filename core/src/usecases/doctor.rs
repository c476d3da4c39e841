//! `tengu doctor`: the configuration checked against reality, one finding per check with a fix, before a deploy
//! finds out. It only reads: the database, each environment's repository and branch on GitHub, its cluster and
//! services on ECS, what the task definitions they run name (the images, the roles, the log groups), the review
//! environments' task definition and network (`doctor_reviews`), and the chat bot's token and channels.

use crate::domain::{Environment, ImageRef, Permission, Prerequisites, ReviewSettings, Viewer};
use crate::error::CoreError;
use crate::ports::{CodeHostError, OrchestratorError};
use crate::tengu::Tengu;

/// One check's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What was checked: `database`, `production: GitHub`, `production: ECS`.
    pub subject: String,
    pub passed: bool,
    /// What was found, in a sentence.
    pub sentence: String,
    /// What to do about a failure.
    pub fix: Option<String>,
}

impl Finding {
    /// A check that passed.
    pub fn passed(subject: impl Into<String>, sentence: impl Into<String>) -> Self {
        Self { subject: subject.into(), passed: true, sentence: sentence.into(), fix: None }
    }

    pub fn failed(subject: impl Into<String>, sentence: impl Into<String>, fix: impl Into<String>) -> Self {
        Self { subject: subject.into(), passed: false, sentence: sentence.into(), fix: Some(fix.into()) }
    }

    /// `✓ database: reachable` or `✗ production: ECS: … (fix: …)`.
    pub fn line(&self) -> String {
        let mark = if self.passed { "✓" } else { "✗" };
        match &self.fix {
            Some(fix) => format!("{mark} {}: {} — fix: {fix}", self.subject, self.sentence),
            None => format!("{mark} {}: {}", self.subject, self.sentence),
        }
    }
}

impl Tengu {
    /// Every check, in order: the database, the App, per environment GitHub, ECS and what its services run, then
    /// the review environments and the chat bot.
    pub async fn doctor(&self) -> Vec<Finding> {
        let environments: Vec<&Environment> = self.settings.environments.iter().collect();
        self.diagnose(&environments, &self.settings.review.iter().collect::<Vec<_>>()).await
    }

    /// The checks a person may run from the dashboard: those of the environments whose repository they
    /// administer (what they name is configuration only admins see), and none for anyone else.
    pub async fn doctor_for(&self, viewer: &Viewer) -> Result<Vec<Finding>, CoreError> {
        let theirs: Vec<&Environment> = self
            .settings
            .environments
            .iter()
            .filter(|env| viewer.actor.is_trusted() || viewer.permission(&env.repo) >= Permission::Admin)
            .collect();
        if theirs.is_empty() {
            return Err(CoreError::Denied(crate::ports::Denied(
                "the checks are for the admins of a repository tengu deploys; you administer none".to_owned(),
            )));
        }
        let reviews: Vec<&ReviewSettings> =
            self.settings.review.iter().filter(|review| theirs.iter().any(|env| env.repo == review.repo)).collect();
        Ok(self.diagnose(&theirs, &reviews).await)
    }

    async fn diagnose(&self, environments: &[&Environment], reviews: &[&ReviewSettings]) -> Vec<Finding> {
        let mut found = vec![self.diagnose_store().await];
        found.extend(self.diagnose_app().await);
        for env in environments {
            found.push(self.diagnose_repository(env).await);
            let ecs = self.diagnose_services(env).await;
            let services_found = ecs.passed;
            found.push(ecs);
            if services_found {
                found.push(self.diagnose_running(env).await);
            }
        }
        for review in reviews {
            found.push(self.diagnose_review(review).await);
        }
        found.extend(self.diagnose_chat().await);
        found
    }

    async fn diagnose_store(&self) -> Finding {
        match self.ports.store.audit_log(1).await {
            Ok(_) => Finding::passed("database", "reachable, and its tables are tengu's (migrated at start)"),
            Err(error) => Finding::failed(
                "database",
                format!("could not be read: {error}"),
                "check database_url (TENGU_DATABASE_URL) and that tengu's user may read and write it",
            ),
        }
    }

    /// The GitHub App's permissions, events and webhook as GitHub has them; nothing when tengu uses a token.
    async fn diagnose_app(&self) -> Vec<Finding> {
        let setup = match self.ports.code_host_setup.app_setup().await {
            Ok(Some(setup)) => setup,
            Ok(None) => return Vec::new(),
            Err(error) => {
                let fix = "check [github] app_id and its private key (TENGU_GITHUB_PRIVATE_KEY[_PATH]): the key of \
                           that App, not an installation's";
                return vec![Finding::failed("GitHub App", error.to_string(), fix)];
            }
        };
        let mut lacks = setup.missing_permissions.clone();
        lacks.extend(setup.missing_events.iter().map(|event| format!("the {event} event")));
        let app = if lacks.is_empty() {
            Finding::passed("GitHub App", format!("{} has every permission and event tengu needs", setup.name))
        } else {
            Finding::failed(
                "GitHub App",
                format!("{} lacks {}", setup.name, lacks.join(", ")),
                "add them in the App's settings on GitHub (the README's table), then accept them on each installation",
            )
        };
        vec![app, self.diagnose_webhook(&setup)]
    }

    fn diagnose_webhook(&self, setup: &crate::ports::AppSetup) -> Finding {
        let expected = format!("{}/webhooks/github", self.settings.public_url.trim_end_matches('/'));
        let subject = "GitHub webhook";
        match (&setup.webhook_url, setup.webhook_secret_set) {
            (None, _) => {
                Finding::failed(subject, "the App has no webhook", format!("set its webhook URL to {expected}"))
            }
            (Some(url), _) if *url != expected => Finding::failed(
                subject,
                format!("GitHub sends deliveries to {url}, not to this tengu ({expected})"),
                format!("set the App's webhook URL to {expected}, or public_url to where tengu is"),
            ),
            (Some(_), false) => Finding::failed(
                subject,
                "GitHub does not sign the deliveries",
                "set a webhook secret on the App and the same in [github] webhook_secret (TENGU_GITHUB_WEBHOOK_SECRET)",
            ),
            (Some(url), true) => Finding::passed(subject, format!("GitHub sends deliveries to {url}, signed")),
        }
    }

    /// Reading the source branch's head asks for the credentials, the App's installation on the repository and
    /// its Contents permission at once.
    async fn diagnose_repository(&self, env: &Environment) -> Finding {
        let subject = format!("{}: GitHub", env.name);
        match self.ports.code_host.branch_head(&env.repo, &env.source_branch).await {
            Ok(head) => Finding::passed(
                subject,
                format!("{} is reachable; {} is at {}", env.repo, env.source_branch, head.short()),
            ),
            Err(error) => {
                let fix = match &error {
                    CodeHostError::BadCredentials => {
                        "check [github] app_id and its private key (or token); a key of another App is refused"
                            .to_owned()
                    }
                    CodeHostError::MissingPermission(_) => {
                        "give the App the permissions in the README's table, then accept them on the installation"
                            .to_owned()
                    }
                    CodeHostError::NotFound(_) => format!(
                        "install the App on {} (or give the token access to it), and check source_branch {}",
                        env.repo, env.source_branch
                    ),
                    _ => "check that tengu reaches GitHub (proxy, firewall, api_url)".to_owned(),
                };
                Finding::failed(subject, error.to_string(), fix)
            }
        }
    }

    async fn diagnose_services(&self, env: &Environment) -> Finding {
        let subject = format!("{}: ECS", env.name);
        match self.ports.orchestrator.describe_services(&env.cluster, &env.services).await {
            Ok(snapshots) => {
                let missing: Vec<String> = env
                    .services
                    .iter()
                    .filter(|service| !snapshots.iter().any(|s| &s.service == *service))
                    .map(ToString::to_string)
                    .collect();
                if missing.is_empty() {
                    let names: Vec<String> = env.services.iter().map(ToString::to_string).collect();
                    Finding::passed(subject, format!("cluster {} runs {}", env.cluster, names.join(", ")))
                } else {
                    Finding::failed(
                        subject,
                        format!("cluster {} has no service {}", env.cluster, missing.join(", ")),
                        "check the environment's services (their names in the cluster, not the task definitions')",
                    )
                }
            }
            Err(error) => {
                let fix = match &error {
                    OrchestratorError::ServiceNotFound { .. } => {
                        "check the environment's cluster and services against the ECS console".to_owned()
                    }
                    OrchestratorError::Unavailable(_) => {
                        "check that tengu reaches AWS (region, VPC endpoints, credentials)".to_owned()
                    }
                    OrchestratorError::Rejected(_) => format!(
                        "check [aws] region and that tengu's role may ecs:DescribeServices in {} \
                         (deploy/aws/tengu-task-policy.json)",
                        env.cluster
                    ),
                };
                Finding::failed(subject, error.to_string(), fix)
            }
        }
    }

    /// What the services run now must still be there to deploy again: their containers' images (those in ECR;
    /// another registry's cannot be asked), and the roles and log groups their task definitions name (the checks a deploy makes before its first change).
    async fn diagnose_running(&self, env: &Environment) -> Finding {
        let subject = format!("{}: what runs", env.name);
        match self.prerequisites_of_running(env).await {
            Ok(missing) if missing.is_empty() => {
                Finding::passed(subject, "the images, roles and log groups its task definitions name exist")
            }
            Ok(missing) => Finding::failed(
                subject,
                missing.join("; "),
                "create what is missing, or register a task definition that names what exists",
            ),
            Err(error) => Finding::failed(
                subject,
                error.user_message(),
                "check that tengu's role may ecs:DescribeTaskDefinition, iam:GetRole and logs:DescribeLogGroups",
            ),
        }
    }

    async fn prerequisites_of_running(&self, env: &Environment) -> Result<Vec<String>, CoreError> {
        let ecs = &self.ports.orchestrator;
        let mut needed = Prerequisites::default();
        let mut images: Vec<ImageRef> = Vec::new();
        for service in &env.services {
            let running = ecs.service_task_definition(&env.cluster, service).await?;
            let doc = ecs.describe_task_definition(&running).await?;
            for container in doc.containers() {
                let image = doc.get(&format!("container {container} image")).and_then(|i| ImageRef::parse(i).ok());
                images.extend(image.filter(|image| !images.contains(image)));
            }
            needed.extend(Prerequisites::of(&doc));
        }
        let mut missing = Vec::new();
        for image in images {
            if !ecs.image_exists(&image).await? {
                missing.push(format!(
                    "image {image}, which runs now, is not in the registry (a rollback to it would fail)"
                ));
            }
        }
        missing.extend(self.missing_of(&needed).await?);
        Ok(missing)
    }
}
