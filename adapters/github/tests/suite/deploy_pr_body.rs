//! The deploy PR body tengu writes for 100 merged pull requests, read off the GitHub stand-in it was sent to:
//! 50 merge commits (the person who pressed Merge is their author), 40 squash merges, 10 rebase merges, and three
//! commits pushed without a pull request; hostile titles among them; GitHub Enterprise's web address configured.
//! Who is @-mentioned (only who owes a tick), how titles show (as typed, inert), where links point.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use serde_json::{Value, json};
use tengu_core::checklist_body::{BLOCK_END, BLOCK_START, read_checks};
use tengu_core::domain::{Actor, DeployPrOptions, Environment, Login};
use tengu_core::ports::ManualClock;
use tengu_github::{Credentials, GithubCodeHost, GithubSettings};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const MERGER: &str = "release-bot-human";
const ENTERPRISE: &str = "https://ghe.acme.test";

/// Titles a person could type that break Markdown or HTML when pasted in as they are.
const HOSTILE: [&str; 8] = [
    "<script>alert('x')</script>",
    "Fold the rest <details><summary>click",
    "Hide it all <!-- tengu:checklist:end -->",
    "Close early --> and <!-- tengu:checklist:start --> again",
    "Backticks `rm -rf` and ``` fences",
    "Pipes | make | a | table",
    "Thanks @release-bot-human & @dev7 for *this* [link](https://evil.test)",
    "</details></summary> & &amp; entities",
];

fn author_of(pr: u64) -> String {
    format!("dev{}", pr % 30)
}

fn title_of(pr: u64) -> String {
    match HOSTILE.get(pr as usize - 1) {
        Some(title) => (*title).to_owned(),
        None => format!("Feature {pr}"),
    }
}

fn kind_of(pr: u64) -> &'static str {
    match pr {
        1..=50 => "merge",
        51..=90 => "squash",
        _ => "rebase",
    }
}

fn pull_node(pr: u64) -> Value {
    json!({
        "number": pr, "title": title_of(pr), "state": "MERGED", "baseRefName": "master",
        "author": { "login": author_of(pr) },
        // Every other pull request has a reviewer assigned; some assign their own author.
        "assignees": { "nodes": match pr % 4 {
            0 => json!([{ "login": "reviewer" }]),
            1 => json!([{ "login": author_of(pr) }]),
            _ => json!([]),
        } },
    })
}

fn commit_node(sha: u64, headline: String, author: &str, parents: u8, pr: Option<u64>) -> Value {
    json!({
        "oid": format!("{sha:040x}"),
        "messageHeadline": headline,
        "author": { "user": { "login": author } },
        "parents": { "totalCount": parents },
        "associatedPullRequests": { "nodes": pr.map(|n| vec![pull_node(n)]).unwrap_or_default() },
    })
}

/// The range `master` has over `deployment/dev`, oldest first.
fn range() -> Vec<Value> {
    let mut commits = Vec::new();
    for pr in 1..=100u64 {
        let author = author_of(pr);
        let sha = pr * 10;
        match kind_of(pr) {
            "merge" => {
                commits.push(commit_node(sha, format!("Work on {pr}"), &author, 1, Some(pr)));
                commits.push(commit_node(sha + 1, format!("Tests for {pr}"), &author, 1, Some(pr)));
                let merge = format!("Merge pull request #{pr} from acme/feature-{pr}");
                commits.push(commit_node(sha + 2, merge, MERGER, 2, Some(pr)));
            }
            "squash" => commits.push(commit_node(sha, format!("{} (#{pr})", title_of(pr)), &author, 1, Some(pr))),
            _ => {
                commits.push(commit_node(sha, format!("Rebased part one of {pr}"), &author, 1, Some(pr)));
                commits.push(commit_node(sha + 1, format!("Rebased part two of {pr}"), &author, 1, Some(pr)));
            }
        }
    }
    commits.push(commit_node(5001, "Hotfix the <b>banner</b> @dev1".into(), "ops1", 1, None));
    commits.push(commit_node(5002, "Bump the version".into(), "ops2", 1, None));
    commits.push(commit_node(5003, "Bump it again".into(), "ops1", 1, None));
    commits
}

