//! SSO resolution: both forms, the AWS CLI's exact error messages, and their locations.

use sso_config::{Document, ProfileSet, ProfileView, ResolveError};

fn set(text: &str) -> ProfileSet {
    let doc = Document::parse(text);
    assert!(!doc.has_errors(), "{:?}", doc.diagnostics());
    ProfileSet::from_documents(Some(("~/.aws/config", &doc)), None)
}

fn error(text: &str, profile: &str) -> String {
    let err = set(text).resolve_sso(profile).unwrap_err();
    let at = err.origin().map_or("-".to_owned(), ToString::to_string);
    format!("{err} @ {at}")
}

#[test]
fn session_form_merges_and_parses_scopes() {
    let s = set(
        "[profile p]\nsso_session = s\nsso_account_id = 1\nsso_role_name = R\n[sso-session s]\nsso_start_url = https://x/start\nsso_region = eu-west-1\nsso_registration_scopes = a, ,b ,\n",
    );
    let sso = s.resolve_sso("p").unwrap();
    assert_eq!(sso.session_name(), Some("s"));
    assert_eq!(sso.registration_scopes(), ["a", "b"]);
    assert_eq!(sso.region.as_str(), "eu-west-1");
    assert_eq!(sso.region.origin().line, 7);
    let (account, role) = sso.role().unwrap();
    assert_eq!((account.as_str(), role.as_str()), ("1", "R"));
    assert_eq!(
        s.resolve_sso_session("s").unwrap().registration_scopes,
        ["a", "b"]
    );
}

#[test]
fn legacy_form() {
    let sso = set("[profile p]\nsso_start_url = https://x\nsso_region = r\n")
        .resolve_sso("p")
        .unwrap();
    assert!(sso.session.is_none());
    insta::assert_snapshot!(sso.role().unwrap_err(), @r#"The profile "p" is configured to use SSO but is missing required configuration: sso_role_name, sso_account_id"#);
}

#[test]
fn equal_duplicates_are_allowed_different_ones_are_not() {
    let text = "[profile p]\nsso_session = s\nsso_region = us-east-1\n[sso-session s]\nsso_start_url = https://x\nsso_region = us-east-1\n";
    assert!(set(text).resolve_sso("p").is_ok());
    insta::assert_snapshot!(error(&text.replacen("sso_region = us-east-1", "sso_region = eu-west-1", 1), "p"),
        @"The value for sso_region is inconsistent between profile (p) and sso-session (s). @ ~/.aws/config:3:1");
}

#[test]
fn error_messages_are_the_cli_ones() {
    insta::assert_snapshot!(error("[profile p]\nsso_session = nope\n", "p"),
        @r#"The specified sso-session does not exist: "nope" @ ~/.aws/config:2:1"#);
    insta::assert_snapshot!(error("[profile p]\nsso_session = s\n[sso-session s]\nsso_region = r\n", "p"),
        @"Missing the following required SSO configuration values: sso_start_url.  @ ~/.aws/config:3:1");
    insta::assert_snapshot!(error("[profile p]\nregion = r\n", "p"),
        @"Missing the following required SSO configuration values: sso_start_url, sso_region. To make sure this profile is properly configured to use SSO, please run: aws configure sso @ ~/.aws/config:1:1");
    insta::assert_snapshot!(error("[profile p]\nsso_start_url = http://x\nsso_region = r\n", "p"),
        @"The sso_start_url must use the https scheme. @ ~/.aws/config:2:1");
    insta::assert_snapshot!(error("[profile p]\n", "q"), @"The config profile (q) could not be found @ -");
    let missing = set("").resolve_sso_session("s").unwrap_err();
    assert!(matches!(
        missing,
        ResolveError::SessionNotFound { origin: None, .. }
    ));
}

#[test]
fn typed_keys_and_endpoints() {
    let s = set(
        "[profile p]\nregion = r\noutput = json\ncredential_process = run me\nendpoint_url = http://global\nservices = local\nuse_fips_endpoint = TRUE\nuse_dualstack_endpoint = no\nca_bundle = /b.pem\n[services local]\nsso_oidc =\n  endpoint_url = http://oidc\n[profile q]\nservices = gone\n[profile i]\nendpoint_url = http://x\nignore_configured_endpoint_urls = true\n",
    );
    let p = ProfileView(s.profile("p").unwrap());
    assert_eq!(p.region().unwrap().as_str(), "r");
    assert_eq!(p.output().unwrap().as_str(), "json");
    assert_eq!(p.credential_process().unwrap().as_str(), "run me");
    assert_eq!(p.ca_bundle().unwrap().as_str(), "/b.pem");
    assert_eq!(p.use_fips_endpoint(), Ok(Some(true)));
    insta::assert_snapshot!(p.use_dualstack_endpoint().unwrap_err(), @r#"the value of use_dualstack_endpoint must be true or false, found "no""#);
    assert_eq!(
        s.configured_endpoint_url("p", "sso_oidc")
            .unwrap()
            .as_deref(),
        Some("http://oidc")
    );
    assert_eq!(
        s.configured_endpoint_url("p", "sso").unwrap().as_deref(),
        Some("http://global")
    );
    assert_eq!(s.configured_endpoint_url("i", "sso").unwrap(), None);
    insta::assert_snapshot!(s.configured_endpoint_url("q", "sso").unwrap_err(), @r#"The profile is configured to use the services section but the "gone" services configuration does not exist."#);
}

#[test]
fn credentials_override_config_and_origins_name_the_file() {
    let config = Document::parse("[profile p]\nregion = a\n");
    let credentials = Document::parse("[p]\nregion = b\n");
    let s = ProfileSet::from_documents(
        Some(("config", &config)),
        Some(("credentials", &credentials)),
    );
    let region = s.profile("p").unwrap().get("REGION").unwrap();
    assert_eq!(region.as_str(), "b");
    assert_eq!(region.origin().to_string(), "credentials:2:1");
}
