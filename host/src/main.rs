//! The `jlm` binary.

use clap::Parser;

#[tokio::main]
async fn main() {
    let cli = jlm::cli::Cli::parse();
    // The demo prints its own summary; the retries it provokes on purpose are not news.
    let default_filter = match cli.command {
        jlm::cli::Command::Demo => "error",
        _ => "jlm=info,warn",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("JLM_LOG")
                .unwrap_or_else(|_| default_filter.into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let code = match jlm::cli::main(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("jlm: {e:#}");
            1
        }
    };
    std::process::exit(code);
}
