//! 10,000 signed deliveries whose JSON was mutated the ways a proxy, a GitHub change or a hand-edited payload
//! could mutate it (keys gone, values of another type, truncated bodies, deep nesting, huge strings, foreign
//! repositories, unknown actions): no panic, no 5xx, each stored once and finished (or waiting for a retry with
//! its reason).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::support::spawn_app;
use axum::body::Body;
use axum::http::Request;
use serde_json::{Value, json};
use tengu_server::web::webhook_signature::sign;

const SECRET: &[u8] = b"webhook secret for the fuzz test";
const CASES: usize = 10_000;
/// Hand edits sent through the whole path (webhook, worker, the simulated GitHub's body), all about one pull
/// request, so applied one after the other. 10,000 take about 10 minutes on 2 cores (57 ms each, growing with the
/// backlog), too long for every test run; generated bodies by the 10,000 are checked at the body's own level in
/// core/tests/suite/checklist_body_properties.rs.
const EDITS: usize = 10_000;

/// xorshift64*: deterministic, so a failure can be replayed from its case number.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, from: &'a [T]) -> &'a T {
        &from[self.below(from.len())]
    }
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/github-webhooks/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn any_value(dice: &mut Dice) -> Value {
    match dice.below(9) {
        0 => Value::Null,
        1 => json!(dice.next() as i64),
        2 => json!(-1),
        3 => json!(1e300),
        4 => json!("x".repeat(dice.below(100_000))),
        5 => json!([]),
        6 => json!({ "nested": { "deeper": [1, "two", null] } }),
        7 => json!(true),
        _ => json!("<!-- tengu:checklist:start --> <details> `|` \u{202e} 🍣"),
    }
}

/// A random place in the document (a JSON pointer; "" is the document itself).
fn somewhere(value: &Value, dice: &mut Dice) -> String {
    let mut pointer = String::new();
    let mut at = value;
    for _ in 0..dice.below(4) {
        let (step, next) = match at {
            Value::Object(map) if !map.is_empty() => {
                let (key, next) = map.iter().nth(dice.below(map.len())).unwrap();
                (key.replace('~', "~0").replace('/', "~1"), next)
            }
            Value::Array(items) if !items.is_empty() => {
                let index = dice.below(items.len());
                (index.to_string(), &items[index])
            }
            _ => break,
        };
        pointer.push('/');
        pointer.push_str(&step);
        at = next;
    }
    pointer
}

fn mutate_somewhere(value: &mut Value, dice: &mut Dice, change: &mut dyn FnMut(&mut Value, &mut Dice)) {
    let pointer = somewhere(value, dice);
    if let Some(at) = value.pointer_mut(&pointer) {
        change(at, dice);
    }
}

/// Sets `path` in the document where its parents are objects (a parent another mutation made a string stays so).
fn put(payload: &mut Value, path: &[&str], value: Value) {
    let (last, parents) = path.split_last().unwrap();
    let mut at = payload;
    for key in parents {
        match at.get_mut(*key) {
            Some(next) => at = next,
            None => return,
        }
    }
    if let Value::Object(map) = at {
        map.insert((*last).to_owned(), value);
    }
}

