//! `tengu doctor`'s checks of what deploys do not touch: the review environments' task definition, cluster and
//! network settings, and the chat bot's token and channels.

use super::doctor::Finding;
use crate::domain::{LaunchType, Prerequisites, ReviewSettings, TaskDefinitionDoc};
use crate::ports::ChannelState;
use crate::tengu::Tengu;

impl Tengu {
    /// A review environment's task definition and network, as ECS would start a task with them.
    pub(super) async fn diagnose_review(&self, review: &ReviewSettings) -> Finding {
        let subject = format!("{}: review environments", review.repo);
        let doc = match self.ports.tasks.task_template(&review.task_definition).await {
            Ok(doc) => doc,
            Err(error) => {
                return Finding::failed(
                    subject,
                    format!("task definition {}: {error}", review.task_definition),
                    "set task_definition to a family (or family:revision) registered in tengu's region, and let \
                     tengu's role ecs:DescribeTaskDefinition",
                );
            }
        };
        let mut problems = shape_problems(review, &doc);
        if let Err(error) = self.ports.tasks.list_tengu_tasks(&review.cluster).await {
            problems.push(format!("cluster {}: {error}", review.cluster));
        }
        match self.missing_of(&Prerequisites::of(&doc)).await {
            Ok(missing) => problems.extend(missing),
            Err(error) => problems.push(error.user_message()),
        }
        if problems.is_empty() {
            let network = match review.subnets.len() {
                0 => "the task definition's network".to_owned(),
                n => format!("{n} subnet(s) and {} security group(s)", review.security_groups.len()),
            };
            let sentence = format!(
                "{} runs container {} (port {}) in cluster {}, on {network}; its roles and log groups exist",
                review.task_definition, review.container, review.port, review.cluster
            );
            Finding::passed(subject, sentence)
        } else {
            Finding::failed(
                subject,
                problems.join("; "),
                "correct [[review_environments]] in tengu.toml, or register a task definition that matches it",
            )
        }
    }

    /// The bot's token, then each channel it posts to; nothing without a chat bot.
    pub(super) async fn diagnose_chat(&self) -> Vec<Finding> {
        let token_fix =
            "check [slack] bot_token (TENGU_SLACK_BOT_TOKEN): the Bot User OAuth Token of the installed app";
        let who = match self.ports.chat_setup.bot_identity().await {
            Ok(None) => return Vec::new(),
            Ok(Some(who)) => who,
            Err(error) => return vec![Finding::failed("Slack", error.0, token_fix)],
        };
        let mut found = vec![Finding::passed("Slack", format!("the bot token signs in as {who}"))];
        match self.ports.chat_setup.channels().await {
            Ok(channels) => found.extend(channels.into_iter().map(|(channel, state)| channel_finding(&channel, state))),
            Err(error) => found.push(Finding::failed(
                "Slack channels",
                error.0,
                "give the Slack app the channels:read and groups:read scopes (examples/slack/manifest.yml) and \
                 reinstall it",
            )),
        }
        found
    }
}

/// What the task definition and the settings say of each other, without asking anyone.
fn shape_problems(review: &ReviewSettings, doc: &TaskDefinitionDoc) -> Vec<String> {
    let mut problems = Vec::new();
    let containers: Vec<&str> = doc.containers().collect();
    if !containers.contains(&review.container.as_str()) {
        problems.push(format!(
            "the task definition has no container {} (it has {})",
            review.container,
            containers.join(", ")
        ));
    }
    let port_key = format!("container {} port {}", review.container, review.port);
    if containers.contains(&review.container.as_str()) && doc.get(&port_key).is_none() {
        problems.push(format!("container {} maps no port {}", review.container, review.port));
    }
    let awsvpc = doc.get("networkMode") == Some("awsvpc");
    if review.launch_type == LaunchType::Fargate {
        if !awsvpc {
            problems.push(format!(
                "Fargate runs awsvpc tasks only; the task definition's networkMode is {}",
                doc.get("networkMode").filter(|m| !m.is_empty()).unwrap_or("unset (bridge)")
            ));
        }
        if !doc.get("requiresCompatibilities").unwrap_or_default().split_whitespace().any(|c| c == "FARGATE") {
            problems.push("the task definition does not list FARGATE in requiresCompatibilities".to_owned());
        }
    }
    if awsvpc && review.subnets.is_empty() {
        problems.push("awsvpc tasks need subnets: none are set".to_owned());
    }
    let malformed = |ids: &[String], prefix: &str| -> Vec<String> {
        ids.iter().filter(|id| !id.starts_with(prefix) || id.len() <= prefix.len()).cloned().collect()
    };
    let bad_subnets = malformed(&review.subnets, "subnet-");
    if !bad_subnets.is_empty() {
        problems.push(format!("{} are not subnet ids (subnet-…)", bad_subnets.join(", ")));
    }
    let bad_groups = malformed(&review.security_groups, "sg-");
    if !bad_groups.is_empty() {
        problems.push(format!("{} are not security group ids (sg-…)", bad_groups.join(", ")));
    }
    problems
}

