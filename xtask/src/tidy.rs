//! Repository hygiene, run by `cargo xtask tidy` and as ordinary tests under `cargo test`.
//!
//! Checks what review would otherwise have to remember: every Rust file opens with a `//!` comment,
//! the pure crates stay free of IO crates and of each other, the emulator shares no code with the
//! clients it tests, only `sso-base` defines the timestamp and secret types, and no
//! `dbg!`/`todo!` is left.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, Result};

/// Crates that must never appear in the normal dependency closure of a pure crate.
const IO_CRATES: &[&str] = &["tokio", "mio", "hyper", "reqwest", "socket2", "hyper-util"];

/// Features of an IO crate that add no IO: `aws-sigv4`'s closure (`aws-smithy-async`) pulls in
/// tokio's synchronisation primitives, which have no reactor, timer, sockets or files.
const NO_IO_FEATURES: &[(&str, &[&str])] = &[("tokio", &["default", "sync"])];

/// The client library crates of the workspace, all but the foundation `sso-base`.
const CLIENT_CRATES: &[&str] = &[
    "sso-config",
    "sso-oidc",
    "sso-cache",
    "sso-sts",
    "sso-driver",
];

/// The pure crates and the workspace crates each may not depend on. `sso-base` (the one
/// timestamp and the secret types) depends on no workspace crate; the three leaves on none but
/// `sso-base`; `sso-sts` builds on `sso-base` and `sso-oidc` (endpoints, retry rules).
const LEAVES: &[(&str, &[&str])] = &[
    ("sso-base", CLIENT_CRATES),
    (
        "sso-config",
        &["sso-oidc", "sso-cache", "sso-sts", "sso-driver"],
    ),
    (
        "sso-oidc",
        &["sso-config", "sso-cache", "sso-sts", "sso-driver"],
    ),
    (
        "sso-cache",
        &["sso-config", "sso-oidc", "sso-sts", "sso-driver"],
    ),
    ("sso-sts", &["sso-config", "sso-cache", "sso-driver"]),
];

/// The emulator and what it must not depend on besides the client crates ([`CLIENT_CRATES`]):
/// `sso-base` (its timestamp formats are checked against the emulator's own) and the client's
/// SigV4 signer, so that a protocol or signing bug on one side cannot cancel out on the other.
const EMULATOR: &str = "sso-emulator";
const EMULATOR_FORBIDDEN: &[&str] = &["sso-base", "aws-sigv4"];

/// Runs every check and returns the problems found, one line each.
pub(crate) fn check(root: &Path) -> Result<Vec<String>> {
    let mut problems = module_docs(root)?;
    problems.extend(leaf_dependencies(root)?);
    problems.extend(emulator_dependencies(root)?);
    problems.extend(second_definitions(root)?);
    Ok(problems)
}

/// The types `sso-base` defines once for the whole workspace.
const BASE_TYPES: &[&str] = &[
    "Timestamp",
    "AccessToken",
    "RefreshToken",
    "ClientSecret",
    "SecretAccessKey",
    "SessionToken",
    "DeviceCode",
    "AuthorizationCode",
    "CodeVerifier",
    "IdToken",
    "WebIdentityToken",
    "MfaCode",
];

/// No crate but `sso-base` defines a struct named like one of [`BASE_TYPES`]: one timestamp and
/// one set of secret types (docs/architecture.md), re-exported where older paths need them.
fn second_definitions(root: &Path) -> Result<Vec<String>> {
    let base = root.join("crates").join("sso-base");
    let mut problems = Vec::new();
    for file in rust_files(root)?
        .into_iter()
        .filter(|f| !f.starts_with(&base))
    {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        for (index, line) in text.lines().enumerate() {
            let Some((_, rest)) = line.split_once("struct ") else {
                continue;
            };
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if BASE_TYPES.contains(&name.as_str()) {
                problems.push(format!(
                    "{}:{}: `{name}` is defined once, in sso-base; use it (or its re-export)",
                    file.strip_prefix(root).unwrap_or(&file).display(),
                    index + 1
                ));
            }
        }
    }
    Ok(problems)
}

/// Every `.rs` file under the project's Rust folders starts with `//!`.
fn module_docs(root: &Path) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for file in rust_files(root)? {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        let first = text
            .lines()
            .find(|line| !line.trim().is_empty())
            .unwrap_or("");
        if !first.starts_with("//!") {
            problems.push(format!(
                "{}: the file must start with a `//!` comment saying what it is for",
                file.strip_prefix(root).unwrap_or(&file).display()
            ));
        }
        for (index, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            // Spelled in two halves so that this file does not flag itself.
            for banned in [
                concat!("dbg", "!("),
                concat!("todo", "!("),
                concat!("unimplemented", "!("),
            ] {
                if code.contains(banned) {
                    problems.push(format!(
                        "{}:{}: `{banned}..)` left in the code",
                        file.strip_prefix(root).unwrap_or(&file).display(),
                        index + 1
                    ));
                }
            }
        }
    }
    Ok(problems)
}

