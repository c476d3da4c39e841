//! What drawing a page costs on its own (`make bench`): the sandbox over the given SQLite file, a page drawn for
//! alice again and again as a request would have it drawn when the page cache holds nothing (the read models are
//! kept, as they are between writes). Prints the median and the 90th percentile of one draw's time on one
//! thread, which is its CPU time (nothing in it waits).
//!
//! `cargo run --release -p tengu-server --example render_cost -- <sqlite file> [page …]`

// The pages' typed views are nested deeply (see the server's lib).
#![recursion_limit = "256"]

use std::sync::Arc;
use std::time::Instant;

use tengu_app::server_glue::{Doors, SandboxPeople};
use tengu_core::domain::{Actor, Login};
use tengu_core::ports::{Store, SystemClock};

/// The server's own allocator, so a draw costs here what it costs there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Draws per page (`RENDER_COST_DRAWS` to profile longer).
fn draws() -> usize {
    std::env::var("RENDER_COST_DRAWS").ok().and_then(|n| n.parse().ok()).unwrap_or(2_000)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let file = args.next().expect("usage: render_cost <sqlite file> [page …]");
    let pages: Vec<String> = args.collect();
    let pages = if pages.is_empty() { vec!["/".to_owned()] } else { pages };
    let store = tengu_sql::SqlStore::connect(&format!("sqlite://{file}")).await.expect("the database opens");
    store.migrate().await.expect("the database migrates");
    let store: Arc<dyn Store> = Arc::new(store);
    let (tengu, _) = tengu_sandbox::simulate(store, Arc::new(SystemClock), "http://127.0.0.1:3000")
        .await
        .expect("the sandbox starts");
    let doors =
        Doors { tengu, people: SandboxPeople(tengu_sandbox::people()), sandbox_slack: None, sandbox_github: None };
    let options = tengu_server::web::leptos_options();
    let alice = Actor::Person(Login::parse("alice").unwrap());
    for page in pages {
        let (path, query) = page.split_once('?').map_or((page.as_str(), None), |(p, q)| (p, Some(q)));
        let mut took = Vec::with_capacity(draws());
        let mut bytes = 0;
        for _ in 0..draws() {
            let asked = tengu_app::Asked { path, query, actor: &alice, nonce: Some("AAAAAAAAAAAAAAAAAAAAAA") };
            let started = Instant::now();
            let drawn = tengu_app::draw(&doors, &options, asked).await;
            took.push(started.elapsed());
            bytes = drawn.html.len();
        }
        took.sort();
        let at = |share: f64| took[((took.len() - 1) as f64 * share) as usize].as_secs_f64() * 1e6;
        println!("{page:<32} {:>8.1} µs median {:>8.1} µs p90 {bytes:>8} bytes", at(0.5), at(0.9));
    }
}
