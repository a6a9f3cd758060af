//! Tests of the populate planner: idempotence, prune safety, failed accounts, byte-exact output,
//! conflicts, templates, sanitising, collisions and the unified diff.

use std::collections::BTreeSet;

use crate::{Document, ProfileSet};
use proptest::prelude::*;

use super::*;

fn role(account_id: &str, account_name: Option<&str>, role_name: &str) -> RoleEntry {
    RoleEntry {
        account_id: account_id.to_owned(),
        account_name: account_name.map(str::to_owned),
        email: None,
        role_name: role_name.to_owned(),
    }
}

fn roles() -> Vec<RoleEntry> {
    vec![
        role("111111111111", Some("Prod"), "Admin"),
        role("111111111111", Some("Prod"), "ReadOnly"),
        role("222222222222", Some("Dev Account"), "Admin"),
    ]
}

fn plan_default(text: &str, entries: &[RoleEntry], options: &PlanOptions) -> Plan {
    plan(text, "corp", entries, &ProfileTemplate::default(), options).unwrap()
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn prune() -> PlanOptions {
    PlanOptions {
        prune: true,
        ..PlanOptions::default()
    }
}

/// A hand-maintained file: comments, CRLF, odd spacing, hand-written profiles, a
/// hand-written profile of the same session, and a final line without a line ending.
const HAND_WRITTEN: &str = "\u{feff}# my AWS config\r\n\
[default]\r\n\
region=eu-west-1 ; keep me\r\n\
\r\n\
; the SSO session\r\n\
[sso-session corp]\r\n\
sso_start_url=https://d-123.awsapps.com/start\r\n\
sso_region=us-east-1\r\n\
\r\n\
[profile mine]   # hand-written\r\n\
sso_session=corp\r\n\
sso_account_id=111111111111\r\n\
sso_role_name=Admin\r\n\
\r\n\
# trailing comment\r\n\
[profile Prod.ReadOnly]\r\n\
output=json";

#[test]
fn byte_exact_after_populate_of_a_hand_written_file() {
    let options = PlanOptions {
        region: Some("eu-west-2".to_owned()),
        prune: true,
        ..PlanOptions::default()
    };
    let result = plan_default(HAND_WRITTEN, &roles(), &options);
    let expected = format!(
        "{HAND_WRITTEN}\r\n\
\r\n\
[profile Dev-Account.Admin]\r\n\
sso_session=corp\r\n\
sso_account_id=222222222222\r\n\
sso_role_name=Admin\r\n\
region=eu-west-2\r\n\
sso_populated_by=sso\r\n\
\r\n\
[profile Prod.Admin]\r\n\
sso_session=corp\r\n\
sso_account_id=111111111111\r\n\
sso_role_name=Admin\r\n\
region=eu-west-2\r\n\
sso_populated_by=sso\r\n"
    );
    assert_eq!(result.new_text, expected);
    assert_eq!(result.added, names(&["Dev-Account.Admin", "Prod.Admin"]));
    assert!(result.updated.is_empty() && result.removed.is_empty());
    assert_eq!(
        result.conflicts,
        vec![Conflict {
            profile: "Prod.ReadOnly".to_owned(),
            account_id: "111111111111".to_owned(),
            role_name: "ReadOnly".to_owned(),
            reason: ConflictReason::NotOwned,
        }]
    );
    // Every byte before the appended profiles is the input's.
    assert!(result.new_text.starts_with(HAND_WRITTEN));
    let document = Document::parse(&result.new_text);
    assert!(!document.has_errors());

    // The semantic layer keeps the marker and resolves the populated profile.
    let set = ProfileSet::from_documents(Some(("config", &document)), None);
    let profile = set.profile("Prod.Admin").unwrap();
    assert_eq!(profile.get_str(MARKER_KEY), Some(MARKER_VALUE));
    let sso = set.resolve_sso("Prod.Admin").unwrap();
    assert_eq!(sso.session_name(), Some("corp"));

    // And a second run changes nothing.
    let again = plan_default(&result.new_text, &roles(), &options);
    assert_eq!(again.new_text, result.new_text);
    assert!(!again.has_changes());
    assert_eq!(again.unchanged, names(&["Dev-Account.Admin", "Prod.Admin"]));
}

#[test]
fn populate_into_an_empty_file() {
    let result = plan_default("", &roles()[..1], &PlanOptions::default());
    assert_eq!(
        result.new_text,
        "[profile Prod.Admin]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\nsso_populated_by = sso\n"
    );
}

#[test]
fn idempotent() {
    let start = "[sso-session corp]\nsso_start_url = https://x.awsapps.com/start\n";
    let first = plan_default(start, &roles(), &prune());
    assert_eq!(first.added.len(), 3);
    let second = plan_default(&first.new_text, &roles(), &prune());
    assert_eq!(second.new_text, first.new_text);
    assert!(!second.has_changes());
    assert!(second.added.is_empty() && second.updated.is_empty() && second.removed.is_empty());
    assert_eq!(second.unchanged.len(), 3);
    // Input order does not matter.
    let mut reversed = roles();
    reversed.reverse();
    let third = plan_default(&first.new_text, &reversed, &prune());
    assert_eq!(third.new_text, first.new_text);
}

#[test]
fn updates_owned_profiles_in_place_and_keeps_their_other_keys() {
    let text = "[profile Prod.Admin]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Old   # was renamed\noutput = json\nregion = us-east-1\nsso_populated_by = sso\n";
    let result = plan_default(text, &roles()[..1], &PlanOptions::default());
    assert_eq!(result.updated, names(&["Prod.Admin"]));
    assert_eq!(
        result.new_text,
        "[profile Prod.Admin]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin   # was renamed\noutput = json\nregion = us-east-1\nsso_populated_by = sso\n"
    );
    // --region overrides the region of owned profiles.
    let options = PlanOptions {
        region: Some("eu-west-1".to_owned()),
        ..PlanOptions::default()
    };
    let result = plan_default(&result.new_text, &roles()[..1], &options);
    assert_eq!(result.updated, names(&["Prod.Admin"]));
    assert!(result.new_text.contains("region = eu-west-1\n"));
}

#[test]
fn prune_never_touches_what_it_did_not_create() {
    let text = "\
# hand-written, same session, no marker
[profile Prod.Gone]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Gone

[profile other-session.Admin]
sso_session = other
sso_account_id = 111111111111
sso_role_name = Admin
sso_populated_by = sso

[profile marker-changed]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
sso_populated_by = me

# populated, gone from the portal
[profile Prod.Old]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Old
sso_populated_by = sso

[profile tail]
region = us-east-1
";
    let first = plan_default(text, &[], &prune());
    assert_eq!(first.removed, names(&["Prod.Old"]));
    assert!(first.added.is_empty() && first.conflicts.is_empty());
    let expected = text.replace(
        "\n# populated, gone from the portal
[profile Prod.Old]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Old
sso_populated_by = sso
",
        "",
    );
    assert_eq!(first.new_text, expected);

    // Without --prune, the stale profile is only reported.
    let kept = plan_default(text, &[], &PlanOptions::default());
    assert_eq!(kept.new_text, text);
    assert_eq!(kept.stale, names(&["Prod.Old"]));
    assert!(kept.removed.is_empty());
}

#[test]
fn add_then_prune_restores_the_file() {
    let text = "[profile mine]\nregion = us-east-1\n\n[profile also-mine]\nregion = us-east-2\n";
    let added = plan_default(text, &roles(), &prune());
    let pruned = plan_default(&added.new_text, &[], &prune());
    assert_eq!(pruned.removed.len(), 3);
    assert_eq!(pruned.new_text, text);
}

#[test]
fn a_failed_account_is_not_pruned() {
    let all = plan_default("", &roles(), &prune());
    // Account 222… failed to list; account 111… lost its ReadOnly role.
    let options = PlanOptions {
        prune: true,
        failed_accounts: BTreeSet::from(["222222222222".to_owned()]),
        ..PlanOptions::default()
    };
    let listed = vec![role("111111111111", Some("Prod"), "Admin")];
    let result = plan_default(&all.new_text, &listed, &options);
    assert_eq!(result.removed, names(&["Prod.ReadOnly"]));
    assert_eq!(result.stale, names(&["Dev-Account.Admin"]));
    assert_eq!(result.unchanged, names(&["Prod.Admin"]));
    assert!(result.new_text.contains("[profile Dev-Account.Admin]\n"));
    assert!(!result.new_text.contains("ReadOnly"));
    // Once the account lists again, nothing changes for it.
    let recovered = plan_default(&result.new_text, &roles()[..1], &options);
    assert!(!recovered.has_changes());
}

#[test]
fn conflicts_are_skipped_and_reported() {
    let text = "[profile Prod.Admin]\nregion = us-east-1\n\n[profile Prod.ReadOnly]\nsso_session = other\nsso_account_id = 1\nsso_role_name = x\nsso_populated_by = sso\n";
    let result = plan_default(text, &roles(), &prune());
    assert_eq!(result.added, names(&["Dev-Account.Admin"]));
    assert!(result.new_text.starts_with(text));
    let reasons: Vec<_> = result
        .conflicts
        .iter()
        .map(|c| (c.profile.as_str(), c.reason.clone()))
        .collect();
    assert_eq!(
        reasons,
        vec![
            ("Prod.Admin", ConflictReason::NotOwned),
            (
                "Prod.ReadOnly",
                ConflictReason::OtherSession {
                    session: "other".to_owned()
                }
            ),
        ]
    );
    assert_eq!(
        result.conflicts[0].to_string(),
        "profile `Prod.Admin` (account 111111111111, role Admin) was skipped: a profile of that name exists and was not created by sso populate"
    );
}

#[test]
fn default_profile_follows_the_sdk_precedence() {
    let text = "[default]\nregion = us-east-1\n\n[profile default]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = Old\nsso_populated_by = sso\n";
    let template = ProfileTemplate::parse("default").unwrap();
    let entries = [role("111111111111", None, "Admin")];
    let result = plan(text, "corp", &entries, &template, &PlanOptions::default()).unwrap();
    assert_eq!(result.updated, names(&["default"]));
    assert_eq!(
        result.new_text,
        "[default]\nregion = us-east-1\n\n[profile default]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\nsso_populated_by = sso\n"
    );
}

#[test]
fn collisions_are_errors_listing_every_role() {
    let entries = vec![
        role("111111111111", Some("Same"), "Admin"),
        role("222222222222", Some("Same"), "Admin"),
        role("111111111111", Some("Same"), "Admin"), // a duplicate is not a collision
    ];
    let error = plan("", "corp", &entries, &ProfileTemplate::default(), &prune()).unwrap_err();
    assert_eq!(
        error,
        PopulateError::Collisions {
            collisions: vec![Collision {
                profile: "Same.Admin".to_owned(),
                roles: vec![
                    ("111111111111".to_owned(), "Admin".to_owned()),
                    ("222222222222".to_owned(), "Admin".to_owned()),
                ],
            }]
        }
    );
    assert_eq!(
        error.to_string(),
        "the profile-name template gives the same name to different roles: `Same.Admin` would be written for account 111111111111 role Admin and account 222222222222 role Admin; add {account_id} or {role_name} to the template"
    );
    // Sanitising can collide too.
    let entries = vec![role("1", Some("a b"), "R"), role("2", Some("a#b"), "R")];
    assert!(matches!(
        plan("", "corp", &entries, &ProfileTemplate::default(), &prune()),
        Err(PopulateError::Collisions { .. })
    ));
    // A template with the account id separates them.
    let template = ProfileTemplate::parse("{account_id}-{role_name}").unwrap();
    let result = plan("", "corp", &entries, &template, &prune()).unwrap();
    assert_eq!(result.added, names(&["1-R", "2-R"]));
}

#[test]
fn other_plan_errors() {
    let template = ProfileTemplate::parse("{email}").unwrap();
    assert_eq!(
        plan("", "corp", &roles(), &template, &prune()),
        Err(PopulateError::EmptyName {
            account_id: "111111111111".to_owned(),
            role_name: "Admin".to_owned()
        })
    );
    assert!(matches!(
        plan("", "", &roles(), &ProfileTemplate::default(), &prune()),
        Err(PopulateError::InvalidSession { .. })
    ));
    let options = PlanOptions {
        region: Some("eu west #1".to_owned()),
        ..PlanOptions::default()
    };
    let error = plan("", "corp", &roles(), &ProfileTemplate::default(), &options).unwrap_err();
    assert!(matches!(error, PopulateError::Edit { .. }), "{error:?}");
}

#[test]
fn template_parsing() {
    assert_eq!(
        ProfileTemplate::default(),
        ProfileTemplate::parse(DEFAULT_TEMPLATE).unwrap()
    );
    assert_eq!(ProfileTemplate::default().to_string(), DEFAULT_TEMPLATE);
    assert_eq!(ProfileTemplate::parse(""), Err(TemplateError::Empty));
    assert_eq!(ProfileTemplate::parse("  "), Err(TemplateError::Empty));
    assert_eq!(
        ProfileTemplate::parse("{account}.{role_name}"),
        Err(TemplateError::UnknownPlaceholder {
            name: "account".to_owned(),
            column: 1
        })
    );
    assert_eq!(
        ProfileTemplate::parse("x{}"),
        Err(TemplateError::UnknownPlaceholder {
            name: String::new(),
            column: 2
        })
    );
    assert_eq!(
        ProfileTemplate::parse("{role_name"),
        Err(TemplateError::Unclosed { column: 1 })
    );
    assert_eq!(
        ProfileTemplate::parse("a{b{role_name}"),
        Err(TemplateError::Unclosed { column: 2 })
    );
    assert_eq!(
        ProfileTemplate::parse("{role_name}}"),
        Err(TemplateError::UnmatchedClose { column: 12 })
    );
    assert_eq!(
        "{account}"
            .parse::<ProfileTemplate>()
            .unwrap_err()
            .to_string(),
        "unknown placeholder `{account}` at column 1 of the profile-name template; use {account_id}, {account_name}, {role_name}, {session} or {email}"
    );
}

#[test]
fn template_rendering_and_sanitising() {
    let entry = RoleEntry {
        account_id: "123456789012".to_owned(),
        account_name: Some(" Prod (EU) ]#; ".to_owned()),
        email: Some("ops+aws@example.com".to_owned()),
        role_name: "AWSAdministratorAccess".to_owned(),
    };
    let render = |template: &str| {
        ProfileTemplate::parse(template)
            .unwrap()
            .render(&entry, "corp")
    };
    assert_eq!(render(DEFAULT_TEMPLATE), "Prod-EU.AWSAdministratorAccess");
    assert_eq!(
        render("{session}/{account_id}/{role_name}"),
        "corp/123456789012/AWSAdministratorAccess"
    );
    assert_eq!(render("{email}"), "ops+aws@example.com");
    assert_eq!(
        render("{account_name} {role_name}"),
        "Prod-EU-AWSAdministratorAccess"
    );
    assert_eq!(render("[{ role_name }]"), "-AWSAdministratorAccess-");

    // No name, or nothing of it left: the account id.
    let mut unnamed = entry.clone();
    unnamed.account_name = None;
    let template = ProfileTemplate::default();
    assert_eq!(
        template.render(&unnamed, "corp"),
        "123456789012.AWSAdministratorAccess"
    );
    unnamed.account_name = Some("生产".to_owned());
    assert_eq!(
        template.render(&unnamed, "corp"),
        "123456789012.AWSAdministratorAccess"
    );
    unnamed.email = None;
    assert_eq!(
        ProfileTemplate::parse("{email}")
            .unwrap()
            .render(&unnamed, "corp"),
        ""
    );

    // What comes out is always a name the SDKs accept unquoted.
    let result = plan(
        "",
        "corp",
        &[entry],
        &ProfileTemplate::parse("{account_name}  {role_name}").unwrap(),
        &prune(),
    )
    .unwrap();
    assert_eq!(result.added, names(&["Prod-EU-AWSAdministratorAccess"]));
    assert!(
        result
            .new_text
            .starts_with("[profile Prod-EU-AWSAdministratorAccess]\n")
    );
}

#[test]
fn diff_of_equal_texts_is_empty() {
    assert_eq!(unified_diff("a\nb\n", "a\nb\n", "a", "b"), "");
    assert_eq!(unified_diff("", "", "a", "b"), "");
}

#[test]
fn diff_format() {
    let old: String = (1..=20).map(|i| format!("line {i}\n")).collect();
    let new = old
        .replace("line 2\n", "line two\n")
        .replace("line 5\n", "")
        .replace("line 18\n", "line 18\nnew after 18\n");
    assert_eq!(
        unified_diff(&old, &new, "a/config", "b/config"),
        "\
--- a/config
+++ b/config
@@ -1,8 +1,7 @@
 line 1
-line 2
+line two
 line 3
 line 4
-line 5
 line 6
 line 7
 line 8
@@ -16,5 +15,6 @@
 line 16
 line 17
 line 18
+new after 18
 line 19
 line 20
"
    );
}

#[test]
fn diff_edge_cases() {
    assert_eq!(
        unified_diff("", "a\nb\n", "old", "new"),
        "--- old\n+++ new\n@@ -0,0 +1,2 @@\n+a\n+b\n"
    );
    assert_eq!(
        unified_diff("a\n", "", "old", "new"),
        "--- old\n+++ new\n@@ -1 +0,0 @@\n-a\n"
    );
    assert_eq!(
        unified_diff("a\nb", "a\nb\n", "old", "new"),
        "--- old\n+++ new\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"
    );
    assert_eq!(
        unified_diff("a\r\nb\r\n", "a\r\nc\r\n", "old", "new"),
        "--- old\n+++ new\n@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\r\n"
    );
}

#[test]
fn diff_of_a_populate_run() {
    let text = "[sso-session corp]\nsso_start_url = https://x.awsapps.com/start\n";
    let result = plan_default(text, &roles()[..1], &PlanOptions::default());
    assert_eq!(
        unified_diff(
            text,
            &result.new_text,
            "~/.aws/config",
            "~/.aws/config (populated)"
        ),
        "\
--- ~/.aws/config
+++ ~/.aws/config (populated)
@@ -1,2 +1,7 @@
 [sso-session corp]
 sso_start_url = https://x.awsapps.com/start
+[profile Prod.Admin]
+sso_session = corp
+sso_account_id = 111111111111
+sso_role_name = Admin
+sso_populated_by = sso
"
    );
}

/// Applies a unified diff produced by [`unified_diff`] to `old` (a checker for the proptest).
fn apply(old: &str, diff: &str) -> String {
    if diff.is_empty() {
        return old.to_owned();
    }
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let mut out = String::new();
    let mut next = 0; // index of the next old line to copy
    let lines: Vec<&str> = diff.split_inclusive('\n').skip(2).collect();
    let mut index = 0;
    while index < lines.len() {
        let line = lines[index];
        if let Some(header) = line.strip_prefix("@@ -") {
            let range = header.split(' ').next().unwrap();
            let mut parts = range.split(',');
            let start: usize = parts.next().unwrap().parse().unwrap();
            let count: usize = parts.next().map_or(1, |c| c.parse().unwrap());
            let first = if count == 0 { start } else { start - 1 };
            for l in &old_lines[next..first] {
                out.push_str(l);
            }
            next = first;
        } else {
            let mut body = line[1..].to_owned();
            if lines.get(index + 1) == Some(&"\\ No newline at end of file\n") {
                body.pop();
                index += 1;
            }
            match &line[..1] {
                " " => {
                    out.push_str(&body);
                    next += 1;
                }
                "-" => next += 1,
                "+" => out.push_str(&body),
                other => panic!("unexpected diff line {other:?}"),
            }
        }
        index += 1;
    }
    for l in &old_lines[next..] {
        out.push_str(l);
    }
    out
}

fn entry_strategy() -> impl Strategy<Value = RoleEntry> {
    (
        prop::sample::select(vec!["111111111111", "222222222222", "333333333333"]),
        prop::option::of(prop::sample::select(vec!["Prod", "Dev Team", "Sandbox #1"])),
        prop::sample::select(vec!["Admin", "ReadOnly", "Billing"]),
    )
        .prop_map(|(id, name, role_name)| role(id, name, role_name))
}

proptest! {
    #[test]
    fn plan_is_idempotent_and_prune_is_safe(
        first in prop::collection::vec(entry_strategy(), 0..8),
        second in prop::collection::vec(entry_strategy(), 0..8),
        crlf in any::<bool>(),
        region in prop::option::of(Just("eu-west-1".to_owned())),
    ) {
        let template = ProfileTemplate::parse("{account_id}.{account_name}.{role_name}").unwrap();
        let mut base = "# mine\n[profile hand]\nregion = us-east-1\n\n[sso-session corp]\nsso_start_url = https://x/start\n".to_owned();
        if crlf {
            base = base.replace('\n', "\r\n");
        }
        let options = PlanOptions { region, prune: true, ..PlanOptions::default() };
        let one = plan(&base, "corp", &first, &template, &options).unwrap();
        let again = plan(&one.new_text, "corp", &first, &template, &options).unwrap();
        prop_assert_eq!(&again.new_text, &one.new_text);
        prop_assert!(!again.has_changes());

        let two = plan(&one.new_text, "corp", &second, &template, &options).unwrap();
        let again = plan(&two.new_text, "corp", &second, &template, &options).unwrap();
        prop_assert_eq!(&again.new_text, &two.new_text);
        // The hand-written part is never touched.
        prop_assert!(two.new_text.starts_with(&base));
        // Pruning everything gives the original file back.
        let empty = plan(&two.new_text, "corp", &[], &template, &options).unwrap();
        prop_assert_eq!(&empty.new_text, &base);

        // The diff describes the change exactly.
        let diff = unified_diff(&one.new_text, &two.new_text, "a", "b");
        prop_assert_eq!(apply(&one.new_text, &diff), two.new_text.clone());
    }

    #[test]
    fn diff_applies(
        old in prop::collection::vec(prop::sample::select(vec!["a\n", "b\n", "c\n", "d\r\n", "e"]), 0..30),
        new in prop::collection::vec(prop::sample::select(vec!["a\n", "b\n", "c\n", "d\r\n", "e"]), 0..30),
    ) {
        // Only a final line may lack its ending.
        let join = |lines: Vec<&str>| {
            let count = lines.len();
            lines.iter().enumerate().map(|(i, l)| if i + 1 < count && !l.ends_with('\n') { format!("{l}\n") } else { (*l).to_owned() }).collect::<String>()
        };
        let (old, new) = (join(old), join(new));
        let diff = unified_diff(&old, &new, "a", "b");
        prop_assert_eq!(diff.is_empty(), old == new);
        prop_assert_eq!(apply(&old, &diff), new);
    }
}

/// One piece of a generated config: a section populate owns (or almost owns), hand-written
/// lines, or the kinds of lines whose neighbourhood decides what removals take with them.
fn config_piece() -> impl Strategy<Value = Vec<String>> {
    let name = prop::sample::select(vec![
        "111111111111.Admin",
        "111111111111.ReadOnly",
        "222222222222.Admin",
        "333333333333.Billing",
        "gone.one",
        "gone.two",
        "default",
    ]);
    let separator = prop::sample::select(vec![" = ", "=", " =  ", "\t=\t"]);
    let session = prop::sample::select(vec!["corp", "corp", "other"]);
    let marker = prop::sample::select(vec!["sso", "sso", "me"]);
    let account = prop::sample::select(vec!["111111111111", "222222222222", "999999999999"]);
    let section = (
        name,
        separator,
        session,
        marker,
        account,
        any::<bool>(),
        0..3_usize,
    )
        .prop_map(|(name, sep, session, marker, account, prefixed, extra)| {
            let header = if name == "default" && !prefixed {
                "[default]".to_owned()
            } else {
                format!("[profile {name}]")
            };
            let mut lines = vec![
                header,
                format!("sso_session{sep}{session}"),
                format!("sso_account_id{sep}{account}"),
                format!("sso_role_name{sep}Admin"),
            ];
            lines.extend(
                ["output = json", "  continued", "region ="]
                    .iter()
                    .take(extra)
                    .map(|l| (*l).to_owned()),
            );
            lines.push(format!("sso_populated_by{sep}{marker}"));
            lines
        });
    let other = prop::sample::select(vec![
        "",
        "  ",
        "\t",
        "# comment",
        "; comment",
        "  # indented",
        "\r\r",
        "[profile broken",
        "[profile hand]",
        "[sso-session corp]",
        "region = us-east-1",
        "  s3 =",
        "key",
    ])
    .prop_map(|line| vec![line.to_owned()]);
    prop_oneof![3 => section, 4 => other]
}

fn config_text() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(config_piece(), 0..14),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(pieces, crlf, bom, final_ending)| {
            let ending = if crlf { "\r\n" } else { "\n" };
            let lines: Vec<String> = pieces.into_iter().flatten().collect();
            let mut text = if bom {
                "\u{feff}".to_owned()
            } else {
                String::new()
            };
            text.push_str(&lines.join(ending));
            if final_ending && !lines.is_empty() {
                text.push_str(ending);
            }
            text
        })
}

