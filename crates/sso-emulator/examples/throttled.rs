//! Failure injection: an emulator that throttles every third portal call and fails the next two
//! `GetRoleCredentials` calls, and what a client sees.
//!
//! `cargo run -p sso-emulator --example throttled`. Everything stays on 127.0.0.1.

#![expect(clippy::print_stdout, reason = "an example program prints its result")]

use std::error::Error;

use sso_emulator::{Emulator, FailureRule};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let emulator = Emulator::builder()
        .accounts(2)
        .throttle_every(3)
        .fail(FailureRule::unavailable("GetRoleCredentials", 2))
        .start()
        .await?;
    let token = emulator.issue_access_token();
    let client = reqwest::Client::new();
    let base = emulator.url();
    let calls = [
        "/assignment/accounts",
        "/assignment/roles?account_id=111111111111",
        "/assignment/accounts",
        "/federation/credentials?account_id=111111111111&role_name=ReadOnlyAccess",
        "/federation/credentials?account_id=111111111111&role_name=ReadOnlyAccess",
        "/federation/credentials?account_id=111111111111&role_name=ReadOnlyAccess",
    ];
    for path in calls {
        let response = client
            .get(format!("{base}{path}"))
            .header("x-amz-sso_bearer_token", &token)
            .send()
            .await?;
        let error = response
            .headers()
            .get("x-amzn-ErrorType")
            .and_then(|value| value.to_str().ok())
            .unwrap_or("-")
            .to_owned();
        println!("{} {path}: {error}", response.status().as_u16());
    }
    let stats = emulator.stats();
    println!(
        "ListAccounts {}, GetRoleCredentials {}",
        stats.list_accounts, stats.get_role_credentials
    );
    emulator.shutdown().await;
    Ok(())
}
