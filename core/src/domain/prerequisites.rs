//! What a task definition needs to exist on the account before ECS can start it (ecspresso's `verify`): the IAM
//! roles it names and the CloudWatch Logs groups its containers write to. A deploy checks them before it changes
//! anything, so a missing one is a sentence instead of tasks that never start.

use std::collections::BTreeSet;

use super::TaskDefinitionDoc;

/// An IAM role as a task definition names it: `arn:aws:iam::123456789012:role/path/name`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RoleArn {
    arn: String,
    account: String,
    name: String,
}

impl RoleArn {
    /// A role's ARN; anything else (a bare name, another resource) is not one.
    pub fn parse(arn: &str) -> Option<Self> {
        let rest = arn.strip_prefix("arn:")?;
        let mut parts = rest.splitn(5, ':');
        let (partition, service, _region, account, resource) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let path = resource.strip_prefix("role/")?;
        let name = path.rsplit('/').next()?;
        let fine = !partition.is_empty() && service == "iam" && !account.is_empty() && !name.is_empty();
        fine.then(|| Self { arn: arn.to_owned(), account: account.to_owned(), name: name.to_owned() })
    }

    pub fn as_str(&self) -> &str {
        &self.arn
    }

    /// What IAM calls it (without its path): GetRole asks by this.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn account(&self) -> &str {
        &self.account
    }
}

impl std::fmt::Display for RoleArn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.arn)
    }
}

/// A CloudWatch Logs group a container's `awslogs` driver writes to, in its own region when it names one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LogGroupRef {
    pub name: String,
    /// `awslogs-region`; none: tengu's own region.
    pub region: Option<String>,
}

impl std::fmt::Display for LogGroupRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.region {
            Some(region) => write!(f, "{} (in {region})", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// What a task definition needs to exist before its tasks can start.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Prerequisites {
    /// Each named role with the field that names it (`task role`, `execution role`).
    pub roles: BTreeSet<(RoleArn, &'static str)>,
    /// Log groups ECS will not create itself (`awslogs-create-group` is not `true`).
    pub log_groups: BTreeSet<LogGroupRef>,
}

/// The keys a task definition document writes its roles and its containers' log settings under.
pub(super) const TASK_ROLE: &str = "taskRoleArn";
pub(super) const EXECUTION_ROLE: &str = "executionRoleArn";
pub(super) const LOG_DRIVER: &str = "logDriver";
pub(super) const LOG_OPTION: &str = "log ";

impl Prerequisites {
    /// What `doc` names: its roles, and the log group of each container logging with `awslogs`.
    pub fn of(doc: &TaskDefinitionDoc) -> Self {
        let mut needed = Self::default();
        for (key, field) in [(TASK_ROLE, "task role"), (EXECUTION_ROLE, "execution role")] {
            if let Some(role) = doc.get(key).and_then(RoleArn::parse) {
                needed.roles.insert((role, field));
            }
        }
        for container in doc.containers() {
            let option = |name: &str| doc.get(&format!("container {container} {LOG_OPTION}{name}"));
            if doc.get(&format!("container {container} {LOG_DRIVER}")) != Some("awslogs") {
                continue;
            }
            let (Some(group), false) = (option("awslogs-group"), option("awslogs-create-group") == Some("true")) else {
                continue;
            };
            let region = option("awslogs-region").map(str::to_owned);
            needed.log_groups.insert(LogGroupRef { name: group.to_owned(), region });
        }
        needed
    }

    pub fn extend(&mut self, other: Prerequisites) {
        self.roles.extend(other.roles);
        self.log_groups.extend(other.log_groups);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_arn_names_its_account_and_its_name_without_the_path() {
        let role = RoleArn::parse("arn:aws:iam::123456789012:role/service/shop-exec").unwrap();
        assert_eq!((role.account(), role.name()), ("123456789012", "shop-exec"));
        assert!(RoleArn::parse("shop-exec").is_none());
        assert!(RoleArn::parse("arn:aws:iam::123456789012:user/alice").is_none());
        assert!(RoleArn::parse("arn:aws:s3:::bucket/role/x").is_none());
    }

    #[test]
    fn a_task_definition_needs_its_roles_and_the_log_groups_ecs_does_not_create() {
        let mut doc = TaskDefinitionDoc::default();
        doc.set("taskRoleArn", "arn:aws:iam::123456789012:role/shop-task");
        doc.set("executionRoleArn", "arn:aws:iam::123456789012:role/shop-exec");
        doc.set("container web image", "registry/shop:v1");
        doc.set("container web logDriver", "awslogs");
        doc.set("container web log awslogs-group", "/ecs/shop");
        doc.set("container sidecar image", "registry/agent:7");
        doc.set("container sidecar logDriver", "awslogs");
        doc.set("container sidecar log awslogs-group", "/ecs/agent");
        doc.set("container sidecar log awslogs-region", "eu-west-1");
        doc.set("container made image", "registry/made:1");
        doc.set("container made logDriver", "awslogs");
        doc.set("container made log awslogs-group", "/ecs/made");
        doc.set("container made log awslogs-create-group", "true");
        doc.set("container firelens image", "registry/fluent:1");
        doc.set("container firelens logDriver", "awsfirelens");
        let needed = Prerequisites::of(&doc);
        let roles: Vec<(&str, &str)> = needed.roles.iter().map(|(role, field)| (role.name(), *field)).collect();
        assert_eq!(roles, [("shop-exec", "execution role"), ("shop-task", "task role")]);
        let groups: Vec<String> = needed.log_groups.iter().map(ToString::to_string).collect();
        assert_eq!(groups, ["/ecs/agent (in eu-west-1)", "/ecs/shop"]);
    }
}
