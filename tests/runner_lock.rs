//! One runner per store: a second `jlm run` on the same store refuses to start, naming it,
//! and the lock is released by the operating system when the first runner dies.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A configuration whose APIs are unreachable loopback ports (the runner just keeps retrying).
fn write_config(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("jlm.toml");
    let text = format!(
        "[mirakl]\nbase_url = \"http://127.0.0.1:9\"\n[fulfil]\nbase_url = \"http://127.0.0.1:9\"\nchannel_id = 1\n\
         [store]\npath = \"{}\"\n[retry]\nmax_attempts = 1\n",
        dir.join("jlm.sqlite").display()
    );
    std::fs::write(&path, text).expect("write config");
    path
}

fn jlm_run(config: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_jlm"));
    command
        .args(["run", "--config"])
        .arg(config)
        .env("JLM_MIRAKL_API_KEY", "mirakl-key")
        .env("JLM_FULFIL_API_KEY", "fulfil-key")
        .env_remove("JLM_FULFIL_WEBHOOK_SECRET")
        .env_remove("JLM_LOG")
        .env_remove("JLM_CRASH_AT")
        .env(
            "XDG_CACHE_HOME",
            config.parent().expect("dir").join("cache"),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// Starts `jlm run` and waits (bounded) until it says it holds the runner lock.
fn start_runner(config: &Path) -> Child {
    let mut child = jlm_run(config).spawn().expect("start jlm run");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("holding the runner lock") {
                let _ = tx.send(());
            }
        }
    });
    if rx.recv_timeout(Duration::from_secs(120)).is_err() {
        let _ = child.kill();
        panic!("jlm run did not take the runner lock");
    }
    child
}

#[test]
fn a_second_runner_on_the_same_store_refuses_to_start_until_the_first_is_gone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path());
    let mut first = start_runner(&config);

    let second = jlm_run(&config).output().expect("run the second");
    let message = String::from_utf8_lossy(&second.stderr);
    let _ = first.kill();
    let _ = first.wait();
    assert!(!second.status.success(), "the second runner exits non-zero");
    assert!(
        message.contains("already running")
            && message.contains(&dir.path().join("jlm.sqlite").display().to_string()),
        "names the store: {message}"
    );

    // Killed, not stopped: the operating system released the lock, so a new runner starts.
    let mut third = start_runner(&config);
    let _ = third.kill();
    let _ = third.wait();
}
