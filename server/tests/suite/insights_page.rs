//! `/insights` on the sandbox: who may see it, the environment and period picked from the address, a period it
//! cannot read refused with a sentence, and the chart's table adding up to the count on its card.

use crate::support::spawn_app;
use axum::http::StatusCode;

/// The number in "N successful deployments" on the page.
fn successes(html: &str) -> usize {
    let end = html.find(" successful deployments (").expect("the frequency card");
    let start = html[..end].rfind('>').unwrap() + 1;
    html[start..end].trim().parse().unwrap()
}

/// The chart's table: each row's count (a link to the deployments behind it).
fn table_total(html: &str) -> usize {
    let table = &html[html.find("The same as a table").unwrap()..];
    let body = &table[table.find("<tbody>").unwrap()..table.find("</tbody>").unwrap()];
    body.split("<td>")
        .skip(1)
        .map(|cell| {
            let text = cell.split('>').nth(1).unwrap_or_default();
            text.split('<').next().unwrap().parse::<usize>().unwrap()
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insights_are_for_people_who_may_see_the_repository() {
    let app = spawn_app(Vec::new()).await;
    let (status, headers, _) = app.send(crate::support::get("/insights")).await;
    assert!(status.is_redirection(), "{status}");
    assert!(headers[axum::http::header::LOCATION].to_str().unwrap().starts_with("/sign-in"));
    let visitor = app.sign_in("visitor").await;
    let (status, _, html) = app.get_as(&visitor, "/insights").await;
    assert_eq!(status, StatusCode::OK);
    for shown in ["Deployment frequency", "Lead time for changes", "Change failure rate", "Time to restore"] {
        assert!(html.contains(shown), "{shown} in {html}");
    }
    assert!(html.contains("ships to production"), "production unless another is named");
    let (_, _, refused) = app.get_as(&visitor, "/insights?env=staging").await;
    assert!(refused.contains("there is no environment staging you may see"), "{refused}");
    let (_, _, refused) = app.get_as(&visitor, "/insights?range=7").await;
    assert!(refused.contains("the range is 30, 90 or 365 days"), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chart_and_its_table_say_what_the_card_says() {
    let app = spawn_app(Vec::new()).await;
    let alice = app.sign_in("alice").await;
    for address in ["/insights", "/insights?env=dev&range=90", "/insights?env=production&range=365"] {
        let (status, _, html) = app.get_as(&alice, address).await;
        assert_eq!(status, StatusCode::OK, "{address}");
        let counted = successes(&html);
        assert_eq!(table_total(&html), counted, "{address}: the table adds up to the card");
        assert!(html.contains("class=\"insight-chart\""), "{address}");
    }
    let (_, _, year) = app.get_as(&alice, "/insights?range=365").await;
    let (_, _, month) = app.get_as(&alice, "/insights?range=30").await;
    assert!(successes(&year) >= successes(&month) && successes(&year) > 0, "the seeded history has successes");
    assert!(year.contains("Successful deployments per week") && month.contains("Successful deployments per day"));
    // The seeded deploy PRs recorded when each change was merged, written, listed and ticked.
    assert!(month.contains("from the first commit (90th percentile"), "the lead time is known");
    assert!(!month.contains("<td>not known</td><td>not known</td><td>0</td>"), "every stage has changes");
    // The sandbox's 90 days: a few deploys a week, one bad week, and frank slow to tick his boxes.
    let (_, _, quarter) = app.get_as(&alice, "/insights?range=90").await;
    let weeks = successes(&quarter) as f64 / (90.0 / 7.0);
    assert!((2.0..=5.0).contains(&weeks), "{weeks:.1} successful deployments a week");
    for why in ["<td>failed</td>", "<td>rolled back</td>", "<td>rolled back from by #"] {
        assert!(quarter.contains(why), "{why} among the failures");
    }
    let slowest = quarter.split("longest first").nth(1).and_then(|rest| rest.split("<th scope=\"row\">").nth(1));
    assert!(slowest.is_some_and(|row| row.starts_with("@frank")), "frank waits longest: {slowest:?}");
    let (_, _, dated) = app.get_as(&alice, "/insights?from=2026-11-01&to=2026-11-30").await;
    assert!(dated.contains("2026-11-01 to 2026-11-30"), "two dates name the period");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_answers_a_read_token_with_the_pages_numbers() {
    use axum::body::Body;
    use axum::http::{Request, header};
    use tengu_core::domain::{Actor, EnvName, Login, TokenScope};
    let app = spawn_app(Vec::new()).await;
    let alice = app.sign_in("alice").await;
    let person = Actor::Person(Login::parse("alice").unwrap());
    let reader = app.tengu.create_token(&person, "numbers", vec![TokenScope::Read], 30).await.unwrap();
    let production = TokenScope::Deploy(EnvName::parse("production").unwrap());
    let deployer = app.tengu.create_token(&person, "ship", vec![production], 30).await.unwrap();
    let ask = |path: &str, token: Option<&str>| {
        let mut request = Request::get(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        request.body(Body::empty()).unwrap()
    };
    let asked = "/api/v1/insights?repo=acme/shop&env=production&range=90";
    let (status, _, _) = app.send(ask(asked, None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, body) = app.send(ask(asked, Some(&deployer.secret))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a deploy token does not read insights: {body}");
    let (status, _, body) = app.send(ask(asked, Some(&reader.secret))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let found: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!((found["repo"].as_str(), found["env"].as_str()), (Some("acme/shop"), Some("production")));
    let (_, _, page) = app.get_as(&alice, "/insights?env=production&range=90").await;
    let counted = found["current"]["deployment_frequency"]["deployments"].as_u64().unwrap() as usize;
    assert_eq!(counted, successes(&page), "the API and the page say the same");
    let days = found["current"]["deployment_frequency"]["days"].as_array().unwrap().len();
    assert!((90..=91).contains(&days), "{days} days");
    let rate = &found["current"]["change_failure_rate"];
    assert_eq!(
        rate["failed"].as_array().unwrap().len() as f64 / rate["deployments"].as_f64().unwrap(),
        rate["rate"].as_f64().unwrap()
    );
    let (status, _, body) = app.send(ask("/api/v1/insights?range=7", Some(&reader.secret))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _, body) =
        app.send(ask("/api/v1/insights?repo=acme/other&env=production", Some(&reader.secret))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_csv_holds_the_charts_days() {
    let app = spawn_app(Vec::new()).await;
    let alice = app.sign_in("alice").await;
    let (_, _, page) = app.get_as(&alice, "/insights?env=production&range=30").await;
    assert!(page.contains("href=\"/insights.csv?env=production&amp;range=30\""), "the page links its CSV");
    let (status, headers, csv) = app.get_as(&alice, "/insights.csv?env=production&range=30").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[axum::http::header::CONTENT_TYPE].to_str().unwrap().starts_with("text/csv"));
    let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
    assert_eq!(lines[0], "day,successful_deployments,deployment_ids");
    assert_eq!(lines.len(), 31, "a line for each of the 30 days");
    let total: usize = lines[1..].iter().map(|line| line.split(',').nth(1).unwrap().parse::<usize>().unwrap()).sum();
    assert_eq!(total, successes(&page), "the CSV says what the page says");
    let (status, _, refused) = app.get_as(&alice, "/insights.csv?range=8").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
}
