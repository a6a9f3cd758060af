//! The `sso-emulator` binary: prints its URL first and serves until killed.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

#[tokio::test]
async fn binary_prints_its_url_first_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sso-emulator"))
        .args([
            "--port",
            "0",
            "--accounts",
            "25",
            "--roles",
            "4",
            "--throttle-every",
            "100",
            "--auto-approve",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url:?}");
    let text = reqwest::get(format!("{url}/emulator/config"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let config: serde_json::Value = serde_json::from_str(&text).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(config["accounts"], 25);
    assert_eq!(config["roles_per_account"], 4);
    assert_eq!(config["throttle_every"], 100);
    assert_eq!(config["auto_approve"], true);
}

#[test]
fn binary_rejects_unknown_flags() {
    let output = Command::new(env!("CARGO_BIN_EXE_sso-emulator"))
        .arg("--bogus")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown option --bogus"));
}
