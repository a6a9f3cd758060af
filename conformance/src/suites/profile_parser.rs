//! The `profile-parser` suite: runs the cross-SDK `profile-parser-tests.json` cases through
//! `sso_config::Document` and `ProfileSet` and compares the profile and sso-session maps exactly.
//!
//! A case expecting `errorContaining` passes when one of the parse errors contains that text; a
//! case expecting a profile map passes when there are no parse errors and both maps are equal.

use std::collections::BTreeMap;

use serde_json::Value as Json;
use sso_config::{Document, ProfileSet, Properties};

use crate::Context;
use crate::report::SuiteReport;

const FILE: &str = "profile-parser-tests.json";

/// Runs the suite.
pub(crate) fn run(context: &Context) -> SuiteReport {
    crate::suites::run_json_suite(context, "profile-parser", FILE, run_case)
}

fn run_case(case: &Json) -> Result<(), String> {
    let config = case["input"]["configFile"].as_str().map(Document::parse);
    let credentials = case["input"]["credentialsFile"]
        .as_str()
        .map(Document::parse);
    for doc in config.iter().chain(credentials.iter()) {
        if doc.to_string().len() != doc.as_str().len() {
            return Err("document does not print back".into());
        }
    }
    let errors: Vec<String> = config
        .iter()
        .chain(credentials.iter())
        .flat_map(|d| d.diagnostics())
        .filter(|d| d.severity == sso_config::Severity::Error)
        .map(ToString::to_string)
        .collect();
    let output = &case["output"];
    if let Some(expected) = output["errorContaining"].as_str() {
        return if errors.iter().any(|e| e.contains(expected)) {
            Ok(())
        } else {
            Err(format!(
                "expected an error containing {expected:?}, got {errors:?}"
            ))
        };
    }
    if !errors.is_empty() {
        return Err(format!("unexpected errors: {errors:?}"));
    }
    let set = ProfileSet::from_documents(
        config.as_ref().map(|d| ("config", d)),
        credentials.as_ref().map(|d| ("credentials", d)),
    );
    let expected_profiles = expected_map(&output["config"]["profiles"])?;
    let expected_sessions = expected_map(&output["config"]["sso_sessions"])?;
    let profiles = actual_map(set.profiles());
    let sessions = actual_map(set.sso_sessions());
    if profiles != expected_profiles {
        return Err(format!(
            "profiles: expected {expected_profiles:?}, got {profiles:?}"
        ));
    }
    if sessions != expected_sessions {
        return Err(format!(
            "sso_sessions: expected {expected_sessions:?}, got {sessions:?}"
        ));
    }
    Ok(())
}

type Map = BTreeMap<String, BTreeMap<String, String>>;

fn expected_map(json: &Json) -> Result<Map, String> {
    if json.is_null() {
        return Ok(Map::new());
    }
    let object = json.as_object().ok_or("expected an object")?;
    object
        .iter()
        .map(|(name, props)| {
            let props = props
                .as_object()
                .ok_or("expected an object of properties")?
                .iter()
                .map(|(k, v)| {
                    v.as_str()
                        .map(|v| (k.clone(), v.to_owned()))
                        .ok_or_else(|| format!("property {k} is not a string"))
                })
                .collect::<Result<_, String>>()?;
            Ok((name.clone(), props))
        })
        .collect()
}

fn actual_map(sections: &BTreeMap<String, Properties>) -> Map {
    sections
        .iter()
        .map(|(name, props)| {
            let props = props
                .iter()
                .map(|(k, v)| (k.to_owned(), v.as_str().to_owned()))
                .collect();
            (name.clone(), props)
        })
        .collect()
}
