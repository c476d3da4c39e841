use super::DeploymentState::*;
use super::*;

#[test]
fn the_happy_path_is_allowed_step_by_step() {
    let path = [Requested, Checked, TaskDefinitionRegistered, ServiceUpdated, RollingOut, Succeeded];
    for pair in path.windows(2) {
        assert_eq!(pair[0].advance(pair[1]), Ok(pair[1]));
    }
}

#[test]
fn terminal_states_stay_put_and_steps_cannot_be_skipped() {
    for done in [Succeeded, Failed, RolledBack, Aborted] {
        assert!(done.is_terminal());
        assert!(!done.can_become(Requested));
        assert!(!done.can_become(Failed));
    }
    assert!(Requested.advance(RollingOut).is_err());
    assert!(Checked.advance(Succeeded).is_err());
    assert!(Requested.can_become(Failed));
    assert!(Requested.can_become(Aborted));
    assert!(!Succeeded.can_become(Aborted));
    assert!(Failed.can_become(RolledBack));
}

#[test]
fn states_and_triggers_round_trip_through_their_names() {
    for state in DeploymentState::ALL {
        assert_eq!(DeploymentState::parse(state.as_str()), Some(state));
    }
    assert_eq!(Trigger::parse("rollback"), Some(Trigger::Rollback));
    assert_eq!(Trigger::parse("nope"), None);
}
