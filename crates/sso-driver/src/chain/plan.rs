//! Planning: which source gives the credentials of a selection, decided from the environment
//! and the loaded files alone (nothing is fetched, run or prompted for here).
//!
//! The order is botocore's (protocol.md §11.1): environment keys (unless a profile is named
//! explicitly); then the profile: assume role (`role_arn` without `web_identity_token_file`),
//! web identity (each key from the environment first unless disabled, then the profile), SSO,
//! static keys of the credentials file, `credential_process`, static keys of the config file;
//! then container credentials, then IMDS. Source profiles follow §11.3.2: a source profile with
//! static keys (or without `role_arn`) gives its own credentials through the profile sub-chain;
//! otherwise its role is assumed first, to any depth; a profile visited twice is a cycle.

use std::path::PathBuf;

use sso_cache::{SecretAccessKey, SessionToken, Timestamp};
use sso_config::{Origin, Properties, ResolveError};

use super::metadata::{ContainerSource, ImdsSource};
use super::{AssumeRole, Source, SourceError, WebIdentity};
use crate::context::{AwsContext, ContextError};
use crate::credentials::{Credentials, MAX_PROFILE_CHAIN, PROFILE_CHAIN_ENV, ProcessSource};
use crate::env::Env;

/// The keys whose presence makes a profile an SSO profile (the Rust SDK's test).
const SSO_KEYS: &[&str] = &[
    "sso_account_id",
    "sso_region",
    "sso_role_name",
    "sso_start_url",
    "sso_session",
];

const KEY_ID: &str = "aws_access_key_id";
const SECRET: &str = "aws_secret_access_key";

/// The source of the whole default chain for `ctx`'s selected profile; `explicit` is whether
/// the profile was named explicitly (`--profile`), which turns environment keys and the web
/// identity environment variables off.
pub(super) fn plan(ctx: &AwsContext, explicit: bool) -> Result<Source, SourceError> {
    let env = ctx.env();
    if !explicit && let Some(credentials) = env_credentials(env)? {
        return Ok(Source::Env(credentials));
    }
    let profile = ctx.selected_profile();
    let planner = Planner { ctx, explicit };
    if let Some(source) = planner.top_profile(profile)? {
        return Ok(source);
    }
    if explicit {
        // A profile named explicitly that gives nothing is a configuration mistake to point
        // at, not a reason to probe the container and instance metadata endpoints (botocore
        // would; the Rust SDK's profile provider reports it too).
        return Err(SourceError::NoCredentials {
            profile: profile.to_owned(),
            origin: ctx.profiles().profile(profile).map(|p| p.origin().clone()),
        });
    }
    if let Some(container) = ContainerSource::from_env(env)? {
        return Ok(Source::Container(container));
    }
    let profile_value = |key: &str| {
        ctx.profiles()
            .profile(profile)
            .and_then(|p| p.get_str(key))
            .map(str::to_owned)
    };
    if let Some(imds) = ImdsSource::from_settings(env, profile_value)? {
        return Ok(Source::Imds(imds));
    }
    Err(SourceError::NoCredentials {
        profile: profile.to_owned(),
        origin: ctx.profiles().profile(profile).map(|p| p.origin().clone()),
    })
}

/// The source of `profile` alone (the SDK's profile provider), without the environment keys
/// and the metadata sources; `Ok(None)` when the profile gives no credentials.
pub(super) fn plan_profile(ctx: &AwsContext, profile: &str) -> Result<Source, SourceError> {
    let planner = Planner {
        ctx,
        explicit: true,
    };
    planner
        .top_profile(profile)?
        .ok_or_else(|| SourceError::NoCredentials {
            profile: profile.to_owned(),
            origin: ctx.profiles().profile(profile).map(|p| p.origin().clone()),
        })
}