fn channel_finding(channel: &str, state: ChannelState) -> Finding {
    let subject = format!("Slack {channel}");
    match state {
        ChannelState::Member => Finding::passed(subject, "the bot is in it: notices arrive"),
        ChannelState::NotMember => Finding::failed(
            subject,
            "the bot is not in it, so Slack refuses its notices",
            format!("invite the bot: /invite @tengu in {channel}"),
        ),
        ChannelState::Archived => {
            Finding::failed(subject, "it is archived", "unarchive it, or name another channel in tengu.toml")
        }
        ChannelState::NotFound => Finding::failed(
            subject,
            "no such channel is visible to the bot",
            "check the channel's name or id in tengu.toml ([slack] channel, each environment's slack_channel)",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ClusterName, RepoSlug};

    fn review() -> ReviewSettings {
        ReviewSettings {
            repo: RepoSlug::parse("acme/shop").unwrap(),
            cluster: ClusterName::parse("shop-review").unwrap(),
            task_definition: "shop-review".into(),
            launch_type: LaunchType::Fargate,
            subnets: vec!["subnet-0a1b".into()],
            security_groups: vec!["sg-0c2d".into()],
            assign_public_ip: false,
            container: "app".into(),
            port: 8080,
            environment: Vec::new(),
            url_template: "https://pr-{number}.review.acme.test".into(),
            ttl_hours: ReviewSettings::DEFAULT_TTL_HOURS,
            max_concurrent: ReviewSettings::DEFAULT_MAX_CONCURRENT,
            opt_in_label: None,
            opt_out_label: ReviewSettings::DEFAULT_OPT_OUT_LABEL.into(),
            drain_seconds: ReviewSettings::DEFAULT_DRAIN_SECONDS,
        }
    }

    fn fargate_doc() -> TaskDefinitionDoc {
        let mut doc = TaskDefinitionDoc::default();
        doc.set("networkMode", "awsvpc");
        doc.set("requiresCompatibilities", "EC2 FARGATE");
        doc.set("container app image", "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/shop:latest");
        doc.set("container app port 8080", "tcp");
        doc
    }

    #[test]
    fn a_task_definition_that_fits_the_settings_has_no_problem() {
        assert_eq!(shape_problems(&review(), &fargate_doc()), Vec::<String>::new());
    }

    #[test]
    fn each_mismatch_is_named() {
        let mut settings = review();
        settings.container = "web".into();
        settings.subnets = vec!["10.0.1.0/24".into()];
        settings.security_groups = vec!["default".into()];
        let mut doc = fargate_doc();
        doc.set("networkMode", "bridge");
        doc.set("requiresCompatibilities", "EC2");
        let problems = shape_problems(&settings, &doc);
        assert_eq!(
            problems,
            [
                "the task definition has no container web (it has app)",
                "Fargate runs awsvpc tasks only; the task definition's networkMode is bridge",
                "the task definition does not list FARGATE in requiresCompatibilities",
                "10.0.1.0/24 are not subnet ids (subnet-…)",
                "default are not security group ids (sg-…)",
            ]
        );
        let mut no_port = review();
        no_port.port = 3000;
        let mut awsvpc_without_subnets = fargate_doc();
        awsvpc_without_subnets.set("container app port 3000", "tcp");
        assert_eq!(shape_problems(&no_port, &fargate_doc()), ["container app maps no port 3000"]);
        no_port.subnets.clear();
        assert_eq!(shape_problems(&no_port, &awsvpc_without_subnets), ["awsvpc tasks need subnets: none are set"]);
    }
}
