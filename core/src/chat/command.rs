//! What a person typed after `/tengu`, parsed once: every later step works with a `ChatCommand`, never with text.

use crate::domain::{CommitSha, DeploymentId, EnvName, ImageRef, LockLength, LockReason};

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
    /// Stop the line on an environment, for a length (one hour when none is named), with a reason.
    Lock(EnvName, LockLength, LockReason),
    Unlock(EnvName),
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
/tengu lock <env> [90m|2h|1d|until-unlocked] <reason>: refuse every deploy but yours (for an hour by default)\n\
/tengu unlock <env>: lift the lock\n\
/tengu link: connect your Slack account to your GitHub login (needed for everything but help)\n\
/tengu help: this list";

impl ChatCommand {
    pub fn parse(text: &str) -> ChatCommand {
        let words: Vec<&str> = text.split_whitespace().collect();
        let Some((verb, rest)) = words.split_first() else { return ChatCommand::Help };
        let verb = verb.to_ascii_lowercase();
        let env = |at: usize| -> Result<EnvName, String> {
            let word = rest
                .get(at)
                .ok_or_else(|| format!("`{verb}` needs an environment, e.g. `/tengu {verb} production`"))?;
            EnvName::parse(*word).map_err(|e| e.to_string())
        };
        let too_many = |allowed: usize| rest.len() > allowed;
        let parsed = match verb.as_str() {
            "help" | "?" if rest.is_empty() => Ok(ChatCommand::Help),
            "link" if rest.is_empty() => Ok(ChatCommand::Link),
            "status" if !too_many(1) => rest.first().map(|_| env(0)).transpose().map(ChatCommand::Status),
            "deploy-pr" | "release-pr" if !too_many(1) => env(0).map(ChatCommand::DeployPr),
            "redeploy" if !too_many(1) => env(0).map(ChatCommand::Redeploy),
            "abort" if !too_many(1) => env(0).map(ChatCommand::Abort),
            "unlock" if !too_many(1) => env(0).map(ChatCommand::Unlock),
            "lock" => env(0).and_then(|env| lock_of(env, &rest[1..])),
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

    /// Whether a person not linked to a GitHub login may ask it: nothing that acts or tells of an environment.
    pub fn allowed_unlinked(&self) -> bool {
        matches!(self, ChatCommand::Help | ChatCommand::Link | ChatCommand::NotUnderstood(_))
    }
}

/// `lock <env> [length] <reason…>`: a first word that reads as a length is one; the rest is the reason.
fn lock_of(env: EnvName, words: &[&str]) -> Result<ChatCommand, String> {
    let (length, reason) = match words.split_first() {
        Some((first, rest)) if first.starts_with(|c: char| c.is_ascii_digit()) || *first == "until-unlocked" => {
            (LockLength::parse(first).map_err(|e| e.to_string())?, rest)
        }
        _ => (LockLength::default(), words),
    };
    let reason = LockReason::parse(reason.join(" ")).map_err(|_| {
        format!("say why: `/tengu lock {env} 2h incident 42` (the team reads it on every refused deploy)")
    })?;
    Ok(ChatCommand::Lock(env, length, reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> EnvName {
        EnvName::parse(name).unwrap()
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
        assert_eq!(
            ChatCommand::parse("lock production 2h incident 42"),
            ChatCommand::Lock(env("production"), LockLength::For(chrono::Duration::hours(2)), reason.clone())
        );
        assert_eq!(
            ChatCommand::parse("lock production incident 42"),
            ChatCommand::Lock(env("production"), LockLength::For(chrono::Duration::hours(1)), reason)
        );
        assert_eq!(ChatCommand::parse("unlock production"), ChatCommand::Unlock(env("production")));
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