/// Environment credentials (botocore `EnvProvider`, with the Rust SDK's reading of blank
/// values: whitespace only counts as unset).
pub(super) fn env_credentials(env: &Env) -> Result<Option<Credentials>, SourceError> {
    let var = |name: &str| env.var(name).filter(|value| !value.trim().is_empty());
    let Some(access_key_id) = var("AWS_ACCESS_KEY_ID") else {
        return Ok(None);
    };
    let secret = var("AWS_SECRET_ACCESS_KEY").ok_or(SourceError::PartialEnv {
        missing: "AWS_SECRET_ACCESS_KEY",
    })?;
    let expiration = var("AWS_CREDENTIAL_EXPIRATION")
        .map(|text| Timestamp::parse(text.trim()).map_err(|_| SourceError::BadEnvExpiration))
        .transpose()?;
    Ok(Some(Credentials {
        access_key_id,
        secret_access_key: SecretAccessKey::new(secret),
        session_token: var("AWS_SECURITY_TOKEN")
            .or_else(|| var("AWS_SESSION_TOKEN"))
            .map(SessionToken::new),
        expiration,
        account_id: var("AWS_ACCOUNT_ID"),
    }))
}

struct Planner<'a> {
    ctx: &'a AwsContext,
    explicit: bool,
}