struct MixedMerges(Vec<Value>);

impl Respond for MixedMerges {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = request.body_json().unwrap();
        let page: usize = body["variables"]["after"].as_str().map_or(0, |c| c[5..].parse().unwrap());
        let nodes: Vec<Value> = self.0.iter().skip(page * 100).take(100).cloned().collect();
        let more = (page + 1) * 100 < self.0.len();
        let commits = json!({
            "pageInfo": { "hasNextPage": more, "endCursor": format!("page-{}", page + 1) },
            "nodes": nodes,
        });
        ResponseTemplate::new(200)
            .set_body_json(json!({ "data": { "repository": { "ref": { "compare": { "commits": commits } } } } }))
    }
}

fn fixture(name: &str) -> Value {
    let file = format!("{}/tests/fixtures/github-rest/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap()
}

/// Opens the deploy PR of `dev` on the stand-in and returns the body tengu sent.
async fn written_body(mention_assignees: bool) -> String {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/graphql")).respond_with(MixedMerges(range())).mount(&server).await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/shop/pulls"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let written = Arc::new(Mutex::new(String::new()));
    let keep = written.clone();
    Mock::given(method("POST"))
        .and(path("/repos/acme/shop/pulls"))
        .respond_with(move |request: &Request| {
            let sent: Value = request.body_json().unwrap();
            *keep.lock().unwrap() = sent["body"].as_str().unwrap().to_owned();
            let mut pr = fixture("pulls-get.json");
            pr["number"] = json!(500);
            pr["body"] = sent["body"].clone();
            pr["base"]["ref"] = json!("deployment/dev");
            pr["head"]["ref"] = json!("master");
            ResponseTemplate::new(201).set_body_json(pr)
        })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/repos/acme/shop/statuses/[0-9a-f]{40}$"))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("repos-create-commit-status.json")))
        .mount(&server)
        .await;

    let mut github = GithubSettings::new(Credentials::Token("t0ken".into()));
    github.api_url = server.uri();
    let environment = Environment {
        deploy_pr: DeployPrOptions { mention_assignees, ..DeployPrOptions::default() },
        ..crate::support::acme_environment("dev", "shop-dev")
    };
    let name = environment.name.clone();
    let mut settings = crate::support::settings_for(vec![environment]);
    settings.github_web_url = format!("{ENTERPRISE}/");
    let code_host = Arc::new(GithubCodeHost::new(&github).unwrap());
    let everyone = Arc::new(crate::support::EveryoneHas(tengu_core::domain::Permission::Admin));
    let tengu =
        crate::support::tengu_on_code_host(settings, code_host, everyone, Arc::new(ManualClock::at(Utc::now()))).await;
    let opened = tengu.open_or_refresh_deploy_pr(&Actor::Person(Login::parse("alice").unwrap()), &name).await.unwrap();
    assert_eq!(opened.items.len(), 100);
    assert_eq!(opened.direct_commits.len(), 3);
    written.lock().unwrap().clone()
}

/// Every @-mention GitHub would notify: an `@` after a non-word character (or at the start), then a login.
fn mentions(body: &str) -> BTreeMap<String, usize> {
    let mut found = BTreeMap::new();
    let chars: Vec<char> = body.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if *c != '@' || (i > 0 && (chars[i - 1].is_alphanumeric() || matches!(chars[i - 1], '_' | '`' | '/'))) {
            continue;
        }
        let login: String = chars[i + 1..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == '-').collect();
        if !login.is_empty() {
            *found.entry(login).or_insert(0) += 1;
        }
    }
    found
}

/// What GitHub shows for a run of inert text: entities and backslash escapes read back, the word joiner unseen.
fn as_shown(markdown: &str) -> String {
    let mut out = String::new();
    let mut chars = markdown.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek().is_some_and(|n| n.is_ascii_punctuation()) => out.push(chars.next().unwrap()),
            '\u{2060}' => {}
            _ => out.push(c),
        }
    }
    out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// The item line of a pull request, by number.
