//! tengu's task role policy (deploy/aws/tengu-task-policy.json, and the same statements in the CloudFormation
//! template) allows exactly the AWS calls the adapters make, and the two that ECS asks of the caller on their
//! behalf, so neither the policy nor the code drifts from the other.

use std::collections::BTreeSet;
use std::path::Path;

/// The clients the adapters call through, by the name each is held under, and the IAM service prefix of each.
const CLIENTS: [(&str, &str); 5] =
    [("ecs", "ecs"), ("ecr", "ecr"), ("iam", "iam"), ("cloudwatch", "cloudwatch"), ("cloudwatch_logs", "logs")];

/// Asked by ECS of the caller, not called: passing the task definitions' roles (RegisterTaskDefinition, RunTask)
/// and tagging what those create.
const ON_BEHALF: [&str; 2] = ["iam:PassRole", "ecs:TagResource"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().and_then(Path::parent).expect("the workspace")
}

/// `describe_task_definition` → `DescribeTaskDefinition`.
fn action_name(operation: &str) -> String {
    operation.split('_').map(|word| word[..1].to_uppercase() + &word[1..]).collect()
}

/// Each `<client>.<operation>(` in the adapter's sources, as `service:Action`.
fn called_actions() -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for entry in std::fs::read_dir(root().join("adapters/aws/src")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        // Calls are chained over lines: `self.ecs\n    .describe_services()`.
        let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ").replace(" .", ".");
        for (client, service) in CLIENTS {
            let needle = format!("{client}.");
            for (at, _) in text.match_indices(&needle) {
                let before = text[..at].chars().next_back().unwrap_or(' ');
                if before.is_alphanumeric() || before == '_' {
                    continue;
                }
                let rest = &text[at + needle.len()..];
                let operation: String = rest.chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
                if !operation.is_empty() && rest[operation.len()..].starts_with('(') {
                    found.insert(format!("{service}:{}", action_name(&operation)));
                }
            }
        }
    }
    found
}

fn actions_of(statements: &serde_json::Value) -> BTreeSet<String> {
    let mut actions = BTreeSet::new();
    for statement in statements.as_array().expect("statements") {
        match &statement["Action"] {
            serde_json::Value::String(one) => _ = actions.insert(one.clone()),
            serde_json::Value::Array(many) => actions.extend(many.iter().map(|a| a.as_str().unwrap().to_owned())),
            other => panic!("an Action that is neither a string nor a list: {other}"),
        }
    }
    actions
}

fn read_json(path: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(root().join(path)).unwrap()).unwrap()
}

#[test]
fn the_task_policy_allows_exactly_the_calls_the_adapters_make() {
    let called = called_actions();
    assert!(called.len() >= 10 && called.contains("ecs:UpdateService"), "the scan found the calls: {called:?}");
    let mut needed = called.clone();
    needed.extend(ON_BEHALF.iter().map(|a| (*a).to_owned()));

    let example = read_json("deploy/aws/tengu-task-policy.json");
    let allowed = actions_of(&example["Statement"]);
    let unused: Vec<&String> = allowed.difference(&needed).collect();
    let missing: Vec<&String> = needed.difference(&allowed).collect();
    assert!(
        unused.is_empty() && missing.is_empty(),
        "the policy allows {unused:?} that no adapter calls, and lacks {missing:?}"
    );

    let template = read_json("deploy/aws/tengu.json");
    let policies = template["Resources"]["TaskRole"]["Properties"]["Policies"].as_array().unwrap();
    let tengu = policies.iter().find(|p| p["PolicyName"] == "tengu").expect("the task role's tengu policy");
    let statements = &tengu["PolicyDocument"]["Statement"];
    assert_eq!(actions_of(statements), allowed, "the template's task role has the same actions");
    let sids = |statements: &serde_json::Value| -> Vec<String> {
        statements.as_array().unwrap().iter().map(|s| s["Sid"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(sids(statements), sids(&example["Statement"]), "and the same statements");
}

#[test]
fn the_scan_reads_a_call_chained_over_lines_and_ignores_other_receivers() {
    assert_eq!(action_name("describe_task_definition"), "DescribeTaskDefinition");
    let called = called_actions();
    for expected in ["ecs:DescribeServices", "ecr:DescribeImages", "iam:GetRole", "logs:DescribeLogGroups"] {
        assert!(called.contains(expected), "{expected} in {called:?}");
    }
    assert!(!called.iter().any(|a| a.starts_with("logs:Options") || a.contains("Clone")), "{called:?}");
}
