//! The configure wizard's backend on [`Sso`]: what `sso configure` and `sso configure
//! sso-session` do besides asking (protocol.md §5).
//!
//! - Vanity start URLs (§5.4): [`Sso::portal_region`] probes once, with the AWS CLI's 10 s
//!   timeout; any failure is logged at debug level and gives `None`, so the wizard asks.
//! - The login of the answers ([`Sso::login_from_answers`]): endpoints for the answered region,
//!   and an existing sso-session's `sso_login_flow`; a cached token of the same login with
//!   more than [`REUSE_WINDOW`] left is reused ([`Sso::has_reusable_token`], §4.3).
//! - Listing for any login: [`Sso::accounts_of`], [`Sso::roles_of`].
//! - Writing (§5.3): [`Sso::edit_config`] reads the file again under its lock (a file with a
//!   syntax error is refused: nothing is written), edits it with `sso-config`'s edit API
//!   (every other byte kept) and replaces it atomically, keeping its permissions. Concurrent
//!   edits of other sections are kept; when a section being written changed since the handle
//!   loaded the file, nothing is written.

use std::path::PathBuf;
use std::time::Duration;

use sso_config::{Document, EditError, FileKind, SectionKind};

use crate::config_file::{self, ConfigWriteError, EditFailed, Refusal};
use crate::context::{ContextError, LOGIN_FLOW_KEY, SsoTarget, SyntaxError};
use crate::portal::{self, Account, Role};
use crate::sso::{Error, Sso, Token};
use crate::{token, vanity};

