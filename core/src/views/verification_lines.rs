//! A deployment's verification as people read it: one line per check, from what its checks answered.

use serde::{Deserialize, Serialize};

use super::Stamp;
use crate::domain::CheckResult;

/// One check (an HTTP check, or `alarm <name>`): how many answers, how many failed, and the last one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckLine {
    pub check: String,
    pub answers: usize,
    pub failed: usize,
    pub last_answer: String,
    pub last_passed: bool,
    pub last_at: Stamp,
}

impl CheckLine {
    /// A line per check, in the order each first answered.
    pub fn all_of(results: &[CheckResult]) -> Vec<CheckLine> {
        let mut lines: Vec<CheckLine> = Vec::new();
        for result in results {
            let line = match lines.iter_mut().find(|line| line.check == result.check) {
                Some(line) => line,
                None => {
                    lines.push(CheckLine {
                        check: result.check.clone(),
                        answers: 0,
                        failed: 0,
                        last_answer: String::new(),
                        last_passed: true,
                        last_at: Stamp::of(result.at),
                    });
                    lines.last_mut().expect("just pushed")
                }
            };
            line.answers += 1;
            line.failed += usize::from(!result.passed);
            line.last_answer = result.answer.clone();
            line.last_passed = result.passed;
            line.last_at = Stamp::of(result.at);
        }
        lines
    }

    /// `health: 3 answers, 1 failed; last 200, /status = "ok"` (a terminal's or a chat's line).
    pub fn sentence(&self) -> String {
        let answers = if self.answers == 1 { "1 answer".to_owned() } else { format!("{} answers", self.answers) };
        format!("{}: {answers}, {} failed; last {}", self.check, self.failed, self.last_answer)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn each_check_reads_as_its_answers_failures_and_last_answer() {
        let at = |s| chrono::Utc.with_ymd_and_hms(2026, 12, 7, 14, 0, s).unwrap();
        let result = |check: &str, s, passed, answer: &str| CheckResult {
            check: check.into(),
            at: at(s),
            passed,
            answer: answer.into(),
        };
        let lines = CheckLine::all_of(&[
            result("health", 0, true, "200"),
            result("alarm shop-5xx", 1, true, "OK"),
            result("health", 10, false, "503 (expected 200)"),
        ]);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].sentence(), "health: 2 answers, 1 failed; last 503 (expected 200)");
        assert!(!lines[0].last_passed);
        assert_eq!(lines[1].sentence(), "alarm shop-5xx: 1 answer, 0 failed; last OK");
    }
}