/// The leaves' normal dependency closures contain no IO crate and no sibling leaf.
fn leaf_dependencies(root: &Path) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for (leaf, siblings) in LEAVES {
        if !root.join("crates").join(leaf).is_dir() {
            continue;
        }
        let tree = match normal_closure(root, leaf)? {
            Ok(tree) => tree,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        for line in tree.lines() {
            let name = line.split_whitespace().next().unwrap_or("");
            if IO_CRATES.contains(&name) && !without_io(name, line) {
                problems.push(format!("{leaf} must do no IO but depends on `{name}`"));
            }
            if siblings.contains(&name) {
                problems.push(format!("{leaf} is a leaf but depends on `{name}`"));
            }
        }
    }
    problems.sort();
    problems.dedup();
    Ok(problems)
}

/// The emulator's normal dependency closure contains no client crate and no client signer.
fn emulator_dependencies(root: &Path) -> Result<Vec<String>> {
    if !root.join("crates").join(EMULATOR).is_dir() {
        return Ok(Vec::new());
    }
    let tree = match normal_closure(root, EMULATOR)? {
        Ok(tree) => tree,
        Err(problem) => return Ok(vec![problem]),
    };
    let mut problems: Vec<String> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| EMULATOR_FORBIDDEN.contains(name) || CLIENT_CRATES.contains(name))
        .map(|name| {
            format!("{EMULATOR} must share no code with the clients but depends on `{name}`")
        })
        .collect();
    problems.sort();
    problems.dedup();
    Ok(problems)
}

/// `cargo tree` of `krate`'s normal dependencies, one `name vX [features]` a line; `Err` is the
/// problem to report when cargo fails.
fn normal_closure(root: &Path, krate: &str) -> Result<Result<String, String>> {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .args([
            "tree",
            "--offline",
            "-q",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p} [{f}]",
            "-p",
            krate,
        ])
        .current_dir(root)
        .output()
        .context("running `cargo tree`")?;
    if !output.status.success() {
        return Ok(Err(format!(
            "cargo tree -p {krate} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(Ok(String::from_utf8_lossy(&output.stdout).into_owned()))
}

/// Whether a `cargo tree` line `name vX [f1,f2]` enables only features that do no IO.
fn without_io(name: &str, line: &str) -> bool {
    let Some((_, allowed)) = NO_IO_FEATURES
        .iter()
        .find(|(crate_name, _)| *crate_name == name)
    else {
        return false;
    };
    let features = line
        .split_once('[')
        .and_then(|(_, rest)| rest.split_once(']'))
        .map_or("", |(features, _)| features);
    features
        .split(',')
        .filter(|f| !f.is_empty())
        .all(|f| allowed.contains(&f))
}

fn rust_files(root: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut stack: Vec<PathBuf> = ["crates", "conformance", "xtask", "fuzz", "bench-compare"]
        .iter()
        .map(|dir| root.join(dir))
        .filter(|dir| dir.is_dir())
        .collect();
    while let Some(dir) = stack.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))?
        {
            let path = entry?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() {
                if !matches!(name, "target" | "corpus" | "artifacts" | "snapshots") {
                    stack.push(path);
                }
            } else if name.ends_with(".rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rust_file_opens_with_a_module_comment_and_has_no_leftovers() {
        let problems = module_docs(&crate::project_root()).unwrap();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn only_tokio_sync_counts_as_io_free() {
        assert!(without_io("tokio", "tokio v1.54.1 [default,sync]"));
        assert!(without_io("tokio", "tokio v1.54.1 []"));
        assert!(!without_io("tokio", "tokio v1.54.1 [default,net,sync]"));
        assert!(!without_io("hyper", "hyper v1.0.0 []"));
    }

    #[test]
    fn the_timestamp_and_the_secret_types_are_defined_once() {
        let problems = second_definitions(&crate::project_root()).unwrap();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn the_emulator_shares_no_code_with_the_clients() {
        let problems = emulator_dependencies(&crate::project_root()).unwrap();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn leaf_crates_do_no_io_and_do_not_depend_on_each_other() {
        let problems = leaf_dependencies(&crate::project_root()).unwrap();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
