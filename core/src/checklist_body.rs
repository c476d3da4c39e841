//! The deploy PR body: a block tengu manages between two HTML comments, holding one git-pr-release style line
//! per source PR (`- [ ] #123 Title @author`), and the humans' text around it, which tengu never touches.

use crate::domain::{Commit, PrNumber, SourcePr};

pub const BLOCK_START: &str = "<!-- tengu:checklist:start -->";
pub const BLOCK_END: &str = "<!-- tengu:checklist:end -->";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error("the deploy PR body has no checkbox for {0}; someone may have removed it by hand — refresh the deploy PR")]
    ItemMissing(PrNumber),
}

/// Reads a checklist line: `- [ ] #123 …`, `- [x] #123 …` or `- [X] #123 …` (also with `*`).
pub fn parse_item_line(line: &str) -> Option<(PrNumber, bool)> {
    let rest = line.trim_start().strip_prefix(['-', '*'])?.strip_prefix(' ')?;
    let (checked, rest) = match rest.get(..3)? {
        "[ ]" => (false, &rest[3..]),
        "[x]" | "[X]" => (true, &rest[3..]),
        _ => return None,
    };
    let rest = rest.strip_prefix(" #")?;
    let digits_end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    if digits_end < rest.len() && !rest[digits_end..].starts_with(' ') {
        return None;
    }
    let number = PrNumber::parse(&rest[..digits_end]).ok()?;
    Some((number, checked))
}

/// The byte range tengu manages, markers included; `None` when the body has no block (a git-pr-release body).
fn block_range(body: &str) -> Option<(usize, usize)> {
    let start = body.find(BLOCK_START)?;
    let end = body[start..].find(BLOCK_END)? + start + BLOCK_END.len();
    Some((start, end))
}

/// The region whose checkboxes count: the managed block, or the whole body when it has none.
fn checklist_region(body: &str) -> (usize, usize) {
    block_range(body).unwrap_or((0, body.len()))
}

/// Every checkbox in the body, in order.
pub fn read_checks(body: &str) -> Vec<(PrNumber, bool)> {
    let (start, end) = checklist_region(body);
    body[start..end].lines().filter_map(parse_item_line).collect()
}

/// The body with one item ticked or unticked; every other byte unchanged.
pub fn set_checked(body: &str, item: PrNumber, checked: bool) -> Result<String, BodyError> {
    let (start, end) = checklist_region(body);
    let mut offset = start;
    for line in body[start..end].split_inclusive('\n') {
        if parse_item_line(line).is_some_and(|(number, _)| number == item) {
            let bracket = offset + line.find('[').expect("an item line has a bracket");
            let mark = if checked { "x" } else { " " };
            let mut out = String::with_capacity(body.len());
            out.push_str(&body[..bracket + 1]);
            out.push_str(mark);
            out.push_str(&body[bracket + 2..]);
            return Ok(out);
        }
        offset += line.len();
    }
    Err(BodyError::ItemMissing(item))
}

fn commit_line(commit: &Commit) -> String {
    match &commit.author {
        Some(author) => format!("- {} {} (@{author})", commit.sha.short(), commit.headline),
        None => format!("- {} {}", commit.sha.short(), commit.headline),
    }
}

/// The managed block for these source PRs (with their checkbox states) and direct commits.
pub fn render_block(items: &[(&SourcePr, bool)], direct_commits: &[Commit]) -> String {
    let mut out = String::new();
    out.push_str(BLOCK_START);
    out.push('\n');
    for (pr, checked) in items {
        let mark = if *checked { "x" } else { " " };
        out.push_str(&format!("- [{mark}] #{} {} @{}\n", pr.number.get(), pr.title, pr.author));
        if !pr.commits.is_empty() {
            let noun = if pr.commits.len() == 1 { "commit" } else { "commits" };
            out.push_str(&format!("  <details><summary>{} {noun}</summary>\n\n", pr.commits.len()));
            for commit in &pr.commits {
                out.push_str("  ");
                out.push_str(&commit_line(commit));
                out.push('\n');
            }
            out.push_str("\n  </details>\n");
        }
    }
    if !direct_commits.is_empty() {
        out.push_str("\n**Commits without a pull request**\n\n");
        for commit in direct_commits {
            out.push_str(&commit_line(commit));
            out.push('\n');
        }
    }
    out.push_str(BLOCK_END);
    out
}

/// Puts `block` in place of the body's managed block, or after the humans' text when there is none yet.
pub fn replace_block(body: &str, block: &str) -> String {
    match block_range(body) {
        Some((start, end)) => format!("{}{block}{}", &body[..start], &body[end..]),
        None if body.trim().is_empty() => block.to_owned(),
        None => format!("{}\n\n{block}", body.trim_end()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CommitSha, Login};

    fn pr(number: u64, title: &str, author: &str) -> SourcePr {
        SourcePr {
            number: PrNumber::new(number).unwrap(),
            title: title.into(),
            author: Login::parse(author).unwrap(),
            commits: vec![Commit {
                sha: CommitSha::parse(format!("{number:0>40}")).unwrap(),
                headline: format!("Work for {title}"),
                author: Some(Login::parse(author).unwrap()),
                parents: 1,
            }],
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
    fn rendered_block_reads_back_with_its_ticks() {
        let (a, b) = (pr(101, "Add cart", "alice"), pr(102, "Fix tax", "bob"));
        let block = render_block(&[(&a, true), (&b, false)], &[]);
        assert!(block.contains("- [x] #101 Add cart @alice"));
        assert!(block.contains("<details><summary>1 commit</summary>"));
        assert_eq!(read_checks(&block), vec![(n(101), true), (n(102), false)]);
    }

    #[test]
    fn ticking_changes_one_character_and_keeps_human_text() {
        let (a, b) = (pr(101, "Add cart", "alice"), pr(102, "Fix tax", "bob"));
        let human = "Release notes by hand.\n- [ ] #999 a human checklist line outside the block\n\n";
        let body = format!("{human}{}\n\nSigned, ops", render_block(&[(&a, false), (&b, false)], &[]));
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
        let block = render_block(&[(&pr(7, "New", "carol"), false)], &[]);
        let adopted = replace_block("Hello", &block);
        assert!(adopted.starts_with("Hello\n\n"));
        let replaced = replace_block(&adopted, &render_block(&[], &[]));
        assert!(replaced.starts_with("Hello\n\n"));
        assert!(read_checks(&replaced).is_empty());
    }
}