impl Planner<'_> {
    fn properties(&self, profile: &str) -> Option<&Properties> {
        self.ctx.profiles().profile(profile)
    }

    /// The selected profile: missing is an error unless it is the implicit `default`.
    fn top_profile(&self, profile: &str) -> Result<Option<Source>, SourceError> {
        let env_web_identity = !self.explicit;
        let Some(properties) = self.properties(profile) else {
            let implicit_default =
                !self.explicit && self.ctx.profile_source() == sso_config::ProfileSource::Default;
            if implicit_default {
                return self.web_identity(None, env_web_identity);
            }
            return Err(ContextError::Resolve(ResolveError::ProfileNotFound {
                profile: profile.to_owned(),
            })
            .into());
        };
        if is_assume_role(properties) {
            let mut visited = vec![profile.to_owned()];
            return self
                .assume_role(profile, properties, &mut visited)
                .map(Some);
        }
        self.sub_chain(profile, properties, env_web_identity)
    }

    /// botocore's profile sub-chain: web identity, SSO, credentials-file keys,
    /// `credential_process`, config-file keys.
    fn sub_chain(
        &self,
        profile: &str,
        properties: &Properties,
        env_web_identity: bool,
    ) -> Result<Option<Source>, SourceError> {
        if let Some(source) = self.web_identity(Some(properties), env_web_identity)? {
            return Ok(Some(source));
        }
        if SSO_KEYS.iter().any(|key| properties.get(key).is_some()) {
            let target = self.ctx.target_of(profile, properties)?;
            if target.account_id.is_none() || target.role_name.is_none() {
                // A login-only profile: the AWS CLI's message, at the profile's place.
                self.ctx
                    .profiles()
                    .resolve_sso(profile)
                    .and_then(|settings| settings.role().map(|_| ()))
                    .map_err(ContextError::Resolve)?;
            }
            return Ok(Some(Source::Sso(Box::new(target))));
        }
        let credentials_file = self.ctx.credentials_path().display().to_string();
        let in_credentials_file = properties
            .get(KEY_ID)
            .or_else(|| properties.get(SECRET))
            .is_some_and(|value| *value.origin().file == *credentials_file);
        if in_credentials_file {
            return static_keys(profile, properties).map(Some);
        }
        if let Some(command) = properties.get("credential_process") {
            return self.process(profile, properties, command).map(Some);
        }
        if properties.get(KEY_ID).is_some() || properties.get(SECRET).is_some() {
            return static_keys(profile, properties).map(Some);
        }
        Ok(None)
    }

    fn process(
        &self,
        profile: &str,
        properties: &Properties,
        command: &sso_config::Value,
    ) -> Result<Source, SourceError> {
        let chain = profile_chain(self.ctx.env());
        let mut next = chain.clone();
        next.push(profile.to_owned());
        let origin = command.origin().clone();
        if chain.iter().any(|seen| seen == profile) {
            return Err(SourceError::ProcessCycle {
                chain: next,
                origin,
            });
        }
        if chain.len() >= MAX_PROFILE_CHAIN {
            return Err(SourceError::TooDeep {
                chain: next,
                origin,
            });
        }
        Ok(Source::Process(ProcessSource {
            profile: profile.to_owned(),
            command: command.as_str().to_owned(),
            account_id: properties.get_str("aws_account_id").map(str::to_owned),
            origin,
            chain: next,
        }))
    }

    /// Web identity from the profile and, unless `use_env` is false, the environment (each key
    /// separately, the environment first).
    fn web_identity(
        &self,
        properties: Option<&Properties>,
        use_env: bool,
    ) -> Result<Option<Source>, SourceError> {
        let env = self.ctx.env();
        let pick = |var: &str, key: &str| -> Option<(String, Option<Origin>)> {
            use_env
                .then(|| env.var(var))
                .flatten()
                .map(|value| (value, None))
                .or_else(|| {
                    properties
                        .and_then(|p| p.get(key))
                        .map(|value| (value.as_str().to_owned(), Some(value.origin().clone())))
                })
        };
        let Some((token_file, origin)) =
            pick("AWS_WEB_IDENTITY_TOKEN_FILE", "web_identity_token_file")
        else {
            return Ok(None);
        };
        let Some((role_arn, _)) = pick("AWS_ROLE_ARN", "role_arn") else {
            return Err(SourceError::WebIdentityWithoutRole { origin });
        };
        let session_name = pick("AWS_ROLE_SESSION_NAME", "role_session_name").map(|(v, _)| v);
        Ok(Some(Source::WebIdentity(Box::new(WebIdentity {
            role_arn,
            session_name,
            token_file: PathBuf::from(token_file),
        }))))
    }

    /// An assume-role profile (`role_arn` and no `web_identity_token_file`), its source
    /// resolved recursively. `visited` holds the profiles of this chain, outermost first.
    fn assume_role(
        &self,
        profile: &str,
        properties: &Properties,
        visited: &mut Vec<String>,
    ) -> Result<Source, SourceError> {
        let role_arn = properties
            .get("role_arn")
            .ok_or_else(|| SourceError::NoSource {
                profile: profile.to_owned(),
                origin: properties.origin().clone(),
            })?;
        let source = match (
            properties.get("source_profile"),
            properties.get("credential_source"),
        ) {
            (Some(_), Some(credential_source)) => {
                return Err(SourceError::BothSources {
                    profile: profile.to_owned(),
                    origin: credential_source.origin().clone(),
                });
            }
            (None, None) => {
                return Err(SourceError::NoSource {
                    profile: profile.to_owned(),
                    origin: role_arn.origin().clone(),
                });
            }
            (None, Some(credential_source)) => {
                self.credential_source(profile, credential_source)?
            }
            (Some(source_profile), None) => {
                self.source_profile(profile, source_profile, visited)?
            }
        };
        let duration_seconds = properties
            .get_str("duration_seconds")
            .and_then(|text| text.trim().parse::<u32>().ok());
        let non_empty = |key: &str| {
            properties
                .get_str(key)
                .filter(|value| !value.is_empty())
                .map(str::to_owned)
        };
        Ok(Source::AssumeRole(Box::new(AssumeRole {
            profile: profile.to_owned(),
            role_arn: role_arn.as_str().to_owned(),
            session_name: non_empty("role_session_name"),
            external_id: non_empty("external_id"),
            mfa_serial: non_empty("mfa_serial"),
            duration_seconds,
            source,
        })))
    }

    fn credential_source(
        &self,
        profile: &str,
        value: &sso_config::Value,
    ) -> Result<Source, SourceError> {
        let env = self.ctx.env();
        let origin = value.origin().clone();
        let empty = || SourceError::EmptyCredentialSource {
            profile: profile.to_owned(),
            name: value.as_str().to_owned(),
            origin: origin.clone(),
        };
        match value.as_str() {
            "Environment" => env_credentials(env)?.map(Source::Env).ok_or_else(empty),
            "EcsContainer" => ContainerSource::from_env(env)?
                .map(Source::Container)
                .ok_or_else(empty),
            "Ec2InstanceMetadata" => {
                let profile_value = |key: &str| {
                    self.properties(profile)
                        .and_then(|p| p.get_str(key))
                        .map(str::to_owned)
                };
                ImdsSource::from_settings(env, profile_value)?
                    .map(Source::Imds)
                    .ok_or_else(empty)
            }
            other => Err(SourceError::BadCredentialSource {
                profile: profile.to_owned(),
                name: other.to_owned(),
                origin,
            }),
        }
    }

    fn source_profile(
        &self,
        parent: &str,
        value: &sso_config::Value,
        visited: &mut Vec<String>,
    ) -> Result<Source, SourceError> {
        let name = value.as_str();
        let Some(properties) = self.properties(name) else {
            return Err(SourceError::SourceProfileNotFound {
                profile: parent.to_owned(),
                source_profile: name.to_owned(),
                origin: value.origin().clone(),
            });
        };
        let has_static = properties.get(KEY_ID).is_some() || properties.get(SECRET).is_some();
        if visited.iter().any(|seen| seen == name) && !(name == parent && has_static) {
            let mut chain = visited.clone();
            chain.push(name.to_owned());
            return Err(SourceError::Cycle {
                chain,
                origin: value.origin().clone(),
            });
        }
        visited.push(name.to_owned());
        if name == parent || has_static || !is_assume_role(properties) {
            if name == parent {
                return static_keys(name, properties);
            }
            return self.sub_chain(name, properties, false)?.ok_or_else(|| {
                SourceError::SourceWithoutCredentials {
                    profile: parent.to_owned(),
                    source_profile: name.to_owned(),
                    origin: value.origin().clone(),
                }
            });
        }
        self.assume_role(name, properties, visited)
    }
}

