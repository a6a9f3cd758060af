//! The edit API: smallest textual change, style copying, refusals.

use sso_config::{Document, EditError, FileKind, ProfileSet, SectionKind};

fn profile(name: &str) -> SectionKind {
    SectionKind::Profile(name.to_owned())
}

#[test]
fn set_changes_only_the_value_and_keeps_the_comment() {
    let mut doc = Document::parse("[profile a]\nregion  =\tus-east-1 # home\noutput = json\n");
    doc.section_mut(&profile("a"))
        .unwrap()
        .set("REGION", "eu-west-1")
        .unwrap();
    assert_eq!(
        doc.to_string(),
        "[profile a]\nregion  =\teu-west-1 # home\noutput = json\n"
    );
}

#[test]
fn new_lines_copy_neighbour_style_and_line_endings() {
    let mut doc = Document::parse("[profile a]\r\nregion=x\r\n\r\n[profile b]\r\nk = v");
    doc.section_mut(&profile("a"))
        .unwrap()
        .set("output", "json")
        .unwrap();
    doc.section_mut(&profile("b"))
        .unwrap()
        .set("z", "1")
        .unwrap();
    assert_eq!(
        doc.to_string(),
        "[profile a]\r\nregion=x\r\noutput=json\r\n\r\n[profile b]\r\nk = v\r\nz = 1"
    );
}

#[test]
fn new_section_is_appended_after_a_line_ending() {
    let mut doc = Document::parse("[default]\nregion = x");
    doc.get_or_insert_section(SectionKind::profile_in(FileKind::Config, "my team"))
        .unwrap()
        .set("region", "y")
        .unwrap();
    assert_eq!(
        doc.to_string(),
        "[default]\nregion = x\n[profile 'my team']\nregion = y\n"
    );
    let set = ProfileSet::from_documents(Some(("c", &doc)), None);
    assert_eq!(set.profile("my team").unwrap().get_str("region"), Some("y"));
    let mut empty = Document::parse("");
    empty
        .get_or_insert_section(SectionKind::SsoSession("s".into()))
        .unwrap()
        .set("sso_region", "r")
        .unwrap();
    assert_eq!(empty.to_string(), "[sso-session s]\nsso_region = r\n");
}

#[test]
fn sub_properties_copy_indentation() {
    let mut doc = Document::parse("[services x]\nsso =\n\tendpoint_url = http://a\n");
    let mut s = doc.section_mut(&SectionKind::Services("x".into())).unwrap();
    s.set_sub_property("sso", "endpoint_url", "http://b")
        .unwrap();
    s.set_sub_property("sso_oidc", "endpoint_url", "http://c")
        .unwrap();
    s.set_sub_property("sso", "other", "1").unwrap();
    assert_eq!(
        s.get("sso").as_deref(),
        Some("\nendpoint_url = http://b\nother = 1")
    );
    assert!(s.remove_sub_property("sso", "other"));
    assert_eq!(
        doc.to_string(),
        "[services x]\nsso =\n\tendpoint_url = http://b\nsso_oidc =\n\tendpoint_url = http://c\n"
    );
    let mut s = doc.section_mut(&SectionKind::Services("x".into())).unwrap();
    s.set("plain", "v").unwrap();
    assert_eq!(
        s.set_sub_property("plain", "k", "v"),
        Err(EditError::NotSubPropertyBlock {
            key: "plain".into()
        })
    );
}

#[test]
fn line_breaks_and_unreadable_values_are_refused() {
    let mut doc = Document::parse("[default]\n");
    let before = doc.to_string();
    let mut s = doc.section_mut(&SectionKind::Default).unwrap();
    insta::assert_snapshot!(s.set("k", "a\nb").unwrap_err(), @"value of `k` contains a line break; keys, values and section names must be on one line");
    insta::assert_snapshot!(s.set("k\r", "a").unwrap_err(), @r#"key "k\r" contains a line break; keys, values and section names must be on one line"#);
    insta::assert_snapshot!(s.set("a b", "a").unwrap_err(), @"`a b` is not a valid key: use letters, digits and _-/.%@:+");
    insta::assert_snapshot!(s.set("k", "a # b").unwrap_err(), @r#"the value "a # b" of `k` would not read back unchanged: a `#` or `;` after whitespace starts a comment"#);
    insta::assert_snapshot!(doc.get_or_insert_section(profile("x\ny")).unwrap_err(), @r#"section name "x\ny" contains a line break; keys, values and section names must be on one line"#);
    assert_eq!(doc.to_string(), before);
}

#[test]
fn remove_and_rename_sections() {
    let mut doc = Document::parse(
        "[default]\na = 1\n\n# about b\n[profile b] # keep\nb = 2\n\n[profile c]\nc = 3\n",
    );
    assert!(doc.rename_section(&profile("c"), profile("d")).unwrap());
    assert!(doc.remove_section(&profile("b")));
    assert_eq!(
        doc.to_string(),
        "[default]\na = 1\n\n\n[profile d]\nc = 3\n"
    );
    assert_eq!(
        doc.rename_section(&profile("d"), SectionKind::Default),
        Err(EditError::SectionExists {
            section: "[default]".into()
        })
    );
    assert!(!doc.remove_section(&profile("nope")));
}

#[test]
fn duplicate_sections_edit_the_last_occurrence() {
    let mut doc = Document::parse("[profile a]\nk = 1\n[profile a]\nk = 2\n");
    let mut s = doc.section_mut(&profile("a")).unwrap();
    s.set("k", "3").unwrap();
    s.set("n", "4").unwrap();
    assert_eq!(
        doc.to_string(),
        "[profile a]\nk = 1\n[profile a]\nk = 3\nn = 4\n"
    );
    let set = ProfileSet::from_documents(Some(("c", &doc)), None);
    assert_eq!(set.profile("a").unwrap().get_str("k"), Some("3"));
    assert!(doc.section_mut(&profile("a")).unwrap().remove("k"));
    assert_eq!(doc.to_string(), "[profile a]\n[profile a]\nn = 4\n");
}

#[test]
fn sections_list_kinds_and_keys() {
    let doc = Document::parse("[profile a]\nmarker = 1\nregion = x\n[sso-session s]\n");
    let sections = doc.sections();
    assert_eq!(sections[0].kind, profile("a"));
    assert_eq!(sections[0].keys, ["marker", "region"]);
    assert_eq!(sections[1].line, 4);
}
