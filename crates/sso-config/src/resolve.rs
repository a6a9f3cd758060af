//! Typed views over the semantic layer: a profile's SSO settings (sso-session or legacy form),
//! an sso-session's settings, and the other profile keys the SSO clients honour (§1.3–1.5 of the
//! protocol notes).
//!
//! Duplicate keys between a profile and its sso-session follow botocore, which the AWS CLI runs:
//! equal values are allowed, different values are an error. The Rust SDK's stricter rule (no
//! `sso_start_url`/`sso_region` in a profile that names a session at all) would reject files the
//! AWS CLI accepts, which users' existing configs rely on.
//!
//! Error messages are the AWS CLI's, word for word, so that users can search for them; the
//! position of the offending key or section is in [`ResolveError::origin`].

use crate::semantic::{Origin, ProfileSet, Properties, Value};

/// Why a profile's or session's settings could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// The selected profile is in neither file. Check `--profile`/`AWS_PROFILE` or add the
    /// section.
    #[error("The config profile ({profile}) could not be found")]
    ProfileNotFound {
        /// The profile asked for.
        profile: String,
    },
    /// A profile's `sso_session` (or `--sso-session`) names a section that does not exist. Add
    /// `[sso-session NAME]` or fix the name.
    #[error("The specified sso-session does not exist: \"{session}\"")]
    SessionNotFound {
        /// The missing session's name.
        session: String,
        /// The `sso_session` key that names it; `None` when the name came from the command line.
        origin: Option<Origin>,
    },
    /// `aws sso login` needs these keys: in the sso-session section, or in the profile for the
    /// legacy form. Run `aws configure sso` (or add the keys).
    #[error(
        "Missing the following required SSO configuration values: {}. {}",
        missing.join(", "),
        if *legacy { "To make sure this profile is properly configured to use SSO, please run: aws configure sso" } else { "" }
    )]
    MissingSsoValues {
        /// The missing keys, in the order the AWS CLI lists them.
        missing: Vec<&'static str>,
        /// Whether the profile uses the legacy form (no `sso_session`).
        legacy: bool,
        /// The header of the section that should hold them.
        origin: Origin,
    },
    /// The profile and its sso-session set the same key to different values. Remove one of them.
    #[error(
        "The value for {key} is inconsistent between profile ({profile}) and sso-session ({session})."
    )]
    Inconsistent {
        /// The key, lower-case.
        key: String,
        /// The profile's name.
        profile: String,
        /// The session's name.
        session: String,
        /// The profile's key.
        origin: Origin,
    },
    /// Role credentials need an account and a role (and a start URL and region). Add the missing
    /// keys to the profile.
    #[error(
        "The profile \"{profile}\" is configured to use SSO but is missing required configuration: {}",
        missing.join(", ")
    )]
    MissingCredentialValues {
        /// The profile's name.
        profile: String,
        /// The missing keys.
        missing: Vec<&'static str>,
        /// The profile's header.
        origin: Origin,
    },
    /// Since AWS CLI 2.35.13 the start URL must be `https`. Fix `sso_start_url`.
    #[error("The sso_start_url must use the https scheme.")]
    StartUrlNotHttps {
        /// The `sso_start_url` key.
        origin: Origin,
    },
    /// The profile's `services` key names a `[services NAME]` section that does not exist.
    #[error(
        "The profile is configured to use the services section but the \"{services}\" services configuration does not exist."
    )]
    ServicesNotFound {
        /// The missing section's name.
        services: String,
        /// The `services` key.
        origin: Origin,
    },
    /// A boolean key holds something other than `true` or `false`.
    #[error("the value of {key} must be true or false, found \"{value}\"")]
    InvalidBoolean {
        /// The key.
        key: String,
        /// What it holds.
        value: String,
        /// Where it is.
        origin: Origin,
    },
}

impl ResolveError {
    /// Where the offending key or section is, when the problem is in a file.
    pub fn origin(&self) -> Option<&Origin> {
        match self {
            Self::ProfileNotFound { .. } => None,
            Self::SessionNotFound { origin, .. } => origin.as_ref(),
            Self::MissingSsoValues { origin, .. }
            | Self::Inconsistent { origin, .. }
            | Self::MissingCredentialValues { origin, .. }
            | Self::StartUrlNotHttps { origin }
            | Self::ServicesNotFound { origin, .. }
            | Self::InvalidBoolean { origin, .. } => Some(origin),
        }
    }
}

/// The settings of one `[sso-session NAME]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoSessionSettings {
    /// The session's name.
    pub name: String,
    /// `sso_start_url`.
    pub start_url: Value,
    /// `sso_region`.
    pub region: Value,
    /// `sso_registration_scopes`, split on `,`, trimmed, empties dropped; empty when absent.
    pub registration_scopes: Vec<String>,
    /// Where the session's header is.
    pub origin: Origin,
}