fn wide_entry_strategy() -> impl Strategy<Value = RoleEntry> {
    (
        prop::sample::select(vec![
            "111111111111",
            "222222222222",
            "333333333333",
            "12 #3",
            "",
        ]),
        prop::sample::select(vec!["Admin", "ReadOnly", "Billing", "Dev", "Ops"]),
    )
        .prop_map(|(id, role_name)| role(id, None, role_name))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    /// The batched path gives exactly what one edit at a time through the edit API gives.
    #[test]
    fn batched_plan_equals_per_edit_plan(
        text in config_text(),
        entries in prop::collection::vec(wide_entry_strategy(), 0..16),
        prune in any::<bool>(),
        region in prop::sample::select(vec![None, Some("eu-west-1"), Some(""), Some("a #b")]),
        failed in prop::collection::btree_set(
            prop::sample::select(vec!["111111111111", "222222222222"]).prop_map(str::to_owned),
            0..2,
        ),
        default_template in any::<bool>(),
    ) {
        let template = if default_template {
            ProfileTemplate::default()
        } else {
            ProfileTemplate::parse("{account_id}.{role_name}").unwrap()
        };
        let options = PlanOptions {
            region: region.map(str::to_owned),
            prune,
            failed_accounts: failed,
        };
        let batched = plan_with(&text, "corp", &entries, &template, &options, Apply::Batched);
        let per_edit = plan_with(&text, "corp", &entries, &template, &options, Apply::PerEdit);
        prop_assert_eq!(&batched, &per_edit);
        if let Ok(first) = batched {
            // And again over the result, with half the roles and pruning.
            let half = &entries[..entries.len() / 2];
            let options = PlanOptions { prune: true, ..options };
            let batched = plan_with(&first.new_text, "corp", half, &template, &options, Apply::Batched);
            let per_edit = plan_with(&first.new_text, "corp", half, &template, &options, Apply::PerEdit);
            prop_assert_eq!(batched, per_edit);
        }
    }
}

