//! `/tengu` in the chat: each command goes through the same use case, role, gate and two-person rule as the
//! dashboard's button, acting as the GitHub login the chat person linked. A refusal is an answer, not an error.

use sha2::{Digest, Sha256};

use crate::chat::{ChatCommand, ChatPerson, ChatRequest, HELP, Shipment};
use crate::domain::{Actor, AuditAction, DeploymentFilter, DeploymentState, EnvName, Gate, Trigger};
use crate::error::CoreError;
use crate::tengu::Tengu;
use crate::usecases::{DeployRequest, DeployTarget, StopOverrides};

/// What a chat command ships, and how.
struct Shipping {
    target: DeployTarget,
    trigger: Trigger,
    key: Option<String>,
    overrides: StopOverrides,
}

/// How long a `/tengu link` code may be opened.
const LINK_CODE_MINUTES: i64 = 10;

/// All that someone whose chat account is not linked is told.
pub const LINK_FIRST: &str =
    "Link your Slack account to your GitHub login first: `/tengu link` (then /tengu works with your role on GitHub).";

fn link_used_up() -> CoreError {
    CoreError::Refused("this link is used up or more than 10 minutes old; ask `/tengu link` again".into())
}

/// What the chat answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatAnswer {
    pub text: String,
    /// Shown to the channel (a deployment was asked for there), or only to the person who asked.
    pub to_channel: bool,
    /// The deployment this started or stopped, for a message that follows it.
    pub deployment: Option<crate::domain::DeploymentId>,
}

impl ChatAnswer {
    fn private(text: impl Into<String>) -> Self {
        Self { text: text.into(), to_channel: false, deployment: None }
    }
}

