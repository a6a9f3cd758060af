//! Property tests: lossless round trips for generated configs and arbitrary strings, and edit
//! sequences that leave untouched lines alone and read back what they set.

use proptest::prelude::*;
use sso_config::{Document, FileKind, ProfileSet, SectionKind, Value};

const KINDS: &[&str] = &[
    "default",
    "profile a",
    "profile 'b b'",
    "sso-session s",
    "services v",
];
const KEYS: &[&str] = &["region", "Region", "output", "sso_session", "k-1", "s3"];

fn kind(index: usize) -> SectionKind {
    match index {
        0 => SectionKind::Default,
        1 => SectionKind::Profile("a".into()),
        2 => SectionKind::Profile("b b".into()),
        3 => SectionKind::SsoSession("s".into()),
        _ => SectionKind::Services("v".into()),
    }
}

/// Well-formed config text: every line is accepted by the parser.
fn valid_config() -> impl Strategy<Value = String> {
    let key = proptest::sample::select(KEYS);
    let line = prop_oneof![
        proptest::sample::select(KINDS).prop_map(|k| format!("[{k}]")),
        proptest::sample::select(KINDS).prop_map(|k| format!("[{k}]\t; c")),
        (key.clone(), "[ \t]{0,2}", "[a-zA-Zé€0-9:/._#-]{0,8}")
            .prop_map(|(k, s, v)| format!("{k}{s}={s}{v}")),
        (key.clone(), "[a-z0-9]{1,6}").prop_map(|(k, v)| format!("{k} = {v} # note")),
        (key.clone(), "[a-z]{1,4}", "[a-z0-9]{0,4}")
            .prop_map(|(k, sk, sv)| format!("{k} =\n  {sk} = {sv}\n\t{sk}x = 1")),
        "[#;][^\r\n]{0,12}",
        "[ \t]{0,3}",
    ];
    let ending = prop_oneof![Just("\n"), Just("\r\n")];
    (
        "\\[default\\]",
        proptest::collection::vec((line, ending), 0..20),
        any::<bool>(),
    )
        .prop_map(|(first, lines, final_newline)| {
            let mut text = format!("{first}\n");
            for (line, ending) in lines {
                text.push_str(&line);
                text.push_str(ending);
            }
            if !final_newline {
                let trimmed = text.trim_end_matches(['\r', '\n']).len();
                text.truncate(trimmed);
            }
            text
        })
}

/// Config-shaped text that may contain anything, including invalid lines and lone `\r`.
fn messy_config() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        valid_config(),
        "[ \t]{1,3}[^\r\n]{1,10}",
        "\\[[^\r\n]{0,10}",
        "[^\r\n]{0,16}",
        "\u{feff}[^\r\n]{0,4}",
    ];
    let ending = prop_oneof![Just("\n"), Just("\r\n"), Just("\r"), Just("")];
    proptest::collection::vec((line, ending), 0..12)
        .prop_map(|lines| lines.into_iter().map(|(l, e)| format!("{l}{e}")).collect())
}

