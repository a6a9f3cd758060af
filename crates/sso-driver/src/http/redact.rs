//! URLs as they may appear in errors and logs: no credentials, no query values.
//!
//! The portal API carries tokens in headers, but a callback or authorize URL carries `code` and
//! `state` in its query, and proxy URLs may carry a password, so every URL we print goes
//! through [`redact_url`].

use url::Url;

/// The placeholder printed instead of a query value.
const REDACTED: &str = "<redacted>";

/// `scheme://host[:port]/path`, plus the query with every value replaced by `<redacted>`.
///
/// User names and passwords are dropped and the fragment is omitted.
pub(crate) fn redact_url(url: &Url) -> String {
    let mut out = format!("{}://", url.scheme());
    if let Some(host) = url.host_str() {
        out.push_str(host);
    }
    if let Some(port) = url.port() {
        out.push(':');
        out.push_str(&port.to_string());
    }
    let path = url.path();
    // The bare origin reads better in messages than a trailing `/`.
    if path != "/" || url.query().is_some() {
        out.push_str(path);
    }
    if url.query().is_some() {
        let names: Vec<String> = url
            .query_pairs()
            .map(|(name, _)| format!("{name}={REDACTED}"))
            .collect();
        out.push('?');
        out.push_str(&names.join("&"));
    }
    out
}

/// [`redact_url`] for a string that may not parse: an unparsable URL prints as a placeholder,
/// because it could contain anything.
pub(crate) fn redact_str(url: &str) -> String {
    match Url::parse(url) {
        Ok(url) => redact_url(&url),
        Err(_) => "<unparsable URL>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{redact_str, redact_url};

    fn check(input: &str, expected: &str) {
        let url = url::Url::parse(input).expect("test URLs parse");
        assert_eq!(redact_url(&url), expected);
    }

    #[test]
    fn origins_and_paths_are_kept() {
        check(
            "https://oidc.us-east-1.amazonaws.com",
            "https://oidc.us-east-1.amazonaws.com",
        );
        check(
            "https://oidc.us-east-1.amazonaws.com/token",
            "https://oidc.us-east-1.amazonaws.com/token",
        );
        check(
            "http://127.0.0.1:8400/oauth/callback",
            "http://127.0.0.1:8400/oauth/callback",
        );
    }

    #[test]
    fn query_values_credentials_and_fragments_are_dropped() {
        check(
            "http://127.0.0.1:8400/oauth/callback?code=SECRETCODE&state=SECRETSTATE#frag",
            "http://127.0.0.1:8400/oauth/callback?code=<redacted>&state=<redacted>",
        );
        check(
            "http://user:hunter2@proxy.example:3128/",
            "http://proxy.example:3128",
        );
        check(
            "https://portal.sso.eu-west-1.amazonaws.com/federation/credentials?role_name=Admin&account_id=1",
            "https://portal.sso.eu-west-1.amazonaws.com/federation/credentials?role_name=<redacted>&account_id=<redacted>",
        );
        assert_eq!(redact_str("not a url code=x"), "<unparsable URL>");
    }
}