/// A profile's SSO settings after merging its sso-session (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoProfileSettings {
    /// The profile's name.
    pub profile: String,
    /// The session, for the sso-session form; `None` for the legacy form.
    pub session: Option<SsoSessionSettings>,
    /// `sso_start_url` (from the session, or the profile in the legacy form).
    pub start_url: Value,
    /// `sso_region` (from the session, or the profile in the legacy form).
    pub region: Value,
    /// `sso_account_id`, if set.
    pub account_id: Option<Value>,
    /// `sso_role_name`, if set.
    pub role_name: Option<Value>,
    /// Where the profile's header is.
    pub origin: Origin,
}

impl SsoProfileSettings {
    /// The session's name, if the profile uses the sso-session form.
    pub fn session_name(&self) -> Option<&str> {
        self.session.as_ref().map(|s| s.name.as_str())
    }

    /// The registration scopes (always empty in the legacy form).
    pub fn registration_scopes(&self) -> &[String] {
        self.session
            .as_ref()
            .map_or(&[], |s| s.registration_scopes.as_slice())
    }

    /// `(account id, role name)` for GetRoleCredentials, or the AWS CLI's error when either is
    /// missing (a session-only profile yields tokens, not credentials).
    pub fn role(&self) -> Result<(&Value, &Value), ResolveError> {
        match (&self.account_id, &self.role_name) {
            (Some(account), Some(role)) => Ok((account, role)),
            (account, role) => Err(ResolveError::MissingCredentialValues {
                profile: self.profile.clone(),
                missing: missing_role_keys(account.is_some(), role.is_some()),
                origin: self.origin.clone(),
            }),
        }
    }
}

/// The keys an SSO profile lacks to give role credentials, in the AWS CLI's order
/// (`sso_role_name`, then `sso_account_id`): the one required-keys check, for the settings
/// here and for a resolved login elsewhere.
pub fn missing_role_keys(has_account: bool, has_role: bool) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if !has_role {
        missing.push("sso_role_name");
    }
    if !has_account {
        missing.push("sso_account_id");
    }
    missing
}

impl ProfileSet {
    /// Resolves the SSO settings of profile `name` as `aws sso login` does: through its
    /// `sso_session` when it has one, else from its own `sso_start_url` and `sso_region`.
    pub fn resolve_sso(&self, name: &str) -> Result<SsoProfileSettings, ResolveError> {
        let profile = self
            .profile(name)
            .ok_or_else(|| ResolveError::ProfileNotFound {
                profile: name.to_owned(),
            })?;
        self.resolve_sso_of(name, profile)
    }

    /// [`ProfileSet::resolve_sso`] of profile `name` whose section the caller already looked
    /// up (`profile`), so that a resolution looks the profile up once.
    pub fn resolve_sso_of(
        &self,
        name: &str,
        profile: &Properties,
    ) -> Result<SsoProfileSettings, ResolveError> {
        let account_id = profile.get("sso_account_id").cloned();
        let role_name = profile.get("sso_role_name").cloned();
        let origin = profile.origin().clone();
        if let Some(session_key) = profile.get("sso_session") {
            let session = self.sso_session(session_key.as_str()).ok_or_else(|| {
                ResolveError::SessionNotFound {
                    session: session_key.as_str().to_owned(),
                    origin: Some(session_key.origin().clone()),
                }
            })?;
            for (key, value) in session.iter() {
                if let Some(own) = profile.get(key)
                    && own.as_str() != value.as_str()
                {
                    return Err(ResolveError::Inconsistent {
                        key: key.to_owned(),
                        profile: name.to_owned(),
                        session: session.name().to_owned(),
                        origin: own.origin().clone(),
                    });
                }
            }
            let session = session_settings(session)?;
            return Ok(SsoProfileSettings {
                profile: name.to_owned(),
                start_url: session.start_url.clone(),
                region: session.region.clone(),
                session: Some(session),
                account_id,
                role_name,
                origin,
            });
        }
        let (start_url, region) = required(profile, true)?;
        Ok(SsoProfileSettings {
            profile: name.to_owned(),
            session: None,
            start_url,
            region,
            account_id,
            role_name,
            origin,
        })
    }

    /// Resolves `[sso-session NAME]` on its own, as `aws sso login --sso-session NAME` does.
    pub fn resolve_sso_session(&self, name: &str) -> Result<SsoSessionSettings, ResolveError> {
        let session = self
            .sso_session(name)
            .ok_or_else(|| ResolveError::SessionNotFound {
                session: name.to_owned(),
                origin: None,
            })?;
        session_settings(session)
    }

