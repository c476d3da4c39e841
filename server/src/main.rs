//! `tengu`: the dashboard server and the command line, one binary over tengu-core.

use std::path::PathBuf;
use std::process::ExitCode;
use tengu_server::cli::{CliError, Ending};
use tengu_server::{boot, cli, config, telemetry, web};

use clap::{Parser, Subcommand};

/// Every request allocates many small, short-lived values on both cores at once. Under load, glibc's allocator
/// took 13 % of the server's samples in malloc and free, plus waits on its arena locks (perf on `/` answered from
/// the page cache at 64 connections). With mimalloc, and the page cache no longer copying each answer, that page
/// went from 21-27k to 32-35k requests/s in alternating runs of both builds.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Deploy to an environment and follow the rollout until it ends: here (local mode: this machine holds the
    /// database and the AWS credentials), or by the tengu server at --server (remote mode, for CI).
    #[command(after_help = tengu_server::cli::exit_codes_help())]
    Deploy {
        /// The environment, e.g. production.
        env: String,
        /// The commit to ship: its image comes from the environment's image_template. With --image: the commit the
        /// image was built from (so the gate, the deploy PR and the history know what it ships).
        #[arg(long, value_name = "SHA")]
        sha: Option<String>,
        /// The image to ship (with --sha, unless its tag names its commit by the environment's image_template).
        #[arg(long, group = "what", value_name = "IMAGE")]
        image: Option<String>,
        /// Admins: ship an --image whose commit cannot be known; the reason is recorded.
        #[arg(long, value_name = "REASON", requires = "image")]
        commit_unknown: Option<String>,
        /// Go back to the task definitions of an earlier successful deployment.
        #[arg(long, group = "what", value_name = "DEPLOYMENT")]
        rollback_to: Option<i64>,
        /// Restart the task definitions the services run now.
        #[arg(long, group = "what")]
        redeploy: bool,
        /// Sandbox only: the seeded person to act as (default: this terminal's user@host).
        #[arg(long = "as", value_name = "LOGIN")]
        acting_as: Option<String>,
        /// Ship although the environment's deploy PR still waits for ticks; the reason is recorded (local mode).
        #[arg(long, value_name = "REASON")]
        override_gate: Option<String>,
        /// Admins: deploy through someone else's lock; the reason is recorded.
        #[arg(long, value_name = "REASON")]
        override_lock: Option<String>,
        /// Admins: deploy during a freeze window; the reason is recorded.
        #[arg(long, value_name = "REASON")]
        override_freeze: Option<String>,
        #[command(flatten)]
        server: ServerArgs,
        /// Remote mode: the same key again (a retried CI job) answers with the deployment it already started.
        #[arg(long, value_name = "KEY")]
        idempotency_key: Option<String>,
    },
    /// Abort what deploys to an environment now; the services go back to what they ran before.
    #[command(after_help = tengu_server::cli::exit_codes_help())]
    Abort {
        /// The environment, e.g. production.
        env: String,
        /// Sandbox only: the seeded person to act as (default: this terminal's user@host).
        #[arg(long = "as", value_name = "LOGIN")]
        acting_as: Option<String>,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Lock an environment: every deploy is refused with the reason until the lock ends or is lifted, except
    /// yours.
    #[command(after_help = tengu_server::cli::exit_codes_help())]
    Lock {
        /// The environment, e.g. production; or a repository, acme/shop, for each of its environments.
        env: String,
        /// Why (the team reads it on every refused deploy).
        #[arg(long)]
        reason: String,
        /// How long: 90m, 2h, 1d or until-unlocked (default: 1h).
        #[arg(long = "for", value_name = "LENGTH")]
        length: Option<String>,
        /// Sandbox only: the seeded person to act as (default: this terminal's user@host).
        #[arg(long = "as", value_name = "LOGIN")]
        acting_as: Option<String>,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Lift an environment's lock (or each of a repository's).
    #[command(after_help = tengu_server::cli::exit_codes_help())]
    Unlock {
        /// The environment, e.g. production; or a repository, acme/shop.
        env: String,
        /// Sandbox only: the seeded person to act as (default: this terminal's user@host).
        #[arg(long = "as", value_name = "LOGIN")]
        acting_as: Option<String>,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Show what a deploy, a redeploy (the default) or a rollback would change on each service's task definition,
    /// and whether it would be refused before its first change; nothing is sent to ECS but questions.
    #[command(after_help = tengu_server::cli::exit_codes_help())]
    Diff {
        /// The environment, e.g. production.
        env: String,
        /// A commit: the image CI built from it, by the environment's image_template.
        #[arg(long, group = "what")]
        sha: Option<String>,
        /// An image.
        #[arg(long, group = "what")]
        image: Option<String>,
        /// An earlier successful deployment's number.
        #[arg(long, group = "what", value_name = "DEPLOYMENT")]
        rollback_to: Option<i64>,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Check the configuration against reality (the database, GitHub, ECS and what the services run), one line
    /// per check with a fix; ends with 0 only when every check passes.
    #[command(after_help = tengu_server::cli::exit_codes_help())]
    Doctor,
    /// Ask this machine's tengu server whether it answers (the container image's health check): 0 when it does.
    HealthCheck,
    /// Show what runs where, what deploys now and which deploy PR waits for whom.
    #[command(after_help = tengu_server::cli::exit_codes_help())]
    Status {
        /// Only this environment.
        env: Option<String>,
        #[command(flatten)]
        server: ServerArgs,
    },
}

/// Remote mode: a running tengu does the work; the API token comes from TENGU_TOKEN (never the command line,
/// where other users of the machine could read it).
#[derive(clap::Args)]
struct ServerArgs {
    /// The tengu server to ask, e.g. https://tengu.example.com (remote mode).
    #[arg(long, env = "TENGU_SERVER", value_name = "URL")]
    server: Option<String>,
}

impl ServerArgs {
    fn remote(self) -> Option<(String, Option<String>)> {
        self.server.filter(|s| !s.trim().is_empty()).map(|server| (server, std::env::var("TENGU_TOKEN").ok()))
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help and --version print and succeed; a bad command line is 64, never 2 (2 means rolled back).
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() { ExitCode::from(Ending::Usage.code()) } else { ExitCode::SUCCESS };
        }
    };
    let config = match config::Config::load(cli.config.as_deref(), |key| std::env::var(key).ok()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("tengu: {e}");
            return ExitCode::from(Ending::Usage.code());
        }
    };
    telemetry::init(config.log_format);
    let ended = run(&config, cli.command.unwrap_or(Command::Serve)).await;
    match ended {
        Ok(ending) => ExitCode::from(ending.code()),
        Err(e) => {
            tracing::error!(error = %e.sentence, "tengu stopped");
            eprintln!("tengu: {}", e.sentence);
            ExitCode::from(e.ending.code())
        }
    }
}

