//! The `file-location` suite: runs the cross-SDK `file-location-tests.json` cases through
//! `sso_config::file_locations` and `selected_profile`, with the environment and platform as data.

use std::collections::BTreeMap;

use serde_json::Value as Json;
use sso_config::{Platform, file_locations, selected_profile};

use crate::Context;
use crate::report::SuiteReport;

const FILE: &str = "file-location-tests.json";

/// Runs the suite.
pub(crate) fn run(context: &Context) -> SuiteReport {
    let mut report = SuiteReport::new("file-location");
    let Some(dir) = context.aws_sdk_rust() else {
        report.skip(
            "suite",
            format!(
                "{} not found: every case skipped",
                context.shared.join("aws-sdk-rust").join(FILE).display()
            ),
        );
        return report;
    };
    let json = match std::fs::read_to_string(dir.join(FILE))
        .map_err(|e| e.to_string())
        .and_then(|text| serde_json::from_str::<Json>(&text).map_err(|e| e.to_string()))
    {
        Ok(json) => json,
        Err(why) => {
            report.fail("suite", format!("cannot read {FILE}: {why}"));
            return report;
        }
    };
    let Some(tests) = json["tests"].as_array() else {
        report.fail("suite", format!("{FILE} has no `tests` array"));
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

fn run_case(case: &Json) -> Result<(), String> {
    let env: BTreeMap<String, String> = case["environment"]
        .as_object()
        .ok_or("no environment object")?
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
        .collect();
    let platform = match case["platform"].as_str() {
        Some("windows") => Platform::Windows,
        Some("linux" | "macos") => Platform::Unix,
        other => return Err(format!("unknown platform {other:?}")),
    };
    let locations = file_locations(&env, platform).map_err(|e| e.to_string())?;
    let expect = |field: &str, actual: &str| -> Result<(), String> {
        match case[field].as_str() {
            Some(expected) if expected != actual => {
                Err(format!("{field}: expected {expected:?}, got {actual:?}"))
            }
            _ => Ok(()),
        }
    };
    expect("configLocation", &locations.config)?;
    expect("credentialsLocation", &locations.credentials)?;
    expect("profile", &selected_profile(&env, None))?;
    Ok(())
}
