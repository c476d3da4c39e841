//! The CloudWatch adapter against recorded-shape `DescribeAlarms` answers in Smithy RPC v2 CBOR, the protocol
//! aws-sdk-cloudwatch speaks (moto, which the ECS tests run, parses only CloudWatch's Query and JSON protocols):
//! metric and composite alarms' states in the order named, a name CloudWatch does not know, CloudWatch failing.

use ciborium::Value;
use tengu_aws::{AwsAlarms, AwsSettings, StaticCredentials};
use tengu_core::domain::AlarmName;
use tengu_core::ports::{Alarms, AlarmsError};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn settings(server: &MockServer) -> AwsSettings {
    AwsSettings {
        region: Some("us-east-1".to_owned()),
        endpoint_url: Some(server.uri()),
        static_credentials: Some(StaticCredentials {
            access_key_id: "testing".to_owned(),
            secret_access_key: "testing".to_owned(),
        }),
        max_attempts: 1,
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

fn names(list: &[&str]) -> Vec<AlarmName> {
    list.iter().map(|name| AlarmName::parse(name).unwrap()).collect()
}

#[tokio::test]
async fn alarm_states_come_back_in_the_order_named_and_a_missing_one_is_named() {
    let cloudwatch = tengu_testkit::cloudwatch_knowing(
        &[("shop-5xx", "ALARM", "Threshold Crossed: 1 datapoint [12.0]")],
        &[("shop-health", "OK", "All children OK")],
    )
    .await;
    let alarms = AwsAlarms::connect(&settings(&cloudwatch)).await;

    let states = alarms.states(&names(&["shop-health", "shop-5xx"])).await.unwrap();
    let read: Vec<(&str, &str, bool)> =
        states.iter().map(|s| (s.name.as_str(), s.state.as_str(), s.in_alarm())).collect();
    assert_eq!(read, [("shop-health", "OK", false), ("shop-5xx", "ALARM", true)]);
    assert_eq!(states[1].reason, "Threshold Crossed: 1 datapoint [12.0]");

    // What was asked: the names, as CBOR.
    let asked = &cloudwatch.received_requests().await.unwrap()[0];
    assert_eq!(asked.headers.get("smithy-protocol").unwrap(), "rpc-v2-cbor");
    let body: Value = ciborium::from_reader(asked.body.as_slice()).unwrap();
    let asked_names = body.as_map().unwrap().iter().find(|(k, _)| k == &text("AlarmNames")).unwrap().1.clone();
    assert_eq!(asked_names, Value::Array(vec![text("shop-health"), text("shop-5xx")]));

    let missing = alarms.states(&names(&["shop-5xx", "shop-latency"])).await.unwrap_err();
    assert_eq!(missing, AlarmsError::Missing(names(&["shop-latency"])));
    assert_eq!(missing.to_string(), "CloudWatch has no alarm named shop-latency");
}

#[tokio::test]
async fn cloudwatch_failing_is_unavailable_with_a_sentence() {
    let cloudwatch = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(tengu_testkit::DESCRIBE_ALARMS))
        .respond_with(ResponseTemplate::new(503).insert_header("smithy-protocol", "rpc-v2-cbor"))
        .mount(&cloudwatch)
        .await;
    let alarms = AwsAlarms::connect(&settings(&cloudwatch)).await;
    let failed = alarms.states(&names(&["shop-5xx"])).await.unwrap_err();
    assert!(matches!(&failed, AlarmsError::Unavailable(why) if !why.is_empty()), "{failed:?}");
    assert!(alarms.states(&[]).await.unwrap().is_empty(), "nothing asked, nothing called");
}