fn mutate(mut payload: Value, dice: &mut Dice) -> Vec<u8> {
    for _ in 0..1 + dice.below(3) {
        match dice.below(8) {
            0 => mutate_somewhere(&mut payload, dice, &mut |v, dice| {
                if let Value::Object(map) = v
                    && !map.is_empty()
                {
                    let key = map.keys().nth(dice.below(map.len())).unwrap().clone();
                    map.remove(&key);
                }
            }),
            1 => mutate_somewhere(&mut payload, dice, &mut |v, dice| *v = any_value(dice)),
            2 => {
                let actions = ["opened", "edited", "closed", "reopened", "synchronize", "labeled", "", "🙃"];
                let action = json!(dice.pick(&actions));
                put(&mut payload, &["action"], action);
            }
            3 => {
                let repos = [json!("acme/shop"), json!("other/repo"), json!(""), json!("a/b/c"), json!(7)];
                let repo = dice.pick(&repos).clone();
                put(&mut payload, &["repository", "full_name"], repo);
            }
            4 => {
                let numbers = [json!(0), json!(-1), json!(u64::MAX), json!(1e30), json!("12"), json!(null)];
                let number = dice.pick(&numbers).clone();
                put(&mut payload, &["number"], number);
            }
            5 => {
                let mut deep = json!("bottom");
                for _ in 0..60 {
                    deep = json!([deep]);
                }
                mutate_somewhere(&mut payload, dice, &mut |v, _| *v = deep.clone());
            }
            6 => {
                let merged = json!(dice.below(2) == 0);
                put(&mut payload, &["pull_request", "merged"], merged);
            }
            _ => {
                let login = any_value(dice);
                put(&mut payload, &["sender", "login"], login);
            }
        }
    }
    let mut bytes = serde_json::to_vec(&payload).unwrap();
    if dice.below(10) == 0 {
        bytes.truncate(dice.below(bytes.len().max(1)));
    }
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_mutated_deliveries_cause_no_panic_and_no_5xx_and_each_is_stored_once() {
    let panics = Arc::new(AtomicUsize::new(0));
    let seen = panics.clone();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        seen.fetch_add(1, Ordering::SeqCst);
        previous(info);
    }));
    let app = spawn_app(vec![SECRET.to_vec()]).await;
    let fixtures = [
        ("ping", fixture("ping")),
        ("pull_request", fixture("pull_request.opened")),
        ("pull_request", fixture("pull_request.closed")),
        ("pull_request", fixture("pull_request.reopened")),
        ("pull_request", fixture("pull_request.synchronize")),
        ("push", fixture("push")),
    ];
    let events = ["pull_request", "push", "ping", "issues"];
    let mut dice = Dice(0x7e46_0b1d_5eed_0001);
    let mut statuses = std::collections::BTreeMap::new();
    let started = std::time::Instant::now();
    for case in 0..CASES {
        let (event, payload) = dice.pick(&fixtures).clone();
        let event = if dice.below(10) == 0 { *dice.pick(&events) } else { event };
        let body = mutate(payload, &mut dice);
        let request = Request::post("/webhooks/github")
            .header("content-type", "application/json")
            .header("x-github-event", event)
            .header("x-github-delivery", format!("fuzz-{case}"))
            .header("x-hub-signature-256", sign(SECRET, &body))
            .body(Body::from(body))
            .unwrap();
        let (status, _, answer) = app.send(request).await;
        assert!(!status.is_server_error(), "case {case} ({event}): {status} {answer}");
        *statuses.entry(status.as_u16()).or_insert(0usize) += 1;
    }
    let sent = started.elapsed();
    // Every delivery is finished, or failed once with its reason and waits for its next try.
    let settled = std::time::Instant::now();
    loop {
        // Nothing left that has not been tried at least once.
        let untried = app.database.count_rows_where("webhook_deliveries", "processed_at IS NULL AND attempts = 0");
        if untried.await.unwrap() == 0 {
            break;
        }
        assert!(settled.elapsed() < Duration::from_secs(300), "deliveries still unhandled after 5 minutes");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let stored = app.tengu.store().troubled_deliveries(100_000).await.unwrap().len();
    eprintln!(
        "{CASES} mutated deliveries: answers {statuses:?}, sent in {} ms, all handled {} ms later; {stored} retrying",
        sent.as_millis(),
        settled.elapsed().as_millis()
    );
    let accepted = statuses.get(&202).copied().unwrap_or(0) + statuses.get(&200).copied().unwrap_or(0);
    let kept = app.database.count_rows("webhook_deliveries").await.unwrap();
    assert_eq!(kept, accepted as i64, "each accepted delivery stored once; refused ones not at all");
    assert_eq!(panics.load(Ordering::SeqCst), 0, "no panic anywhere");
}