fn item_line(body: &str, pr: u64) -> &str {
    let prefix = format!("- [ ] #{pr} ");
    body.lines().find(|line| line.starts_with(&prefix)).unwrap_or_else(|| panic!("no item for #{pr}:\n{body}"))
}

#[tokio::test]
async fn each_person_who_owes_a_tick_is_mentioned_once_per_item_and_nobody_else_is() {
    let body = written_body(false).await;
    let found = mentions(&body);
    let mut owed: BTreeMap<String, usize> = BTreeMap::new();
    for pr in 1..=100 {
        *owed.entry(author_of(pr)).or_default() += 1;
    }
    // The direct commits' authors, once each, in their own section.
    owed.insert("ops1".into(), 1);
    owed.insert("ops2".into(), 1);
    println!(
        "100 source PRs: body {} characters, {} mentions of {} people",
        body.chars().count(),
        found.values().sum::<usize>(),
        found.len()
    );
    assert_eq!(found, owed, "mentions by person");
    assert!(!found.contains_key(MERGER), "the person who pressed Merge 50 times owes nothing");
    assert!(!found.contains_key("reviewer"), "assignees are mentioned only when configured");
    assert_eq!(read_checks(&body).len(), 100);
    // Commit lines still say who wrote them, as a profile link on the configured GitHub.
    assert_eq!(body.matches(&format!("by [{MERGER}]({ENTERPRISE}/{MERGER})")).count(), 50);
    assert!(body.contains(&format!("by [ops1]({ENTERPRISE}/ops1)")));
    assert!(body.contains("**Commits without a pull request**, for @ops1 @ops2 to check"));
}

#[tokio::test]
async fn assignees_when_configured_are_mentioned_once_beside_the_author() {
    let body = written_body(true).await;
    let found = mentions(&body);
    let assigned_to_reviewer = (1..=100u64).filter(|pr| pr % 4 == 0).count();
    assert_eq!(found["reviewer"], assigned_to_reviewer);
    assert!(item_line(&body, 12).ends_with(" @dev12 @reviewer"), "{}", item_line(&body, 12));
    // An author assigned to their own pull request is mentioned once.
    assert_eq!(mentions(item_line(&body, 13)).get("dev13"), Some(&1), "{}", item_line(&body, 13));
    assert!(!found.contains_key(MERGER));
}

#[tokio::test]
async fn hostile_titles_show_as_typed_and_cannot_open_close_or_hide_anything() {
    let body = written_body(false).await;
    assert_eq!(body.matches(BLOCK_START).count(), 1);
    assert_eq!(body.matches(BLOCK_END).count(), 1);
    assert_eq!(body.matches("<!--").count(), 2, "only tengu's two markers open a comment");
    assert_eq!(body.matches("-->").count(), 2, "and only they close one");
    assert!(!body.contains("<script") && !body.contains("</summary></"), "no HTML from a title");
    assert_eq!(body.matches("<details>").count(), body.matches("</details>").count(), "every fold tengu opens closes");
    for (index, title) in HOSTILE.iter().enumerate() {
        let pr = index as u64 + 1;
        let line = item_line(&body, pr);
        let shown = line.strip_prefix(&format!("- [ ] #{pr} ")).unwrap().strip_suffix(&format!(" @{}", author_of(pr)));
        let shown = shown.unwrap_or_else(|| panic!("item line of #{pr}: {line}"));
        assert_eq!(as_shown(shown), *title, "#{pr} shows as typed: {line}");
        assert!(!shown.contains('<') && !shown.contains('>'), "{line}");
        assert!(!shown.replace("\\`", "").contains('`'), "no code span opens: {line}");
        assert!(!shown.replace("\\|", "").contains('|'), "no table cell starts: {line}");
    }
    assert!(!body.contains("https://github.com"), "every link is on the configured GitHub");
}