/// What the command line asked for, done.
async fn run(config: &config::Config, command: Command) -> Result<Ending, CliError> {
    match command {
        Command::Serve => web::serve(config.clone()).await.map(|()| Ending::Succeeded).map_err(CliError::from),
        Command::Migrate => boot::migrate_only(config).await.map(|()| Ending::Succeeded).map_err(CliError::from),
        Command::ReleasePr { env, acting_as } => cli::release_pr(config, &env, acting_as.as_deref())
            .await
            .map(|listing| {
                print!("{listing}");
                Ending::Succeeded
            })
            .map_err(CliError::from),
        Command::Deploy {
            env,
            sha,
            image,
            commit_unknown,
            rollback_to,
            redeploy,
            acting_as,
            override_gate,
            override_lock,
            override_freeze,
            server,
            idempotency_key,
        } => {
            let what = match what_to_deploy(sha, image, commit_unknown, rollback_to, redeploy) {
                Ok(what) => what,
                Err(sentence) => return Err(CliError::new(Ending::Usage, sentence)),
            };
            let remotely = server.remote().map(|(server, token)| cli::Remotely { server, token, idempotency_key });
            let overrides = cli::Overrides {
                gate: override_gate.as_deref(),
                lock: override_lock.as_deref(),
                freeze: override_freeze.as_deref(),
            };
            cli::deploy_command(config, &env, what, acting_as.as_deref(), overrides, remotely).await
        }
        Command::Abort { env, acting_as, server } => {
            cli::abort_command(config, &env, acting_as.as_deref(), server.remote()).await
        }
        Command::Lock { env, reason, length, acting_as, server } => {
            let remote = server.remote();
            cli::lock_command(config, &env, &reason, length.as_deref(), acting_as.as_deref(), remote).await
        }
        Command::Unlock { env, acting_as, server } => {
            cli::unlock_command(config, &env, acting_as.as_deref(), server.remote()).await
        }
        Command::Status { env, server } => cli::status_command(config, env.as_deref(), server.remote()).await,
        Command::Diff { env, sha, image, rollback_to, server } => {
            diff(config, &env, [sha, image], rollback_to, server.remote()).await
        }
        Command::Doctor => cli::doctor_command(config).await,
        Command::HealthCheck => Ok(cli::health_check().await),
    }
}

/// What `tengu deploy` was told to ship, or the sentence saying how to tell it.
/// `tengu diff`: with no target, what a redeploy would change.
async fn diff(
    config: &config::Config,
    env: &str,
    [sha, image]: [Option<String>; 2],
    rollback_to: Option<i64>,
    server: Option<(String, Option<String>)>,
) -> Result<Ending, CliError> {
    let redeploy = sha.is_none() && image.is_none() && rollback_to.is_none();
    match what_to_deploy(sha, image, None, rollback_to, redeploy) {
        Ok(what) => cli::diff_command(config, env, what, server).await,
        Err(sentence) => Err(CliError::new(Ending::Usage, sentence)),
    }
}

fn what_to_deploy(
    sha: Option<String>,
    image: Option<String>,
    commit_unknown: Option<String>,
    rollback_to: Option<i64>,
    redeploy: bool,
) -> Result<cli::What, &'static str> {
    match (sha, image, rollback_to, redeploy) {
        (sha, Some(image), None, false) => Ok(cli::What::Image { image, sha, commit_unknown }),
        (Some(sha), None, None, false) => Ok(cli::What::Sha(sha)),
        (None, None, Some(id), _) => Ok(cli::What::RollbackTo(id)),
        (None, None, None, true) => Ok(cli::What::Redeploy),
        (Some(_), _, _, _) => Err(
            "--sha names a commit to ship, or with --image the image's commit; not both of --rollback-to or --redeploy",
        ),
        _ => Err("say what to deploy: --sha, --image, --rollback-to or --redeploy"),
    }
}