    /// The endpoint URL configured for one service client of profile `profile` (§1.5): the
    /// `service_key` block (`sso_oidc`, `sso`) of the profile's `[services NAME]` section, then the
    /// profile's `endpoint_url`; `None` when `ignore_configured_endpoint_urls` is true or nothing
    /// is set. Environment variables are the caller's to check first.
    pub fn configured_endpoint_url(
        &self,
        profile: &str,
        service_key: &str,
    ) -> Result<Option<String>, ResolveError> {
        let properties = self
            .profile(profile)
            .ok_or_else(|| ResolveError::ProfileNotFound {
                profile: profile.to_owned(),
            })?;
        let view = ProfileView(properties);
        if view.ignore_configured_endpoint_urls()? == Some(true) {
            return Ok(None);
        }
        if let Some(services) = view.services() {
            let section =
                self.services(services.as_str())
                    .ok_or_else(|| ResolveError::ServicesNotFound {
                        services: services.as_str().to_owned(),
                        origin: services.origin().clone(),
                    })?;
            if let Some(url) = section
                .get(service_key)
                .and_then(|block| block.sub_property("endpoint_url"))
            {
                return Ok(Some(url.to_owned()));
            }
        }
        Ok(view.endpoint_url().map(|v| v.as_str().to_owned()))
    }
}

/// Typed access to the keys of one profile.
#[derive(Debug, Clone, Copy)]
pub struct ProfileView<'a>(pub &'a Properties);

impl<'a> ProfileView<'a> {
    /// `region` (service calls, not SSO).
    pub fn region(&self) -> Option<&'a Value> {
        self.0.get("region")
    }
    /// `output`.
    pub fn output(&self) -> Option<&'a Value> {
        self.0.get("output")
    }
    /// `credential_process`.
    pub fn credential_process(&self) -> Option<&'a Value> {
        self.0.get("credential_process")
    }
    /// `endpoint_url`.
    pub fn endpoint_url(&self) -> Option<&'a Value> {
        self.0.get("endpoint_url")
    }
    /// `services`: the name of a `[services NAME]` section.
    pub fn services(&self) -> Option<&'a Value> {
        self.0.get("services")
    }
    /// `ca_bundle`.
    pub fn ca_bundle(&self) -> Option<&'a Value> {
        self.0.get("ca_bundle")
    }
    /// `sso_session`.
    pub fn sso_session(&self) -> Option<&'a Value> {
        self.0.get("sso_session")
    }
    /// `ignore_configured_endpoint_urls`.
    pub fn ignore_configured_endpoint_urls(&self) -> Result<Option<bool>, ResolveError> {
        boolean(self.0, "ignore_configured_endpoint_urls")
    }
    /// `use_fips_endpoint`.
    pub fn use_fips_endpoint(&self) -> Result<Option<bool>, ResolveError> {
        boolean(self.0, "use_fips_endpoint")
    }
    /// `use_dualstack_endpoint`.
    pub fn use_dualstack_endpoint(&self) -> Result<Option<bool>, ResolveError> {
        boolean(self.0, "use_dualstack_endpoint")
    }
}

/// Splits `sso_registration_scopes` like the AWS CLI: on `,`, trimmed, empties dropped.
pub fn parse_registration_scopes(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn session_settings(session: &Properties) -> Result<SsoSessionSettings, ResolveError> {
    let (start_url, region) = required(session, false)?;
    Ok(SsoSessionSettings {
        name: session.name().to_owned(),
        start_url,
        region,
        registration_scopes: session
            .get("sso_registration_scopes")
            .map(|v| parse_registration_scopes(v.as_str()))
            .unwrap_or_default(),
        origin: session.origin().clone(),
    })
}

/// `sso_start_url` and `sso_region` of a section, with the https check.
fn required(section: &Properties, legacy: bool) -> Result<(Value, Value), ResolveError> {
    let start_url = section.get("sso_start_url");
    let region = section.get("sso_region");
    let (Some(start_url), Some(region)) = (start_url, region) else {
        let mut missing = Vec::new();
        if start_url.is_none() {
            missing.push("sso_start_url");
        }
        if region.is_none() {
            missing.push("sso_region");
        }
        return Err(ResolveError::MissingSsoValues {
            missing,
            legacy,
            origin: section.origin().clone(),
        });
    };
    let scheme = start_url.as_str().split_once("://").map(|(s, _)| s);
    if !scheme.is_some_and(|s| s.eq_ignore_ascii_case("https")) {
        return Err(ResolveError::StartUrlNotHttps {
            origin: start_url.origin().clone(),
        });
    }
    Ok((start_url.clone(), region.clone()))
}

fn boolean(section: &Properties, key: &str) -> Result<Option<bool>, ResolveError> {
    let Some(value) = section.get(key) else {
        return Ok(None);
    };
    match value.as_str() {
        v if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
        v if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
        other => Err(ResolveError::InvalidBoolean {
            key: key.to_owned(),
            value: other.to_owned(),
            origin: value.origin().clone(),
        }),
    }
}
