//! The conformance harness behind `cargo xtask conformance`.
//!
//! Runs every suite and prints one line per suite, `<suite>: N passed, N failed, N skipped`,
//! then exits non-zero if any case failed. External data is read from `../shared/conformance`
//! (override with `--shared PATH` or `SSO_SHARED_CONFORMANCE`); when it is absent, the suites
//! that need it say so and count every case as skipped, never as passed.
//!
//! Usage: `sso-conformance [--shared PATH] [SUITE...]`.

#![expect(clippy::print_stdout, reason = "the harness reports on stdout")]

mod report;
mod suites;

use std::path::PathBuf;
use std::process::ExitCode;

/// What every suite may need to find its data.
pub(crate) struct Context {
    /// The repository root (holds `fixtures/`).
    pub(crate) root: PathBuf,
    /// `../shared/conformance` or its override; may not exist.
    pub(crate) shared: PathBuf,
}

impl Context {
    /// `shared/conformance/aws-sdk-rust`, if present.
    pub(crate) fn aws_sdk_rust(&self) -> Option<PathBuf> {
        let dir = self.shared.join("aws-sdk-rust");
        dir.is_dir().then_some(dir)
    }
}

fn main() -> ExitCode {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default();
    let mut shared = std::env::var_os("SSO_SHARED_CONFORMANCE")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/conformance"));
    let mut wanted = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--shared" => match args.next() {
                Some(path) => shared = PathBuf::from(path),
                None => {
                    println!("error: --shared needs a path");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                println!("usage: sso-conformance [--shared PATH] [SUITE...]");
                for (name, _) in suites::ALL {
                    println!("  {name}");
                }
                return ExitCode::SUCCESS;
            }
            _ => wanted.push(arg),
        }
    }
    let context = Context { root, shared };
    if context.aws_sdk_rust().is_none() {
        println!(
            "note: {} not found: the external SDK suites are skipped",
            context.shared.join("aws-sdk-rust").display()
        );
    }
    let mut failed = false;
    let mut ran = 0;
    for (name, run) in suites::ALL {
        if !wanted.is_empty() && !wanted.iter().any(|w| w == name) {
            continue;
        }
        ran += 1;
        let report = run(&context);
        failed |= report.has_failures();
        println!("{report}");
    }
    if ran == 0 {
        println!("error: no suite matches {wanted:?}");
        return ExitCode::from(2);
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
