//! The deploy PR body: a block tengu manages between two HTML comments, holding one git-pr-release style line
//! per source PR (`- [ ] #123 Title @author`), and the humans' text around it, which tengu never touches.

use crate::domain::{Commit, Login, PrNumber, SourcePr};
use crate::links::GithubWeb;

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

/// The body with every item unticked: what is left is the text people wrote (their own task lists included).
pub fn unticked(body: &str) -> String {
    read_checks(body)
        .into_iter()
        .filter(|(_, ticked)| *ticked)
        .fold(body.to_owned(), |body, (item, _)| set_checked(&body, item, false).unwrap_or(body))
}

/// How the block names people and where its links point.
#[derive(Debug, Clone, Copy, Default)]
pub struct BodyStyle<'a> {
    pub github: GithubWeb<'a>,
    /// Each item mentions its pull request's assignees beside its author (`[deploy_pr] mention_assignees`).
    pub mention_assignees: bool,
}

/// An invisible character that joins what is on either side of it into no word GitHub recognises.
const WORD_JOINER: char = '\u{2060}';

/// Text from GitHub (a title, a commit headline) as one inert line of Markdown that shows exactly as typed: it
/// cannot start a line of its own (a fake item), open or close HTML (a comment that hides the rest, a `<details>`,
/// tengu's own markers), format, link, reference or @-mention anyone, or reorder the line.
/// - `&`, `<` and `>` become entities; Markdown's punctuation (and `$`, GitHub's math) is escaped with a backslash.
/// - An `@`, a `#` and a `:` get a word joiner after them, and `www` one before its dot: GitHub shows it as nothing,
///   and it reads no login, issue reference, `:emoji:`, `https://` or `www.` link there.
/// - Line breaks and other control characters become spaces; bidirectional overrides are dropped.
pub fn inert(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}' => {}
            c if c.is_control() => out.push(' '),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '@' | '#' | ':' => {
                out.push(c);
                out.push(WORD_JOINER);
            }
            '.' if out.len() >= 3
                && out.is_char_boundary(out.len() - 3)
                && out[out.len() - 3..].eq_ignore_ascii_case("www") =>
            {
                out.push(WORD_JOINER);
                out.push('.');
            }
            c => out.push(c),
        }
    }
    out
}

/// A person named without notifying them: their login, linked to their profile.
fn named(login: &Login, style: BodyStyle<'_>) -> String {
    format!("[{}]({})", inert(login.as_str()), style.github.person(login))
}

fn commit_line(commit: &Commit, style: BodyStyle<'_>) -> String {
    let headline = inert(&commit.headline);
    match &commit.author {
        Some(author) => format!("- {} {headline} by {}", commit.sha.short(), named(author, style)),
        None => format!("- {} {headline}", commit.sha.short()),
    }
}

/// GitHub refuses a pull request body longer than this many characters.
pub const BODY_LIMIT: usize = 65_536;

/// Written into a block that had to be cut, so a tick on an item left out is kept by tengu alone.
const CUT_MARK: &str = "<!-- tengu:checklist:cut -->";

/// Who an item asks for a tick: its author, and its assignees when the environment says so; each once.
fn owers<'p>(pr: &'p SourcePr, style: BodyStyle<'_>) -> Vec<&'p Login> {
    let mut people = vec![&pr.author];
    if style.mention_assignees {
        for assignee in &pr.assignees {
            if !people.contains(&assignee) {
                people.push(assignee);
            }
        }
    }
    people
}

fn mentions<'p>(people: impl IntoIterator<Item = &'p Login>) -> String {
    people.into_iter().map(|login| format!("@{login}")).collect::<Vec<_>>().join(" ")
}

fn item_line(pr: &SourcePr, checked: bool, style: BodyStyle<'_>) -> String {
    let mark = if checked { "x" } else { " " };
    format!("- [{mark}] #{} {} {}\n", pr.number.get(), inert(&pr.title), mentions(owers(pr, style)))
}

fn commit_details(pr: &SourcePr, style: BodyStyle<'_>) -> String {
    if pr.commits.is_empty() {
        return String::new();
    }
    let noun = if pr.commits.len() == 1 { "commit" } else { "commits" };
    let mut out = format!("  <details><summary>{} {noun}</summary>\n\n", pr.commits.len());
    for commit in &pr.commits {
        out.push_str("  ");
        out.push_str(&commit_line(commit, style));
        out.push('\n');
    }
    out.push_str("\n  </details>\n");
    out
}

