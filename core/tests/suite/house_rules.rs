//! The shape the house keeps, checked on every source file of the workspace: use cases never import what pages
//! show (the read side: `screens`, `views`), no source file over 400 lines outside tests, migrations and the
//! sandbox's seed data, and no function over 80 lines.

use std::path::{Path, PathBuf};

const LONGEST_FILE: usize = 400;
const LONGEST_FUNCTION: usize = 80;
/// The sandbox's seeded history is data, not logic.
const DATA_FILES: &[&str] = &["adapters/sandbox/src/seed.rs"];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace holds core").to_path_buf()
}

/// Every `.rs` file under the crates' `src` folders, except test modules kept in files of their own.
fn sources() -> Vec<(String, String)> {
    let root = workspace();
    let mut found = Vec::new();
    let mut folders: Vec<PathBuf> =
        ["core/src", "app/src", "server/src", "testkit/src"].iter().map(|f| root.join(f)).collect();
    for adapter in std::fs::read_dir(root.join("adapters")).expect("adapters/") {
        folders.push(adapter.expect("an adapter").path().join("src"));
    }
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap_or_else(|e| panic!("{}: {e}", folder.display())) {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") && path.file_name().is_some_and(|n| n != "tests.rs") {
                let name = path.strip_prefix(&root).expect("inside").display().to_string();
                found.push((name, std::fs::read_to_string(&path).expect("readable")));
            }
        }
    }
    assert!(found.len() > 100, "the walk found the sources ({} files)", found.len());
    found
}

/// The lines before the file's test module.
fn code_of(text: &str) -> Vec<&str> {
    text.lines().take_while(|line| !line.starts_with("#[cfg(test)]")).collect()
}

/// `(name, first line, length)` of each function with a body.
fn functions<'a>(lines: &[&'a str]) -> Vec<(&'a str, usize, usize)> {
    let mut found = Vec::new();
    for (at, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let signature = ["fn ", "pub fn ", "async fn ", "pub async fn ", "pub(crate) fn ", "pub(super) fn "]
            .iter()
            .chain(&["pub(crate) async fn ", "pub(super) async fn ", "const fn ", "pub const fn "])
            .find_map(|start| trimmed.strip_prefix(start));
        let Some(rest) = signature else { continue };
        let name = rest.split(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or_default();
        let indent = &line[..line.len() - trimmed.len()];
        // A declaration without a body (in a trait) ends with `;` before any `{` ends a line.
        let opened = lines[at..].iter().position(|l| l.trim_end().ends_with('{') || l.trim_end().ends_with(';'));
        if opened.is_none_or(|o| lines[at + o].trim_end().ends_with(';')) {
            continue;
        }
        let closing = format!("{indent}}}");
        if let Some(end) = lines[at + 1..].iter().position(|l| l.trim_end() == closing) {
            found.push((name, at + 1, end + 2));
        }
    }
    found
}

#[test]
fn use_cases_never_import_the_read_side() {
    let offenders: Vec<String> = sources()
        .into_iter()
        .filter(|(name, _)| name.starts_with("core/src/usecases/"))
        .filter(|(_, text)| code_of(text).iter().any(|l| l.contains("crate::views") || l.contains("crate::screens")))
        .map(|(name, _)| name)
        .collect();
    assert!(offenders.is_empty(), "use cases that import what pages show: {offenders:?}");
}

#[test]
fn no_source_file_is_over_400_lines() {
    let long: Vec<String> = sources()
        .into_iter()
        .filter(|(name, _)| !DATA_FILES.contains(&name.as_str()))
        .filter(|(_, text)| code_of(text).len() > LONGEST_FILE)
        .map(|(name, text)| format!("{name}: {} lines", code_of(&text).len()))
        .collect();
    assert!(long.is_empty(), "files over {LONGEST_FILE} lines: {long:#?}");
}

#[test]
fn no_function_is_over_80_lines() {
    let mut long = Vec::new();
    for (name, text) in sources() {
        for (function, at, length) in functions(&code_of(&text)) {
            if length > LONGEST_FUNCTION {
                long.push(format!("{name}:{at} {function}: {length} lines"));
            }
        }
    }
    assert!(long.is_empty(), "functions over {LONGEST_FUNCTION} lines: {long:#?}");
}

#[test]
fn the_function_finder_measures_what_it_finds() {
    let text = "trait T {\n    fn declared(\n        &self,\n    ) -> u8;\n}\nfn two() {\n}\n    pub async fn four() {\n        x();\n    }\n";
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(functions(&lines), vec![("two", 6, 2), ("four", 8, 3)]);
}

/// The attributes the server's HTML and the browser program agree on are spelled once, in `app/src/contract.rs`:
/// anywhere else in the sources they are named by the contract's constants.
#[test]
fn the_browser_contracts_names_are_written_once() {
    const CONTRACT: &str = "app/src/contract.rs";
    let sources = sources();
    let contract = &sources.iter().find(|(name, _)| name == CONTRACT).expect("the contract").1;
    let names: Vec<&str> = contract
        .lines()
        .filter_map(|line| line.strip_prefix("pub const ")?.split_once("= \"")?.1.strip_suffix("\";"))
        .filter(|value| value.starts_with("data-"))
        .collect();
    assert!(names.len() >= 10, "the contract's attribute names were found: {names:?}");
    let spelled_again: Vec<String> = sources
        .iter()
        .filter(|(name, _)| name != CONTRACT)
        .flat_map(|(file, text)| {
            let code = code_of(text).join("\n");
            names
                .iter()
                .filter(move |name| code.contains(&format!("\"{name}\"")) || code.contains(&format!("{name}=")))
                .map(move |name| format!("{file}: {name}"))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(spelled_again.is_empty(), "use `contract`'s constants instead: {spelled_again:#?}");
}
