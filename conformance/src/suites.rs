//! The list of suites, in the order they run. Each module owns one suite.

mod credential_provider;
mod exchanges;
mod file_location;
mod profile_parser;
mod roundtrip;
mod sdk_case;
mod token_provider;

use crate::Context;
use crate::report::SuiteReport;

/// Runs the SDK's JSON suite `file` (`{"tests": [...]}` in `shared/conformance/aws-sdk-rust/`)
/// case by case through `run_case`: skipped when the folder is absent, failed when the file
/// cannot be read.
pub(crate) fn run_json_suite(
    context: &Context,
    suite: &'static str,
    file: &str,
    run_case: fn(&serde_json::Value) -> Result<(), String>,
) -> SuiteReport {
    let mut report = SuiteReport::new(suite);
    let Some(dir) = context.aws_sdk_rust() else {
        report.skip(
            "suite",
            format!(
                "{} not found: every case skipped",
                context.shared.join("aws-sdk-rust").join(file).display()
            ),
        );
        return report;
    };
    let json = match std::fs::read_to_string(dir.join(file))
        .map_err(|e| e.to_string())
        .and_then(|text| {
            serde_json::from_str::<serde_json::Value>(&text).map_err(|e| e.to_string())
        }) {
        Ok(json) => json,
        Err(why) => {
            report.fail("suite", format!("cannot read {file}: {why}"));
            return report;
        }
    };
    let Some(tests) = json["tests"].as_array() else {
        report.fail("suite", format!("{file} has no `tests` array"));
        return report;
    };
    for (index, case) in tests.iter().enumerate() {
        let name = format!(
            "{index:02} {}",
            case["name"].as_str().unwrap_or("(unnamed)")
        );
        report.record(name, run_case(case));
    }
    report
}

/// A suite's entry point.
pub(crate) type Suite = fn(&Context) -> SuiteReport;

/// Every suite with the name it is selected and printed by.
pub(crate) const ALL: &[(&str, Suite)] = &[
    ("profile-parser", profile_parser::run),
    ("file-location", file_location::run),
    ("config-roundtrip", roundtrip::run),
    ("exchanges", exchanges::run),
    ("exchanges-driver", exchanges::driver::run),
    ("default-token-provider-chain", token_provider::run),
    (
        "default-credential-provider-chain",
        credential_provider::run_default_chain,
    ),
    (
        "profile-provider",
        credential_provider::run_profile_provider,
    ),
];
