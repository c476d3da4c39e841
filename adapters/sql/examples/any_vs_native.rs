//! What sqlx's `Any` driver costs against SQLite's own driver, on the same file and the same queries: a history
//! page (50 rows, every column read) and one row by id. The store ran on `Any` until this measured +64 %; it now
//! runs on each dialect's own driver. Run by `make bench` on its 100,000-deployment database; prints each median
//! and the ratio.
//!
//! `cargo run --release -p tengu-core --features sql --example any_vs_native -- <sqlite file>`

use std::time::{Duration, Instant};

use sqlx::any::AnyPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{Column, Row};

const ROUNDS: usize = 2_000;
const PAGE: &str = "SELECT id, env, repo, image, sha, trigger_kind, actor, source_prs, task_definitions, state, reason, \
                    requested_at, finished_at FROM deployments ORDER BY id DESC LIMIT 50";
const ONE: &str = "SELECT id, env, repo, image, sha, trigger_kind, actor, source_prs, task_definitions, state, reason, \
                   requested_at, finished_at FROM deployments WHERE id = ?";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), sqlx::Error> {
    let Some(file) = std::env::args().nth(1) else {
        eprintln!("usage: any_vs_native <sqlite file>");
        std::process::exit(2);
    };
    sqlx::any::install_default_drivers();
    let any = AnyPoolOptions::new().max_connections(1).connect(&format!("sqlite://{file}")).await?;
    let native = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(SqliteConnectOptions::new().filename(&file).read_only(true))
        .await?;
    let newest: i64 = sqlx::query_scalar("SELECT MAX(id) FROM deployments").fetch_one(&native).await?;

    let (mut any_page, mut native_page, mut any_one, mut native_one) = (vec![], vec![], vec![], vec![]);
    // Interleaved, so a slower moment of the machine falls on both.
    for round in 0..ROUNDS {
        let id = newest - (round as i64 % 1_000);
        let started = Instant::now();
        let rows = sqlx::query(PAGE).fetch_all(&any).await?;
        read(&rows);
        any_page.push(started.elapsed());
        let started = Instant::now();
        let rows = sqlx::query(PAGE).fetch_all(&native).await?;
        read(&rows);
        native_page.push(started.elapsed());
        let started = Instant::now();
        let rows = sqlx::query(ONE).bind(id).fetch_all(&any).await?;
        read(&rows);
        any_one.push(started.elapsed());
        let started = Instant::now();
        let rows = sqlx::query(ONE).bind(id).fetch_all(&native).await?;
        read(&rows);
        native_one.push(started.elapsed());
    }
    for (what, any, native) in
        [("history page, 50 rows", any_page, native_page), ("one row by id", any_one, native_one)]
    {
        let (any, native) = (median(any), median(native));
        println!(
            "{what:<24} Any {:>7.1} µs   SQLite's own {:>7.1} µs   Any costs {:+.0} %",
            micros(any),
            micros(native),
            (micros(any) / micros(native) - 1.0) * 100.0
        );
    }
    Ok(())
}

const INTEGERS: [&str; 3] = ["id", "requested_at", "finished_at"];

/// Every column read as its type, as the store's row mapping does.
fn read<R: Row>(rows: &[R])
where
    usize: sqlx::ColumnIndex<R>,
    i64: sqlx::Type<R::Database> + for<'r> sqlx::Decode<'r, R::Database>,
    String: sqlx::Type<R::Database> + for<'r> sqlx::Decode<'r, R::Database>,
{
    for row in rows {
        for column in row.columns() {
            let i = column.ordinal();
            if INTEGERS.contains(&column.name()) {
                let _: Option<i64> = row.try_get(i).expect("an integer column");
            } else {
                let _: Option<String> = row.try_get(i).expect("a text column");
            }
        }
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
