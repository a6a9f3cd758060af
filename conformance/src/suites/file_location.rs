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
    crate::suites::run_json_suite(context, "file-location", FILE, run_case)
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
