//! Records the commit `sso` is built from, for `sso --version`.
//!
//! `SSO_BUILD_COMMIT` wins when set (the release workflow passes it); then the `sha1` cargo
//! records in `.cargo_vcs_info.json` when it packs a crate (so `cargo install sso-cli` knows its
//! commit); then `git rev-parse` in the crate's directory. With none of them (a source archive
//! without `.git`) `sso --version` prints the version alone. The result reaches the crate as
//! `SSO_VERSION_SUFFIX`: empty, or ` (commit 0123456789ab)`.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=SSO_BUILD_COMMIT");
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".to_owned());
    // A packaged crate (crates.io, `cargo package`) carries the commit it was packed from.
    let packaged = std::fs::read_to_string(Path::new(&dir).join(".cargo_vcs_info.json"))
        .ok()
        .and_then(|json| vcs_info_sha1(&json));
    let commit = match std::env::var("SSO_BUILD_COMMIT") {
        Ok(commit) => Some(commit),
        Err(_) => packaged.or_else(|| git(&dir, &["rev-parse", "--short=12", "HEAD"])),
    };
    // Rebuild when HEAD moves: HEAD itself, and the branch file it points at.
    if let Some(git_dir) = git(&dir, &["rev-parse", "--absolute-git-dir"]) {
        let git_dir = Path::new(&git_dir);
        println!("cargo:rerun-if-changed={}", git_dir.join("HEAD").display());
        if let Some(reference) = git(&dir, &["symbolic-ref", "-q", "HEAD"])
            && let Some(common) = git(&dir, &["rev-parse", "--git-common-dir"])
        {
            let common = Path::new(&dir).join(common);
            println!(
                "cargo:rerun-if-changed={}",
                common.join(&reference).display()
            );
        }
    }
    let suffix = commit
        .filter(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(|c| format!(" (commit {})", &c[..c.len().min(12)]))
        .unwrap_or_default();
    println!("cargo:rustc-env=SSO_VERSION_SUFFIX={suffix}");
}

/// `"sha1": "<hex>"` of cargo's `.cargo_vcs_info.json` (no JSON parser in a build script).
fn vcs_info_sha1(json: &str) -> Option<String> {
    let after = &json[json.find("\"sha1\"")? + "\"sha1\"".len()..];
    let start = after.find('"')? + 1;
    let len = after[start..].find('"')?;
    Some(after[start..start + len].to_owned())
}

/// The trimmed output of `git ARGS` in `dir`, or `None` if git is missing or fails.
fn git(dir: &str, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    Some(text.trim().to_owned())
}
