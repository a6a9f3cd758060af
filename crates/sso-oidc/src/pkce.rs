//! PKCE (RFC 7636), the `state` parameter, the loopback redirect URI (RFC 8252) and the
//! authorize URL, exactly as the AWS CLI builds them (protocol.md section 2.6).
//!
//! Randomness is never drawn here: the driver passes [`Entropy`] filled from the OS, and tests
//! pass fixed bytes so every emitted URL and request is byte-stable.

use base64::Engine as _;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::endpoint::Endpoint;
use crate::wire::percent_encode;
use sso_base::CodeVerifier;

/// The verifier alphabet: RFC 3986 unreserved characters (RFC 7636 section 4.1).
const VERIFIER_CHARSET: &[u8; 66] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

/// Length of the verifiers we make (the CLI's choice; RFC 7636 allows 43 to 128).
pub const VERIFIER_LEN: usize = 64;

/// Bytes of entropy a verifier consumes: two per character, so the modulo bias is below 0.1%.
pub const VERIFIER_ENTROPY_LEN: usize = VERIFIER_LEN * 2;

/// Random bytes for one authorization-code login: the verifier's and the `state`'s.
///
/// `Debug` redacts and the bytes are zeroized on drop: they determine the verifier.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Entropy {
    verifier: [u8; VERIFIER_ENTROPY_LEN],
    state: [u8; 16],
}

impl Entropy {
    /// Total bytes needed by [`Entropy::from_bytes`].
    pub const LEN: usize = VERIFIER_ENTROPY_LEN + 16;

    /// Entropy from the verifier's bytes and the `state` UUID's bytes.
    #[must_use]
    pub const fn new(verifier: [u8; VERIFIER_ENTROPY_LEN], state: [u8; 16]) -> Self {
        Self { verifier, state }
    }

    /// Entropy from exactly [`Entropy::LEN`] bytes (verifier bytes first), or `None`.
    #[must_use]
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != Self::LEN {
            return None;
        }
        let (verifier, state) = bytes.split_at(VERIFIER_ENTROPY_LEN);
        Some(Self {
            verifier: verifier.try_into().ok()?,
            state: state.try_into().ok()?,
        })
    }

    /// The verifier these bytes make.
    #[must_use]
    pub fn code_verifier(&self) -> CodeVerifier {
        code_verifier(&self.verifier)
    }

    /// The `state` these bytes make (a UUIDv4).
    #[must_use]
    pub fn state(&self) -> String {
        uuid_v4(&self.state)
    }
}

impl std::fmt::Debug for Entropy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Entropy(<redacted>)")
    }
}

/// A 64-character verifier over the unreserved alphabet, two entropy bytes per character.
#[must_use]
pub fn code_verifier(bytes: &[u8; VERIFIER_ENTROPY_LEN]) -> CodeVerifier {
    let mut verifier = String::with_capacity(VERIFIER_LEN);
    for pair in bytes.chunks_exact(2) {
        let n = usize::from(u16::from_be_bytes([pair[0], pair[1]]));
        verifier.push(char::from(VERIFIER_CHARSET[n % VERIFIER_CHARSET.len()]));
    }
    CodeVerifier::new(verifier)
}

/// Whether `verifier` is a valid RFC 7636 verifier: 43 to 128 unreserved characters.
#[must_use]
pub fn is_valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len()) && verifier.bytes().all(|b| VERIFIER_CHARSET.contains(&b))
}

