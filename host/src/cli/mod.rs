//! The `jlm` command line.

mod plan;
mod run;
pub mod sandbox;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Keeps Fulfil and John Lewis Marketplace (Mirakl) in step.
#[derive(Debug, Parser)]
#[command(name = "jlm", version, about)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
    /// Run this component (a `.wasm` implementing the `jlm:connector` world) instead of the
    /// embedded one (`run`, `plan`, `carriers check`, `demo`).
    #[arg(long, global = true, value_name = "PATH")]
    pub plugin: Option<PathBuf>,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented configuration template.
    Init {
        /// Where to write it.
        #[arg(default_value = "jlm.toml")]
        path: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Run the connector (every job, on its schedule).
    Run {
        /// Configuration file.
        #[arg(long, default_value = "jlm.toml")]
        config: PathBuf,
        /// Run one cycle of every job and exit.
        #[arg(long)]
        once: bool,
    },
    /// Run a scripted day of trading against the built-in sandbox and print what happened.
    Demo,
    /// Serve the John Lewis (Mirakl) and Fulfil sandboxes standalone, playing the demo's day,
    /// for `jlm run` to work against (until interrupted).
    Sandbox(sandbox::SandboxArgs),
    /// Show orders, outbox and open exceptions.
    Status {
        /// Configuration file (for the store path).
        #[arg(long, default_value = "jlm.toml")]
        config: PathBuf,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// The exception queue.
    Exceptions {
        /// What to do.
        #[command(subcommand)]
        action: ExceptionsAction,
    },
    /// Stock publication.
    Stock {
        /// What to do.
        #[command(subcommand)]
        action: StockAction,
    },
    /// Carrier mapping.
    Carriers {
        /// What to do.
        #[command(subcommand)]
        action: CarriersAction,
    },
    /// Run one record through the component and print its plan as JSON.
    Plan {
        /// Which plan.
        #[command(subcommand)]
        what: plan::PlanCommand,
    },
    /// The embedded component.
    Component {
        /// What to do.
        #[command(subcommand)]
        action: ComponentAction,
    },
}

/// `jlm exceptions …`.
#[derive(Debug, Subcommand)]
pub enum ExceptionsAction {
    /// List exceptions (open ones unless --all).
    List {
        /// Configuration file (for the store path).
        #[arg(long, default_value = "jlm.toml")]
        config: PathBuf,
        /// Include resolved ones.
        #[arg(long)]
        all: bool,
        /// Only this team's (operations, finance, ecommerce).
        #[arg(long)]
        team: Option<String>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Mark an exception resolved.
    Resolve {
        /// Configuration file (for the store path).
        #[arg(long, default_value = "jlm.toml")]
        config: PathBuf,
        /// Exception id (from `list`).
        id: i64,
    },
}

/// `jlm stock …`.
#[derive(Debug, Subcommand)]
pub enum StockAction {
    /// Show the queue, the import in flight and the last publish times.
    Status {
        /// Configuration file (for the store path).
        #[arg(long, default_value = "jlm.toml")]
        config: PathBuf,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

/// `jlm carriers …`.
#[derive(Debug, Subcommand)]
pub enum CarriersAction {
    /// List the Fulfil carrier/service pairs of the last 90 days of shipments with their
    /// mapping status against John Lewis' approved carriers (SH21).
    Check {
        /// Configuration file.
        #[arg(long, default_value = "jlm.toml")]
        config: PathBuf,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

/// `jlm component …`.
#[derive(Debug, Subcommand)]
pub enum ComponentAction {
    /// Write the embedded `.wasm` to a file.
    Export {
        /// Output path.
        #[arg(default_value = "jlm-connector.wasm")]
        path: PathBuf,
    },
}

/// Runs the command; the exit code follows the contracts (2 on unusable input).
pub async fn main(cli: Cli) -> anyhow::Result<i32> {
    let plugin = cli.plugin;
    match cli.command {
        Command::Init { path, force } => {
            if path.exists() && !force {
                anyhow::bail!("{} exists; pass --force to overwrite it", path.display());
            }
            crate::private_fs::write(&path, crate::config::TEMPLATE.as_bytes())
                .map_err(|e| anyhow::anyhow!("write {}: {e}", path.display()))?;
            println!(
                "wrote {}; set the URLs and channel, then export JLM_MIRAKL_API_KEY and JLM_FULFIL_API_KEY",
                path.display()
            );
            Ok(0)
        }
        Command::Run { config, once } => run::run(&config, once, plugin.as_deref()).await,
        Command::Demo => crate::demo::run(plugin.as_deref()).await.map(|_| 0),
        Command::Sandbox(args) => sandbox::run(args).await,
        Command::Status { config, json } => run::status(&config, json),
        Command::Exceptions { action } => run::exceptions(action),
        Command::Stock {
            action: StockAction::Status { config, json },
        } => run::stock_status(&config, json),
        Command::Carriers {
            action: CarriersAction::Check { config, json },
        } => run::carriers_check(&config, json, plugin.as_deref()).await,
        // Component calls block: off the async workers.
        Command::Plan { what } => tokio::task::spawn_blocking(move || plan::run(what, plugin))
            .await
            .map_err(|e| anyhow::anyhow!("the plan did not complete: {e}")),
        Command::Component {
            action: ComponentAction::Export { path },
        } => {
            crate::private_fs::write(&path, crate::runtime::EMBEDDED_COMPONENT)
                .map_err(|e| anyhow::anyhow!("write {}: {e}", path.display()))?;
            println!(
                "wrote {} ({} bytes)",
                path.display(),
                crate::runtime::EMBEDDED_COMPONENT.len()
            );
            Ok(0)
        }
    }
}
