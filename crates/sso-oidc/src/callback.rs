//! Paste-back PKCE: reading the redirected callback URL that the user pastes into the terminal.
//!
//! Pure: the driver reads the line, this module checks it.
//!
//! When no browser can be opened here, the user opens the authorize URL on any machine; after
//! sign-in that browser is redirected to `http://127.0.0.1:{port}/oauth/callback?code=…&state=…`,
//! which fails to load there. The user copies that address and pastes it into the terminal.
//! [`parse_pasted_callback`] turns what was pasted into the raw query string that the login
//! [`Flow`](crate::Flow) takes as `Input::Redirect { now, query }`, exactly as the loopback listener would have
//! delivered it; [`check_state`] lets the caller recognise a URL from another login (and ask
//! again) before feeding it, since the flow ends the login on a `state` mismatch.
//!
//! Errors never contain the pasted text: it holds the authorization code.

use subtle::ConstantTimeEq as _;
use url::Url;

use crate::pkce::RedirectUri;

/// Why a pasted callback was not accepted. Messages never echo the pasted text or the code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PasteError {
    /// Nothing but whitespace or quotes.
    #[error("nothing was pasted")]
    Empty,
    /// Not a URL or a query string at all.
    #[error(
        "that is not the sign-in callback: paste the whole address from the browser's address bar (it starts with http://127.0.0.1:)"
    )]
    NotACallback,
    /// A URL, but not for this machine's loopback listener.
    #[error(
        "that address is for {host}, not for the sign-in listener on this machine (http://127.0.0.1)"
    )]
    WrongHost {
        /// The URL's scheme and host, e.g. `https://example.com`.
        host: String,
    },
    /// A loopback URL with another path than `/oauth/callback`.
    #[error("that address has the path {path}, not {}", RedirectUri::PATH)]
    WrongPath {
        /// The URL's path.
        path: String,
    },
    /// The query has neither `code` nor `error`.
    #[error(
        "that address has no `code` parameter: paste the address the browser was sent to after signing in"
    )]
    MissingCode,
    /// The query has no `state`.
    #[error("that address has no `state` parameter, so it cannot be tied to this login")]
    MissingState,
    /// The `state` is another login's.
    #[error(
        "that address is from another login (its state does not match this one): paste the address from the sign-in started here"
    )]
    StateMismatch,
}

/// Turns a pasted callback into its raw query string, without the `?`.
///
/// Accepts, with surrounding whitespace and quotes (`"`, `'`, `<…>`) removed:
/// - the full URL `http://127.0.0.1:PORT/oauth/callback?code=…&state=…`, also with `localhost`
///   or `[::1]` as host, or without the `http://` that some address bars hide;
/// - the query alone, `?code=…&state=…` or `code=…&state=…`.
///
/// A fragment is dropped. The query must hold `code` or `error` (an authorization error is
/// accepted here: the flow turns it into the login's failure). Whether `state` matches is
/// [`check_state`]'s job.
pub fn parse_pasted_callback(input: &str) -> Result<String, PasteError> {
    let text = strip_wrapping(input);
    if text.is_empty() {
        return Err(PasteError::Empty);
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(PasteError::NotACallback);
    }
    let query = if let Some(query) = text.strip_prefix('?') {
        strip_fragment(query).to_owned()
    } else if looks_like_url(text) {
        url_query(text)?
    } else if text.contains('=') && !text.contains('/') && !text.contains(':') {
        strip_fragment(text).to_owned()
    } else {
        return Err(PasteError::NotACallback);
    };
    let has_code_or_error = url::form_urlencoded::parse(query.as_bytes())
        .any(|(key, value)| (key == "code" || key == "error") && !value.is_empty());
    if !has_code_or_error {
        return Err(PasteError::MissingCode);
    }
    Ok(query)
}

