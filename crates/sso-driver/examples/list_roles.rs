//! Signs in to a local IAM Identity Center and lists every account and role in it.
//!
//! `cargo run -p sso-driver --example list_roles -- [ACCOUNTS]`: starts `sso-emulator` on
//! 127.0.0.1 with ACCOUNTS accounts (default 40) and a 429 on every tenth call, signs in with the
//! device code through an `[sso-session]` in a temporary home, then lists the roles of all
//! accounts with the adaptive pool, which backs off on throttling and retries.

#![expect(clippy::print_stdout, reason = "an example program prints its result")]

use std::error::Error;

use sso_driver::clock::SystemClock;
use sso_driver::context::AwsContext;
use sso_driver::env::Env;
use sso_driver::http::{HttpClient, HttpConfig};
use sso_driver::login::{LoginFlow, LoginOptions, login};
use sso_driver::portal::{PoolConfig, list_accounts, list_all_roles};
use sso_driver::prompt::SilentPrompt;
use sso_driver::token::fresh_token;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let accounts = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 40,
    };
    let emulator = sso_emulator::Emulator::builder()
        .accounts(accounts)
        .roles_per_account(3)
        .throttle_every(10)
        .auto_approve(true)
        .start()
        .await?;
    let home = std::env::temp_dir().join(format!("sso-driver-example-{}", std::process::id()));
    let config = home.join("config");
    std::fs::create_dir_all(&home)?;
    std::fs::write(
        &config,
        "[sso-session corp]\nsso_start_url = https://d-123.awsapps.com/start\nsso_region = us-east-1\n",
    )?;
    let home_text = home
        .to_str()
        .ok_or("the temporary directory is not UTF-8")?;
    let config_text = config
        .to_str()
        .ok_or("the temporary directory is not UTF-8")?;
    let env = Env::from_vars([
        ("HOME", home_text),
        ("AWS_CONFIG_FILE", config_text),
        ("AWS_ENDPOINT_URL_SSO_OIDC", emulator.url()),
        ("AWS_ENDPOINT_URL_SSO", emulator.url()),
    ]);
    let aws = AwsContext::load(&env, None)?;
    let target = aws.target_for_session("corp")?;
    let sso_cache = aws.sso_cache().ok_or("no home directory")?;
    let http = HttpClient::new(HttpConfig::default(), &env)?;

    let options = LoginOptions::new(LoginFlow::DeviceCode);
    login(
        &http,
        &sso_cache,
        &target,
        &options,
        &SilentPrompt,
        &SystemClock,
    )
    .await?;
    let token = fresh_token(&http, &sso_cache, &target, &SystemClock).await?;
    let access_token = token.access_token.clone();

    let endpoint = &target.portal_endpoint;
    let account_ids: Vec<String> = list_accounts(&http, endpoint, &access_token)
        .await?
        .into_iter()
        .map(|account| account.account_id)
        .collect();
    let listing = list_all_roles(
        &http,
        endpoint,
        &access_token,
        &account_ids,
        &PoolConfig::default(),
        &|_, _| {},
    )
    .await;
    for role in listing.roles() {
        println!("{} {}", role.account_id, role.role_name);
    }
    for (account_id, error) in listing.failures() {
        println!("{account_id}: {error}");
    }
    println!(
        "{} roles in {} accounts: {} calls, {} throttled",
        listing.roles().count(),
        account_ids.len(),
        listing.stats.calls,
        listing.stats.throttled
    );
    emulator.shutdown().await;
    std::fs::remove_dir_all(&home)?;
    Ok(())
}
