//! Redacting, zeroizing newtypes for the secrets stored in cache files.
//!
//! Each type wraps a `String` that is wiped on drop, prints as a placeholder in `Debug`, has no
//! `Display`, and hands out its value only through `expose_secret()`.

use zeroize::Zeroizing;

macro_rules! secret_string {
    ($(#[$doc:meta])* $name:ident, $placeholder:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(Zeroizing<String>);

        impl $name {
            /// Wraps a secret value.
            #[must_use]
            pub fn new(value: impl Into<String>) -> Self {
                Self(Zeroizing::new(value.into()))
            }

            /// The secret itself; keep it out of logs and error messages.
            #[must_use]
            pub fn expose_secret(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "(", $placeholder, ")"))
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self::new(value)
            }
        }
    };
}

secret_string!(
    /// An SSO access token (`accessToken`), the bearer token for the portal API.
    AccessToken,
    "** redacted **"
);
secret_string!(
    /// An SSO-OIDC refresh token (`refreshToken`).
    RefreshToken,
    "** redacted **"
);
secret_string!(
    /// An SSO-OIDC client secret (`clientSecret`).
    ClientSecret,
    "** redacted **"
);
secret_string!(
    /// The secret half of an AWS access key pair (`SecretAccessKey`).
    SecretAccessKey,
    "** redacted **"
);
secret_string!(
    /// An AWS session token (`SessionToken`).
    SessionToken,
    "** redacted **"
);

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(
            rendered.contains("AccessToken(** redacted **)"),
            "{rendered}"
        );
        assert_eq!(AccessToken::new(value).expose_secret(), value);
    }
}