/// One hand edit of a deploy PR body, as people make them in GitHub's editor: a note of their own somewhere, a box
/// flipped (`[x]`, `[X]`, `[ ]`), a line removed or doubled, Windows line ends, trailing spaces.
fn hand_edit(body: &str, dice: &mut Dice, note: Option<&str>) -> String {
    let mut lines: Vec<String> = body.lines().map(str::to_owned).collect();
    let kind = if note.is_some() { 0 } else { 2 + dice.below(4) };
    match kind {
        0 => {
            let at = dice.below(lines.len() + 1);
            lines.insert(at, note.unwrap_or_default().to_owned());
        }
        2 => {
            let boxes: Vec<usize> = (0..lines.len()).filter(|i| lines[*i].contains("- [")).collect();
            if !boxes.is_empty() {
                let i = *dice.pick(&boxes);
                let flipped = if lines[i].contains("[ ]") {
                    lines[i].replacen("[ ]", if dice.below(2) == 0 { "[x]" } else { "[X]" }, 1)
                } else {
                    lines[i].replacen("[x]", "[ ]", 1).replacen("[X]", "[ ]", 1)
                };
                lines[i] = flipped;
            }
        }
        3 if lines.len() > 1 => {
            let at = dice.below(lines.len());
            if !lines[at].starts_with("note ") {
                lines.remove(at);
            }
        }
        4 => {
            let at = dice.below(lines.len());
            let copy = lines[at].clone();
            if !copy.starts_with("note ") {
                lines.insert(at, copy);
            }
        }
        _ => {
            let at = dice.below(lines.len());
            lines[at].push_str("  ");
        }
    }
    let joined = lines.join("\n");
    if dice.below(20) == 0 { joined.replace('\n', "\r\n") } else { joined }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_hand_edits_of_the_deploy_pr_body_lose_no_human_text_and_cause_no_5xx() {
    let app = spawn_app(vec![SECRET.to_vec()]).await;
    let everyone = tengu_core::domain::Viewer::trusted(tengu_core::domain::Actor::System);
    let home = app.tengu.home(&everyone).await.unwrap();
    let card = home.deploy_prs.iter().find(|p| p.env.as_str() == "production").unwrap();
    let pr = app.tengu.deploy_pr(&card.repo, card.number).await.unwrap();
    let original = app.tengu.code_host().pull_request(&pr.repo, pr.number).await.unwrap().body;
    let mut body = original.clone();
    let people = ["alice", "bob", "carol", "dave", "erin", "frank", "visitor"];
    let mut dice = Dice(0x0b0d_1e55_ed17_0002);
    let started = std::time::Instant::now();
    for case in 0..EDITS {
        // Each person edits the body as it was: a note of their own, and up to three other edits (on top of the
        // original, so the body keeps its size).
        let note = format!("note {case}: looked at it on staging {}", dice.next());
        let mut edited = hand_edit(&original, &mut dice, Some(&note));
        for _ in 0..dice.below(4) {
            edited = hand_edit(&edited, &mut dice, None);
        }
        // The person edits it on (the simulated) GitHub, which then tells tengu.
        let sender = dice.pick(&people);
        let person = tengu_core::domain::Login::parse(*sender).unwrap();
        app.github.edit_body(&person, &pr.repo, pr.number, &edited).await.unwrap();
        let mut payload = fixture("pull_request.opened");
        payload["action"] = json!("edited");
        payload["changes"] = json!({ "body": { "from": body } });
        payload["number"] = json!(pr.number.get());
        payload["repository"]["full_name"] = json!(pr.repo.to_string());
        payload["pull_request"]["number"] = json!(pr.number.get());
        payload["pull_request"]["body"] = json!(edited);
        payload["pull_request"]["base"]["ref"] = json!(pr.base.as_str());
        payload["pull_request"]["head"]["ref"] = json!(pr.head.as_str());
        payload["sender"]["login"] = json!(sender);
        let bytes = serde_json::to_vec(&payload).unwrap();
        let request = Request::post("/webhooks/github")
            .header("content-type", "application/json")
            .header("x-github-event", "pull_request")
            .header("x-github-delivery", format!("edit-{case}"))
            .header("x-hub-signature-256", sign(SECRET, &bytes))
            .body(Body::from(bytes))
            .unwrap();
        let (status, _, answer) = app.send(request).await;
        assert_eq!(status.as_u16(), 202, "edit {case}: {answer}");
        body = edited;
    }
    let sent = started.elapsed();
    let settled = std::time::Instant::now();
    loop {
        let failed = app.tengu.store().troubled_deliveries(1).await.unwrap();
        assert!(failed.is_empty(), "a hand edit failed: {failed:?}");
        if app.tengu.store().unfinished_deliveries(1).await.unwrap().is_empty() {
            break;
        }
        assert!(settled.elapsed() < Duration::from_secs(900), "edits still unhandled after 15 minutes");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!(
        "{EDITS} hand edits: sent in {} ms, handled {} ms later",
        sent.as_millis(),
        settled.elapsed().as_millis()
    );
    // Applied in the order they were made, the last edit is what GitHub shows, with every note its author wrote
    // in it (tengu only ever puts a box back as it recorded it).
    let on_github = app.tengu.code_host().pull_request(&pr.repo, pr.number).await.unwrap().body;
    let notes: Vec<&str> = body.lines().map(|l| l.trim_end_matches('\r')).filter(|l| l.starts_with("note ")).collect();
    assert!(!notes.is_empty());
    for note in &notes {
        assert!(on_github.contains(note), "lost: {note}");
    }
    // And tengu's records still describe the same checklist.
    let after = app.tengu.deploy_pr(&pr.repo, pr.number).await.unwrap();
    assert_eq!(after.items.len(), pr.items.len());
}