/// The S256 challenge: unpadded base64url of SHA-256 of the verifier (RFC 7636 section 4.2).
#[must_use]
pub fn code_challenge(verifier: &CodeVerifier) -> String {
    let digest = Sha256::digest(verifier.expose_secret().as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

/// A canonical lower-case UUIDv4 string from 16 bytes (RFC 9562 section 5.4).
#[must_use]
pub fn uuid_v4(bytes: &[u8; 16]) -> String {
    let mut b = *bytes;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The loopback redirect URI `http://127.0.0.1:{port}/oauth/callback` (RFC 8252 section 7.3).
///
/// The driver binds the listener first and passes the port it got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RedirectUri {
    port: u16,
}

impl RedirectUri {
    /// The path the CLI registers and listens on.
    pub const PATH: &'static str = "/oauth/callback";
    /// What is registered: port-less, because the server accepts any port at request time.
    pub const REGISTERED: &'static str = "http://127.0.0.1/oauth/callback";

    /// The redirect URI for a listener on `127.0.0.1:{port}`.
    #[must_use]
    pub const fn loopback(port: u16) -> Self {
        Self { port }
    }

    /// The port.
    #[must_use]
    pub const fn port(self) -> u16 {
        self.port
    }

    /// The URI as sent in the authorize URL and the token request.
    #[must_use]
    pub fn to_uri_string(self) -> String {
        format!("http://127.0.0.1:{}{}", self.port, Self::PATH)
    }
}

/// The default scope of authorization-code registrations and authorize URLs.
pub const DEFAULT_SCOPE: &str = "sso:account:access";

/// The authorize URL with the CLI's parameters in the CLI's order: `response_type`,
/// `client_id`, `redirect_uri`, `state`, `code_challenge_method`, `scopes` (space-joined, or
/// `sso:account:access`), then `code_challenge` unencoded. The endpoint's path is dropped.
#[must_use]
pub fn authorize_url(
    endpoint: &Endpoint,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
    scopes: &[String],
    code_challenge: &str,
) -> String {
    let scopes = if scopes.is_empty() {
        DEFAULT_SCOPE.to_owned()
    } else {
        scopes.join(" ")
    };
    format!(
        "{}/authorize?response_type=code&client_id={}&redirect_uri={}&state={}&code_challenge_method=S256&scopes={}&code_challenge={code_challenge}",
        endpoint.origin(),
        percent_encode(client_id),
        percent_encode(redirect_uri),
        percent_encode(state),
        percent_encode(&scopes),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector() {
        let verifier = CodeVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(
            code_challenge(&verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(is_valid_verifier(verifier.expose_secret()));
    }

    #[test]
    fn cli_authorize_url_example() {
        let endpoint = Endpoint::parse("https://oidc.us-east-1.amazonaws.com").unwrap();
        let verifier = CodeVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        let url = authorize_url(
            &endpoint,
            "auth-client-id",
            &RedirectUri::loopback(55555).to_uri_string(),
            "00000000-0000-0000-0000-000000000000",
            &[],
            &code_challenge(&verifier),
        );
        assert_eq!(
            url,
            "https://oidc.us-east-1.amazonaws.com/authorize?response_type=code&client_id=auth-client-id&redirect_uri=http%3A%2F%2F127.0.0.1%3A55555%2Foauth%2Fcallback&state=00000000-0000-0000-0000-000000000000&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn scopes_join_with_encoded_space_and_path_is_dropped() {
        let endpoint = Endpoint::parse("http://127.0.0.1:9000/prefix").unwrap();
        let url = authorize_url(
            &endpoint,
            "c",
            "r",
            "s",
            &["sso:foo".into(), "sso:bar".into()],
            "x",
        );
        assert!(url.starts_with("http://127.0.0.1:9000/authorize?"), "{url}");
        assert!(url.contains("&scopes=sso%3Afoo%20sso%3Abar&"), "{url}");
    }

    #[test]
    fn uuid_v4_sets_version_and_variant() {
        assert_eq!(uuid_v4(&[0; 16]), "00000000-0000-4000-8000-000000000000");
        assert_eq!(uuid_v4(&[0xff; 16]), "ffffffff-ffff-4fff-bfff-ffffffffffff");
    }

    #[test]
    fn entropy_debug_redacts() {
        let entropy = Entropy::new([7; VERIFIER_ENTROPY_LEN], [9; 16]);
        assert_eq!(format!("{entropy:?}"), "Entropy(<redacted>)");
        assert!(Entropy::from_bytes(&[0; 3]).is_none());
        assert!(Entropy::from_bytes(&[0; Entropy::LEN]).is_some());
    }
}
