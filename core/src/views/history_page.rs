//! The history's question as its address carries it (what the form's fields hold), read into a filter with a
//! sentence for anything that does not parse; and its answer as a CSV file.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{
    CommitPrefix, Deployment, DeploymentFilter, DeploymentId, DeploymentState, EnvName, Login, PrNumber, RepoSlug,
};

/// The form's fields, in the order the address lists them.
pub const HISTORY_FIELDS: [&str; 9] = ["env", "repo", "state", "actor", "pr", "author", "commit", "from", "to"];

/// The history's filters as typed: each field's text, blank when not given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryQuery {
    pub env: String,
    pub repo: String,
    pub state: String,
    /// Who started the deployment.
    pub actor: String,
    /// A source pull request: `12`, `#12` or `acme/shop#12`.
    pub pr: String,
    /// Who wrote a change it carried.
    pub author: String,
    /// The start of a commit SHA it carried.
    pub commit: String,
    /// `YYYY-MM-DD`, both days included.
    pub from: String,
    pub to: String,
    /// The next page: deployments older than this id.
    pub before: String,
}

impl HistoryQuery {
    /// Reads the fields from an address's parameters.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let field = |key: &str| get(key).unwrap_or_default();
        Self {
            env: field("env"),
            repo: field("repo"),
            state: field("state"),
            actor: field("actor"),
            pr: field("pr"),
            author: field("author"),
            commit: field("commit"),
            from: field("from"),
            to: field("to"),
            before: field("before"),
        }
    }

    fn field(&self, key: &str) -> &str {
        match key {
            "env" => &self.env,
            "repo" => &self.repo,
            "state" => &self.state,
            "actor" => &self.actor,
            "pr" => &self.pr,
            "author" => &self.author,
            "commit" => &self.commit,
            "from" => &self.from,
            "to" => &self.to,
            "before" => &self.before,
            _ => "",
        }
    }

    /// The filter these fields ask for, `limit` rows at a time; a sentence naming the first field that does not
    /// read.
    pub fn filter(&self, limit: u32) -> Result<DeploymentFilter, String> {
        let given = |text: &str| Some(text.trim()).filter(|t| !t.is_empty()).map(str::to_owned);
        let mut repo = given(&self.repo).map(|r| RepoSlug::parse(&r).map_err(|e| e.to_string())).transpose()?;
        let source_pr = match given(&self.pr) {
            None => None,
            Some(text) => {
                let (in_repo, number) = match text.rsplit_once('#') {
                    Some((slug, number)) if !slug.is_empty() => (Some(slug.to_owned()), number.to_owned()),
                    Some((_, number)) => (None, number.to_owned()),
                    None => (None, text.clone()),
                };
                if let Some(slug) = in_repo {
                    let slug = RepoSlug::parse(&slug).map_err(|e| e.to_string())?;
                    if repo.as_ref().is_some_and(|r| *r != slug) {
                        return Err(format!("pull request {text} is not in {}", repo.expect("checked")));
                    }
                    repo = Some(slug);
                }
                Some(
                    PrNumber::parse(number.trim())
                        .map_err(|_| format!("pull request {text:?} is not a number like 12, #12 or acme/shop#12"))?,
                )
            }
        };
        let person = |text: &str| {
            given(text).map(|t| Login::parse(t.trim_start_matches('@')).map_err(|e| e.to_string())).transpose()
        };
        Ok(DeploymentFilter {
            env: given(&self.env).map(|e| EnvName::parse(&e).map_err(|e| e.to_string())).transpose()?,
            repo,
            state: given(&self.state)
                .map(|s| DeploymentState::parse(&s).ok_or_else(|| format!("state {s:?} is not one tengu knows")))
                .transpose()?,
            actor: given(&self.actor).map(|a| a.trim_start_matches('@').to_owned()),
            source_pr,
            commit: given(&self.commit).map(|c| CommitPrefix::parse(&c).map_err(|e| e.to_string())).transpose()?,
            change_author: person(&self.author)?,
            deploy_pr: None,
            since: day("from", &self.from)?,
            // The "to" day is included: the filter ends at the start of the day after.
            until: day("to", &self.to)?.map(|t| t + chrono::Duration::days(1)),
            before: given(&self.before)
                .map(|b| match b.parse::<i64>() {
                    Ok(id) if id > 0 => Ok(DeploymentId(id)),
                    _ => Err(format!("page {b:?} is not a deployment number")),
                })
                .transpose()?,
            repos: None,
            unfinished: false,
            limit,
        })
    }

    /// The address's query for these filters (the page not included): `env=production&pr=12`.
    pub fn query_string(&self) -> String {
        HISTORY_FIELDS
            .iter()
            .filter(|key| !self.field(key).trim().is_empty())
            .map(|key| format!("{key}={}", encode(self.field(key).trim())))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The same filters, older than `id`.
    pub fn next_page(&self, id: DeploymentId) -> String {
        let filters = self.query_string();
        match filters.is_empty() {
            true => format!("before={id}"),
            false => format!("{filters}&before={id}"),
        }
    }
}

/// A `YYYY-MM-DD` field as the start of that day (UTC).
fn day(name: &str, text: &str) -> Result<Option<DateTime<Utc>>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let refused = || format!("{name} {text:?} is not a date like 2026-11-30");
    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| refused())?;
    // Years a history holds; chrono would take ±262,143, whose day after overflows.
    if !(1970..=9999).contains(&chrono::Datelike::year(&date)) {
        return Err(refused());
    }
    Ok(date.and_hms_opt(0, 0, 0).map(|t| t.and_utc()))
}