/// Checks that the query's `state` equals `expected_state`, in constant time.
///
/// A mismatch means the URL came from another login (an older tab, another terminal): the
/// caller should say so and read again rather than feed it to the flow, which would end the
/// login. The flow checks `state` again when the query is fed.
pub fn check_state(query: &str, expected_state: &str) -> Result<(), PasteError> {
    let mut states = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(key, _)| key == "state")
        .map(|(_, value)| value);
    let state = states.next().ok_or(PasteError::MissingState)?;
    // Two `state` parameters are ambiguous; the flow would take the last one.
    if states.next().is_some() {
        return Err(PasteError::StateMismatch);
    }
    if bool::from(state.as_bytes().ct_eq(expected_state.as_bytes())) {
        Ok(())
    } else {
        Err(PasteError::StateMismatch)
    }
}

/// Trims whitespace and one layer of matching quotes or angle brackets, repeatedly.
fn strip_wrapping(input: &str) -> &str {
    let mut text = input.trim();
    loop {
        let stripped = [('"', '"'), ('\'', '\''), ('<', '>'), ('`', '`')]
            .into_iter()
            .find_map(|(open, close)| text.strip_prefix(open)?.strip_suffix(close));
        match stripped {
            Some(inner) => text = inner.trim(),
            None => return text,
        }
    }
}

fn strip_fragment(query: &str) -> &str {
    query.split_once('#').map_or(query, |(query, _)| query)
}

/// Whether `text` starts like a URL: a scheme, or a loopback host as address bars show it.
fn looks_like_url(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.starts_with("http://")
        || lower.starts_with("https://")
        || ["127.0.0.1", "localhost", "[::1]"].iter().any(|host| {
            lower
                .strip_prefix(host)
                .is_some_and(|rest| rest.starts_with([':', '/', '?']))
        })
}

/// The raw query of a pasted URL, after checking that it points at the loopback callback.
fn url_query(text: &str) -> Result<String, PasteError> {
    let lower = text.to_ascii_lowercase();
    let with_scheme = if lower.starts_with("http://") || lower.starts_with("https://") {
        text.to_owned()
    } else {
        format!("http://{text}")
    };
    let url = Url::parse(&with_scheme).map_err(|_| PasteError::NotACallback)?;
    let host = url.host_str().unwrap_or_default();
    let loopback = matches!(host, "127.0.0.1" | "localhost" | "[::1]");
    if url.scheme() != "http" || !loopback {
        return Err(PasteError::WrongHost {
            host: format!("{}://{host}", url.scheme()),
        });
    }
    if url.path() != RedirectUri::PATH {
        return Err(PasteError::WrongPath {
            path: url.path().to_owned(),
        });
    }
    // The query as it was pasted: the flow decodes it like a query from the listener.
    let start = text.find('?').map_or(text.len(), |i| i + 1);
    Ok(strip_fragment(&text[start..]).to_owned())
}

#[cfg(test)]
mod tests {
    use super::{PasteError, check_state, parse_pasted_callback};

    const STATE: &str = "6f1e2c0a-4b7d-4c7e-9a51-1f0b7e7b2d11";
    const CODE: &str = "secret-auth-code-XYZ";

    fn callback(port: u16, state: &str) -> String {
        format!("http://127.0.0.1:{port}/oauth/callback?code={CODE}&state={state}")
    }

    fn query_with(state: &str) -> String {
        format!("code={CODE}&state={state}")
    }

    #[test]
    fn good_url_in_every_accepted_shape() {
        let expected = query_with(STATE);
        let url = callback(54321, STATE);
        for input in [
            url.clone(),
            format!("  {url}\n"),
            format!("\"{url}\""),
            format!("'{url}'"),
            format!("<{url}>"),
            format!("{url}#fragment"),
            format!("http://localhost:54321/oauth/callback?{expected}"),
            format!("HTTP://127.0.0.1:54321/oauth/callback?{expected}"),
            format!("http://[::1]:54321/oauth/callback?{expected}"),
            format!("127.0.0.1:54321/oauth/callback?{expected}"),
            format!("?{expected}"),
            format!(" {expected} "),
        ] {
            let query =
                parse_pasted_callback(&input).unwrap_or_else(|e| panic!("{input:?} rejected: {e}"));
            assert_eq!(query, expected, "{input:?}");
            assert_eq!(check_state(&query, STATE), Ok(()));
        }
    }

