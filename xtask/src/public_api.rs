//! `cargo xtask public-api [--bless]`: the public API of every library crate we publish, compared
//! with the listing committed beside its manifest (`crates/NAME/public-api.txt`).
//!
//! The crates come from `cargo metadata`: every workspace member that is publishable and has a
//! library target, unless its manifest says `[package.metadata.sso] public-api = false`. So a new
//! library crate is checked as soon as it exists; `--bless` writes its first listing. The listing
//! is rendered by the `public-api` crate from rustdoc's JSON output, which needs
//! `RUSTC_BOOTSTRAP=1` on a stable toolchain and the rustdoc JSON format that `public-api` reads;
//! it builds in its own target directory so that the bootstrap flag does not invalidate the
//! normal build.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, Result, bail};

/// A workspace member, as `cargo metadata` describes it.
pub(crate) struct Package {
    pub(crate) name: String,
    dir: PathBuf,
    pub(crate) publishable: bool,
    /// Publishable, with a library target, and not opted out: its API is listed.
    listed: bool,
}

/// The listing file of a crate.
const LISTING: &str = "public-api.txt";

/// Checks (or with `bless`, rewrites) every listing; fails listing the crates that differ.
pub(crate) fn run(root: &Path, rest: &[String]) -> Result<()> {
    let bless = rest.iter().any(|arg| arg == "--bless");
    let mut changed = Vec::new();
    for library in packages(root)?.into_iter().filter(|p| p.listed) {
        let current = render(root, &library.name)?;
        let path = library.dir.join(LISTING);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed == current {
            continue;
        }
        if bless {
            std::fs::write(&path, &current)
                .with_context(|| format!("writing {}", path.display()))?;
            eprintln!("public-api: wrote {}", path.display());
        } else {
            eprintln!(
                "public-api: {} changed:\n{}",
                library.name,
                diff(&committed, &current)
            );
            changed.push(library.name);
        }
    }
    if !changed.is_empty() {
        bail!(
            "the public API of {} differs from public-api.txt; if the change is intended, run \
             `cargo xtask public-api --bless`, commit the listing and note the change in \
             CHANGELOG.md (a removal or signature change is a breaking release)",
            changed.join(", ")
        );
    }
    eprintln!("public-api: ok");
    Ok(())
}

/// The lines only in `old` (`-`) and only in `new` (`+`); listings are sorted, one item a line.
fn diff(old: &str, new: &str) -> String {
    let old_lines: std::collections::BTreeSet<&str> = old.lines().collect();
    let new_lines: std::collections::BTreeSet<&str> = new.lines().collect();
    let mut out = String::new();
    for line in old_lines.difference(&new_lines) {
        out.push_str(&format!("- {line}\n"));
    }
    for line in new_lines.difference(&old_lines) {
        out.push_str(&format!("+ {line}\n"));
    }
    out
}

/// The listing of one crate, one item per line, ending with a newline.
fn render(root: &Path, name: &str) -> Result<String> {
    let target_dir = root.join("target").join("public-api");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("$ RUSTC_BOOTSTRAP=1 cargo rustdoc -p {name} --lib -- --output-format json");
    let status = Command::new(&cargo)
        .args([
            "rustdoc",
            "--quiet",
            "--locked",
            "--lib",
            "-p",
            name,
            "--target-dir",
        ])
        .arg(&target_dir)
        .args(["--", "-Z", "unstable-options", "--output-format", "json"])
        .env("RUSTC_BOOTSTRAP", "1")
        .env_remove("RUSTDOCFLAGS")
        .current_dir(root)
        .status()
        .context("could not start cargo rustdoc")?;
    if !status.success() {
        bail!("rustdoc JSON for {name} failed ({status})");
    }
    let json = target_dir
        .join("doc")
        .join(format!("{}.json", name.replace('-', "_")));
    let api = public_api::Builder::from_rustdoc_json(&json)
        .build()
        .with_context(|| {
            format!(
                "reading {} (a toolchain whose rustdoc JSON format the `public-api` crate does \
                 not read? CI pins the one it reads)",
                json.display()
            )
        })?;
    let mut listing = String::new();
    for item in api.items() {
        listing.push_str(&item.to_string());
        listing.push('\n');
    }
    Ok(listing)
}

/// The members of the workspace, from `cargo metadata`.
pub(crate) fn packages(root: &Path) -> Result<Vec<Package>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(&cargo)
        .args(["metadata", "--no-deps", "--format-version", "1", "--locked"])
        .current_dir(root)
        .output()
        .context("running cargo metadata")?;
    if !output.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).context("parsing cargo metadata")?;
    let mut packages = Vec::new();
    for package in metadata["packages"].as_array().into_iter().flatten() {
        // `publish = false` is `[]`; no `publish` key is `null` (any registry).
        let publishable = package["publish"]
            .as_array()
            .is_none_or(|registries| !registries.is_empty());
        let has_lib = package["targets"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|target| {
                target["kind"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|kind| kind == "lib")
            });
        let opted_out = package["metadata"]["sso"]["public-api"] == false;
        let (Some(name), Some(manifest)) =
            (package["name"].as_str(), package["manifest_path"].as_str())
        else {
            continue;
        };
        let dir = Path::new(manifest)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        packages.push(Package {
            name: name.to_owned(),
            dir,
            publishable,
            listed: publishable && has_lib && !opted_out,
        });
    }
    packages.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(packages)
}
