//! Helpers shared by the integration tests: the edit-script language and kind parsing.

use sso_config::{Document, SectionKind};

/// Parses `profile:NAME`, `sso-session:NAME`, `services:NAME`, `credentials:NAME`, `default`.
pub(crate) fn kind(text: &str) -> SectionKind {
    match text.split_once(':') {
        Some(("profile", name)) => SectionKind::Profile(name.to_owned()),
        Some(("sso-session", name)) => SectionKind::SsoSession(name.to_owned()),
        Some(("services", name)) => SectionKind::Services(name.to_owned()),
        Some(("credentials", name)) => SectionKind::Unprefixed(name.to_owned()),
        _ if text == "default" => SectionKind::Default,
        _ => panic!("unknown section kind {text:?}"),
    }
}

/// Runs an edit script (`op | section | args...` per line) and returns a log of the results.
pub(crate) fn run_script(doc: &mut Document, script: &str) -> String {
    let mut log = String::new();
    for line in script.lines().filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split(" | ").collect();
        let outcome = match fields.as_slice() {
            ["set", section, key, value] => doc
                .get_or_insert_section(kind(section))
                .and_then(|mut s| s.set(key, value))
                .map(|()| "ok".to_owned()),
            ["sub", section, parent, key, value] => doc
                .get_or_insert_section(kind(section))
                .and_then(|mut s| s.set_sub_property(parent, key, value))
                .map(|()| "ok".to_owned()),
            ["remove", section, key] => Ok(doc
                .section_mut(&kind(section))
                .is_some_and(|mut s| s.remove(key))
                .to_string()),
            ["remove-sub", section, parent, key] => Ok(doc
                .section_mut(&kind(section))
                .is_some_and(|mut s| s.remove_sub_property(parent, key))
                .to_string()),
            ["remove-section", section] => Ok(doc.remove_section(&kind(section)).to_string()),
            ["rename", from, to] => doc
                .rename_section(&kind(from), kind(to))
                .map(|b| b.to_string()),
            other => panic!("unknown script line {other:?}"),
        };
        let outcome = outcome.unwrap_or_else(|e| format!("error: {e}"));
        log.push_str(&format!("{line} -> {outcome}\n"));
    }
    log
}
