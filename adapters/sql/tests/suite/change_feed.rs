//! Processes sharing one database hear of each other's writes, topic by topic, on both dialects: a server while it
//! runs, and a command that ends (what it wrote in its last moment is told as it closes).

use std::time::{Duration, Instant};

use tengu_core::ports::{Changes, DocumentStore, Store, Topic, Topics};
use tengu_sql::SqlStore;
const DOCUMENTS: Topics = Topics::of(Topic::Documents);
const DEPLOYMENTS: Topics = Topics::of(Topic::Deployments);

/// Waits (up to 5 s) until `topics` moved past `stamp` in `changes`.
async fn heard(changes: &Changes, topics: Topics, stamp: u64) -> bool {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        if changes.stamp(topics) != stamp {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

async fn instances_hear_each_others_writes(store: SqlStore) {
    let server = store.connect_again().await.unwrap();
    server.spawn_change_feed("server:3000");
    store.spawn_change_feed("other:3000");
    let heard_here = Store::changes(&server);
    // The first look only finds where the notes stand.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (documents, deployments) = (heard_here.stamp(DOCUMENTS), heard_here.stamp(DEPLOYMENTS));
    store.save_document("sandbox.world", "{}").await.unwrap();
    assert!(heard(&heard_here, DOCUMENTS, documents).await, "the other instance's write was heard");
    assert_eq!(heard_here.stamp(DEPLOYMENTS), deployments, "only what it touched moved");

    // A command beside the server: it has no feed running when it writes, and tells as it closes.
    let command = store.connect_again().await.unwrap();
    let documents = heard_here.stamp(DOCUMENTS);
    command.save_document("sandbox.world", "{\"a\":1}").await.unwrap();
    command.close().await;
    assert!(heard(&heard_here, DOCUMENTS, documents).await, "the command's last write was heard");

    // Its own writes are not heard again as another's.
    let documents = heard_here.stamp(DOCUMENTS);
    server.save_document("sandbox.world", "{\"a\":2}").await.unwrap();
    let after_own = heard_here.stamp(DOCUMENTS);
    assert_ne!(after_own, documents, "its own write moved it once");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(heard_here.stamp(DOCUMENTS), after_own, "and only once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_instances_hear_each_others_writes() {
    instances_hear_each_others_writes(crate::support::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_instances_hear_each_others_writes() {
    instances_hear_each_others_writes(crate::support::postgres().await).await;
}
