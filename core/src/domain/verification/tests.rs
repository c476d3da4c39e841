use chrono::TimeZone;

use super::*;

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 14, 0, 0).unwrap() + Duration::seconds(seconds)
}

fn health() -> HttpCheck {
    HttpCheck {
        name: "health".into(),
        url: CheckUrl::parse("https://shop.example.com/healthz").unwrap(),
        expect_status: 200,
        json: Some(JsonExpectation { pointer: "/status".into(), value: serde_json::json!("ok") }),
        interval_seconds: 10,
        count: 3,
        failure_limit: 1,
        timeout_seconds: 5,
        initial_delay_seconds: 5,
    }
}

fn result(check: &str, seconds: i64, passed: bool, answer: &str) -> CheckResult {
    CheckResult { check: check.into(), at: at(seconds), passed, answer: answer.into() }
}

#[test]
fn an_answer_passes_on_its_status_and_the_value_at_its_pointer() {
    let check = health();
    let answer = |status, body: &str| ProbeAnswer { status, body: body.into() };
    assert_eq!(check.judge(&answer(200, r#"{"status":"ok"}"#)), (true, "200, /status = \"ok\"".into()));
    assert_eq!(check.judge(&answer(503, "down")), (false, "503 (expected 200)".into()));
    assert_eq!(
        check.judge(&answer(200, r#"{"status":"degraded"}"#)),
        (false, "200, /status = \"degraded\" (expected \"ok\")".into())
    );
    assert_eq!(check.judge(&answer(200, "<html>")), (false, "200, no /status in the answer (expected \"ok\")".into()));
    let plain = HttpCheck { json: None, ..health() };
    assert_eq!(plain.judge(&answer(200, "")), (true, "200".into()));
}

#[test]
fn checks_fall_due_from_their_delay_every_interval_until_their_count() {
    let plan = VerificationPlan { bake_seconds: 60, http: vec![health()], alarms: vec![] };
    assert!(plan.due(at(0), at(4), &[]).is_empty(), "the initial delay");
    assert_eq!(plan.due(at(0), at(5), &[]).len(), 1);
    let one = [result("health", 5, true, "200")];
    assert!(plan.due(at(0), at(14), &one).is_empty(), "the interval");
    assert_eq!(plan.due(at(0), at(15), &one).len(), 1);
    let three =
        [result("health", 5, true, "200"), result("health", 15, true, "200"), result("health", 25, true, "200")];
    assert!(plan.due(at(0), at(100), &three).is_empty(), "its count ran");
}

#[test]
fn it_passes_once_baked_and_counted_and_fails_past_the_failure_limit_or_on_an_alarm() {
    let plan = VerificationPlan {
        bake_seconds: 60,
        http: vec![health()],
        alarms: vec![AlarmName::parse("shop-5xx").unwrap()],
    };
    let three = [
        result("alarm shop-5xx", 0, true, "OK"),
        result("health", 5, true, "200"),
        result("health", 15, false, "503 (expected 200)"),
        result("health", 25, true, "200"),
    ];
    assert_eq!(plan.verdict(at(0), at(30), &three), Verdict::Verifying, "counted, not baked");
    assert_eq!(plan.verdict(at(0), at(60), &three), Verdict::Passed, "one failure is within the limit");
    assert_eq!(plan.verdict(at(0), at(60), &three[..3]), Verdict::Verifying, "baked, not counted");
    assert_eq!(plan.verdict(at(0), at(60), &three[1..]), Verdict::Verifying, "the alarm was never read");
    assert_eq!(
        plan.verdict(at(0), at(360), &three[1..]),
        Verdict::Failed("alarm shop-5xx could not be read from CloudWatch during the bake (nor 300 s after it)".into()),
        "nor five minutes after the bake"
    );
    let twice = [result("health", 5, false, "503 (expected 200)"), result("health", 15, false, "502 (expected 200)")];
    assert_eq!(
        plan.verdict(at(0), at(16), &twice),
        Verdict::Failed(
            "check health failed 2 of 2 times (limit 1): https://shop.example.com/healthz answered 502 (expected 200)"
                .into()
        )
    );
    let alarmed = [result("alarm shop-5xx", 20, false, "Threshold Crossed: 5 datapoints were greater than 10")];
    assert_eq!(
        plan.verdict(at(0), at(20), &alarmed),
        Verdict::Failed("alarm shop-5xx went into ALARM: Threshold Crossed: 5 datapoints were greater than 10".into())
    );
    assert!(VerificationPlan::default().is_empty());
}

#[test]
fn only_http_urls_and_real_alarm_names_are_taken() {
    assert!(CheckUrl::parse("https://shop.example.com/healthz").is_ok());
    assert!(CheckUrl::parse("http://10.0.0.5:8080/").is_ok());
    for bad in ["ftp://shop.example.com", "shop.example.com/healthz", "https://", "https:///x", "http://a b"] {
        assert!(CheckUrl::parse(bad).is_err(), "{bad}");
    }
    assert!(AlarmName::parse("shop-5xx").is_ok());
    assert!(AlarmName::parse(" ").is_err() && AlarmName::parse(&"x".repeat(256)).is_err());
}
