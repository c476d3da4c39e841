use std::fmt;

use serde::{Deserialize, Serialize};

use super::validated::{ParseError, all_chars, string_newtype};

fn ecs_name(v: &str) -> Result<(), &'static str> {
    let ok = !v.is_empty() && v.len() <= 255 && all_chars(v, |c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok { Ok(()) } else { Err("1-255 letters, digits, hyphens or underscores") }
}

string_newtype!(
    /// An ECS cluster name.
    ClusterName,
    "ECS cluster name",
    ecs_name
);

string_newtype!(
    /// An ECS service name.
    ServiceName,
    "ECS service name",
    ecs_name
);

/// `arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TaskDefinitionArn {
    arn: String,
    family_start: usize,
    revision: u32,
}

impl TaskDefinitionArn {
    pub fn parse(value: impl Into<String>) -> Result<Self, ParseError> {
        let arn: String = value.into();
        let refuse = |rule| ParseError::new("task definition ARN", &arn, rule);
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        if parts.len() != 6 || parts[0] != "arn" || parts[2] != "ecs" {
            return Err(refuse("expected arn:<partition>:ecs:<region>:<account>:task-definition/<family>:<revision>"));
        }
        let resource = parts[5];
        let family_and_revision = resource
            .strip_prefix("task-definition/")
            .ok_or_else(|| refuse("the resource must be task-definition/..."))?;
        let (family, revision) =
            family_and_revision.rsplit_once(':').ok_or_else(|| refuse("the ARN must end in :<revision>"))?;
        let family_ok = !family.is_empty()
            && family.len() <= 255
            && all_chars(family, |c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !family_ok {
            return Err(refuse("the family must be 1-255 letters, digits, hyphens or underscores"));
        }
        let revision: u32 = revision.parse().map_err(|_| refuse("the revision must be a number"))?;
        if revision == 0 {
            return Err(refuse("revisions start at 1"));
        }
        let family_start = arn.len() - family_and_revision.len();
        Ok(Self { arn, family_start, revision })
    }

    pub fn family(&self) -> &str {
        let rest = &self.arn[self.family_start..];
        rest.rsplit_once(':').map(|(family, _)| family).unwrap_or(rest)
    }

    pub fn revision(&self) -> u32 {
        self.revision
    }

    /// `aws`, `aws-cn` or `aws-us-gov`.
    pub fn partition(&self) -> &str {
        self.arn.split(':').nth(1).unwrap_or("aws")
    }

    /// `eu-west-1`
    pub fn region(&self) -> &str {
        self.arn.split(':').nth(3).unwrap_or("")
    }

    /// `family:revision`, the form the ECS console shows.
    pub fn short(&self) -> &str {
        &self.arn[self.family_start..]
    }

    pub fn as_str(&self) -> &str {
        &self.arn
    }
}

impl fmt::Display for TaskDefinitionArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.arn)
    }
}

impl TryFrom<String> for TaskDefinitionArn {
    type Error = ParseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<TaskDefinitionArn> for String {
    fn from(value: TaskDefinitionArn) -> String {
        value.arn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_definition_arns_expose_family_and_revision() {
        let arn = TaskDefinitionArn::parse("arn:aws:ecs:us-east-1:123456789012:task-definition/shop-web:42").unwrap();
        assert_eq!(arn.family(), "shop-web");
        assert_eq!(arn.revision(), 42);
        assert_eq!(arn.short(), "shop-web:42");
        for bad in [
            "shop-web:42",
            "arn:aws:ecs:us-east-1:1:service/shop-web:42",
            "arn:aws:ecs:us-east-1:1:task-definition/shop-web",
            "arn:aws:ecs:us-east-1:1:task-definition/shop-web:0",
            "arn:aws:s3:us-east-1:1:task-definition/shop-web:1",
        ] {
            assert!(TaskDefinitionArn::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn ecs_names_refuse_spaces() {
        assert!(ServiceName::parse("web").is_ok());
        assert!(ClusterName::parse("shop prod").is_err());
    }
}