#[derive(Debug, Clone)]
enum Op {
    Set(usize, &'static str, String),
    Remove(usize, &'static str),
    SetSub(usize, &'static str, String, String),
    RemoveSection(usize),
    Rename(usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    let section = 0..KINDS.len();
    let key = proptest::sample::select(KEYS);
    let value = "[a-zA-Z0-9:/._é-]{0,10}";
    prop_oneof![
        4 => (section.clone(), key.clone(), value).prop_map(|(s, k, v)| Op::Set(s, k, v)),
        2 => (section.clone(), key.clone()).prop_map(|(s, k)| Op::Remove(s, k)),
        2 => (section.clone(), key, "[a-z_]{1,6}", value).prop_map(|(s, k, sk, v)| Op::SetSub(s, k, sk, v)),
        1 => section.clone().prop_map(Op::RemoveSection),
        1 => (section.clone(), section).prop_map(|(a, b)| Op::Rename(a, b)),
    ]
}

/// The lines of `before` and `after` that differ once the common prefix and suffix are removed.
fn changed<'a>(before: &'a str, after: &'a str) -> (Vec<&'a str>, Vec<&'a str>) {
    let b: Vec<&str> = before.split_inclusive('\n').collect();
    let a: Vec<&str> = after.split_inclusive('\n').collect();
    let prefix = b.iter().zip(&a).take_while(|(x, y)| x == y).count();
    let max_suffix = b.len().min(a.len()) - prefix;
    let suffix = b
        .iter()
        .rev()
        .zip(a.iter().rev())
        .take(max_suffix)
        .take_while(|(x, y)| x == y)
        .count();
    (
        b[prefix..b.len() - suffix].to_vec(),
        a[prefix..a.len() - suffix].to_vec(),
    )
}

/// The lines of `before` that are missing from `after`, if `after` is `before` with some lines
/// removed (line endings ignored, since removing a last line leaves the previous one's ending).
fn removed<'a>(before: &'a str, after: &str) -> Option<Vec<&'a str>> {
    let mut kept = after.lines().peekable();
    let mut gone = Vec::new();
    for line in before.lines() {
        if kept.peek() == Some(&line) {
            kept.next();
        } else {
            gone.push(line);
        }
    }
    kept.peek().is_none().then_some(gone)
}

fn is_trivia(line: &str) -> bool {
    let t = line.trim_matches([' ', '\t', '\r', '\n']);
    t.is_empty() || t.starts_with(['#', ';'])
}

fn has_key(line: &str, key: &str) -> bool {
    line.split('=')
        .next()
        .is_some_and(|k| k.trim().eq_ignore_ascii_case(key))
}

fn lookup<'s>(set: &'s ProfileSet, section: &SectionKind, key: &str) -> Option<&'s Value> {
    let props = match section {
        SectionKind::Default => set.profile("default"),
        SectionKind::Profile(n) => set.profile(n),
        SectionKind::SsoSession(n) => set.sso_session(n),
        SectionKind::Services(n) => set.services(n),
        _ => None,
    };
    props?.get(key)
}