/// A cached token with more time left than this is reused instead of signing in again.
pub const REUSE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Why [`Sso::edit_config`] wrote nothing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EditConfigError {
    /// The file has a syntax error the SDKs refuse: an edit could land under a broken header.
    #[error(transparent)]
    Syntax(Box<SyntaxError>),
    /// The edit cannot be made so that the file reads back the same.
    #[error("cannot edit {}: {source}", path.display())]
    Edit {
        /// Why.
        source: EditError,
        /// The file.
        path: PathBuf,
    },
    /// The file could not be written, or a section changed since it was loaded.
    #[error(transparent)]
    Write(#[from] ConfigWriteError),
}

impl Sso {
    /// The region of the portal a vanity start URL leads to, probed once; `None` for an
    /// AWS-owned start URL (nothing sent) or when the probe fails.
    pub fn portal_region(&self, start_url: &str) -> Option<String> {
        if !vanity::needs_resolution(start_url) {
            return None;
        }
        let (http, runtime) = match (self.http(), self.runtime()) {
            (Ok(http), Ok(runtime)) => (http, runtime),
            (Err(error), _) | (_, Err(error)) => {
                tracing::debug!(%error, "cannot probe the vanity start URL");
                return None;
            }
        };
        match runtime.block_on(vanity::resolve(http, start_url, vanity::PROBE_TIMEOUT)) {
            Ok(resolved) => {
                tracing::debug!(url = %resolved.url, region = ?resolved.region, "resolved the vanity start URL");
                resolved.region
            }
            Err(error) => {
                tracing::debug!(%error, "could not resolve the vanity start URL");
                None
            }
        }
    }

    /// The login the wizard's answers describe; an existing sso-session's `sso_login_flow`
    /// still picks the flow.
    ///
    /// # Errors
    ///
    /// [`ContextError::Endpoint`] when there is no endpoint for `region`.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use sso_driver::{Sso, env::Env, prompt::SilentPrompt, sso::{Selection, signin::SignInRequest}};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // The wizard signs in to what the user typed before anything is written, then offers the
    /// // accounts and roles it can see.
    /// let sso = Sso::load(&Env::process(), Selection::Default)?;
    /// let start_url = "https://d-123.awsapps.com/start";
    /// let region = sso.portal_region(start_url).unwrap_or_else(|| "us-east-1".to_owned());
    /// let login = sso.login_from_answers(Some("corp"), start_url, &region, &[])?;
    /// if !sso.has_reusable_token(&login) {
    ///     let request = SignInRequest { use_device_code: true, ..Default::default() };
    ///     sso.sign_in_to(&login, &request, &SilentPrompt)?;
    /// }
    /// for account in sso.accounts_of(&login)? {
    ///     println!("{}: {:?}", account.account_id, sso.roles_of(&login, &account.account_id)?);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn login_from_answers(
        &self,
        session: Option<&str>,
        start_url: &str,
        region: &str,
        scopes: &[String],
    ) -> Result<SsoTarget, ContextError> {
        let aws = self.config();
        let mut target = aws.target_from_values(session, start_url, region, scopes)?;
        target.login_flow = session
            .and_then(|name| aws.profiles().sso_session(name))
            .and_then(|properties| properties.get(LOGIN_FLOW_KEY))
            .cloned();
        Ok(target)
    }

    /// Whether the cache holds a token of `target` (same start URL) with more than
    /// [`REUSE_WINDOW`] left.
    pub fn has_reusable_token(&self, target: &SsoTarget) -> bool {
        let Some(cache) = self.config().sso_cache() else {
            return false;
        };
        let Ok(Some(token)) = token::cached_token(&cache, target) else {
            return false;
        };
        let same_login = token
            .start_url
            .as_deref()
            .is_none_or(|url| url == target.start_url);
        same_login && !token.expires_within(self.now(), REUSE_WINDOW)
    }

    /// Every account `target`'s token can see.
    ///
    /// # Errors
    ///
    /// [`Error::Token`], [`Error::Portal`] and the setup errors.
    pub fn accounts_of(&self, target: &SsoTarget) -> Result<Vec<Account>, Error> {
        let token = self.access_token_of(target)?.access_token;
        self.runtime()?
            .block_on(portal::list_accounts(
                self.http()?,
                &target.portal_endpoint,
                &token,
            ))
            .map_err(|source| crate::sso::portal_error(source, target.clone()))
    }

    /// The roles of one account, with `target`'s token.
    ///
    /// # Errors
    ///
    /// As [`Sso::accounts_of`].
    pub fn roles_of(&self, target: &SsoTarget, account_id: &str) -> Result<Vec<Role>, Error> {
        let token = self.access_token_of(target)?.access_token;
        self.runtime()?
            .block_on(portal::list_roles(
                self.http()?,
                &target.portal_endpoint,
                &token,
                account_id,
            ))
            .map_err(|source| crate::sso::portal_error(source, target.clone()))
    }

    /// Applies `edit` to the config file as it is now, under its lock (see the module
    /// documentation). When one of `sections` changed since this handle loaded the file,
    /// nothing is written and [`ConfigWriteError::Conflict`] is the error.
    ///
    /// # Errors
    ///
    /// [`EditConfigError`]; the file is unchanged on error.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use sso_driver::{Sso, env::Env, sso::Selection};
    /// # use sso_config::{FileKind, SectionKind};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sso = Sso::load(&Env::process(), Selection::Default)?;
    /// let dev = SectionKind::profile_in(FileKind::Config, "dev");
    /// sso.edit_config(&[dev.clone()], |document| {
    ///     document.get_or_insert_section(dev.clone())?.set("region", "eu-west-1")
    /// })?;
    /// # Ok(()) }
    /// ```
    pub fn edit_config(
        &self,
        sections: &[SectionKind],
        edit: impl FnOnce(&mut Document) -> Result<(), EditError>,
    ) -> Result<(), EditConfigError> {
        let aws = self.config();
        let path = aws.config_path();
        let seen = aws.config_text().unwrap_or_default();
        config_file::edit(path, |current| {
            let mut document = Document::parse(current);
            if let Some(error) = SyntaxError::first_in(path, current, &document) {
                return Err(Refusal::Invalid(EditConfigError::Syntax(Box::new(error))));
            }
            edit(&mut document).map_err(|source| {
                Refusal::Invalid(EditConfigError::Edit {
                    source,
                    path: path.to_path_buf(),
                })
            })?;
            let text = document.to_string();
            config_file::unchanged_since(seen, current, &text, FileKind::Config, sections)?;
            Ok(text)
        })
        .map(drop)
        .map_err(|error| match error {
            EditFailed::Invalid(error) => error,
            EditFailed::Write(error) => EditConfigError::Write(error),
        })
    }

    /// A usable access token of `target`, refreshed when needed (never a new sign-in); the
    /// handle keeps the last one it read, so a command that lists accounts and then roles reads
    /// the token file once.
    ///
    /// # Errors
    ///
    /// [`Error::Token`] when there is none (sign in again), and the setup errors.
    pub fn access_token_of(&self, target: &SsoTarget) -> Result<Token, Error> {
        let key = target.token_key();
        let mut memo = self
            .token
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((memo_key, token)) = memo.as_ref()
            && *memo_key == key
        {
            return Ok(token.clone());
        }
        let cache = self.config().sso_cache().ok_or(Error::NoHome)?;
        let cached = self
            .runtime()?
            .block_on(token::fresh_token(
                self.http()?,
                &cache,
                target,
                self.clock(),
            ))
            .map_err(|source| Error::Token {
                source,
                target: Box::new(target.clone()),
            })?;
        let token = Token {
            access_token: cached.access_token,
            expires_at: cached.expires_at,
        };
        *memo = Some((key, token.clone()));
        Ok(token)
    }
}
