//! What a person typed after `/tengu`, parsed once: every later step works with a `ChatCommand`, never with text.

use crate::domain::{CommitSha, DeploymentId, EnvName, ImageRef, LockLength, LockReason, LockScope};

/// What to ship with `deploy <env> [sha|image]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shipment {
    /// Nothing named: what the environment's open deploy PR ships (its head).
    DeployPrHead,
    Commit(CommitSha),
    /// An image, with the commit it was built from when it is named (else read off its tag).
    Image(ImageRef, Option<CommitSha>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatCommand {
    /// Open or refresh the environment's deploy PR.
    DeployPr(EnvName),
    /// What runs where (all environments the person may see, or one).
    Status(Option<EnvName>),
    Deploy(EnvName, Shipment),
    Redeploy(EnvName),
    /// Back to an earlier successful deployment (the one before the current, when none is named).
    Rollback(EnvName, Option<DeploymentId>),
    Abort(EnvName),
    /// Stop the line on an environment (or every one of a repository), for a length (one hour when none is named),
    /// with a reason.
    Lock(LockScope, LockLength, LockReason),
    Unlock(LockScope),
    /// A deploy, redeploy or rollback with an admin's reason to ship through a lock or a freeze
    /// (`… override: <reason>`).
    Overriding(Box<ChatCommand>, String),
    /// What the deploy, redeploy or rollback inside would change, before anyone asks for it.
    Diff(Box<ChatCommand>),
    /// Connect this chat person to their GitHub login.
    Link,
    Help,
    /// Not understood: the sentence to answer with.
    NotUnderstood(String),
}

/// The commands as `help` lists them.
pub const HELP: &str = "/tengu deploy-pr <env>: open or refresh the deploy PR and see whose verification is missing\n\
/tengu status [env]: what runs where, what deploys now, who is deploying\n\
/tengu deploy <env> [sha|image [sha]]: deploy (by default what the deploy PR ships)\n\
/tengu redeploy <env>: restart what runs\n\
/tengu rollback <env> [deployment]: go back to an earlier successful deployment\n\
/tengu abort <env>: stop the deployment in progress and put back what ran before\n\
/tengu diff <env> [sha|image [sha]|redeploy|rollback [deployment]]: what that deploy would change on ECS, field by \
field (by default what the deploy PR ships)\n\
/tengu lock <env|owner/repo> [90m|2h|1d|until-unlocked] <reason>: refuse every deploy but yours (for an hour by \
default; a repository: each of its environments)\n\
/tengu unlock <env|owner/repo>: lift the lock\n\
… override: <reason> after deploy, redeploy or rollback: ship through a lock or a freeze (admins; recorded)\n\
/tengu link: connect your Slack account to your GitHub login (needed for everything but help)\n\
/tengu help: this list";

impl ChatCommand {
    pub fn parse(text: &str) -> ChatCommand {
        // ASCII lower-casing keeps every byte where it was, so the offset holds in `text`.
        if let Some(at) = text.to_ascii_lowercase().find("override:") {
            return overriding(&text[..at], text[at + "override:".len()..].trim());
        }
        let words: Vec<&str> = text.split_whitespace().collect();
        let Some((verb, rest)) = words.split_first() else { return ChatCommand::Help };
        let verb = verb.to_ascii_lowercase();
        let env = |at: usize| -> Result<EnvName, String> {
            let word = rest
                .get(at)
                .ok_or_else(|| format!("`{verb}` needs an environment, e.g. `/tengu {verb} production`"))?;
            EnvName::parse(*word).map_err(|e| e.to_string())
        };
        let scope = |at: usize| -> Result<LockScope, String> {
            let word = rest.get(at).ok_or_else(|| {
                format!("`{verb}` needs an environment or a repository, e.g. `/tengu {verb} production`")
            })?;
            LockScope::parse(word).map_err(|e| e.to_string())
        };
        let too_many = |allowed: usize| rest.len() > allowed;
        let parsed = match verb.as_str() {
            "help" | "?" if rest.is_empty() => Ok(ChatCommand::Help),
            "link" if rest.is_empty() => Ok(ChatCommand::Link),
            "status" if !too_many(1) => rest.first().map(|_| env(0)).transpose().map(ChatCommand::Status),
            "deploy-pr" | "release-pr" if !too_many(1) => env(0).map(ChatCommand::DeployPr),
            "redeploy" if !too_many(1) => env(0).map(ChatCommand::Redeploy),
            "abort" if !too_many(1) => env(0).map(ChatCommand::Abort),
            "unlock" if !too_many(1) => scope(0).map(ChatCommand::Unlock),
            "lock" => scope(0).and_then(|scope| lock_of(scope, &rest[1..])),
            "diff" => env(0).map(|env| diff_of(&env, &rest[1..])),
            "deploy" if !too_many(3) => env(0).and_then(|env| {
                let shipment = match (rest.get(1), rest.get(2)) {
                    (None, _) => Shipment::DeployPrHead,
                    (Some(word), None) if word.len() == 40 && word.chars().all(|c| c.is_ascii_hexdigit()) => {
                        Shipment::Commit(CommitSha::parse(*word).map_err(|e| e.to_string())?)
                    }
                    (Some(word), commit) => Shipment::Image(
                        ImageRef::parse(*word)
                            .map_err(|e| format!("`{word}` is neither a 40-character commit SHA nor an image ({e})"))?,
                        commit
                            .map(|sha| {
                                CommitSha::parse(sha.to_ascii_lowercase()).map_err(|e| {
                                    format!("`{sha}` is not the image's commit: a 40-character SHA is needed ({e})")
                                })
                            })
                            .transpose()?,
                    ),
                };
                Ok(ChatCommand::Deploy(env, shipment))
            }),
            "rollback" if !too_many(2) => env(0).and_then(|env| {
                let to = rest
                    .get(1)
                    .map(|word| {
                        word.trim_start_matches('#')
                            .parse::<i64>()
                            .map(DeploymentId)
                            .map_err(|_| format!("`{word}` is not a deployment number"))
                    })
                    .transpose()?;
                Ok(ChatCommand::Rollback(env, to))
            }),
            _ => Err(format!("tengu does not understand `{}`. It understands:\n{HELP}", text.trim())),
        };
        parsed.unwrap_or_else(ChatCommand::NotUnderstood)
    }

    /// The command, and the admin's reason to ship through what stops the line when it came with one.
    pub fn with_override(self) -> (ChatCommand, Option<String>) {
        match self {
            ChatCommand::Overriding(command, reason) => (*command, Some(reason)),
            other => (other, None),
        }
    }

    /// Whether a person not linked to a GitHub login may ask it: nothing that acts or tells of an environment.
    pub fn allowed_unlinked(&self) -> bool {
        matches!(self, ChatCommand::Help | ChatCommand::Link | ChatCommand::NotUnderstood(_))
    }
}

/// `diff <env> …`: the deploy (a commit, an image, by default the deploy PR's), the redeploy or the rollback the
/// rest names, as its own command would read it.
fn diff_of(env: &EnvName, words: &[&str]) -> ChatCommand {
    let inner = match words.split_first() {
        Some((verb, rest)) if verb.eq_ignore_ascii_case("redeploy") || verb.eq_ignore_ascii_case("rollback") => {
            ChatCommand::parse(&format!("{} {env} {}", verb.to_ascii_lowercase(), rest.join(" ")))
        }
        _ => ChatCommand::parse(&format!("deploy {env} {}", words.join(" "))),
    };
    match inner {
        ChatCommand::NotUnderstood(sentence) => ChatCommand::NotUnderstood(sentence),
        inner => ChatCommand::Diff(Box::new(inner)),
    }
}

/// `<deploy|redeploy|rollback …> override: <reason>`: only those ship, and the reason says why.
fn overriding(command: &str, reason: &str) -> ChatCommand {
    match ChatCommand::parse(command) {
        ChatCommand::NotUnderstood(sentence) => ChatCommand::NotUnderstood(sentence),
        ships @ (ChatCommand::Deploy(..) | ChatCommand::Redeploy(_) | ChatCommand::Rollback(..)) => {
            if reason.chars().count() >= 3 {
                ChatCommand::Overriding(Box::new(ships), reason.to_owned())
            } else {
                ChatCommand::NotUnderstood(
                    "say why after `override:`, e.g. `/tengu redeploy production override: hotfix for incident 42`"
                        .to_owned(),
                )
            }
        }
        _ => ChatCommand::NotUnderstood(
            "`override: <reason>` follows deploy, redeploy or rollback, e.g. `/tengu redeploy production override: \
             hotfix for incident 42`"
                .to_owned(),
        ),
    }
}

/// `lock <env> [length] <reason…>`: a first word that reads as a length is one; the rest is the reason.
fn lock_of(scope: LockScope, words: &[&str]) -> Result<ChatCommand, String> {
    let (length, reason) = match words.split_first() {
        Some((first, rest)) if first.starts_with(|c: char| c.is_ascii_digit()) || *first == "until-unlocked" => {
            (LockLength::parse(first).map_err(|e| e.to_string())?, rest)
        }
        _ => (LockLength::default(), words),
    };
    let reason = LockReason::parse(reason.join(" ")).map_err(|_| {
        let named = match &scope {
            LockScope::Environment(env) => env.to_string(),
            LockScope::Repository(repo) => repo.to_string(),
        };
        format!("say why: `/tengu lock {named} 2h incident 42` (the team reads it on every refused deploy)")
    })?;
    Ok(ChatCommand::Lock(scope, length, reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> EnvName {
        EnvName::parse(name).unwrap()
    }

    #[test]
    fn a_diff_reads_the_rest_as_the_command_it_would_be() {
        let diff = |inner| ChatCommand::Diff(Box::new(inner));
        assert_eq!(ChatCommand::parse("diff dev"), diff(ChatCommand::Deploy(env("dev"), Shipment::DeployPrHead)));
        assert_eq!(ChatCommand::parse("diff dev redeploy"), diff(ChatCommand::Redeploy(env("dev"))));
        assert_eq!(ChatCommand::parse("diff dev rollback"), diff(ChatCommand::Rollback(env("dev"), None)));
        assert_eq!(
            ChatCommand::parse("diff dev Rollback #12"),
            diff(ChatCommand::Rollback(env("dev"), Some(DeploymentId(12))))
        );
        assert!(matches!(ChatCommand::parse("diff dev rollback twelve"), ChatCommand::NotUnderstood(_)));
        assert!(matches!(ChatCommand::parse("diff"), ChatCommand::NotUnderstood(_)));
    }

    #[test]
    fn each_command_parses_with_its_arguments() {
        assert_eq!(ChatCommand::parse("deploy-pr production"), ChatCommand::DeployPr(env("production")));
        assert_eq!(ChatCommand::parse("  status  "), ChatCommand::Status(None));
        assert_eq!(ChatCommand::parse("status dev"), ChatCommand::Status(Some(env("dev"))));
        assert_eq!(ChatCommand::parse("deploy dev"), ChatCommand::Deploy(env("dev"), Shipment::DeployPrHead));
        let sha = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(
            ChatCommand::parse(&format!("deploy dev {sha}")),
            ChatCommand::Deploy(env("dev"), Shipment::Commit(CommitSha::parse(sha).unwrap()))
        );
        let image = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/shop:v42";
        assert_eq!(
            ChatCommand::parse(&format!("Deploy dev {image}")),
            ChatCommand::Deploy(env("dev"), Shipment::Image(ImageRef::parse(image).unwrap(), None))
        );
        assert_eq!(
            ChatCommand::parse(&format!("deploy dev {image} {}", sha.to_uppercase())),
            ChatCommand::Deploy(
                env("dev"),
                Shipment::Image(ImageRef::parse(image).unwrap(), Some(CommitSha::parse(sha).unwrap()))
            )
        );
        assert_eq!(ChatCommand::parse("redeploy dev"), ChatCommand::Redeploy(env("dev")));
        assert_eq!(ChatCommand::parse("rollback production"), ChatCommand::Rollback(env("production"), None));
        assert_eq!(
            ChatCommand::parse("rollback production #12"),
            ChatCommand::Rollback(env("production"), Some(DeploymentId(12)))
        );
        assert_eq!(ChatCommand::parse("abort dev"), ChatCommand::Abort(env("dev")));
        let reason = LockReason::parse("incident 42").unwrap();
        let production = || LockScope::Environment(env("production"));
        assert_eq!(
            ChatCommand::parse("lock production 2h incident 42"),
            ChatCommand::Lock(production(), LockLength::For(chrono::Duration::hours(2)), reason.clone())
        );
        assert_eq!(
            ChatCommand::parse("lock production incident 42"),
            ChatCommand::Lock(production(), LockLength::For(chrono::Duration::hours(1)), reason.clone())
        );
        let shop = || LockScope::Repository(crate::domain::RepoSlug::parse("acme/shop").unwrap());
        assert_eq!(
            ChatCommand::parse("lock acme/shop until-unlocked incident 42"),
            ChatCommand::Lock(shop(), LockLength::UntilUnlocked, reason)
        );
        assert_eq!(ChatCommand::parse("unlock production"), ChatCommand::Unlock(production()));
        assert_eq!(ChatCommand::parse("unlock acme/shop"), ChatCommand::Unlock(shop()));
        assert_eq!(
            ChatCommand::parse("redeploy production Override: hotfix for #42"),
            ChatCommand::Overriding(Box::new(ChatCommand::Redeploy(env("production"))), "hotfix for #42".to_owned())
        );
        assert_eq!(
            ChatCommand::parse("rollback dev 12 override: bad release").with_override(),
            (ChatCommand::Rollback(env("dev"), Some(DeploymentId(12))), Some("bad release".to_owned()))
        );
        assert_eq!(ChatCommand::parse("link"), ChatCommand::Link);
        assert_eq!(ChatCommand::parse(""), ChatCommand::Help);
        assert_eq!(ChatCommand::parse("help"), ChatCommand::Help);
    }

    #[test]
    fn anything_else_gets_a_sentence_saying_what_is_understood() {
        for text in [
            "dance",
            "deploy",
            "deploy Prod",
            "deploy dev not:an:image:",
            "deploy dev registry.test/shop:v1 abc1234",
            "deploy dev registry.test/shop:v1 0123456789abcdef0123456789abcdef01234567 now",
            "rollback dev twelve",
            "abort dev now please",
            "status a b",
            "lock dev",
            "lock dev 2h",
            "lock dev 2weeks incident",
            "unlock dev now",
            "lock acme/ incident",
            "redeploy dev override:",
            "redeploy dev override: x",
            "lock dev override: incident",
            "deploy Prod override: hotfix",
        ] {
            let ChatCommand::NotUnderstood(sentence) = ChatCommand::parse(text) else {
                panic!("{text} was understood")
            };
            assert!(!sentence.is_empty(), "{text}");
        }
        let ChatCommand::NotUnderstood(sentence) = ChatCommand::parse("dance") else { unreachable!() };
        assert!(sentence.contains("/tengu deploy-pr <env>"), "{sentence}");
        let ChatCommand::NotUnderstood(sentence) = ChatCommand::parse("deploy") else { unreachable!() };
        assert!(sentence.contains("needs an environment"), "{sentence}");
    }

    #[test]
    fn an_unlinked_person_may_only_ask_for_help_and_a_link() {
        assert!(ChatCommand::parse("help").allowed_unlinked());
        assert!(ChatCommand::parse("link").allowed_unlinked());
        for acting in [
            "status",
            "deploy-pr dev",
            "deploy dev",
            "redeploy dev",
            "rollback dev",
            "abort dev",
            "lock dev x",
            "unlock dev",
        ] {
            assert!(!ChatCommand::parse(acting).allowed_unlinked(), "{acting}");
        }
    }
}
