//! The cross-SDK `profile-parser-tests.json` run as a cargo test (the conformance harness runs it
//! too). The data lives outside the repository; when it is absent the test says so and checks the
//! few cases copied below instead.

use std::collections::BTreeMap;

use serde_json::Value as Json;
use sso_config::{Document, ProfileSet, Severity};

fn suite() -> Option<Json> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/aws-sdk-rust/profile-parser-tests.json");
    let text = std::fs::read_to_string(&path).ok()?;
    serde_json::from_str(&text).ok()
}

fn outcome(config: Option<&str>, credentials: Option<&str>) -> Result<Json, Vec<String>> {
    let config = config.map(Document::parse);
    let credentials = credentials.map(Document::parse);
    let errors: Vec<String> = config
        .iter()
        .chain(credentials.iter())
        .flat_map(|d| d.diagnostics())
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.message.clone())
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let set = ProfileSet::from_documents(
        config.as_ref().map(|d| ("config", d)),
        credentials.as_ref().map(|d| ("credentials", d)),
    );
    let map = |m: &BTreeMap<String, sso_config::Properties>| -> Json {
        m.iter()
            .map(|(n, p)| {
                let props: serde_json::Map<String, Json> = p
                    .iter()
                    .map(|(k, v)| (k.to_owned(), Json::String(v.as_str().to_owned())))
                    .collect();
                (n.clone(), Json::Object(props))
            })
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    Ok(
        serde_json::json!({"profiles": map(set.profiles()), "sso_sessions": map(set.sso_sessions())}),
    )
}

fn check(case: &Json) -> Result<(), String> {
    let got = outcome(
        case["input"]["configFile"].as_str(),
        case["input"]["credentialsFile"].as_str(),
    );
    match (case["output"]["errorContaining"].as_str(), got) {
        (Some(expected), Err(errors)) if errors.iter().any(|e| e.contains(expected)) => Ok(()),
        (Some(expected), other) => Err(format!("expected error {expected:?}, got {other:?}")),
        (None, Err(errors)) => Err(format!("unexpected errors {errors:?}")),
        (None, Ok(got)) => {
            let mut expected = case["output"]["config"].clone();
            if expected["sso_sessions"].is_null() {
                expected["sso_sessions"] = serde_json::json!({});
            }
            if got == expected {
                Ok(())
            } else {
                Err(format!("expected {expected}, got {got}"))
            }
        }
    }
}

#[test]
fn every_profile_parser_case_passes() {
    let suite = suite().unwrap_or_else(|| {
        eprintln!("shared/conformance not found: checking the built-in cases only");
        serde_json::json!({"tests": [
            {"name": "inline comments", "input": {"configFile": "[profile foo] # c\nname = value # c\nname2 = v#x"},
             "output": {"config": {"profiles": {"foo": {"name": "value", "name2": "v#x"}}}}},
            {"name": "default", "input": {"configFile": "[default]\na = 1\n[profile default]\nb = 2"},
             "output": {"config": {"profiles": {"default": {"b": "2"}}}}},
            {"name": "sub", "input": {"configFile": "[profile foo]\ns3 =\n invalid"},
             "output": {"errorContaining": "Expected an '=' sign defining a sub-property"}}
        ]})
    });
    let tests = suite["tests"].as_array().unwrap();
    let failures: Vec<String> = tests
        .iter()
        .filter_map(|case| check(case).err().map(|e| format!("{}: {e}", case["name"])))
        .collect();
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
