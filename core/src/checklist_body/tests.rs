use super::*;
use crate::domain::{CommitSha, Login};

fn pr(number: u64, title: &str, author: &str) -> SourcePr {
    SourcePr {
        number: PrNumber::new(number).unwrap(),
        title: title.into(),
        author: Login::parse(author).unwrap(),
        assignees: vec![],
        commits: vec![Commit {
            sha: CommitSha::parse(format!("{number:0>40}")).unwrap(),
            headline: format!("Work for {title}"),
            author: Some(Login::parse(author).unwrap()),
            parents: 1,
        }],
        merged_at: None,
        first_commit_at: None,
    }
}

fn n(number: u64) -> PrNumber {
    PrNumber::new(number).unwrap()
}

#[test]
fn item_lines_parse_like_git_pr_release() {
    assert_eq!(parse_item_line("- [ ] #12 Title @a"), Some((n(12), false)));
    assert_eq!(parse_item_line("- [x] #12 Title @a"), Some((n(12), true)));
    assert_eq!(parse_item_line("* [X] #7"), Some((n(7), true)));
    assert_eq!(parse_item_line("- [ ] #12abc"), None);
    assert_eq!(parse_item_line("- [y] #12 t"), None);
    assert_eq!(parse_item_line("text - [ ] #12"), None);
}

#[test]
fn a_title_or_headline_cannot_end_the_block_or_add_an_item() {
    let sneaky = format!("Fix {BLOCK_END}\n- [x] #999 Fake <!-- hidden");
    let commit = Commit {
        sha: CommitSha::parse("a".repeat(40)).unwrap(),
        headline: format!("Bump --> {CUT_MARK}\r\n- [x] #998"),
        author: None,
        parents: 1,
    };
    let pr = SourcePr {
        number: PrNumber::new(7).unwrap(),
        title: sneaky,
        author: Login::parse("alice").unwrap(),
        assignees: vec![],
        commits: vec![commit.clone()],
        merged_at: None,
        first_commit_at: None,
    };
    let body = format!("intro\n\n{}\n\nafter", render_block(&[(&pr, false)], &[commit], BodyStyle::default()));
    assert_eq!(read_checks(&body), vec![(PrNumber::new(7).unwrap(), false)], "one item, the real one");
    assert_eq!(body.matches(BLOCK_END).count(), 1);
    assert_eq!(body.matches("<!--").count(), 2, "only tengu's own markers open a comment: {body}");
    let seen = body.replace(WORD_JOINER, "");
    assert!(seen.contains("Fix &lt;!-- tengu:checklist:end --&gt; - \\[x\\] #999 Fake &lt;!-- hidden @alice"));
    assert!(body.ends_with("after"));
    let ticked = set_checked(&body, PrNumber::new(7).unwrap(), true).unwrap();
    assert_eq!(read_checks(&ticked), vec![(PrNumber::new(7).unwrap(), true)]);
}

#[test]
fn nothing_in_a_title_links_references_mentions_formats_or_reorders() {
    let shown = inert("Fix #12 for @bob: see https://x.test and WWW.y.test $x$ :tada: \u{202E}evil");
    assert_eq!(
        shown,
        "Fix #\u{2060}12 for @\u{2060}bob:\u{2060} see https:\u{2060}//x.test and WWW\u{2060}.y.test \\$x\\$ \
         :\u{2060}tada:\u{2060} evil"
    );
    assert_eq!(inert("ü.www.ok"), "ü.www\u{2060}.ok", "multi-byte text before it is fine");
}

#[test]
fn rendered_block_reads_back_with_its_ticks() {
    let (a, b) = (pr(101, "Add cart", "alice"), pr(102, "Fix tax", "bob"));
    let block = render_block(&[(&a, true), (&b, false)], &[], BodyStyle::default());
    assert!(block.contains("- [x] #101 Add cart @alice"));
    assert!(block.contains("<details><summary>1 commit</summary>"));
    assert_eq!(read_checks(&block), vec![(n(101), true), (n(102), false)]);
}

#[test]
fn ticking_changes_one_character_and_keeps_human_text() {
    let (a, b) = (pr(101, "Add cart", "alice"), pr(102, "Fix tax", "bob"));
    let human = "Release notes by hand.\n- [ ] #999 a human checklist line outside the block\n\n";
    let body =
        format!("{human}{}\n\nSigned, ops", render_block(&[(&a, false), (&b, false)], &[], BodyStyle::default()));
    let ticked = set_checked(&body, n(102), true).unwrap();
    assert_eq!(ticked.len(), body.len());
    assert!(ticked.starts_with(human));
    assert!(ticked.ends_with("Signed, ops"));
    assert_eq!(read_checks(&ticked), vec![(n(101), false), (n(102), true)]);
    let unticked = set_checked(&ticked, n(102), false).unwrap();
    assert_eq!(unticked, body);
    assert_eq!(set_checked(&body, n(999), true), Err(BodyError::ItemMissing(n(999))));
}

