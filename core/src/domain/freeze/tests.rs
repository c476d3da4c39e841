use chrono::TimeZone;

use super::*;

fn env(name: &str) -> EnvName {
    EnvName::parse(name).unwrap()
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn weekend_in_tokyo() -> FreezeWindow {
    FreezeWindow::new("Weekend", vec![env("production")], "Asia/Tokyo", "Fri 18:00", "Mon 08:00").unwrap()
}

#[test]
fn a_weekly_window_holds_on_its_zone_wall_clock_and_wraps_past_sunday() {
    let weekend = weekend_in_tokyo();
    let production = env("production");
    // 2026-12-04 is a Friday: 18:00 in Tokyo is 09:00 UTC.
    assert_eq!(weekend.freeze_at(&production, utc(2026, 12, 4, 8, 59)), None, "Friday 17:59 in Tokyo");
    let friday = weekend.freeze_at(&production, utc(2026, 12, 4, 9, 0)).expect("Friday 18:00 in Tokyo");
    assert_eq!(friday.until, utc(2026, 12, 6, 23, 0), "Monday 08:00 in Tokyo");
    let sunday = weekend.freeze_at(&production, utc(2026, 12, 6, 12, 30)).expect("Sunday 21:30 in Tokyo");
    assert_eq!(sunday.until, utc(2026, 12, 6, 23, 0));
    assert_eq!(weekend.freeze_at(&production, utc(2026, 12, 6, 23, 0)), None, "Monday 08:00 ends it");
    assert_eq!(weekend.freeze_at(&production, utc(2026, 12, 2, 3, 0)), None, "a Wednesday");
    assert_eq!(weekend.freeze_at(&env("dev"), utc(2026, 12, 5, 3, 0)), None, "dev is not named");
    assert_eq!(
        sunday.sentence(&production),
        "production is frozen by \"Weekend\" (Fri 18:00 to Mon 08:00 Asia/Tokyo) until Mon 2026-12-07 08:00 Asia/Tokyo"
    );
}

#[test]
fn a_window_inside_one_week_holds_between_its_ends() {
    let lunch = FreezeWindow::new("Standup", vec![], "UTC", "Wed 09:00", "wednesday 10:30").unwrap();
    assert!(lunch.covers(&env("dev")), "no environments named: every one");
    assert_eq!(lunch.freeze_at(&env("dev"), utc(2026, 12, 2, 10, 0)).unwrap().until, utc(2026, 12, 2, 10, 30));
    assert_eq!(lunch.freeze_at(&env("dev"), utc(2026, 12, 2, 10, 30)), None);
    assert_eq!(lunch.freeze_at(&env("dev"), utc(2026, 12, 3, 10, 0)), None, "Thursday");
}

#[test]
fn daylight_saving_moves_the_window_with_the_wall_clock() {
    let evening = FreezeWindow::new("Evening", vec![], "Europe/Berlin", "Sat 18:00", "Sun 06:00").unwrap();
    // Summer time ends on Sunday 2026-10-25 at 03:00 (back to 02:00): Sunday 06:00 is 05:00 UTC, not 04:00.
    let saturday = evening.freeze_at(&env("dev"), utc(2026, 10, 24, 16, 0)).expect("Saturday 18:00 CEST");
    assert_eq!(saturday.until, utc(2026, 10, 25, 5, 0));
    assert_eq!(evening.freeze_at(&env("dev"), utc(2026, 10, 24, 15, 59)), None, "Saturday 17:59 CEST");
    // Summer time starts on Sunday 2026-03-29 at 02:00 (on to 03:00): Sunday 06:00 is 04:00 UTC.
    let spring = evening.freeze_at(&env("dev"), utc(2026, 3, 29, 1, 30)).expect("Sunday 03:30 CEST");
    assert_eq!(spring.until, utc(2026, 3, 29, 4, 0));
}

#[test]
fn a_window_that_ends_in_a_skipped_hour_ends_when_the_clock_jumps() {
    let night = FreezeWindow::new("Night", vec![], "Europe/Berlin", "Sun 01:00", "Sun 02:30").unwrap();
    let freeze = night.freeze_at(&env("dev"), utc(2026, 3, 29, 0, 30)).expect("Sunday 01:30 CET");
    assert_eq!(freeze.until, utc(2026, 3, 29, 1, 0), "02:30 does not exist that night: 03:00 CEST is the end");
}

#[test]
fn a_dated_window_holds_once_between_its_dates() {
    let new_year =
        FreezeWindow::new("New Year", vec![env("production")], "Asia/Tokyo", "2026-12-29", "2027-01-04 09:00").unwrap();
    let production = env("production");
    assert_eq!(new_year.freeze_at(&production, utc(2026, 12, 28, 14, 59)), None, "Dec 28 23:59 in Tokyo");
    let held = new_year.freeze_at(&production, utc(2026, 12, 28, 15, 0)).expect("Dec 29 00:00 in Tokyo");
    assert_eq!(held.until, utc(2027, 1, 4, 0, 0));
    assert_eq!(held.span, "2026-12-29 00:00 to 2027-01-04 09:00 Asia/Tokyo");
    assert_eq!(held.until_text(), "Mon 2027-01-04 09:00 Asia/Tokyo");
    assert_eq!(new_year.freeze_at(&production, utc(2027, 1, 4, 0, 0)), None);
}

#[test]
fn of_two_windows_holding_the_later_end_is_the_one_to_wait_for() {
    let windows = vec![
        weekend_in_tokyo(),
        FreezeWindow::new("New Year", vec![], "Asia/Tokyo", "2026-12-29", "2027-01-04 09:00").unwrap(),
    ];
    // Saturday 2027-01-02 in Tokyo: both hold; the weekend ends on Monday 08:00, the holiday an hour later.
    let freeze = FreezeWindow::holding(&windows, &env("production"), utc(2027, 1, 2, 3, 0)).unwrap();
    assert_eq!(freeze.window, "New Year");
    assert_eq!(FreezeWindow::holding(&windows, &env("production"), utc(2027, 1, 6, 3, 0)), None);
}

#[test]
fn a_window_that_cannot_be_read_or_never_ends_is_refused_with_a_sentence() {
    let refused = |zone: &str, from: &str, to: &str| FreezeWindow::new("W", vec![], zone, from, to).unwrap_err();
    assert!(refused("Asia/Tokio", "Fri 18:00", "Mon 08:00").contains("\"Asia/Tokio\" is not a time zone name"));
    assert!(refused("UTC", "Fri 18:00", "Fri 18:00").contains("a weekly window must end"));
    assert!(refused("UTC", "2026-12-30", "2026-12-29").contains("ends (2026-12-29 00:00:00) before it starts"));
    assert!(refused("UTC", "Fri 18:00", "2026-12-29").contains("both ends are of one kind"));
    assert!(refused("UTC", "Fri 25:00", "Mon 08:00").contains("\"Fri 25:00\" is neither"));
    assert!(FreezeWindow::new(" ", vec![], "UTC", "Fri 18:00", "Mon 08:00").unwrap_err().contains("needs a name"));
}
