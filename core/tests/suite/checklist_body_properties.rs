//! Properties of the deploy PR body, over 10,000 generated cases each: the humans' text survives, ticks survive,
//! rendering and refreshing are idempotent.

use proptest::prelude::*;
use tengu_core::checklist_body::{BLOCK_END, BLOCK_START, read_checks, render_block, replace_block, set_checked};
use tengu_core::domain::{Commit, CommitSha, Login, PrNumber, SourcePr};

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(10_000)
}

/// Text a person might write around the block: anything, including checklist-looking lines, but not tengu's
/// own markers.
fn human_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            "[ -~]{0,40}",
            "- \\[[ xX]\\] #[0-9]{1,4} [a-z ]{0,20}",
            "[\\p{L}\\p{N} ]{0,20}",
            Just(String::new()),
        ],
        0..6,
    )
    .prop_map(|lines| lines.join("\n"))
    .prop_filter("no tengu markers", |t| !t.contains(BLOCK_START) && !t.contains(BLOCK_END))
}

fn source_prs() -> impl Strategy<Value = Vec<(SourcePr, bool)>> {
    prop::collection::btree_map(
        1u64..100_000,
        ("[A-Za-z0-9 ,.()#-]{1,60}", "[a-z][a-z0-9-]{0,15}", any::<bool>(), 0usize..4),
        0..25,
    )
    .prop_map(|by_number| {
        by_number
            .into_iter()
            .map(|(number, (title, author, ticked, commits))| {
                let commits = (0..commits)
                    .map(|i| Commit {
                        sha: CommitSha::parse(format!("{:040x}", number * 10 + i as u64)).unwrap(),
                        headline: format!("{title} part {i}"),
                        author: Some(Login::parse(&author).unwrap()),
                        parents: 1,
                    })
                    .collect();
                let pr = SourcePr {
                    number: PrNumber::new(number).unwrap(),
                    title: title.trim().to_owned(),
                    author: Login::parse(&author).unwrap(),
                    assignees: vec![],
                    commits,
                    merged_at: None,
                    first_commit_at: None,
                };
                (pr, ticked)
            })
            .collect()
    })
}

fn block_of(items: &[(SourcePr, bool)]) -> String {
    let lines: Vec<(&SourcePr, bool)> = items.iter().map(|(pr, ticked)| (pr, *ticked)).collect();
    render_block(&lines, &[], Default::default())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn human_text_around_the_block_survives_byte_for_byte(before in human_text(), after in human_text(), items in source_prs()) {
        let body = format!("{before}\n{}\n{after}", block_of(&items));
        let refreshed = replace_block(&body, &block_of(&items));
        prop_assert_eq!(&refreshed, &body);
        let start = refreshed.find(BLOCK_START).unwrap();
        let end = refreshed.find(BLOCK_END).unwrap() + BLOCK_END.len();
        prop_assert_eq!(&refreshed[..start], format!("{before}\n"));
        prop_assert_eq!(&refreshed[end..], format!("\n{after}"));
    }

    #[test]
    fn rendered_ticks_read_back_and_survive_a_refresh(items in source_prs(), human in human_text()) {
        let expected: Vec<(PrNumber, bool)> = items.iter().map(|(pr, t)| (pr.number, *t)).collect();
        let body = replace_block(&human, &block_of(&items));
        prop_assert_eq!(read_checks(&body), expected.clone());
        let again = replace_block(&body, &block_of(&items));
        prop_assert_eq!(&again, &body, "refreshing with the same items changes nothing");
        prop_assert_eq!(read_checks(&again), expected);
    }

    #[test]
    fn ticking_one_item_changes_only_that_item(items in source_prs(), human in human_text(), pick in any::<prop::sample::Index>(), to in any::<bool>()) {
        prop_assume!(!items.is_empty());
        let body = replace_block(&human, &block_of(&items));
        let (target, _) = &items[pick.index(items.len())];
        let ticked = set_checked(&body, target.number, to).unwrap();
        prop_assert_eq!(ticked.len(), body.len());
        for ((number, now), (pr, before)) in read_checks(&ticked).into_iter().zip(&items) {
            prop_assert_eq!(number, pr.number);
            prop_assert_eq!(now, if number == target.number { to } else { *before });
        }
        prop_assert_eq!(set_checked(&ticked, target.number, to).unwrap(), ticked.clone(), "ticking twice is ticking once");
    }
}

/// Text from GitHub written to break out: pieces of tengu's markers, HTML, Markdown punctuation, mentions, line
/// breaks, in any order.
fn hostile_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just(BLOCK_START.to_owned()),
            Just(BLOCK_END.to_owned()),
            Just("<!-- tengu:checklist:cut -->".to_owned()),
            Just("<!--".to_owned()),
            Just("-->".to_owned()),
            Just("<details>".to_owned()),
            Just("</details>".to_owned()),
            Just("<script>".to_owned()),
            Just("&amp;".to_owned()),
            Just("\n- [x] #1 ".to_owned()),
            "[<>&`|*_~\\[\\]\\\\@#!:$-]{1,4}",
            Just("https://".to_owned()),
            Just("www.".to_owned()),
            Just(":tada:".to_owned()),
            "[\u{202A}-\u{202E}\u{2066}-\u{2069}]",
            "@[a-z][a-z0-9-]{0,8}",
            "[\\p{L}\\p{N} ]{0,8}",
            "[\r\n\t]",
        ],
        1..8,
    )
    .prop_map(|pieces| pieces.concat())
}

/// What GitHub shows for inert text: backslash escapes and entities read back, the word joiner unseen.
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

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_title_or_headline_shows_as_typed_and_cannot_forge_the_block(title in hostile_text(), headline in hostile_text(), number in 1u64..100_000) {
        let commit = Commit {
            sha: CommitSha::parse(format!("{number:040x}")).unwrap(),
            headline: headline.clone(),
            author: Some(Login::parse("carol").unwrap()),
            parents: 1,
        };
        let pr = SourcePr {
            number: PrNumber::new(number).unwrap(),
            title: title.clone(),
            author: Login::parse("alice").unwrap(),
            assignees: vec![],
            commits: vec![commit.clone()], merged_at: None, first_commit_at: None,
        };
        let body = format!("before\n{}\nafter", render_block(&[(&pr, false)], &[commit], Default::default()));
        prop_assert_eq!(body.matches(BLOCK_START).count(), 1);
        prop_assert_eq!(body.matches(BLOCK_END).count(), 1);
        prop_assert_eq!(body.matches("<!--").count(), 2, "only tengu's markers open a comment: {}", body);
        prop_assert_eq!(body.matches("<details>").count(), 1);
        prop_assert_eq!(read_checks(&body), vec![(pr.number, false)]);
        prop_assert!(body.ends_with("\nafter"));
        let item = body.lines().nth(2).unwrap();
        let shown = item.strip_prefix(&format!("- [ ] #{number} ")).and_then(|rest| rest.strip_suffix(" @alice"));
        prop_assert!(shown.is_some(), "the item is one line: {}", item);
        let bidi = |c: &char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}');
        let typed: String =
            title.chars().filter(|c| !bidi(c)).map(|c| if c.is_control() { ' ' } else { c }).collect();
        prop_assert_eq!(as_shown(shown.unwrap()), typed);
        prop_assert!(!shown.unwrap().contains('<') && !shown.unwrap().contains('>'));
        prop_assert_eq!(body.matches('@').count() - body.matches("@\u{2060}").count(), 2, "two mentions: alice on her item, carol over her direct commit: {}", body);
    }
}