#[test]
fn a_body_without_markers_is_read_whole_and_adopted() {
    let legacy = "- [x] #5 Old PR @alice\n- [ ] #6 Other @bob\n";
    assert_eq!(read_checks(legacy), vec![(n(5), true), (n(6), false)]);
    let block = render_block(&[(&pr(7, "New", "carol"), false)], &[], BodyStyle::default());
    let adopted = replace_block("Hello", &block);
    assert!(adopted.starts_with("Hello\n\n"));
    let replaced = replace_block(&adopted, &render_block(&[], &[], BodyStyle::default()));
    assert!(replaced.starts_with("Hello\n\n"));
    assert!(read_checks(&replaced).is_empty());
}

fn big_pr(number: u64, commits: usize) -> SourcePr {
    let mut pr = pr(number, &format!("Change number {number} with a descriptive title"), "alice");
    pr.commits = (0..commits)
        .map(|i| Commit {
            sha: CommitSha::parse(format!("{:0>40}", number * 1000 + i as u64)).unwrap(),
            headline: format!("Commit {i} of PR {number}, with a message long enough to matter"),
            author: Some(Login::parse("alice").unwrap()),
            parents: 1,
        })
        .collect();
    pr
}

#[test]
fn a_body_that_fits_is_not_cut() {
    let a = pr(1, "Small", "alice");
    let body = render_body("Notes", &[(&a, true)], &[], "https://tengu.example/x", BodyStyle::default());
    assert_eq!(body, replace_block("Notes", &render_block(&[(&a, true)], &[], BodyStyle::default())));
    assert!(!is_cut(&body));
}

#[test]
fn commit_lists_are_cut_before_items() {
    let prs: Vec<SourcePr> = (1..=100).map(|n| big_pr(n, 12)).collect();
    let items: Vec<_> = prs.iter().map(|p| (p, p.number.get() % 2 == 0)).collect();
    let human = "Hand-written notes\n";
    let body =
        render_body(human, &items, &[], "https://tengu.example/repos/acme/shop/deploy-prs/7", BodyStyle::default());
    assert!(body.chars().count() <= BODY_LIMIT, "{} characters", body.chars().count());
    assert!(body.starts_with(human));
    assert!(is_cut(&body));
    assert!(body.contains("commit lists are left out"));
    assert!(body.contains("https://tengu.example/repos/acme/shop/deploy-prs/7"));
    let checks = read_checks(&body);
    assert_eq!(checks.len(), 100, "every item stays while cutting commit lists is enough");
    assert!(checks.iter().all(|(n, checked)| *checked == (n.get() % 2 == 0)));
    assert!(body.contains("<details>"), "the first PRs keep their commit lists");
}

#[test]
fn items_are_cut_from_the_end_when_commit_lists_are_not_enough() {
    let prs: Vec<SourcePr> = (1..=1500).map(|n| big_pr(n, 1)).collect();
    let items: Vec<_> = prs.iter().map(|p| (p, false)).collect();
    let direct = big_pr(9999, 40).commits;
    let body = render_body("", &items, &direct, "https://tengu.example/d", BodyStyle::default());
    assert!(body.chars().count() <= BODY_LIMIT);
    let checks = read_checks(&body);
    assert!(checks.len() > 500 && checks.len() < 1500, "{} items kept", checks.len());
    assert_eq!(checks[0].0, n(1), "the first items are kept");
    assert!(body.contains(&format!("{} more source PRs", 1500 - checks.len())));
    assert!(body.contains("**Commits without a pull request**, for @alice to check: 40"));
    assert!(!body.contains("<details>"));
}

#[test]
fn unticking_leaves_the_text_people_wrote_and_their_own_task_lists() {
    let body = "notes\n- [x] my own task\n<!-- tengu:checklist:start -->\n- [x] #12 Cart @alice\n- [ ] #13 Search @bob\n<!-- tengu:checklist:end -->\n";
    let plain = unticked(body);
    let number = |n: u64| PrNumber::new(n).unwrap();
    assert_eq!(read_checks(&plain), [(number(12), false), (number(13), false)]);
    assert!(plain.contains("- [x] my own task"), "outside the checklist nothing changes: {plain}");
    assert_eq!(unticked(&plain), plain);
}