/// Many accounts, in both line-ending styles and with or without blank lines between sections:
/// the batched path matches the per-edit path for adding, updating and pruning.
#[test]
fn batched_plan_equals_per_edit_plan_at_scale() {
    let entries: Vec<RoleEntry> = (0..60)
        .flat_map(|account| {
            ["Admin", "ReadOnly", "Billing"].map(|role_name| {
                role(
                    &format!("{:012}", 100_000_000_000_u64 + account),
                    Some(&format!("Account {account}")),
                    role_name,
                )
            })
        })
        .collect();
    let bases = [
        String::new(),
        "# top\n[profile hand]\nregion=us-east-1\n# tail comment".to_owned(),
        "[sso-session corp]\r\nsso_start_url = https://x/start\r\n\r\n".to_owned(),
        "\u{feff}[profile a]\nx = 1\n\n\n[profile b]\ny = 2\n  \n".to_owned(),
    ];
    let both = |text: &str, entries: &[RoleEntry], options: &PlanOptions| {
        let template = ProfileTemplate::default();
        let batched = plan_with(text, "corp", entries, &template, options, Apply::Batched);
        let per_edit = plan_with(text, "corp", entries, &template, options, Apply::PerEdit);
        assert_eq!(batched, per_edit);
        batched.unwrap()
    };
    for base in &bases {
        let first = both(base, &entries, &PlanOptions::default());
        assert_eq!(first.added.len(), entries.len());
        let region = PlanOptions {
            region: Some("eu-west-1".to_owned()),
            prune: true,
            ..PlanOptions::default()
        };
        let updated = both(&first.new_text, &entries[..90], &region);
        assert_eq!(updated.updated.len(), 90);
        assert_eq!(updated.removed.len(), 90);
        let pruned = both(&updated.new_text, &[], &prune());
        assert_eq!(pruned.removed.len(), 90);
        assert!(!pruned.new_text.contains(MARKER_KEY));
    }
}
