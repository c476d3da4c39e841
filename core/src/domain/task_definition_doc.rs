//! A task definition as a person compares two of them (ecspresso's `diff`): every field as one `key = value` line,
//! containers by name, and their environment variables, secrets and ports one per line, so a difference says
//! exactly what changes. The ECS adapter writes every field it reads; the lines are tengu's own, not the SDK's.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ImageRef;

/// A task definition's fields as lines, ordered by key: `cpu = 256`, `container web image = registry/shop:v42`,
/// `container web environment RAILS_ENV = production`, `container web secret DB_PASSWORD = arn:aws:ssm:…`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TaskDefinitionDoc {
    lines: BTreeMap<String, String>,
}

/// One line of a difference (in JSON: `{"change": "changed", "key": …, "before": …, "after": …}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum FieldChange {
    Added { key: String, value: String },
    Removed { key: String, value: String },
    Changed { key: String, before: String, after: String },
}

impl FieldChange {
    /// `+ cpu = 512`, `- container web environment DEBUG = 1`, `~ memory: 512 → 1024`.
    pub fn line(&self) -> String {
        match self {
            FieldChange::Added { key, value } => format!("+ {key} = {value}"),
            FieldChange::Removed { key, value } => format!("- {key} = {value}"),
            FieldChange::Changed { key, before, after } => format!("~ {key}: {before} → {after}"),
        }
    }
}

const CONTAINER: &str = "container ";
const IMAGE: &str = " image";

impl TaskDefinitionDoc {
    /// Sets one field (an empty value is a field that is not set, and is left out).
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let value = value.into();
        if !value.is_empty() {
            self.lines.insert(key.into(), value);
        }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.lines.get(key).map(String::as_str)
    }

    /// Every line, in key order.
    pub fn lines(&self) -> impl Iterator<Item = (&str, &str)> {
        self.lines.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The containers it defines, by name.
    pub fn containers(&self) -> impl Iterator<Item = &str> {
        self.lines.keys().filter_map(|key| {
            key.strip_prefix(CONTAINER).and_then(|rest| rest.strip_suffix(IMAGE)).filter(|name| !name.contains(' '))
        })
    }

    /// What a deploy registers: this definition with `image` in the containers named in `containers`, or, when it
    /// names none, in those whose image comes from `image`'s repository (as the ECS adapter chooses them).
    pub fn with_image(&self, image: &ImageRef, containers: &[String]) -> TaskDefinitionDoc {
        let mut next = self.clone();
        for (key, value) in self.lines() {
            let Some(container) = key.strip_prefix(CONTAINER).and_then(|rest| rest.strip_suffix(IMAGE)) else {
                continue;
            };
            if container.contains(' ') {
                continue;
            }
            if image.goes_into(Some(container), Some(value), containers) {
                next.lines.insert(key.to_owned(), image.to_string());
            }
        }
        next
    }

    /// What changes from `self` to `after`, in key order.
    pub fn difference(&self, after: &TaskDefinitionDoc) -> Vec<FieldChange> {
        let mut changes = Vec::new();
        let keys: std::collections::BTreeSet<&String> = self.lines.keys().chain(after.lines.keys()).collect();
        for key in keys {
            match (self.lines.get(key), after.lines.get(key)) {
                (Some(before), Some(now)) if before != now => {
                    changes.push(FieldChange::Changed { key: key.clone(), before: before.clone(), after: now.clone() })
                }
                (Some(before), None) => changes.push(FieldChange::Removed { key: key.clone(), value: before.clone() }),
                (None, Some(now)) => changes.push(FieldChange::Added { key: key.clone(), value: now.clone() }),
                _ => {}
            }
        }
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running() -> TaskDefinitionDoc {
        let mut doc = TaskDefinitionDoc::default();
        doc.set("family", "shop-web");
        doc.set("cpu", "256");
        doc.set("memory", "512");
        doc.set("executionRoleArn", "arn:aws:iam::123456789012:role/shop-exec");
        doc.set("container web image", "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:v41");
        doc.set("container web environment RAILS_ENV", "production");
        doc.set("container web environment DEBUG", "1");
        doc.set("container web port 8080", "tcp");
        doc.set("container envoy image", "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29");
        doc.set("container web healthCheck", "");
        doc
    }

    #[test]
    fn a_deploy_changes_the_image_of_the_containers_from_its_repository_and_nothing_else() {
        let image = ImageRef::parse("123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:v42").unwrap();
        let next = running().with_image(&image, &[]);
        let lines: Vec<String> = running().difference(&next).iter().map(FieldChange::line).collect();
        assert_eq!(
            lines,
            ["~ container web image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:v41 → \
              123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:v42"]
        );
        let named = running().with_image(&image, &["envoy".to_owned()]);
        assert_eq!(named.get("container envoy image"), Some(image.to_string().as_str()), "a named container");
        assert_eq!(running().get("container web healthCheck"), None, "an empty value is not set");
    }

    #[test]
    fn a_rollback_shows_every_field_that_differs_added_removed_or_changed() {
        let mut earlier = running();
        earlier.set("memory", "1024");
        earlier.lines.remove("container web environment DEBUG");
        earlier.set("container web secret DB_PASSWORD", "arn:aws:ssm:us-east-1:123456789012:parameter/db");
        let lines: Vec<String> = running().difference(&earlier).iter().map(FieldChange::line).collect();
        assert_eq!(
            lines,
            [
                "- container web environment DEBUG = 1",
                "+ container web secret DB_PASSWORD = arn:aws:ssm:us-east-1:123456789012:parameter/db",
                "~ memory: 512 → 1024",
            ]
        );
        assert!(running().difference(&running()).is_empty(), "a redeploy changes nothing");
    }
}