fn hash(code: &str) -> String {
    Sha256::digest(code.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

impl Tengu {
    /// Answers one signed command. Refusals (role, gate, busy, not linked) are answers with the sentence; only
    /// tengu's own trouble (the database, GitHub or ECS unreachable) is an error. Someone whose chat account is
    /// not linked learns nothing about any environment: only how to link it.
    pub async fn answer_chat(&self, request: &ChatRequest, command: ChatCommand) -> Result<ChatAnswer, CoreError> {
        let linked = self.ports.store.chat_login(&request.person.user_id).await?;
        let person = match (&linked, command.allowed_unlinked()) {
            (Some(login), _) => Some(Actor::Person(login.clone())),
            (None, true) => None,
            (None, false) => return Ok(ChatAnswer::private(LINK_FIRST)),
        };
        let (command, override_reason) = command.with_override();
        match self.act_in_chat(request, person, command, StopOverrides::both(override_reason)).await {
            Ok(answer) => Ok(answer),
            Err(error) if error.is_callers_fault() || matches!(error, CoreError::Busy(_)) => {
                Ok(ChatAnswer::private(error.user_message()))
            }
            Err(error) => Err(error),
        }
    }

    async fn act_in_chat(
        &self,
        request: &ChatRequest,
        person: Option<Actor>,
        command: ChatCommand,
        overrides: StopOverrides,
    ) -> Result<ChatAnswer, CoreError> {
        let key = Some(format!("chat:{}", request.key));
        let shipping = |target, trigger| Shipping { target, trigger, key: key.clone(), overrides: overrides.clone() };
        let actor = || person.clone().ok_or_else(|| CoreError::Refused("link your Slack account first".into()));
        match command {
            ChatCommand::Help => Ok(ChatAnswer::private(HELP)),
            ChatCommand::NotUnderstood(sentence) => Ok(ChatAnswer::private(sentence)),
            ChatCommand::Link => self.start_chat_link(&request.person, person.as_ref()).await.map(ChatAnswer::private),
            ChatCommand::Status(env) => self.status_in_chat(&actor()?, env.as_ref()).await,
            ChatCommand::DeployPr(env) => self.deploy_pr_in_chat(&actor()?, &env).await,
            ChatCommand::Deploy(env, shipment) => {
                let target = self.chat_target(&env, shipment).await?;
                self.deploy_from_chat(&actor()?, env, shipping(target, Trigger::Chat)).await
            }
            ChatCommand::Redeploy(env) => {
                self.deploy_from_chat(&actor()?, env, shipping(DeployTarget::Redeploy, Trigger::Redeploy)).await
            }
            ChatCommand::Rollback(env, to) => {
                let to = match to {
                    Some(id) => id,
                    None => self.previous_success(&env).await?,
                };
                self.deploy_from_chat(&actor()?, env, shipping(DeployTarget::RollbackTo(to), Trigger::Rollback)).await
            }
            ChatCommand::Abort(env) => self.abort_in_chat(&actor()?, &env).await,
            ChatCommand::Lock(scope, length, reason) => {
                let locks = self.lock_scope(&actor()?, &scope, reason, length).await?;
                let text = locks.iter().map(|lock| lock.sentence()).collect::<Vec<_>>().join("\n");
                Ok(ChatAnswer { text, to_channel: true, deployment: None })
            }
            ChatCommand::Unlock(scope) => {
                let lifted = self.unlock_scope(&actor()?, &scope).await?;
                if lifted.is_empty() {
                    return Ok(ChatAnswer::private(scope.nothing_locked()));
                }
                let lines: Vec<String> = lifted
                    .iter()
                    .map(|lock| format!("{} is unlocked (it was: {})", lock.env, lock.sentence()))
                    .collect();
                Ok(ChatAnswer { text: lines.join("\n"), to_channel: true, deployment: None })
            }
            ChatCommand::Diff(inner) => self.diff_in_chat(&actor()?, *inner).await,
            // Unwrapped before: an override travels beside its command.
            ChatCommand::Overriding(..) => Ok(ChatAnswer::private(HELP)),
        }
    }

    /// What the deploy, redeploy or rollback would change, to the person who asked.
    async fn diff_in_chat(&self, actor: &Actor, command: ChatCommand) -> Result<ChatAnswer, CoreError> {
        let (env, target) = match command {
            ChatCommand::Deploy(env, shipment) => {
                let target = self.chat_target(&env, shipment).await?;
                (env, target)
            }
            ChatCommand::Redeploy(env) => (env, DeployTarget::Redeploy),
            ChatCommand::Rollback(env, to) => {
                let to = match to {
                    Some(id) => id,
                    None => self.previous_success(&env).await?,
                };
                (env, DeployTarget::RollbackTo(to))
            }
            _ => return Ok(ChatAnswer::private(HELP)),
        };
        let viewer = self.viewer(actor).await?;
        let found = self.deploy_difference(&viewer, &env, &target).await?;
        Ok(ChatAnswer::private(format!("What it would change on {env}:\n```\n{}\n```", found.lines().join("\n"))))
    }

    /// What GitHub lets the linked person see.
    async fn status_in_chat(&self, actor: &Actor, env: Option<&EnvName>) -> Result<ChatAnswer, CoreError> {
        let viewer = self.viewer(actor).await?;
        let found = self.status(&viewer, env).await?;
        let lines: Vec<String> = found.iter().flat_map(|s| s.lines()).collect();
        Ok(ChatAnswer::private(if lines.is_empty() { "No environment to show.".to_owned() } else { lines.join("\n") }))
    }

    async fn deploy_pr_in_chat(&self, actor: &Actor, env: &EnvName) -> Result<ChatAnswer, CoreError> {
        let pr = self.open_or_refresh_deploy_pr(actor, env).await?;
        let mut text = format!("Deploy PR for {env}: {}", pr.url);
        for item in &pr.items {
            let mark = if item.verified.is_some() { "✓" } else { "☐" };
            text.push_str(&format!(
                "\n{mark} #{} {} (@{})",
                item.source.number.get(),
                item.source.title,
                item.source.author
            ));
        }
        if let Gate::Waiting { waiting_for, .. } = Gate::of(&pr) {
            let people: Vec<String> = waiting_for.iter().map(|l| format!("@{l}")).collect();
            text.push_str(&format!("\nWaiting for: {}", people.join(", ")));
        }
        Ok(ChatAnswer { text, to_channel: true, deployment: None })
    }

    /// What `deploy` names: a commit, an image (with its commit), or the open deploy PR's head.
    async fn chat_target(&self, env: &EnvName, shipment: Shipment) -> Result<DeployTarget, CoreError> {
        Ok(match shipment {
            Shipment::Commit(sha) => DeployTarget::Commit(sha),
            Shipment::Image(image, sha) => {
                DeployTarget::Image { image, sha, source_prs: Vec::new(), deploy_pr: None, commit_unknown_reason: None }
            }
            Shipment::DeployPrHead => {
                let open = self.ports.store.open_deploy_prs().await?;
                let head = open.into_iter().find(|pr| &pr.env == env).and_then(|pr| pr.head_sha);
                let sha = head.ok_or_else(|| {
                    CoreError::Refused(format!(
                        "{env} has no open deploy PR to ship; name a commit SHA or an image: `/tengu deploy {env} <sha|image>`"
                    ))
                })?;
                DeployTarget::Commit(sha)
            }
        })
    }

    async fn abort_in_chat(&self, actor: &Actor, env: &EnvName) -> Result<ChatAnswer, CoreError> {
        let aborted = self.abort_environment(actor, env).await?;
        if aborted.finished_at.is_none() {
            self.follow_in_background(aborted.id);
        }
        Ok(ChatAnswer {
            text: format!(
                "Deployment {} of {} to {env} is aborted; what ran before goes back: {}",
                aborted.id,
                aborted.image,
                self.deployment_link(aborted.id)
            ),
            to_channel: true,
            deployment: Some(aborted.id),
        })
    }

    async fn deploy_from_chat(&self, actor: &Actor, env: EnvName, shipping: Shipping) -> Result<ChatAnswer, CoreError> {
        let Shipping { target, trigger, key: idempotency_key, overrides } = shipping;
        let request = DeployRequest { env: env.clone(), target, trigger, idempotency_key, overrides };
        let started = self.request_deployment(actor, request).await?;
        if started.finished_at.is_none() {
            self.follow_in_background(started.id);
        }
        let waiting = started.state == DeploymentState::AwaitingApproval;
        let text = format!(
            "{} asked to deploy {} to {env}: deployment {}{} {}",
            actor.display_name(),
            started.image,
            started.id,
            if waiting { " waits for a second person's approval" } else { " started" },
            self.deployment_link(started.id)
        );
        Ok(ChatAnswer { text, to_channel: true, deployment: Some(started.id) })
    }

    /// The successful deployment before the one that runs now: where a plain `rollback` goes.
    async fn previous_success(&self, env: &EnvName) -> Result<crate::domain::DeploymentId, CoreError> {
        let successes = DeploymentFilter {
            env: Some(env.clone()),
            state: Some(DeploymentState::Succeeded),
            ..DeploymentFilter::newest(2)
        };
        let found = self.ports.store.recent_deployments(&successes).await?;
        found
            .get(1)
            .map(|d| d.id)
            .ok_or_else(|| CoreError::Refused(format!("{env} has no earlier successful deployment to roll back to")))
    }

    /// A one-time link for the chat person to open while signed in to tengu; an account linked already stays as
    /// it is.
    async fn start_chat_link(&self, person: &ChatPerson, linked: Option<&Actor>) -> Result<String, CoreError> {
        if let Some(linked) = linked {
            return Ok(format!(
                "Your Slack account is already linked to @{}; /tengu acts as them.",
                linked.display_name()
            ));
        }
        let mut bytes = [0u8; 24];
        getrandom::fill(&mut bytes).map_err(|e| CoreError::Refused(format!("no random bytes for a link: {e}")))?;
        let code: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let expires = self.ports.clock.now() + chrono::Duration::minutes(LINK_CODE_MINUTES);
        self.ports.store.save_chat_link_code(&hash(&code), person, expires).await?;
        Ok(format!(
            "Open {}/link/chat?code={code} while signed in to tengu (within {LINK_CODE_MINUTES} minutes) to link your \
             Slack account to your GitHub login.",
            self.settings.public_url.trim_end_matches('/')
        ))
    }

    /// Which chat account a link code would link, for the page that asks the signed-in person whether it is theirs.
    /// Nothing is linked or used up.
    pub async fn chat_link_preview(&self, actor: &Actor, code: &str) -> Result<ChatPerson, CoreError> {
        self.authorize(actor, &crate::ports::Action::LinkChat).await?;
        let now = self.ports.clock.now();
        self.ports.store.peek_chat_link_code(&hash(code.trim()), now).await?.ok_or_else(link_used_up)
    }

    /// The signed-in person confirmed that a link code's chat account is theirs: it acts as their login from now
    /// on. An account linked to someone else stays theirs.
    pub async fn complete_chat_link(&self, actor: &Actor, code: &str) -> Result<ChatPerson, CoreError> {
        let Actor::Person(login) = actor else {
            return Err(CoreError::Refused("only a signed-in person can link their chat account".into()));
        };
        self.authorize(actor, &crate::ports::Action::LinkChat).await?;
        let now = self.ports.clock.now();
        let person = self.ports.store.take_chat_link_code(&hash(code.trim()), now).await?.ok_or_else(link_used_up)?;
        let target = format!("chat {}", person.user_id);
        // One statement links it or finds it linked to someone else, so two links completed at once cannot both win.
        if !self.ports.store.save_chat_link(&person.user_id, login, now).await? {
            let denied = crate::ports::Denied(format!(
                "{} is already linked to another GitHub login; it stays linked to them",
                person.describe()
            ));
            self.audit(actor, AuditAction::Refused, (&target, None), format!("link a chat account: {denied}")).await?;
            return Err(denied.into());
        }
        self.audit(actor, AuditAction::ChatLinked, (&target, None), format!("{} is {login}", person.describe()))
            .await?;
        Ok(person)
    }
}

impl Tengu {
    /// A request Slack signed that tengu will not act on (it came from a workspace tengu does not answer), for
    /// the audit log. Recorded best effort: the answer goes out either way.
    pub async fn record_chat_refusal(&self, person: &ChatPerson, why: &str) {
        let entry = crate::domain::AuditEntry {
            at: self.ports.clock.now(),
            actor: format!("slack {} of {}", person.user_id, person.team_id),
            action: AuditAction::Refused,
            target: "chat".to_owned(),
            detail: why.to_owned(),
            repo: None,
        };
        if let Err(error) = self.ports.store.record_audit(&entry).await {
            tracing::warn!(%error, "a refused chat request could not be recorded");
        }
    }

    /// The chat message about a deployment as it stands now.
    pub async fn deployment_message(
        &self,
        id: crate::domain::DeploymentId,
    ) -> Result<(crate::chat::ChatMessage, bool), CoreError> {
        let deployment = self.deployment(id).await?;
        let mut message = crate::chat::ChatMessage::of_deployment(&deployment, &self.deployment_link(id));
        // Each check's line, while it verifies and after (a failed check is why it rolled back).
        for line in self.check_lines(id).await? {
            message.text.push_str(&format!("\n{} {}", if line.last_passed { "✓" } else { "✗" }, line.sentence()));
        }
        Ok((message, deployment.finished_at.is_some()))
    }

    /// A button pressed on a deployment's message, by a chat person with their linked login's role. Refusals are
    /// answers.
    pub async fn press_in_chat(
        &self,
        request: &ChatRequest,
        action: crate::chat::ChatAction,
    ) -> Result<ChatAnswer, CoreError> {
        use crate::chat::ChatAction;
        use crate::domain::DeploymentId;
        let Some(login) = self.ports.store.chat_login(&request.person.user_id).await? else {
            return Ok(ChatAnswer::private(LINK_FIRST));
        };
        let actor = Actor::Person(login);
        let key = Some(format!("chat:{}", request.key));
        let pressed = async {
            match action {
                ChatAction::Approve(id) => {
                    let approved = self.approve_deployment(&actor, DeploymentId(id)).await?;
                    if approved.finished_at.is_none() {
                        self.follow_in_background(approved.id);
                    }
                    Ok(ChatAnswer::private(format!("You approved deployment {id}; it goes ahead.")))
                }
                ChatAction::Abort(id) => {
                    let aborted = self.abort_deployment(&actor, DeploymentId(id)).await?;
                    if aborted.finished_at.is_none() {
                        self.follow_in_background(aborted.id);
                    }
                    Ok(ChatAnswer::private(format!("You aborted deployment {id}; what ran before goes back.")))
                }
                ChatAction::RollBack(id) => {
                    let from = self.deployment(DeploymentId(id)).await?;
                    let before = DeploymentFilter {
                        env: Some(from.env.clone()),
                        state: Some(DeploymentState::Succeeded),
                        before: Some(from.id),
                        ..DeploymentFilter::newest(1)
                    };
                    let target =
                        self.ports.store.recent_deployments(&before).await?.into_iter().next().ok_or_else(|| {
                            CoreError::Refused(format!(
                                "{} has no successful deployment before {id} to go back to",
                                from.env
                            ))
                        })?;
                    let back = Shipping {
                        target: DeployTarget::RollbackTo(target.id),
                        trigger: Trigger::Rollback,
                        key: key.clone(),
                        overrides: StopOverrides::default(),
                    };
                    self.deploy_from_chat(&actor, from.env, back).await
                }
            }
        };
        match pressed.await {
            Ok(answer) => Ok(answer),
            Err(error) if error.is_callers_fault() || matches!(error, CoreError::Busy(_)) => {
                Ok(ChatAnswer::private(error.user_message()))
            }
            Err(error) => Err(error),
        }
    }
}
