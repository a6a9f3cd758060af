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

/// `remove_sections(kinds)` from `text`: the text left and the number of sections removed.
fn remove_sections(text: &str, kinds: &[SectionKind]) -> (String, usize) {
    let mut doc = Document::parse(text);
    let count = doc.remove_sections(kinds);
    let after = doc.to_string();
    assert_eq!(format!("{doc:?}"), format!("{:?}", Document::parse(&after)));
    (after, count)
}

#[test]
fn remove_sections_drops_the_blank_line_above_when_a_gap_would_remain() {
    // The last section: the blank line above goes, since the end of the file follows.
    let text = "[default]\na = 1\n\n[profile x]\nk = v\n";
    assert_eq!(
        remove_sections(text, &[profile("x")]),
        ("[default]\na = 1\n".into(), 1)
    );
    // A middle section with blank lines around it: one of them goes.
    let text = "[default]\na = 1\n\n[profile x]\nk = v\n\n[profile y]\nj = 2\n";
    assert_eq!(
        remove_sections(text, &[profile("x")]).0,
        "[default]\na = 1\n\n[profile y]\nj = 2\n"
    );
    // No blank line below (the next header follows at once): nothing else goes.
    let text = "[default]\na = 1\n\n[profile x]\nk = v\n[profile y]\n";
    assert_eq!(
        remove_sections(text, &[profile("x")]).0,
        "[default]\na = 1\n\n[profile y]\n"
    );
    // No blank line above: nothing else goes.
    let text = "[default]\na = 1\n[profile x]\nk = v\n\n[profile y]\n";
    assert_eq!(
        remove_sections(text, &[profile("x")]).0,
        "[default]\na = 1\n\n[profile y]\n"
    );
    // Where `remove_section` leaves two blank lines, `remove_sections` leaves one.
    let text = "[default]\na = 1\n\n# about b\n[profile b] # keep\nb = 2\n\n[profile c]\nc = 3\n";
    let mut doc = Document::parse(text);
    assert!(doc.remove_section(&profile("b")));
    assert_eq!(
        doc.to_string(),
        "[default]\na = 1\n\n\n[profile c]\nc = 3\n"
    );
    assert_eq!(
        remove_sections(text, &[profile("b")]).0,
        "[default]\na = 1\n\n[profile c]\nc = 3\n"
    );
}

#[test]
fn remove_sections_takes_the_comments_above_and_keeps_those_below() {
    let text = "[default]\na = 1\n\n# about x\n; more\n[profile x] # c\nk = v\n  more\n# trailing\n\n[profile y]\n";
    assert_eq!(
        remove_sections(text, &[profile("x")]),
        ("[default]\na = 1\n\n# trailing\n\n[profile y]\n".into(), 1)
    );
    // A comment at the top of the file goes with the first section.
    assert_eq!(
        remove_sections("# top\n[profile x]\nk = v\n\n[default]\n", &[profile("x")]).0,
        "\n[default]\n"
    );
}

#[test]
fn remove_sections_keeps_line_endings_bom_and_a_missing_final_newline() {
    let text = "[default]\r\na=1\r\n\r\n[profile x]\r\nk=v\r\n\r\n[profile y]\r\nj=2";
    assert_eq!(
        remove_sections(text, &[profile("x")]).0,
        "[default]\r\na=1\r\n\r\n[profile y]\r\nj=2"
    );
    // The last section, without a final line ending: the blank line above goes with it.
    assert_eq!(
        remove_sections(text, &[profile("y")]).0,
        "[default]\r\na=1\r\n\r\n[profile x]\r\nk=v\r\n"
    );
    // Without a blank line above, the previous line keeps its ending.
    assert_eq!(
        remove_sections("[default]\na = 1\n[profile x]\nk = v", &[profile("x")]).0,
        "[default]\na = 1\n"
    );
    // The byte-order mark stays; it is not part of the first line.
    let text = "\u{feff}[profile x]\nk = v\n\n[default]\n";
    assert_eq!(
        remove_sections(text, &[profile("x")]).0,
        "\u{feff}\n[default]\n"
    );
    assert_eq!(
        remove_sections(text, &[SectionKind::Default]).0,
        "\u{feff}[profile x]\nk = v\n"
    );
    assert_eq!(
        remove_sections("\u{feff}\n[profile x]\nk = v\n", &[profile("x")]).0,
        "\u{feff}"
    );
    let (after, count) = remove_sections("\u{feff}[profile x]\n", &[profile("x")]);
    assert_eq!((after.as_str(), count), ("\u{feff}", 1));
    assert!(Document::parse(&after).has_bom());
}

