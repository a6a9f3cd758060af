//! [`Secret`]: the newtype every token, code and client secret the emulator stores lives in, so
//! that `Debug` output of the state never shows one.

use std::borrow::Borrow;
use std::fmt;

/// A secret string (access or refresh token, client secret, device code, authorization code,
/// PKCE challenge). `Debug` prints `Secret(<redacted>)`; there is no `Display`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn new(value: String) -> Self {
        Self(value)
    }

    /// The secret itself, for writing into a response or comparing.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Secret {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_the_value() {
        let secret = Secret::new("emu-at-supersecretvalue".to_owned());
        let printed = format!("{secret:?} {:?}", Some(&secret));
        assert!(!printed.contains("supersecret"), "{printed}");
        assert!(printed.contains("<redacted>"));
        assert_eq!(secret.expose(), "emu-at-supersecretvalue");
    }
}
