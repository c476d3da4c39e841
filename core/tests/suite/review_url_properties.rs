//! The 63-character rule for review environment URLs, on arbitrary repositories, branches and numbers.

use proptest::prelude::*;
use tengu_core::domain::{BranchName, PrNumber, RepoSlug};
use tengu_core::review_url::{MAX_LABEL, review_url};

const TEMPLATES: [&str; 3] = [
    "https://pr-{number}-{repo}.review.example.com",
    "https://{repo}-{branch}-{number}.review.example.com",
    "{owner}-{repo}-{branch}-pr-{number}.preview.test",
];

fn label(url: &str) -> &str {
    url.split("://").last().unwrap().split(['.', '/', ':']).next().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn labels_are_valid_and_never_shared(
        name in "[a-zA-Z0-9][a-zA-Z0-9._-]{0,90}",
        branch in "[a-zA-Z0-9][a-zA-Z0-9/_.-]{0,120}",
        other_branch in "[a-zA-Z0-9][a-zA-Z0-9/_.-]{0,40}",
        a in 1u64..1_000_000,
        b in 1u64..1_000_000,
        t in 0usize..3,
    ) {
        let Ok(repo) = RepoSlug::parse(format!("acme/{name}")) else { return Ok(()) };
        let Ok(branch) = BranchName::parse(&branch) else { return Ok(()) };
        let Ok(other_branch) = BranchName::parse(&other_branch) else { return Ok(()) };
        let template = TEMPLATES[t];
        prop_assert!(tengu_core::review_url::template_problem(template).is_none());
        let first = review_url(template, &repo, PrNumber::new(a).unwrap(), &branch);
        let first_label = label(&first);
        prop_assert!(!first_label.is_empty() && first_label.len() <= MAX_LABEL, "{first}");
        prop_assert!(first_label.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{first}");
        prop_assert!(!first_label.starts_with('-') && !first_label.ends_with('-'), "{first}");
        prop_assert_eq!(&first, &review_url(template, &repo, PrNumber::new(a).unwrap(), &branch), "stable");
        if a != b {
            for second_branch in [&branch, &other_branch] {
                let second = review_url(template, &repo, PrNumber::new(b).unwrap(), second_branch);
                prop_assert_ne!(first_label, label(&second), "two pull requests, two names");
            }
        }
    }
}
