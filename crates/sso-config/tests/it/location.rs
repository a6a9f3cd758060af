//! File locations and profile selection from an environment given as data.

use std::collections::BTreeMap;

use sso_config::{
    LocationError, Platform, ProfileSource, expand_tilde, file_locations, select_profile,
    selected_profile,
};

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn home_and_overrides() {
    let e = env(&[("HOME", "/home/u"), ("AWS_CONFIG_FILE", "~/cfg")]);
    let l = file_locations(&e, Platform::Unix).unwrap();
    assert_eq!(l.config, "/home/u/cfg");
    assert_eq!(l.credentials, "/home/u/.aws/credentials");
    let w = env(&[("HOMEDRIVE", "D:"), ("HOMEPATH", "\\me")]);
    assert_eq!(
        file_locations(&w, Platform::Windows).unwrap().config,
        "D:\\me\\.aws\\config"
    );
}

#[test]
fn tilde_only_before_a_separator() {
    assert_eq!(
        expand_tilde("~user/x", Some("/h"), Platform::Unix).unwrap(),
        "~user/x"
    );
    assert_eq!(
        expand_tilde("~\\x", Some("/h"), Platform::Unix).unwrap(),
        "~\\x"
    );
    assert_eq!(
        expand_tilde("~\\x", Some("C:\\h"), Platform::Windows).unwrap(),
        "C:\\h\\x"
    );
}

#[test]
fn missing_home_is_an_error_that_says_what_to_set() {
    let err = file_locations(&env(&[]), Platform::Unix).unwrap_err();
    assert!(matches!(err, LocationError::NoHome { .. }));
    insta::assert_snapshot!(err, @"could not find the home directory for ~/.aws/config: set HOME (or USERPROFILE on Windows), or set AWS_CONFIG_FILE to a full path");
}

#[test]
fn profile_precedence() {
    let e = env(&[("AWS_PROFILE", "a"), ("AWS_DEFAULT_PROFILE", "b")]);
    assert_eq!(selected_profile(&e, Some("cli")), "cli");
    assert_eq!(selected_profile(&e, None), "a");
    assert_eq!(
        selected_profile(&env(&[("AWS_DEFAULT_PROFILE", "b")]), None),
        "b"
    );
    assert_eq!(selected_profile(&env(&[]), None), "default");
}

#[test]
fn profile_selection_says_where_the_name_came_from() {
    let both = env(&[("AWS_PROFILE", "a"), ("AWS_DEFAULT_PROFILE", "b")]);
    assert_eq!(
        select_profile(&both, Some("cli")),
        ("cli".to_owned(), ProfileSource::Named)
    );
    assert_eq!(
        select_profile(&both, None),
        ("a".to_owned(), ProfileSource::Env("AWS_PROFILE"))
    );
    // Empty values count as unset, the named profile's too.
    let fallback = env(&[("AWS_PROFILE", ""), ("AWS_DEFAULT_PROFILE", "b")]);
    assert_eq!(
        select_profile(&fallback, Some("")),
        ("b".to_owned(), ProfileSource::Env("AWS_DEFAULT_PROFILE"))
    );
    assert_eq!(
        select_profile(&env(&[]), None),
        ("default".to_owned(), ProfileSource::Default)
    );
    // A name no file could define is taken as it is, as the SDKs take it.
    assert_eq!(
        select_profile(&env(&[("AWS_PROFILE", "a]b")]), None).0,
        "a]b"
    );
}
