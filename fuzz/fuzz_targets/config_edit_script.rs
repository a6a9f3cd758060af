//! Fuzz target: an arbitrary document followed by an arbitrary edit script. Every edit either
//! fails and leaves the text unchanged, or succeeds and leaves a document that prints back
//! exactly, adds no parse error, and (for `set`) reads back the value set.
//!
//! Input layout: the bytes before the first NUL are the document; each following NUL-separated
//! chunk is one edit: an op byte, a section byte, then `key`, `value` split at the first `=`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sso_config::{Document, ProfileSet, SectionKind};

fn section(byte: u8, name: &str) -> SectionKind {
    match byte % 5 {
        0 => SectionKind::Default,
        1 => SectionKind::Profile(name.to_owned()),
        2 => SectionKind::SsoSession(name.to_owned()),
        3 => SectionKind::Services(name.to_owned()),
        _ => SectionKind::Unprefixed(name.to_owned()),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.split('\0');
    let mut doc = Document::parse(parts.next().unwrap_or(""));
    for edit in parts {
        let mut bytes = edit.bytes();
        let (Some(op), Some(kind)) = (bytes.next(), bytes.next()) else {
            continue;
        };
        let rest = edit.get(2..).unwrap_or("");
        let (key, value) = rest.split_once('=').unwrap_or((rest, ""));
        let kind = section(kind, "fz");
        let before = doc.to_string();
        let errors_before = doc.has_errors();
        let ok = match op % 6 {
            0 => doc
                .get_or_insert_section(kind.clone())
                .and_then(|mut s| s.set(key, value))
                .is_ok(),
            1 => doc.section_mut(&kind).is_some_and(|mut s| s.remove(key)),
            2 => doc
                .get_or_insert_section(kind.clone())
                .and_then(|mut s| s.set_sub_property("blk", key, value))
                .is_ok(),
            3 => doc.remove_section(&kind),
            4 => doc
                .rename_section(&kind, section(op / 6, key))
                .unwrap_or(false),
            _ => doc
                .section_mut(&kind)
                .is_some_and(|mut s| s.remove_sub_property("blk", key)),
        };
        let after = doc.to_string();
        assert_eq!(Document::parse(&after).to_string(), after);
        if !ok && op % 6 != 0 && op % 6 != 2 {
            assert_eq!(before, after);
        }
        if ok && !errors_before {
            assert!(
                !doc.has_errors(),
                "edit introduced an error: {before:?} -> {after:?}"
            );
        }
        let shadowed_default = kind == SectionKind::Default
            && doc
                .sections()
                .iter()
                .any(|s| s.kind == SectionKind::Profile("default".to_owned()));
        if ok && op % 6 == 0 && !errors_before && !shadowed_default {
            let set = ProfileSet::from_documents(Some(("c", &doc)), None);
            let props = match &kind {
                SectionKind::Default => set.profile("default"),
                SectionKind::Profile(n) => set.profile(n),
                SectionKind::SsoSession(n) => set.sso_session(n),
                SectionKind::Services(n) => set.services(n),
                _ => None,
            };
            if let Some(props) = props {
                assert_eq!(props.get_str(key), Some(value));
            }
        }
    }
});