    #[test]
    fn raw_query_is_kept_encoded_for_the_flow() {
        let input = "http://127.0.0.1:1/oauth/callback?code=a%2Bb&state=s%20t&extra=1";
        assert_eq!(
            parse_pasted_callback(input).as_deref(),
            Ok("code=a%2Bb&state=s%20t&extra=1")
        );
        assert_eq!(check_state("code=a%2Bb&state=s%20t", "s t"), Ok(()));
    }

    #[test]
    fn wrong_state_is_a_mismatch() {
        let query = parse_pasted_callback(&callback(54321, "not-the-state")).expect("parses");
        assert_eq!(check_state(&query, STATE), Err(PasteError::StateMismatch));
        // A prefix of the right state is not the state.
        assert_eq!(
            check_state(&query_with(&STATE[..10]), STATE),
            Err(PasteError::StateMismatch)
        );
        // Two states are ambiguous.
        assert_eq!(
            check_state(&format!("{}&state=x", query_with(STATE)), STATE),
            Err(PasteError::StateMismatch)
        );
        assert_eq!(
            check_state(&format!("code={CODE}"), STATE),
            Err(PasteError::MissingState)
        );
    }

    #[test]
    fn url_from_another_login_is_recognised() {
        // Another terminal's login: another port, another state, another code.
        let other = "http://127.0.0.1:40001/oauth/callback?code=other-code&state=0b6d3f3e-0000-4000-8000-000000000000";
        let query = parse_pasted_callback(other).expect("a well-formed callback");
        let error = check_state(&query, STATE).unwrap_err();
        assert_eq!(error, PasteError::StateMismatch);
        assert!(error.to_string().contains("another login"), "{error}");
    }

    #[test]
    fn garbage_is_rejected_without_echoing_it() {
        let cases: &[(&str, PasteError)] = &[
            ("", PasteError::Empty),
            ("  \"\" ", PasteError::Empty),
            ("hello", PasteError::NotACallback),
            ("yes please", PasteError::NotACallback),
            ("code=abc def", PasteError::NotACallback),
            ("ABCD-EFGH", PasteError::NotACallback),
            ("/oauth/callback?code=x&state=y", PasteError::NotACallback),
            ("http://", PasteError::NotACallback),
            (
                "https://evil.example.com/oauth/callback?code=secret-auth-code-XYZ&state=s",
                PasteError::WrongHost {
                    host: "https://evil.example.com".to_owned(),
                },
            ),
            (
                "http://10.0.0.5:8080/oauth/callback?code=secret-auth-code-XYZ",
                PasteError::WrongHost {
                    host: "http://10.0.0.5".to_owned(),
                },
            ),
            (
                "https://127.0.0.1:8080/oauth/callback?code=secret-auth-code-XYZ",
                PasteError::WrongHost {
                    host: "https://127.0.0.1".to_owned(),
                },
            ),
            (
                "http://127.0.0.1:8080/favicon.ico?code=secret-auth-code-XYZ",
                PasteError::WrongPath {
                    path: "/favicon.ico".to_owned(),
                },
            ),
            (
                "http://127.0.0.1:8080/oauth/callback",
                PasteError::MissingCode,
            ),
            (
                "http://127.0.0.1:8080/oauth/callback?state=abc",
                PasteError::MissingCode,
            ),
            ("state=abc&foo=bar", PasteError::MissingCode),
            ("?code=&state=abc", PasteError::MissingCode),
        ];
        for (input, expected) in cases {
            let error = parse_pasted_callback(input).unwrap_err();
            assert_eq!(&error, expected, "{input:?}");
            let message = error.to_string();
            assert!(!message.contains(CODE), "{message}");
            assert!(!format!("{error:?}").contains(CODE));
        }
    }

    #[test]
    fn authorization_errors_pass_through_to_the_flow() {
        let input = format!(
            "http://127.0.0.1:54321/oauth/callback?error=access_denied&error_description=User%20denied&state={STATE}"
        );
        let query = parse_pasted_callback(&input).expect("an error callback is a callback");
        assert!(query.starts_with("error=access_denied&"));
        assert_eq!(check_state(&query, STATE), Ok(()));
    }
}
