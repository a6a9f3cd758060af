//! Golden files in `fixtures/config/`: `ok/` must parse without errors, `err/` with at least one,
//! and `edit/NAME.ini` is edited by `edit/NAME.script`. Each is snapshotted (debug dump,
//! diagnostics, semantic view, SSO resolution; or the edited text).

use std::fmt::Write as _;

use sso_config::{Document, ProfileSet, ProfileView, Severity};

use crate::support::run_script;

fn report(text: &str) -> String {
    let doc = Document::parse(text);
    assert_eq!(doc.to_string(), text, "lossless");
    let mut out = format!("{doc:?}");
    out.push_str("--- diagnostics\n");
    for d in doc.diagnostics() {
        writeln!(out, "{d}").unwrap();
    }
    let set = ProfileSet::from_documents(Some(("config", &doc)), None);
    out.push_str("--- warnings\n");
    for w in set.warnings() {
        writeln!(out, "{}: {}", w.origin, w.message).unwrap();
    }
    for (label, map) in [
        ("profile", set.profiles()),
        ("sso-session", set.sso_sessions()),
        ("services", set.services_sections()),
    ] {
        for (name, props) in map {
            writeln!(out, "--- {label} {name:?} at {}", props.origin()).unwrap();
            for (key, value) in props.iter() {
                writeln!(out, "{key} = {:?} ({})", value.as_str(), value.origin()).unwrap();
            }
        }
    }
    out.push_str("--- resolution\n");
    for (name, props) in set.profiles() {
        match set.resolve_sso(name) {
            Ok(sso) => writeln!(
                out,
                "{name}: start_url={} region={} session={:?} scopes={:?} role={:?}",
                sso.start_url.as_str(),
                sso.region.as_str(),
                sso.session_name(),
                sso.registration_scopes(),
                sso.role()
                    .map(|(a, r)| (a.as_str(), r.as_str()))
                    .map_err(|e| e.to_string()),
            ),
            Err(e) => writeln!(
                out,
                "{name}: {e} ({:?})",
                e.origin().map(ToString::to_string)
            ),
        }
        .unwrap();
        let view = ProfileView(props);
        for service in ["sso_oidc", "sso"] {
            if let Ok(Some(url)) = set.configured_endpoint_url(name, service) {
                writeln!(out, "{name}: {service} endpoint {url}").unwrap();
            }
        }
        if let Some(region) = view.region() {
            writeln!(out, "{name}: region {}", region.as_str()).unwrap();
        }
    }
    out
}

#[test]
fn ok_files_parse_without_errors() {
    insta::glob!("../../../../fixtures/config", "ok/*.ini", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let doc = Document::parse(&text);
        assert!(
            !doc.diagnostics()
                .iter()
                .any(|d| d.severity == Severity::Error),
            "{}: {:?}",
            path.display(),
            doc.diagnostics()
        );
        insta::assert_snapshot!(report(&text));
    });
}

#[test]
fn err_files_report_errors() {
    insta::glob!("../../../../fixtures/config", "err/*.ini", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        assert!(Document::parse(&text).has_errors(), "{}", path.display());
        insta::assert_snapshot!(report(&text));
    });
}

#[test]
fn edit_scripts() {
    insta::glob!("../../../../fixtures/config", "edit/*.ini", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let script = std::fs::read_to_string(path.with_extension("script")).unwrap();
        let mut doc = Document::parse(&text);
        let log = run_script(&mut doc, &script);
        let after = doc.to_string();
        assert_eq!(Document::parse(&after).to_string(), after);
        insta::assert_snapshot!(format!("{log}--- result\n{after}--- escaped\n{after:?}\n"));
    });
}
