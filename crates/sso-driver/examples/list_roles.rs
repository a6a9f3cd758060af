//! Signs in to a local IAM Identity Center and lists every account and role in it.
//!
//! `cargo run -p sso-driver --example list_roles -- [ACCOUNTS]`: starts `sso-emulator` on
//! 127.0.0.1 with ACCOUNTS accounts (default 40) and a 429 on every tenth call, signs in with the
//! device code through an `[sso-session]` in a temporary home, then lists the roles of all
//! accounts concurrently with [`Sso::all_roles`]. Its pool adapts by itself (it grows while
//! calls succeed, backs off on throttling and retries): there is nothing to tune.

#![expect(clippy::print_stdout, reason = "an example program prints its result")]

use std::error::Error;

use sso_driver::Sso;
use sso_driver::env::Env;
use sso_driver::prompt::SilentPrompt;
use sso_driver::sso::Selection;
use sso_driver::sso::signin::SignInRequest;

fn main() -> Result<(), Box<dyn Error>> {
    let accounts = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 40,
    };
    let emulator = sso_emulator::Emulator::builder()
        .accounts(accounts)
        .roles_per_account(3)
        .throttle_every(10)
        .auto_approve(true)
        .start_blocking()?;
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
    let sso = Sso::load(&env, Selection::Session("corp".into()))?;

    let device_code = SignInRequest {
        use_device_code: true,
        no_browser: true,
        ..Default::default()
    };
    sso.sign_in(&device_code, &SilentPrompt)?;

    let account_ids: Vec<String> = sso
        .accounts()?
        .into_iter()
        .map(|account| account.account_id)
        .collect();
    let listing = sso.all_roles(&account_ids, &|_, _| {})?;
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
    emulator.shutdown();
    std::fs::remove_dir_all(&home)?;
    Ok(())
}