/// The authors of commits without a pull request, each once, in the order they first appear.
fn direct_authors(direct_commits: &[Commit]) -> Vec<&Login> {
    let mut people: Vec<&Login> = Vec::new();
    for author in direct_commits.iter().filter_map(|c| c.author.as_ref()) {
        if !people.contains(&author) {
            people.push(author);
        }
    }
    people
}

/// The heading of the direct commits: their authors are asked to check them, each mentioned once.
fn direct_heading(direct_commits: &[Commit]) -> String {
    let people = direct_authors(direct_commits);
    match people.is_empty() {
        true => "**Commits without a pull request**".to_owned(),
        false => format!("**Commits without a pull request**, for {} to check", mentions(people)),
    }
}

fn direct_section(direct_commits: &[Commit], style: BodyStyle<'_>) -> String {
    if direct_commits.is_empty() {
        return String::new();
    }
    let mut out = format!("\n{}\n\n", direct_heading(direct_commits));
    for commit in direct_commits {
        out.push_str(&commit_line(commit, style));
        out.push('\n');
    }
    out
}

/// The managed block for these source PRs (with their checkbox states) and direct commits.
pub fn render_block(items: &[(&SourcePr, bool)], direct_commits: &[Commit], style: BodyStyle<'_>) -> String {
    let mut out = format!("{BLOCK_START}\n");
    for (pr, checked) in items {
        out.push_str(&item_line(pr, *checked, style));
        out.push_str(&commit_details(pr, style));
    }
    out.push_str(&direct_section(direct_commits, style));
    out.push_str(BLOCK_END);
    out
}

/// The whole body: `old_body` with its block replaced, within GitHub's limit. When everything does not fit,
/// commit lists are left out first (the last PR's first), then the direct commits, then items from the end,
/// and the block says so with a link to `full_list_url`.
pub fn render_body(
    old_body: &str,
    items: &[(&SourcePr, bool)],
    direct_commits: &[Commit],
    full_list_url: &str,
    style: BodyStyle<'_>,
) -> String {
    let full = replace_block(old_body, &render_block(items, direct_commits, style));
    if full.chars().count() <= BODY_LIMIT {
        return full;
    }
    let chars = |text: &str| text.chars().count();
    let lines: Vec<String> = items.iter().map(|(pr, checked)| item_line(pr, *checked, style)).collect();
    let details: Vec<String> = items.iter().map(|(pr, _)| commit_details(pr, style)).collect();
    let direct = direct_section(direct_commits, style);
    let note_room = 400 + chars(full_list_url);
    let budget = BODY_LIMIT.saturating_sub(chars(&replace_block(old_body, "")) + note_room);

    let mut total = chars(BLOCK_START) + 1 + chars(BLOCK_END) + chars(&direct);
    total += lines.iter().chain(&details).map(|text| chars(text)).sum::<usize>();
    let mut kept_details = details.len();
    while total > budget && kept_details > 0 {
        kept_details -= 1;
        total -= chars(&details[kept_details]);
    }
    let keep_direct = direct_commits.is_empty() || total <= budget;
    let direct_summary = format!("\n{}: {}\n", direct_heading(direct_commits), direct_commits.len());
    if !keep_direct {
        total -= chars(&direct);
        total += chars(&direct_summary);
    }
    let mut kept_items = items.len();
    while total > budget && kept_items > 0 {
        kept_items -= 1;
        total -= chars(&lines[kept_items]);
    }

    let mut block = format!("{BLOCK_START}\n");
    for index in 0..kept_items {
        block.push_str(&lines[index]);
        if index < kept_details {
            block.push_str(&details[index]);
        }
    }
    if keep_direct {
        block.push_str(&direct);
    } else {
        block.push_str(&direct_summary);
    }
    let mut left_out = vec![];
    if kept_details < kept_items {
        left_out.push("commit lists".to_owned());
    }
    if kept_items < items.len() {
        left_out.push(format!("{} more source PRs", items.len() - kept_items));
    }
    if !keep_direct {
        left_out.push("the commits without a pull request".to_owned());
    }
    block.push_str(&format!(
        "\n{CUT_MARK}\n_Cut to fit GitHub's {BODY_LIMIT}-character limit: {} are left out. \
         The full list is in tengu: {full_list_url}_\n",
        left_out.join(", ")
    ));
    block.push_str(BLOCK_END);
    replace_block(old_body, &block)
}

/// True when the block was cut to fit: items missing from it are kept by tengu alone.
pub fn is_cut(body: &str) -> bool {
    block_range(body).is_some_and(|(start, end)| body[start..end].contains(CUT_MARK))
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
mod tests;
