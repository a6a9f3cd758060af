//! Lists the SSO tokens in a token cache directory, without changing anything.
//!
//! `cargo run -p sso-cache --example tokens -- [DIR]`: DIR defaults to `~/.aws/sso/cache` under
//! `HOME` (`USERPROFILE` on Windows). Prints each token's start URL, region and expiry; never the
//! token itself.

#![expect(clippy::print_stdout, reason = "an example program prints its result")]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::SystemTime;

use sso_cache::{CacheDir, Timestamp};

fn main() -> ExitCode {
    let dir = match std::env::args_os().nth(1) {
        Some(dir) => PathBuf::from(dir),
        None => match std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE")) {
            Some(home) => PathBuf::from(home).join(".aws").join("sso").join("cache"),
            None => {
                println!("no home directory: pass the cache directory");
                return ExitCode::FAILURE;
            }
        },
    };
    let since_epoch = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    let now = Timestamp::from_unix_millis(i64::try_from(since_epoch.as_millis()).unwrap_or(0));
    let tokens = match CacheDir::new(&dir).list_tokens() {
        Ok(tokens) => tokens,
        Err(error) => {
            println!("{error}");
            return ExitCode::FAILURE;
        }
    };
    println!("{} token(s) in {}", tokens.len(), dir.display());
    for token in tokens {
        let expiry = match token.expires_at {
            Ok(at) if at <= now => format!("expired at {at}"),
            Ok(at) => format!("valid until {at}"),
            Err(bad) => format!("unusable ({bad})"),
        };
        println!(
            "{}  {}  {}  {expiry}{}",
            token.path.display(),
            token.start_url.as_deref().unwrap_or("-"),
            token.region.as_deref().unwrap_or("-"),
            if token.has_refresh_token {
                ", refreshable"
            } else {
                ""
            },
        );
    }
    ExitCode::SUCCESS
}
