use std::fmt;

use serde::{Deserialize, Serialize};

use super::validated::{ParseError, all_chars, string_newtype};

/// `owner/name` of a GitHub repository, following GitHub's naming rules.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RepoSlug {
    owner: String,
    name: String,
}

impl RepoSlug {
    pub fn parse(value: impl AsRef<str>) -> Result<Self, ParseError> {
        let value = value.as_ref();
        let refuse = |rule| ParseError::new("repository", value, rule);
        let (owner, name) = value.split_once('/').ok_or_else(|| refuse("expected owner/name"))?;
        Self::from_parts(owner, name).map_err(|e| refuse(e.rule))
    }

    pub fn from_parts(owner: &str, name: &str) -> Result<Self, ParseError> {
        let owner_ok = !owner.is_empty()
            && owner.len() <= 39
            && !owner.starts_with('-')
            && all_chars(owner, |c| c.is_ascii_alphanumeric() || c == '-');
        if !owner_ok {
            return Err(ParseError::new("repository owner", owner, "1-39 letters, digits or hyphens"));
        }
        let name_ok = !name.is_empty()
            && name.len() <= 100
            && name != "."
            && name != ".."
            && all_chars(name, |c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !name_ok {
            return Err(ParseError::new("repository name", name, "1-100 letters, digits, '-', '_' or '.'"));
        }
        Ok(Self { owner: owner.to_owned(), name: name.to_owned() })
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for RepoSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

impl TryFrom<String> for RepoSlug {
    type Error = ParseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<RepoSlug> for String {
    fn from(value: RepoSlug) -> String {
        value.to_string()
    }
}

impl std::str::FromStr for RepoSlug {
    type Err = ParseError;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::parse(value)
    }
}

/// A pull request (or issue) number: 1 to 2^31-1, as GitHub (and a database's 32-bit integer) allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct PrNumber(u64);

impl PrNumber {
    pub const MAX: u64 = (1 << 31) - 1;

    pub fn new(value: u64) -> Result<Self, ParseError> {
        if value == 0 {
            return Err(ParseError::new("pull request number", value, "must be 1 or more"));
        }
        if value > Self::MAX {
            return Err(ParseError::new("pull request number", value, "must be at most 2147483647"));
        }
        Ok(Self(value))
    }

    pub fn parse(value: &str) -> Result<Self, ParseError> {
        let digits = value.strip_prefix('#').unwrap_or(value);
        let number = digits
            .parse::<u64>()
            .map_err(|_| ParseError::new("pull request number", value, "expected a number such as 123 or #123"))?;
        Self::new(number)
    }

    pub fn get(self) -> u64 {
        self.0
    }
}

impl TryFrom<u64> for PrNumber {
    type Error = ParseError;
    fn try_from(value: u64) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<PrNumber> for u64 {
    fn from(value: PrNumber) -> u64 {
        value.0
    }
}

impl fmt::Display for PrNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

string_newtype!(
    /// A GitHub login: 1-39 letters, digits or hyphens, or an app's `name[bot]`.
    Login,
    "GitHub login",
    |v| {
        let base = v.strip_suffix("[bot]").unwrap_or(v);
        let ok = !base.is_empty()
            && base.len() <= 39
            && !base.starts_with('-')
            && all_chars(base, |c| c.is_ascii_alphanumeric() || c == '-');
        if ok { Ok(()) } else { Err("1-39 letters, digits or hyphens") }
    }
);

string_newtype!(
    /// A git branch name, following the rules of `git check-ref-format --branch`.
    BranchName,
    "branch name",
    |v| {
        let bad_char = |c: char| c.is_ascii_control() || matches!(c, ' ' | '~' | '^' | ':' | '?' | '*' | '[' | '\\');
        let ok = !v.is_empty()
            && v.len() <= 255
            && !v.starts_with('/')
            && !v.ends_with('/')
            && !v.starts_with('-')
            && !v.ends_with(".lock")
            && !v.ends_with('.')
            && !v.contains("..")
            && !v.contains("//")
            && !v.contains("@{")
            && !v.chars().any(bad_char);
        if ok { Ok(()) } else { Err("not a valid git branch name") }
    }
);

string_newtype!(
    /// A full 40-character hexadecimal commit SHA, lower case.
    CommitSha,
    "commit SHA",
    |v| {
        if v.len() == 40 && all_chars(v, |c| c.is_ascii_digit() || ('a'..='f').contains(&c)) {
            Ok(())
        } else {
            Err("expected 40 lower-case hexadecimal characters")
        }
    }
);

/// The start of a commit SHA as people paste it: 4 to 40 hexadecimal characters, read in lower case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CommitPrefix(String);

impl CommitPrefix {
    pub fn parse(value: &str) -> Result<Self, ParseError> {
        let value = value.trim().to_ascii_lowercase();
        if (4..=40).contains(&value.len()) && all_chars(&value, |c| c.is_ascii_hexdigit()) {
            Ok(Self(value))
        } else {
            Err(ParseError::new("commit SHA", value, "expected 4 to 40 hexadecimal characters"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first string after every SHA that starts with this prefix (`abc` → `abcg`: `g` sorts after any hex
    /// digit), so a range of an index finds them.
    pub fn upper_bound(&self) -> String {
        format!("{}g", self.0)
    }
}

impl TryFrom<String> for CommitPrefix {
    type Error = ParseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CommitPrefix> for String {
    fn from(value: CommitPrefix) -> String {
        value.0
    }
}

impl fmt::Display for CommitPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl CommitSha {
    /// The seven-character form people read.
    pub fn short(&self) -> &str {
        &self.0[..7]
    }
}

/// A commit as tengu needs it: enough to list it and to find its pull request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commit {
    pub sha: CommitSha,
    /// The first line of the message.
    pub headline: String,
    pub author: Option<Login>,
    /// How many parents: a merge commit has two.
    pub parents: u8,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pr_number_is_between_one_and_two_to_the_31_minus_one() {
        assert!(PrNumber::new(0).is_err());
        assert_eq!(PrNumber::new(2_147_483_647).unwrap().get(), 2_147_483_647);
        assert!(PrNumber::new(2_147_483_648).is_err());
        assert!(PrNumber::parse("18446744073709551616").is_err());
        assert!(serde_json::from_str::<PrNumber>("4294967296").is_err());
    }

    #[test]
    fn repo_slug_round_trips_and_refuses_nonsense() {
        let slug = RepoSlug::parse("acme/shop").unwrap();
        assert_eq!((slug.owner(), slug.name()), ("acme", "shop"));
        assert_eq!(slug.to_string(), "acme/shop");
        for bad in ["acme", "/shop", "acme/", "-acme/shop", "acme/sh op", "acme/..", "a/b/c"] {
            assert!(RepoSlug::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn pr_numbers_are_positive() {
        assert_eq!(PrNumber::parse("#12").unwrap().get(), 12);
        assert_eq!(PrNumber::parse("12").unwrap().to_string(), "#12");
        assert!(PrNumber::parse("0").is_err());
        assert!(PrNumber::parse("x1").is_err());
    }

    #[test]
    fn logins_accept_bots_and_refuse_spaces() {
        assert!(Login::parse("dependabot[bot]").is_ok());
        assert!(Login::parse("alice-b").is_ok());
        assert!(Login::parse("al ice").is_err());
        assert!(Login::parse("").is_err());
    }

    #[test]
    fn branch_names_follow_git_rules() {
        assert!(BranchName::parse("deployment/production").is_ok());
        for bad in ["", "a..b", "a b", "/a", "a/", "a.lock", "a~1", "a@{1}"] {
            assert!(BranchName::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn commit_shas_are_full_and_lower_case() {
        let sha = CommitSha::parse("0123456789abcdef0123456789abcdef01234567").unwrap();
        assert_eq!(sha.short(), "0123456");
        assert!(CommitSha::parse("0123456").is_err());
        assert!(CommitSha::parse("0123456789ABCDEF0123456789abcdef01234567").is_err());
    }

    #[test]
    fn newtypes_deserialize_through_their_parser() {
        let err = serde_json::from_str::<RepoSlug>("\"nope\"").unwrap_err();
        assert!(err.to_string().contains("owner/name"));
        let ok: PrNumber = serde_json::from_str("7").unwrap();
        assert_eq!(ok.get(), 7);
        assert!(serde_json::from_str::<PrNumber>("0").is_err());
    }
}