/// botocore `_has_assume_role_config_vars`.
fn is_assume_role(properties: &Properties) -> bool {
    properties.get("role_arn").is_some() && properties.get("web_identity_token_file").is_none()
}

/// Both static keys, or the partial-credentials error.
fn static_keys(profile: &str, properties: &Properties) -> Result<Source, SourceError> {
    match (properties.get(KEY_ID), properties.get(SECRET)) {
        (Some(key_id), Some(secret)) => Ok(Source::Static(Credentials {
            access_key_id: key_id.as_str().to_owned(),
            secret_access_key: SecretAccessKey::new(secret.as_str()),
            session_token: properties
                .get_str("aws_security_token")
                .or_else(|| properties.get_str("aws_session_token"))
                .filter(|token| !token.is_empty())
                .map(SessionToken::new),
            expiration: None,
            account_id: properties.get_str("aws_account_id").map(str::to_owned),
        })),
        (Some(present), None) | (None, Some(present)) => {
            let (present_key, missing) = if properties.get(KEY_ID).is_some() {
                (KEY_ID, SECRET)
            } else {
                (SECRET, KEY_ID)
            };
            Err(SourceError::PartialStatic {
                profile: profile.to_owned(),
                present: present_key,
                missing,
                origin: present.origin().clone(),
            })
        }
        (None, None) => Err(SourceError::NoCredentials {
            profile: profile.to_owned(),
            origin: Some(properties.origin().clone()),
        }),
    }
}

/// The profiles in [`PROFILE_CHAIN_ENV`], outermost first.
fn profile_chain(env: &Env) -> Vec<String> {
    env.var(PROFILE_CHAIN_ENV)
        .map(|chain| {
            chain
                .split(',')
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}