/// Percent-encoding for a query value: letters, digits and `-_.~` stay, everything else is escaped.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The CSV file's first line.
pub const CSV_HEADER: &str = "id,environment,repository,state,image,commit,trigger,started_by,approved_by,\
deploy_pr,source_prs,requested_at,finished_at,seconds,reason,url\r\n";

/// One deployment as a CSV line (RFC 4180, CRLF), its page's address built from `public_url`.
pub fn csv_line(d: &Deployment, public_url: &str) -> String {
    let prs: Vec<String> = d.source_prs.iter().map(|n| n.get().to_string()).collect();
    let cells = [
        d.id.to_string(),
        d.env.to_string(),
        d.repo.to_string(),
        d.state.as_str().to_owned(),
        d.image.to_string(),
        d.sha.as_ref().map(|s| s.to_string()).unwrap_or_default(),
        d.trigger.as_str().to_owned(),
        d.actor.clone(),
        d.approved_by.clone().unwrap_or_default(),
        d.deploy_pr.map(|n| n.get().to_string()).unwrap_or_default(),
        prs.join(" "),
        crate::display::iso(d.requested_at),
        d.finished_at.map(crate::display::iso).unwrap_or_default(),
        d.duration_seconds().map(|s| s.to_string()).unwrap_or_default(),
        d.reason.clone().unwrap_or_default(),
        format!("{}/deployments/{}", public_url.trim_end_matches('/'), d.id),
    ];
    let mut line = cells.iter().map(|cell| csv_cell(cell)).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

/// A cell a spreadsheet shows as text: quoted when it holds a separator, a quote or a line break, and never read
/// as a formula (a leading `=`, `+`, `-`, `@`, tab or carriage return gets an apostrophe first).
fn csv_cell(value: &str) -> String {
    let value = match value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        true => format!("'{value}"),
        false => value.to_owned(),
    };
    match value.contains([',', '"', '\n', '\r']) {
        true => format!("\"{}\"", value.replace('"', "\"\"")),
        false => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> HistoryQuery {
        HistoryQuery::from_params(|key| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| (*v).to_owned()))
    }

    #[test]
    fn every_field_reads_into_the_filter() {
        let q = query(&[
            ("env", "production"),
            ("state", "failed"),
            ("actor", "@bob"),
            ("pr", "acme/shop#12"),
            ("author", "@carol"),
            ("commit", " ABC1234 "),
            ("from", "2026-11-01"),
            ("to", "2026-11-30"),
            ("before", "500"),
        ]);
        let f = q.filter(25).unwrap();
        assert_eq!(f.env.unwrap().as_str(), "production");
        assert_eq!(f.repo.unwrap().to_string(), "acme/shop");
        assert_eq!(f.state, Some(DeploymentState::Failed));
        assert_eq!(f.actor.as_deref(), Some("bob"));
        assert_eq!(f.source_pr, Some(PrNumber::new(12).unwrap()));
        assert_eq!(f.change_author.unwrap().as_str(), "carol");
        assert_eq!(f.commit.unwrap().as_str(), "abc1234");
        assert_eq!(f.since.unwrap().to_rfc3339(), "2026-11-01T00:00:00+00:00");
        assert_eq!(f.until.unwrap().to_rfc3339(), "2026-12-01T00:00:00+00:00", "the last day is included");
        assert_eq!((f.before, f.limit), (Some(DeploymentId(500)), 25));
        assert_eq!(query(&[("pr", "#7")]).filter(1).unwrap().source_pr, Some(PrNumber::new(7).unwrap()));
        assert_eq!(query(&[]).filter(25).unwrap(), DeploymentFilter::newest(25));
    }

    #[test]
    fn a_field_that_does_not_read_is_named() {
        let refused = |pairs: &[(&str, &str)]| query(pairs).filter(25).unwrap_err();
        assert!(refused(&[("pr", "twelve")]).contains("pull request \"twelve\""));
        assert!(refused(&[("commit", "xyz")]).contains("commit SHA"));
        assert!(refused(&[("from", "30/11/2026")]).contains("from \"30/11/2026\" is not a date"));
        assert!(refused(&[("state", "done")]).contains("state \"done\""));
        assert!(refused(&[("repo", "acme/api"), ("pr", "acme/shop#3")]).contains("is not in acme/api"));
        assert!(refused(&[("to", "+262142-12-31")]).contains("is not a date"), "the day after would overflow");
        assert!(refused(&[("before", "-3")]).contains("is not a deployment number"));
    }

    #[test]
    fn the_address_keeps_the_filters_for_the_next_page() {
        let q = query(&[("env", "production"), ("pr", "acme/shop#12"), ("from", "")]);
        assert_eq!(q.query_string(), "env=production&pr=acme%2Fshop%2312");
        assert_eq!(q.next_page(DeploymentId(40)), "env=production&pr=acme%2Fshop%2312&before=40");
        assert_eq!(query(&[]).next_page(DeploymentId(3)), "before=3");
    }

    #[test]
    fn a_csv_cell_is_quoted_and_never_a_formula() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a, b"), "\"a, b\"");
        assert_eq!(csv_cell("say \"hi\"\nbye"), "\"say \"\"hi\"\"\nbye\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-1"), "'-1");
    }
}
