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

    /// Whatever value `set` accepts reads back equal; whatever it refuses leaves the text as it
    /// was. Values lean on the characters the format treats specially.
    #[test]
    fn set_values_read_back_equal_or_are_refused(
        text in valid_config(),
        s in 0..KINDS.len(),
        key in proptest::sample::select(KEYS),
        value in prop_oneof![
            any::<String>(),
            r#"[#; \t=\[\]a\u{a0}\u{1c}\u{85}\u{2028}\r\n\\"']{0,6}"#,
            "[#;][a-zA-Z]{0,6}",
            "[a-z]{0,3}[ \t\u{3000}][#;][a-z]{0,3}",
        ],
    ) {
        let mut doc = Document::parse(&text);
        doc.get_or_insert_section(kind(s)).unwrap();
        let before = doc.to_string();
        let result = doc.section_mut(&kind(s)).unwrap().set(key, &value);
        let after = doc.to_string();
        let set = ProfileSet::from_documents(Some(("c", &doc)), None);
        match result {
            Ok(()) => prop_assert_eq!(
                lookup(&set, &kind(s), key).map(Value::as_str),
                Some(value.as_str()),
                "{:?}", after
            ),
            Err(_) => prop_assert_eq!(before, after),
        }
        // The same for a sub-property.
        let mut doc = Document::parse(&text);
        let result = doc.get_or_insert_section(kind(s)).unwrap().set_sub_property("blk", "sub", &value);
        let set = ProfileSet::from_documents(Some(("c", &doc)), None);
        if result.is_ok() {
            let block = lookup(&set, &kind(s), "blk");
            prop_assert_eq!(block.and_then(|b| b.sub_property("sub")), Some(value.as_str()));
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

/// Any generated text, well-formed or not, possibly after a byte-order mark.
fn any_config() -> impl Strategy<Value = String> {
    (prop_oneof![valid_config(), messy_config()], any::<bool>()).prop_map(|(text, bom)| {
        if bom { format!("\u{feff}{text}") } else { text }
    })
}

/// Kinds to remove, with repeats, and one (`profile zz`) that the generators never write.
fn kind_list() -> impl Strategy<Value = Vec<SectionKind>> {
    let one = (0..=KINDS.len()).prop_map(|index| {
        if index == KINDS.len() {
            SectionKind::Profile("zz".into())
        } else {
            kind(index)
        }
    });
    proptest::collection::vec(one, 0..7)
}

/// The body of every section, in file order: `(kind, lines from the header through the last
/// line that is neither blank nor a comment before the next line starting with `[`)`.
fn section_bodies(doc: &Document) -> Vec<(SectionKind, String)> {
    let text = doc.to_string();
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let content = |line: &str| {
        let line = line.strip_suffix('\n').unwrap_or(line);
        line.strip_suffix('\r').unwrap_or(line).to_owned()
    };
    let trivia = |line: &str| {
        let content = content(line);
        content.trim_matches([' ', '\t']).is_empty() || content.starts_with(['#', ';'])
    };
    doc.sections()
        .into_iter()
        .map(|section| {
            let header = section.line as usize - 1;
            let mut last = header;
            for (index, line) in lines.iter().enumerate().skip(header + 1) {
                if line.starts_with('[') {
                    break;
                }
                if !trivia(line) {
                    last = index;
                }
            }
            (section.kind, lines[header..=last].concat())
        })
        .collect()
}

/// What adding a section to `text` (which appended `appended`) and removing it again leaves:
/// the text, with the line ending the addition gave its last line; and when the new header went
/// right under the last line (no blank line inserted), without the comment lines at the end of
/// the text (they were directly above the header) and then without one blank line.
fn add_then_remove_model(text: &str, appended: &str) -> String {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
    let mut appended = appended;
    if let Some(last) = lines.last_mut()
        && !last.ends_with('\n')
    {
        let ending = if appended.starts_with("\r\n") {
            "\r\n"
        } else {
            "\n"
        };
        last.push_str(ending);
        appended = &appended[ending.len()..];
    }
    if appended.starts_with('[') {
        let comment = |line: &String| line.starts_with(['#', ';']);
        let blank = |line: &String| line.trim_matches([' ', '\t', '\r', '\n']).is_empty();
        while lines.last().is_some_and(comment) {
            lines.pop();
        }
        if lines.last().is_some_and(blank) {
            lines.pop();
        }
    }
    lines.concat()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    /// Removing many kinds at once is removing them one kind at a time, in the order given.
    #[test]
    fn remove_sections_equals_one_kind_at_a_time(text in any_config(), kinds in kind_list()) {
        let mut all = Document::parse(&text);
        let count = all.remove_sections(&kinds);
        let mut one_by_one = Document::parse(&text);
        let mut counts = 0;
        for kind in &kinds {
            counts += one_by_one.remove_sections(std::slice::from_ref(kind));
        }
        prop_assert_eq!(all.to_string(), one_by_one.to_string());
        prop_assert_eq!(count, counts);
        prop_assert_eq!(format!("{all:?}"), format!("{:?}", Document::parse(&all.to_string())));
        prop_assert_eq!(all.has_bom(), text.starts_with('\u{feff}'));
        prop_assert!(!all.sections().iter().any(|s| kinds.contains(&s.kind)));
    }

    /// One kind: `remove_section`'s result with at most one blank line per removed section
    /// taken out as well.
    #[test]
    fn remove_sections_is_remove_section_plus_blank_lines(text in any_config(), index in 0..KINDS.len()) {
        let mut plain = Document::parse(&text);
        let removed_any = plain.remove_section(&kind(index));
        let mut tidy = Document::parse(&text);
        let count = tidy.remove_sections(&[kind(index)]);
        prop_assert_eq!(removed_any, count > 0);
        // The byte-order mark is not part of the first line.
        let bom = |doc: &Document| {
            let text = doc.to_string();
            text.strip_prefix('\u{feff}').unwrap_or(&text).to_owned()
        };
        let (plain, tidy) = (bom(&plain), bom(&tidy));
        let gone = removed(&plain, &tidy);
        prop_assert!(gone.is_some(), "{plain:?} -> {tidy:?}");
        let gone = gone.unwrap_or_default();
        prop_assert!(gone.len() <= count);
        prop_assert!(gone.iter().all(|l| l.trim_matches([' ', '\t']).is_empty()), "{gone:?}");
    }

    /// Sections of other kinds keep every byte from their header to their last property, and
    /// the semantic view of them does not change.
    #[test]
    fn remove_sections_leaves_other_sections_alone(text in any_config(), kinds in kind_list()) {
        let before = Document::parse(&text);
        let mut after = before.clone();
        after.remove_sections(&kinds);
        let kept: Vec<_> = section_bodies(&before)
            .into_iter()
            .filter(|(kind, _)| !kinds.contains(kind))
            .collect();
        prop_assert_eq!(kept, section_bodies(&after));
        let info = |doc: &Document| {
            doc.sections()
                .into_iter()
                .filter(|s| !kinds.contains(&s.kind))
                .map(|s| (s.kind, s.valid_name, s.keys))
                .collect::<Vec<_>>()
        };
        prop_assert_eq!(info(&before), info(&after));
    }

    /// Adding a section and removing it gives the text back exactly when the text is empty or
    /// ends with a line ending and its last line is neither blank nor a comment line the new
    /// header goes right under (a trailing comment is kept when the file separates sections with
    /// blank lines, since one then goes between). Otherwise what comes back is
    /// [`add_then_remove_model`].
    #[test]
    fn add_then_remove_sections(text in valid_config(), key in proptest::sample::select(KEYS), value in "[a-z0-9]{1,8}") {
        let new = SectionKind::Profile("zz".into());
        let mut doc = Document::parse(&text);
        doc.get_or_insert_section(new.clone()).unwrap().set(key, &value).unwrap();
        let appended = doc.to_string()[text.len()..].to_owned();
        prop_assert_eq!(doc.remove_sections(&[new]), 1);
        let after = doc.to_string();
        prop_assert_eq!(&after, &add_then_remove_model(&text, &appended));
        let last = text.lines().last().unwrap_or("");
        let blank = last.trim_matches([' ', '\t']).is_empty();
        let comment_above = last.starts_with(['#', ';']) && appended.starts_with('[');
        if text.ends_with('\n') && !blank && !comment_above {
            prop_assert_eq!(after, text);
        }
    }
}
