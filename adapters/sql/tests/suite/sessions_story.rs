//! Sessions and remembered permissions, the rows behind sign-in: one story, told on SQLite and on PostgreSQL.

use chrono::{Duration, TimeZone, Utc};
use tengu_core::domain::{Grant, Login, Permission, RepoSlug};
use tengu_core::ports::Store;

async fn story(store: &dyn Store) {
    let now = Utc.with_ymd_and_hms(2026, 11, 29, 9, 0, 0).unwrap();
    // Created: an id is taken once.
    assert!(store.create_session("s1", r#"{"person":"alice"}"#, now + Duration::hours(12)).await.unwrap());
    assert!(!store.create_session("s1", "{}", now + Duration::hours(12)).await.unwrap(), "an id is never reused");
    assert_eq!(store.load_session("s1", now).await.unwrap().as_deref(), Some(r#"{"person":"alice"}"#));

    // Rotated at sign-in: the old id goes, the new one holds the data.
    store.create_session("s2", r#"{"person":"alice","rotated":true}"#, now + Duration::hours(12)).await.unwrap();
    store.delete_session("s1").await.unwrap();
    assert_eq!(store.load_session("s1", now).await.unwrap(), None);
    assert!(store.load_session("s2", now).await.unwrap().unwrap().contains("rotated"));

    // Saved again (activity moves the idle expiry), then expired: not loaded, and deleted by the job.
    store.save_session("s2", r#"{"person":"alice"}"#, now + Duration::hours(1)).await.unwrap();
    store.create_session("s3", "{}", now + Duration::days(7)).await.unwrap();
    let later = now + Duration::hours(2);
    assert_eq!(store.load_session("s2", later).await.unwrap(), None, "an expired session does not load");
    assert_eq!(store.delete_expired_sessions(later).await.unwrap(), 1);
    assert!(store.load_session("s3", later).await.unwrap().is_some(), "a live one stays");

    // Permissions: replaced as a whole for the person, read back as given.
    let alice = Login::parse("alice").unwrap();
    let (shop, infra) = (RepoSlug::parse("acme/shop").unwrap(), RepoSlug::parse("acme/infra").unwrap());
    let grants = vec![
        (shop.clone(), Grant { permission: Permission::Maintain, checked_at: now }),
        (infra.clone(), Grant { permission: Permission::None, checked_at: now }),
    ];
    store.save_grants(&alice, &grants).await.unwrap();
    let mut read = store.grants(&alice).await.unwrap();
    read.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(read, vec![grants[1].clone(), grants[0].clone()]);
    store
        .save_grants(&alice, &[(shop.clone(), Grant { permission: Permission::Read, checked_at: later })])
        .await
        .unwrap();
    assert_eq!(
        store.grants(&alice).await.unwrap(),
        vec![(shop, Grant { permission: Permission::Read, checked_at: later })]
    );
    assert!(store.grants(&Login::parse("bob").unwrap()).await.unwrap().is_empty());
}

#[tokio::test]
async fn sqlite_keeps_sessions() {
    story(&crate::support::sqlite().await).await;
}

#[tokio::test]
async fn postgres_keeps_sessions() {
    story(&crate::support::postgres().await).await;
}
