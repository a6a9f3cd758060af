//! Secret newtypes: tokens, client secrets, codes, verifiers and role keys.
//!
//! Each type redacts its `Debug` output, has no `Display`, hands the value out only through
//! `expose_secret()`, and zeroizes its buffer on drop (the smithy-rs approach). None of them
//! derives `Serialize`: writing a secret somewhere is always an explicit `expose_secret()` call.

use zeroize::{Zeroize, ZeroizeOnDrop};

macro_rules! secret_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret value.
            #[must_use]
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret itself. Every call site is a place where the secret leaves its box.
            #[must_use]
            pub fn expose_secret(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }
    };
}

secret_type!(
    /// An SSO-OIDC access token (`accessToken`), also the portal bearer token.
    AccessToken
);
secret_type!(
    /// An SSO-OIDC refresh token (`refreshToken`).
    RefreshToken
);
secret_type!(
    /// A registered client's secret (`clientSecret`).
    ClientSecret
);
secret_type!(
    /// The device code of a device authorization (`deviceCode`, RFC 8628 section 3.2).
    DeviceCode
);
secret_type!(
    /// An authorization code received on the loopback redirect (RFC 6749 section 4.1.2).
    AuthorizationCode
);
secret_type!(
    /// A PKCE code verifier (RFC 7636 section 4.1).
    CodeVerifier
);
secret_type!(
    /// A role credential's secret access key (`secretAccessKey`).
    SecretAccessKey
);
secret_type!(
    /// A role credential's session token (`sessionToken`).
    SessionToken
);
secret_type!(
    /// An OIDC ID token (`idToken`); the service documents it as unsupported but may send one.
    IdToken
);

#[cfg(test)]
mod tests {
    use super::*;

    fn check(debug: String, name: &str) {
        assert!(!debug.contains("hunter2"), "{debug}");
        assert_eq!(debug, format!("{name}(<redacted>)"));
    }

    #[test]
    fn debug_redacts_every_secret_type() {
        check(format!("{:?}", AccessToken::new("hunter2")), "AccessToken");
        check(
            format!("{:?}", RefreshToken::new("hunter2")),
            "RefreshToken",
        );
        check(
            format!("{:?}", ClientSecret::new("hunter2")),
            "ClientSecret",
        );
        check(format!("{:?}", DeviceCode::new("hunter2")), "DeviceCode");
        check(
            format!("{:?}", AuthorizationCode::new("hunter2")),
            "AuthorizationCode",
        );
        check(
            format!("{:?}", CodeVerifier::new("hunter2")),
            "CodeVerifier",
        );
        check(
            format!("{:?}", SecretAccessKey::new("hunter2")),
            "SecretAccessKey",
        );
        check(
            format!("{:?}", SessionToken::new("hunter2")),
            "SessionToken",
        );
        check(format!("{:?}", IdToken::new("hunter2")), "IdToken");
    }

    #[test]
    fn expose_secret_returns_the_value() {
        assert_eq!(AccessToken::new("hunter2").expose_secret(), "hunter2");
    }

    #[test]
    fn zeroize_clears_the_buffer() {
        let mut token = RefreshToken::new("hunter2");
        token.zeroize();
        assert_eq!(token.expose_secret(), "");
    }
}
