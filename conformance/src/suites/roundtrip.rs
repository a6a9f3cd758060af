//! The `config-roundtrip` suite: a bounded, deterministic run of the lossless property.
//!
//! Cases: 256 generated config-like texts (headers, properties, comments, continuations,
//! sub-properties, tabs, CRLF, unicode, BOM, missing final newline), 256 arbitrary strings, and
//! every file under `fixtures/config/`. For each one, printing the parsed document must give the
//! input back byte for byte, parsing the printout again must give the same document and the same
//! profiles, and the semantic layer must not panic. The generator uses proptest's deterministic
//! runner, so the cases are the same on every run.

use std::path::Path;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use sso_config::{Document, ProfileSet};

use crate::Context;
use crate::report::SuiteReport;

const GENERATED: usize = 256;
const ARBITRARY: usize = 256;

/// Runs the suite.
pub(crate) fn run(context: &Context) -> SuiteReport {
    let mut report = SuiteReport::new("config-roundtrip");
    let mut runner = TestRunner::deterministic();
    let strategies: [(&str, usize, BoxedStrategy<String>); 2] = [
        ("generated", GENERATED, config_text().boxed()),
        ("arbitrary", ARBITRARY, any::<String>().boxed()),
    ];
    for (label, count, strategy) in strategies {
        for index in 0..count {
            let case = format!("{label}/{index:03}");
            match strategy.new_tree(&mut runner) {
                Ok(tree) => report.record(case, check(&tree.current())),
                Err(why) => report.fail(case, format!("generator failed: {why}")),
            }
        }
    }
    let fixtures = context.root.join("fixtures/config");
    let mut files = Vec::new();
    collect(&fixtures, &mut files);
    if files.is_empty() {
        report.fail("fixtures", format!("no files under {}", fixtures.display()));
    }
    files.sort();
    for file in files {
        let name = file
            .strip_prefix(&context.root)
            .unwrap_or(&file)
            .display()
            .to_string();
        match std::fs::read_to_string(&file) {
            Ok(text) => report.record(name, check(&text)),
            Err(why) => report.fail(name, format!("cannot read: {why}")),
        }
    }
    report
}

/// The lossless property for one text.
fn check(text: &str) -> Result<(), String> {
    let doc = Document::parse(text);
    let printed = doc.to_string();
    if printed != text {
        return Err(format!("printed {printed:?} for input {text:?}"));
    }
    let again = Document::parse(&printed);
    if format!("{again:?}") != format!("{doc:?}") || again.diagnostics() != doc.diagnostics() {
        return Err(format!("parsing the printout differs for {text:?}"));
    }
    let first = ProfileSet::from_documents(Some(("config", &doc)), Some(("credentials", &doc)));
    let second =
        ProfileSet::from_documents(Some(("config", &again)), Some(("credentials", &again)));
    if first != second {
        return Err(format!("profiles differ after a round trip for {text:?}"));
    }
    for name in first.profiles().keys() {
        let _ = first.resolve_sso(name);
    }
    Ok(())
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Config-shaped text: a sequence of typical lines with mixed endings.
fn config_text() -> impl Strategy<Value = String> {
    let word = "[a-zA-Z0-9_.:/@%+-]{1,8}";
    let line = prop_oneof![
        word.prop_map(|w| format!("[profile {w}]")),
        word.prop_map(|w| format!("[sso-session {w}]\t# s")),
        Just("[default]".to_owned()),
        Just("[services svc]".to_owned()),
        Just("[profile 'my team']".to_owned()),
        (word, "[ \t]{0,2}", "\\PC{0,12}").prop_map(|(k, s, v)| format!("{k}{s}={s}{v}")),
        (word, "[^\r\n]{0,10}").prop_map(|(k, v)| format!("{k} = {v} ; note")),
        word.prop_map(|k| format!("{k} =")),
        (word, "[^\r\n]{0,10}").prop_map(|(k, v)| format!("  {k} = {v}")),
        "[ \t]{1,3}[^\r\n]{1,10}",
        "[#;][^\r\n]{0,12}",
        "[ \t]{0,3}",
        "[^\r\n]{0,16}",
    ];
    let ending = prop_oneof![Just("\n"), Just("\r\n"), Just("\r"), Just("")];
    (
        any::<bool>(),
        proptest::collection::vec((line, ending), 0..24),
    )
        .prop_map(|(bom, lines)| {
            let mut text = if bom {
                "\u{feff}".to_owned()
            } else {
                String::new()
            };
            for (line, ending) in lines {
                text.push_str(&line);
                text.push_str(ending);
            }
            text
        })
}
