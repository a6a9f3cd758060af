//! The login a command works with: the loaded config, the profile's or sso-session's resolved
//! target, and the HTTP client (with the profile's `ca_bundle`), resolved once from the
//! `--profile` / `--sso-session` selector. Used by `login`, `list` and `populate`.

use sso_driver::clock::SystemClock;
use sso_driver::context::{AwsContext, SsoTarget};
use sso_driver::http::HttpClient;
use sso_driver::portal::{self, PoolConfig};
use sso_driver::token;
use sso_oidc::AccessToken;

use crate::commands::list::progress_bar;
use crate::convert;
use crate::error::CliError;
use crate::options::LoginSelector;

/// A login resolved for the portal: its target, caches and HTTP client.
pub(crate) struct Session {
    /// The loaded config.
    pub(crate) aws: AwsContext,
    /// The login.
    pub(crate) target: SsoTarget,
    /// The client for the portal and SSO-OIDC.
    pub(crate) http: HttpClient,
}

impl Session {
    /// Resolves `selector` and builds the HTTP client (no request yet).
    pub(crate) fn open(selector: &LoginSelector) -> Result<Self, CliError> {
        let (aws, target, profile) = match selector {
            LoginSelector::Profile(profile) => {
                let aws = convert::load_context(Some(profile.as_str()))?;
                let target = aws
                    .target_for_profile(profile.as_str())
                    .map_err(convert::context_error)?;
                (aws, target, Some(profile.as_str().to_owned()))
            }
            LoginSelector::Session(session) => {
                let aws = convert::load_context(None)?;
                let target = aws
                    .target_for_session(session.as_str())
                    .map_err(convert::context_error)?;
                let profile = Some(aws.selected_profile().to_owned())
                    .filter(|p| aws.profiles().profile(p).is_some());
                (aws, target, profile)
            }
        };
        let http = convert::http_client_for_profile(&aws, profile.as_deref())?;
        Ok(Self { aws, target, http })
    }

    /// A usable access token, refreshed if needed (never a browser login).
    pub(crate) async fn token(&self) -> Result<AccessToken, CliError> {
        let sso_cache = convert::sso_cache(&self.aws)?;
        let token = token::fresh_token(&self.http, &sso_cache, &self.target, &SystemClock)
            .await
            .map_err(|e| convert::sso_token_error(e, &self.target))?;
        crate::expiry::warn_once(&self.aws, &self.target, true);
        Ok(AccessToken::new(token.access_token.expose_secret()))
    }

    /// The roles of every account in `ids`, listed concurrently by the adaptive pool, with a
    /// progress bar on stderr. Failed accounts are in the listing, not an error.
    pub(crate) async fn all_roles(
        &self,
        token: &AccessToken,
        ids: &[String],
    ) -> portal::RoleListing {
        let bar = progress_bar(ids.len());
        let progress = |done: usize, total: usize| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        };
        let listing = portal::list_all_roles(
            &self.http,
            &self.target.portal_endpoint,
            token,
            ids,
            &PoolConfig::default(),
            &progress,
        )
        .await;
        bar.finish_and_clear();
        tracing::debug!(stats = ?listing.stats, "listed the roles of every account");
        listing
    }
}
