use crate::domain::{Actor, AuditAction, AuditEntry, DeployPr, Gate};
use crate::error::CoreError;
use crate::ports::Notice;
use crate::tengu::Tengu;

impl Tengu {
    /// Reminds the authors who still owe a tick on each open deploy PR, at most once per interval per PR, never
    /// in quiet hours, nor while a freeze window holds the deploy PR's environment (nothing would ship). The claim on a PR is taken in the database before anything is sent, so a restart or a
    /// second instance does not remind twice. Returns the deploy PRs reminded.
    pub async fn send_due_reminders(&self) -> Result<Vec<DeployPr>, CoreError> {
        let policy = self.settings.reminders;
        let now = self.ports.clock.now();
        if policy.is_quiet(now) {
            return Ok(Vec::new());
        }
        let mut reminded = Vec::new();
        for pr in self.ports.store.open_deploy_prs().await? {
            let Gate::Waiting { waiting_for, verified, total } = Gate::of(&pr) else { continue };
            if self.freeze_of(&pr.env).is_some() {
                continue;
            }
            if !self.ports.store.claim_reminder(&pr.repo, pr.number, now - policy.interval(), now).await? {
                continue;
            }
            let people: Vec<String> = waiting_for.iter().map(|login| format!("@{login}")).collect();
            let link = self.deploy_pr_link(&pr);
            let comment = format!(
                "{}: your changes are waiting to ship to **{}** ({verified} of {total} verified). Please check them \
                 on {} and tick your box here or on the dashboard: {link}",
                people.join(" "),
                pr.env,
                pr.env
            );
            self.ports.code_host.create_issue_comment(&pr.repo, pr.number, &comment).await?;
            // In the chat, a person who linked their account is mentioned as themselves (`<@U…>` pings them);
            // the others by their GitHub login.
            let mut in_chat = Vec::with_capacity(waiting_for.len());
            for login in &waiting_for {
                let chat_user = self.ports.store.chat_user_of(login).await?;
                if let (Some(chat_user), true) = (&chat_user, policy.direct_messages) {
                    let text = format!(
                        "Your changes are waiting to ship to {} ({verified} of {total} verified). Please check them \
                         on {} and tick your box: {link}",
                        pr.env, pr.env
                    );
                    if let Err(error) = self.ports.notifier.tell(chat_user, &text).await {
                        tracing::warn!(%error, %login, "a reminder's direct message was not sent");
                    }
                }
                in_chat.push(match chat_user {
                    Some(chat_user) => format!("<@{chat_user}>"),
                    None => format!("@{login}"),
                });
            }
            let notice =
                Notice::about(&pr.env, format!("Deploy to {} is waiting for {}: {link}", pr.env, in_chat.join(", ")));
            if let Err(error) = self.ports.notifier.notify(&notice).await {
                tracing::warn!(%error, "the reminder reached GitHub but not the team channel");
            }
            let entry = AuditEntry {
                at: now,
                actor: Actor::System.display_name(),
                action: AuditAction::ReminderSent,
                target: format!("{}{}", pr.repo, pr.number),
                detail: format!("reminded {}", people.join(", ")),
                repo: Some(pr.repo.clone()),
            };
            self.ports.store.record_audit(&entry).await?;
            reminded.push(pr);
        }
        Ok(reminded)
    }
}
