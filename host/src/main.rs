//! The `jlm` binary.

use clap::Parser;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("JLM_LOG")
                .unwrap_or_else(|_| "jlm=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = jlm::cli::Cli::parse();
    let code = match jlm::cli::main(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("jlm: {e:#}");
            1
        }
    };
    std::process::exit(code);
}
