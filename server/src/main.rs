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
        /// Sandbox only: the seeded person to act as (default: this terminal's user@host).
        #[arg(long = "as", value_name = "LOGIN")]
        acting_as: Option<String>,
    },
    /// Deploy to an environment from this terminal (no server needed) and follow the rollout.
    Deploy {
        /// The environment, e.g. production.
        env: String,
        /// The commit to ship: its image comes from the environment's image_template.
        #[arg(long, group = "what", value_name = "SHA")]
        sha: Option<String>,
        /// The image to ship.
        #[arg(long, group = "what", value_name = "IMAGE")]
        image: Option<String>,
        /// Go back to the task definitions of an earlier successful deployment.
        #[arg(long, group = "what", value_name = "DEPLOYMENT")]
        rollback_to: Option<i64>,
        /// Restart the task definitions the services run now.
        #[arg(long, group = "what")]
        redeploy: bool,
        /// Sandbox only: the seeded person to act as (default: this terminal's user@host).
        #[arg(long = "as", value_name = "LOGIN")]
        acting_as: Option<String>,
        /// Ship although the environment's deploy PR still waits for ticks; the reason is recorded.
        #[arg(long, value_name = "REASON")]
        override_gate: Option<String>,
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
        Command::Deploy { env, sha, image, rollback_to, redeploy, acting_as, override_gate } => {
            let what = match (sha, image, rollback_to, redeploy) {
                (Some(sha), _, _, _) => cli::What::Sha(sha),
                (_, Some(image), _, _) => cli::What::Image(image),
                (_, _, Some(id), _) => cli::What::RollbackTo(id),
                (_, _, _, true) => cli::What::Redeploy,
                _ => {
                    eprintln!("tengu: say what to deploy: --sha, --image, --rollback-to or --redeploy");
                    return ExitCode::from(2);
                }
            };
            match cli::deploy(&config, &env, what, acting_as.as_deref(), override_gate.as_deref()).await {
                Ok(done) if done.state == tengu_core::domain::DeploymentState::Succeeded => {
                    println!("{}", cli::outcome_line(&done));
                    Ok(())
                }
                Ok(done) => {
                    println!("{}", cli::outcome_line(&done));
                    return ExitCode::FAILURE;
                }
                Err(e) => Err(e),
            }
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
