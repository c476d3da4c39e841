//! `tengu`: the dashboard server and the command line, one binary over tengu-core.

use std::path::PathBuf;
use std::process::ExitCode;
use tengu_server::{boot, cli, config, telemetry, web};

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "tengu", version, about = "Deploy PRs, verified deploys to ECS and review environments")]
struct Cli {
    /// A TOML configuration file (default: ./tengu.toml when it exists). TENGU_* variables override it.
    #[arg(long, global = true, env = "TENGU_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the dashboard (the default). Runs the sandbox when GitHub and AWS are not configured.
    Serve,
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Open or refresh the deploy PR of an environment and print what it lists.
    ReleasePr {
        /// The environment, e.g. production.
        env: String,
        /// The GitHub login to record as the one who asked (default: tengu itself).
        #[arg(long = "as", value_name = "LOGIN")]
        acting_as: Option<String>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match config::Config::load(cli.config.as_deref(), |key| std::env::var(key).ok()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("tengu: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format);
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => web::serve(config).await,
        Command::Migrate => boot::migrate_only(&config).await,
        Command::ReleasePr { env, acting_as } => {
            cli::release_pr(&config, &env, acting_as.as_deref()).await.map(|listing| print!("{listing}"))
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "tengu stopped");
            eprintln!("tengu: {e}");
            ExitCode::FAILURE
        }
    }
}
