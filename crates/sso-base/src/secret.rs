//! Secret newtypes: tokens, client secrets, codes, verifiers and role keys, for every crate.
//!
//! Each type redacts its `Debug` output, has no `Display`, hands the value out only through
//! `expose_secret()`, and zeroizes its buffer on drop (the smithy-rs approach). None of them
//! derives `Serialize`: writing a secret somewhere (a request body, a cache file) is always an
//! explicit `expose_secret()` call.

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

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self::new(value)
            }
        }
    };
}

secret_type!(
    /// An SSO-OIDC access token (`accessToken`), also the portal bearer token and the token
    /// cache's `accessToken`.
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
    /// The secret half of an AWS access key pair (`secretAccessKey` of a role credential,
    /// `SecretAccessKey` in STS answers and the CLI cache).
    SecretAccessKey
);
secret_type!(
    /// An AWS session token (`sessionToken` of a role credential, `SessionToken` in STS answers
    /// and the CLI cache).
    SessionToken
);
secret_type!(
    /// An OIDC ID token (`idToken`); the service documents it as unsupported but may send one.
    IdToken
);
secret_type!(
    /// An OIDC token from an identity provider, exchanged at STS `AssumeRoleWithWebIdentity`.
    WebIdentityToken
);
secret_type!(
    /// A one-time MFA code (`TokenCode` of STS `AssumeRole`).
    MfaCode
);

#[cfg(test)]
mod tests {
    use super::*;

    /// Compiles only for types that wipe their buffer when dropped.
    fn zeroized_on_drop<T: ZeroizeOnDrop>() {}

    /// One test per secret type: its `Debug` is the type name and a placeholder, never the
    /// value, also when nested in a container's derived `Debug`; and it is zeroized on drop.
    macro_rules! debug_redacts {
        ($($test:ident: $name:ident),* $(,)?) => {$(
            #[test]
            fn $test() {
                let secret = $name::new("hunter2");
                let debug = format!("{secret:?}");
                assert_eq!(debug, concat!(stringify!($name), "(<redacted>)"));
                let nested = format!("{:?}", Some(vec![secret.clone()]));
                assert!(!nested.contains("hunter2"), "{nested}");
                let pretty = format!("{secret:#?}");
                assert!(!pretty.contains("hunter2"), "{pretty}");
                assert_eq!(secret.expose_secret(), "hunter2");
                zeroized_on_drop::<$name>();
            }
        )*};
    }

    debug_redacts!(
        access_token_debug_redacts: AccessToken,
        refresh_token_debug_redacts: RefreshToken,
        client_secret_debug_redacts: ClientSecret,
        device_code_debug_redacts: DeviceCode,
        authorization_code_debug_redacts: AuthorizationCode,
        code_verifier_debug_redacts: CodeVerifier,
        secret_access_key_debug_redacts: SecretAccessKey,
        session_token_debug_redacts: SessionToken,
        id_token_debug_redacts: IdToken,
        web_identity_token_debug_redacts: WebIdentityToken,
        mfa_code_debug_redacts: MfaCode,
    );

    #[test]
    fn expose_secret_returns_the_value() {
        assert_eq!(AccessToken::new("hunter2").expose_secret(), "hunter2");
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let value = "s3cr3t-value-that-must-not-leak";
        let rendered = format!(
            "{:?} {:?} {:?} {:?} {:?}",
            AccessToken::new(value),
            RefreshToken::new(value),
            ClientSecret::new(value),
            SecretAccessKey::new(value),
            SessionToken::from(value.to_owned()),
        );
        assert!(!rendered.contains(value), "{rendered}");
        assert!(rendered.contains("AccessToken(<redacted>)"), "{rendered}");
        assert_eq!(AccessToken::new(value).expose_secret(), value);
    }

    #[test]
    fn zeroize_clears_the_buffer() {
        let mut token = RefreshToken::new("hunter2");
        token.zeroize();
        assert_eq!(token.expose_secret(), "");
    }
}
