//! Lists the profiles of an AWS config file and resolves the SSO ones.
//!
//! `cargo run -p sso-config --example profiles -- [FILE]`: FILE defaults to the config file the
//! AWS CLI would read (`AWS_CONFIG_FILE`, else `~/.aws/config`). Prints one line per profile, and
//! the file's syntax diagnostics with their line numbers.

#![expect(clippy::print_stdout, reason = "an example program prints its result")]

use std::collections::HashMap;
use std::process::ExitCode;

use sso_config::{Document, FileKind, Platform, ProfileSet, file_locations};

fn main() -> ExitCode {
    let path = match std::env::args().nth(1) {
        Some(path) => path,
        None => {
            let env: HashMap<String, String> = std::env::vars().collect();
            match file_locations(&env, Platform::current()) {
                Ok(locations) => locations.config,
                Err(error) => {
                    println!("{error}");
                    return ExitCode::FAILURE;
                }
            }
        }
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) => {
            println!("cannot read {path}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let document = Document::parse(&text);
    for diagnostic in document.diagnostics() {
        println!("{path}: {diagnostic}");
    }
    let mut profiles = ProfileSet::new();
    profiles.merge(&path, &document, FileKind::Config);
    for name in profiles.profiles().keys() {
        match profiles.resolve_sso(name) {
            Ok(sso) => println!(
                "{name}: SSO, start URL {} in {}",
                sso.start_url.as_str(),
                sso.region.as_str()
            ),
            Err(error) => println!("{name}: not an SSO profile ({error})"),
        }
    }
    ExitCode::SUCCESS
}