#[test]
fn remove_sections_removes_duplicates_and_adjacent_sections_one_after_another() {
    // Both sections of a duplicated kind, each with its own tidy step, in file order.
    let text = "[profile x]\na = 1\n\n[default]\n\n[profile x]\nb = 2\n\n";
    assert_eq!(
        remove_sections(text, &[profile("x")]),
        ("\n[default]\n\n".into(), 2)
    );
    // Adjacent sections, in either order: the blank lines between them do not pile up.
    let text =
        "[default]\na = 1\n\n[profile x]\nk = 1\n\n[profile y]\nk = 2\n\n[profile z]\nk = 3\n";
    for kinds in [[profile("x"), profile("y")], [profile("y"), profile("x")]] {
        assert_eq!(
            remove_sections(text, &kinds),
            ("[default]\na = 1\n\n[profile z]\nk = 3\n".into(), 2)
        );
    }
    assert_eq!(
        remove_sections(text, &[profile("x"), profile("y"), profile("z")]),
        ("[default]\na = 1\n".into(), 3)
    );
    assert_eq!(
        remove_sections(
            "[profile x]\nk = 1\n[profile y]\nk = 2\n",
            &[profile("y"), profile("x")]
        ),
        (String::new(), 2)
    );
    // The same as one kind at a time.
    for kinds in [
        vec![profile("x"), profile("z")],
        vec![profile("z"), SectionKind::Default, profile("y")],
    ] {
        let mut one_by_one = Document::parse(text);
        let count: usize = kinds
            .iter()
            .map(|k| one_by_one.remove_sections(std::slice::from_ref(k)))
            .sum();
        assert_eq!(
            remove_sections(text, &kinds),
            (one_by_one.to_string(), count)
        );
    }
}

#[test]
fn remove_sections_of_unknown_or_repeated_kinds() {
    let text = "[default]\na = 1\n\n[profile x]\nk = v\n";
    assert_eq!(remove_sections(text, &[]), (text.into(), 0));
    assert_eq!(
        remove_sections(
            text,
            &[profile("nope"), SectionKind::SsoSession("x".into())]
        ),
        (text.into(), 0)
    );
    // A kind given twice is removed once.
    assert_eq!(
        remove_sections(text, &[profile("x"), profile("x")]),
        ("[default]\na = 1\n".into(), 1)
    );
    assert_eq!(remove_sections("", &[profile("x")]), (String::new(), 0));
    // A broken header is not a section; the lines after it are not the previous section's.
    let text = "[profile x]\nk = v\n[profile x\nj = w\n";
    assert_eq!(
        remove_sections(text, &[profile("x")]),
        ("[profile x\nj = w\n".into(), 1)
    );
}

#[test]
fn add_then_remove_sections_gives_the_file_back() {
    for text in [
        "",
        "[default]\nregion = x\n",
        "[default]\r\nregion = x\r\n\r\n[profile a]\r\nk = v\r\n",
        "# top\n[default]\nregion = x\n\n[profile a]\nk = v\n# trailing\n",
    ] {
        let mut doc = Document::parse(text);
        doc.get_or_insert_section(profile("new"))
            .unwrap()
            .set("region", "y")
            .unwrap();
        assert_ne!(doc.to_string(), text);
        assert_eq!(doc.remove_sections(&[profile("new")]), 1);
        assert_eq!(doc.to_string(), text);
    }
}