fn apply(doc: &mut Document, op: &Op) -> Result<(), TestCaseError> {
    let before = doc.to_string();
    match op {
        Op::Set(s, key, value) => {
            doc.get_or_insert_section(kind(*s))
                .unwrap()
                .set(key, value)
                .unwrap();
            let after = doc.to_string();
            let (old, new) = changed(&before, &after);
            let last = before.lines().last().unwrap_or("");
            for line in &old {
                prop_assert!(
                    has_key(line, key)
                        || line.starts_with([' ', '\t'])
                        || is_trivia(line)
                        || line.trim_end_matches(['\r', '\n']) == last,
                    "set touched {line:?}"
                );
            }
            let set = ProfileSet::from_documents(Some(("c", doc)), None);
            prop_assert_eq!(
                lookup(&set, &kind(*s), key).map(Value::as_str),
                Some(value.as_str())
            );
            prop_assert!(new.len() <= old.len() + 4, "set added {new:?}");
        }
        Op::Remove(s, key) => {
            if let Some(mut section) = doc.section_mut(&kind(*s)) {
                section.remove(key);
            }
            let after = doc.to_string();
            let old = removed(&before, &after);
            prop_assert!(old.is_some(), "remove added lines: {before:?} -> {after:?}");
            for line in old.unwrap_or_default() {
                prop_assert!(
                    has_key(line, key) || line.starts_with([' ', '\t']) || is_trivia(line),
                    "remove touched {line:?}"
                );
            }
            let set = ProfileSet::from_documents(Some(("c", doc)), None);
            prop_assert!(lookup(&set, &kind(*s), key).is_none());
        }
        Op::SetSub(s, parent, key, value) => {
            let result = doc
                .get_or_insert_section(kind(*s))
                .unwrap()
                .set_sub_property(parent, key, value);
            let set = ProfileSet::from_documents(Some(("c", doc)), None);
            match result {
                Ok(()) => {
                    let block = lookup(&set, &kind(*s), parent).unwrap();
                    prop_assert_eq!(block.sub_property(key), Some(value.as_str()));
                }
                Err(_) => {
                    prop_assert!(!lookup(&set, &kind(*s), parent).unwrap().as_str().is_empty())
                }
            }
        }
        Op::RemoveSection(s) => {
            doc.remove_section(&kind(*s));
            let after = doc.to_string();
            prop_assert!(
                removed(&before, &after).is_some(),
                "remove-section added lines: {before:?} -> {after:?}"
            );
            prop_assert!(!doc.sections().iter().any(|i| i.kind == kind(*s)));
        }
        Op::Rename(from, to) => {
            let result = doc.rename_section(&kind(*from), kind(*to));
            let after = doc.to_string();
            prop_assert_eq!(
                before.split_inclusive('\n').count(),
                after.split_inclusive('\n').count()
            );
            for (old, new) in before
                .split_inclusive('\n')
                .zip(after.split_inclusive('\n'))
            {
                prop_assert!(
                    old == new || (old.starts_with('[') && new.starts_with('[')),
                    "rename touched {old:?}"
                );
            }
            if result.is_err() {
                prop_assert_eq!(before, after);
            }
        }
    }
    let text = doc.to_string();
    prop_assert_eq!(Document::parse(&text).to_string(), text.clone());
    prop_assert!(
        !Document::parse(&text).has_errors(),
        "edit produced errors in {text:?}"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn generated_configs_round_trip(text in messy_config()) {
        let doc = Document::parse(&text);
        prop_assert_eq!(doc.to_string(), text.clone());
        let again = Document::parse(&doc.to_string());
        prop_assert_eq!(format!("{again:?}"), format!("{doc:?}"));
        // The benches' keep-nothing baseline must cope with whatever the parser copes with.
        let _ = sso_config::testgen::keep_nothing_scan(&text);
    }

    #[test]
    fn valid_configs_have_no_errors(text in valid_config()) {
        let doc = Document::parse(&text);
        prop_assert_eq!(doc.to_string(), text.clone());
        prop_assert!(!doc.has_errors(), "{:?}", doc.diagnostics());
    }

    #[test]
    fn arbitrary_strings_print_back(text in any::<String>()) {
        let doc = Document::parse(&text);
        prop_assert_eq!(doc.to_string(), text.clone());
        let set = ProfileSet::from_documents(Some(("c", &doc)), Some(("d", &doc)));
        for name in set.profiles().keys() {
            let _ = set.resolve_sso(name);
        }
        let _ = sso_config::testgen::keep_nothing_scan(&text);
    }

    #[test]
    fn edits_keep_untouched_lines_and_read_back(text in valid_config(), ops in proptest::collection::vec(op(), 1..8)) {
        let mut doc = Document::parse(&text);
        for op in &ops {
            apply(&mut doc, op)?;
        }
    }

    #[test]
    fn profile_sections_in_both_files_round_trip(name in "[a-zA-Z0-9 ._-]{1,12}", value in "[a-z0-9]{1,8}") {
        for file in [FileKind::Config, FileKind::Credentials] {
            let mut doc = Document::parse("");
            let section = SectionKind::profile_in(file, &name);
            if doc.get_or_insert_section(section.clone()).is_err() {
                continue;
            }
            doc.section_mut(&section).unwrap().set("region", &value).unwrap();
            let set = match file {
                FileKind::Config => ProfileSet::from_documents(Some(("c", &doc)), None),
                FileKind::Credentials => ProfileSet::from_documents(None, Some(("c", &doc))),
            };
            prop_assert_eq!(set.profile(&name).and_then(|p| p.get_str("region")), Some(value.as_str()));
        }
    }
}
