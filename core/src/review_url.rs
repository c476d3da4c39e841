//! A review environment's URL: the template filled in for one pull request, its first host label cut to DNS's
//! 63 characters without two pull requests ever sharing one.

use crate::domain::{BranchName, PrNumber, RepoSlug};

/// The longest DNS label.
pub const MAX_LABEL: usize = 63;

/// Fills `{number}`, `{repo}`, `{owner}` and `{branch}` into `template` (`https://pr-{number}-{repo}.review.example.com`)
/// and makes the first host label a valid DNS label: lower case letters, digits and hyphens, at most 63
/// characters. A label that is too long keeps its start and ends with `-<number>-<hash>`, the hash of the whole
/// label, so it stays stable across pushes and distinct per pull request.
pub fn review_url(template: &str, repo: &RepoSlug, number: PrNumber, branch: &BranchName) -> String {
    // Values become label-safe before they go in, so a `/` in a branch cannot end the host early.
    let safe = |value: &str| value.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect::<String>();
    let filled = template
        .replace("{number}", &number.get().to_string())
        .replace("{repo}", &safe(repo.name()))
        .replace("{owner}", &safe(repo.owner()))
        .replace("{branch}", &safe(branch.as_str()));
    let (scheme, rest) = match filled.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest.to_owned()),
        None => (String::new(), filled),
    };
    let host_end = rest.find(['/', ':', '?', '#']).unwrap_or(rest.len());
    let (host, tail) = rest.split_at(host_end);
    let mut labels = host.split('.');
    let first = dns_label(labels.next().unwrap_or_default(), number);
    // Every other label is made valid too (a `{repo}` there, or upper case in the template).
    let others: Vec<String> = labels.map(plain_label).collect();
    let host = std::iter::once(first).chain(others).collect::<Vec<_>>().join(".");
    format!("{scheme}{host}{tail}")
}

/// A host label other than the first: lower case letters, digits and inner hyphens, at most 63 characters.
fn plain_label(raw: &str) -> String {
    let label: String = sanitized(raw).chars().take(MAX_LABEL).collect();
    label.trim_end_matches('-').to_owned()
}

/// Why a template cannot give every pull request its own host: `{number}` must stand on its own (between
/// non-alphanumeric characters) in the first host label, so `x1`+`1` and `x`+`11` never meet.
pub fn template_problem(template: &str) -> Option<String> {
    let rest = template.split_once("://").map_or(template, |(_, rest)| rest);
    let first = rest.split(['.', '/', ':']).next().unwrap_or_default();
    let Some(at) = first.find("{number}") else {
        return Some(
            "{number} must be in the first part of the host, e.g. https://pr-{number}-{repo}.review.example.com".into(),
        );
    };
    let before = first[..at].chars().last();
    let after = first[at + "{number}".len()..].chars().next();
    let stands_alone = |c: Option<char>| c.is_none_or(|c| !c.is_ascii_alphanumeric() && c != '}');
    if !stands_alone(before) || !stands_alone(after) {
        return Some("{number} must have a hyphen (or the label's edge) on each side, e.g. pr-{number}-{repo}".into());
    }
    None
}

/// `raw` as a DNS label of at most 63 characters that still names pull request `number`.
pub fn dns_label(raw: &str, number: PrNumber) -> String {
    let label = sanitized(raw);
    if label.len() <= MAX_LABEL && !label.is_empty() {
        return label;
    }
    let suffix = format!("-{}-{:06x}", number.get(), fnv1a(label.as_bytes()) & 0xff_ffff);
    let keep = MAX_LABEL - suffix.len();
    let start = label[..keep.min(label.len())].trim_end_matches('-');
    format!("{start}{suffix}").trim_start_matches('-').to_owned()
}

/// Lower case letters and digits, every other run of characters one hyphen, none at either end.
fn sanitized(raw: &str) -> String {
    let mut label = String::with_capacity(raw.len());
    for c in raw.chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_alphanumeric() { c } else { '-' };
        if !(c == '-' && label.ends_with('-')) {
            label.push(c);
        }
    }
    label.trim_matches('-').to_owned()
}

/// FNV-1a (32 bits): small, stable across versions and machines, which is all a name needs.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |hash, b| (hash ^ u32::from(*b)).wrapping_mul(0x0100_0193))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pr(n: u64) -> PrNumber {
        PrNumber::new(n).unwrap()
    }

    #[test]
    fn a_short_url_is_the_template_filled_in() {
        let repo = RepoSlug::parse("acme/shop").unwrap();
        let branch = BranchName::parse("feature/Returns_Page").unwrap();
        let url = review_url("https://pr-{number}-{repo}.review.example.com", &repo, pr(123), &branch);
        assert_eq!(url, "https://pr-123-shop.review.example.com");
        let url = review_url("https://pr-{number}.{branch}.{repo}.Review.example.com:8443/", &repo, pr(7), &branch);
        assert_eq!(url, "https://pr-7.feature-returns-page.shop.review.example.com:8443/");
        assert!(template_problem("https://pr-{number}-{repo}.review.example.com").is_none());
        assert!(template_problem("https://{repo}.review.example.com/pr/{number}").is_some(), "in the path");
        assert!(template_problem("https://{branch}{number}.review.example.com").is_some(), "glued to a branch");
    }

    #[test]
    fn a_long_label_is_cut_with_its_number_and_a_hash() {
        let repo = RepoSlug::parse("acme/a-very-long-repository-name-that-goes-on-and-on-and-on-and-on").unwrap();
        let branch = BranchName::parse("main").unwrap();
        let url = review_url("https://{repo}-pr-{number}.review.example.com", &repo, pr(4321), &branch);
        let label = url.trim_start_matches("https://").split('.').next().unwrap();
        assert_eq!(label.len(), MAX_LABEL, "{label}");
        assert!(label.starts_with("a-very-long-repository-name"), "{label}");
        assert!(url.ends_with(".review.example.com"));
        let again = review_url("https://{repo}-pr-{number}.review.example.com", &repo, pr(4321), &branch);
        assert_eq!(url, again, "stable");
    }
}
