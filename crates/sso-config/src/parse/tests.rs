//! Unit tests of the line grammar: classification, ranges and diagnostics per line kind.

use crate::{Document, SectionKind, Severity};

fn dump(text: &str) -> String {
    let doc = Document::parse(text);
    assert_eq!(doc.to_string(), text, "round trip");
    let mut out = format!("{doc:?}");
    for d in doc.diagnostics() {
        out.push_str(&format!("{d}\n"));
    }
    out
}

#[test]
fn classifies_each_line_kind() {
    insta::assert_snapshot!(dump("# c\n[profile a] ; note\nk = v # c\ns3 =\n  x = 1\n\t\nname = one\n  two\n"), @r##"
      1 lf   comment "# c"
      2 lf   header Profile("a")
      3 lf   property "k" = "v" trailing " # c"
      4 lf   property "s3" = ""
      5 lf   sub-property "x" = "1"
      6 lf   blank
      7 lf   property "name" = "one"
      8 lf   continuation "two"
    "##);
}

#[test]
fn crlf_bom_and_missing_final_newline() {
    insta::assert_snapshot!(dump("\u{feff}[default]\r\nregion = x\r\n\r\noutput=json"), @r##"
    bom
      1 crlf header Default
      2 crlf property "region" = "x"
      3 crlf blank
      4 eof  property "output" = "json"
    "##);
}

#[test]
fn errors_carry_line_column_and_expectation() {
    insta::assert_snapshot!(dump("k = v\n[profile a\n[profile b]\n  cont\nkey : value\n= v\ns3 =\n  bad\n"), @r##"
      1 lf   invalid "k = v"
      2 lf   invalid "[profile a"
      3 lf   header Profile("b")
      4 lf   invalid "  cont"
      5 lf   invalid "key : value"
      6 lf   invalid "= v"
      7 lf   property "s3" = ""
      8 lf   invalid "  bad"
    1:1: error: Expected a profile definition before this property; add a header such as [profile NAME] above it
    2:11: error: Profile definition must end with ']'; write the header as [profile NAME]
    4:3: error: Expected a property definition, found continuation; an indented line must follow a `name = value` line
    5:1: error: Expected an '=' sign defining a property, as in `name = value`
    6:1: error: Property did not have a name before '='
    8:3: error: Expected an '=' sign defining a sub-property, as in `name = value`
    "##);
}

#[test]
fn continuation_of_a_rejected_line_is_not_reported_twice() {
    let doc = Document::parse("[a]\nbroken\n  more\n");
    assert_eq!(doc.diagnostics().len(), 1);
    assert_eq!(doc.diagnostics()[0].severity, Severity::Error);
}

#[test]
fn section_kinds_follow_the_sdk_split_and_unquote() {
    let kinds: Vec<_> = Document::parse(
        "[default]\n[profile default]\n[ profile  x ]\n[profile 'my team']\n[profile a b]\n[sso-session s]\n[services v]\n[foo]\n[plugins p]\n",
    )
    .sections()
    .into_iter()
    .map(|s| (s.kind, s.valid_name))
    .collect();
    assert_eq!(
        kinds,
        vec![
            (SectionKind::Default, true),
            (SectionKind::Profile("default".into()), true),
            (SectionKind::Profile("x".into()), true),
            (SectionKind::Profile("my team".into()), true),
            (SectionKind::Profile("a b".into()), false),
            (SectionKind::SsoSession("s".into()), true),
            (SectionKind::Services("v".into()), true),
            (SectionKind::Unprefixed("foo".into()), true),
            (
                SectionKind::Other {
                    prefix: "plugins".into(),
                    name: "p".into()
                },
                true
            ),
        ]
    );
}

#[test]
fn comment_needs_whitespace_in_values_but_not_after_headers() {
    insta::assert_snapshot!(dump("[profile a]#c\nk = v#not\nj = v\t;c\n"), @r##"
      1 lf   header Profile("a")
      2 lf   property "k" = "v#not"
      3 lf   property "j" = "v" trailing "\t;c"
    "##);
}

#[test]
fn columns_count_characters() {
    let doc = Document::parse("[profile é\n");
    assert_eq!(doc.diagnostics()[0].column, 11);
}

#[test]
fn line_table_entries_stay_small() {
    // A document holds one `Line` per line and filling that table is most of what parsing costs
    // (see benches/parse.rs); header names and sub-property ranges are worked out when asked.
    assert!(size_of::<crate::syntax::Line>() <= 64);
}
