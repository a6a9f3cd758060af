//! The `configure list-profiles`, `list`, `get` and `set` use cases of [`Sso`]: the AWS CLI's
//! config questions about the selected profile, answered from the files the handle loaded.

use std::path::PathBuf;

use crate::prompt::Prompt;
use crate::settings;
pub use crate::settings::{Described, Description, KeyPath, Scope, SettingsError, Source};
use crate::sso::{CredentialsRequest, Sso};

impl Sso {
    /// The profile names `aws configure list-profiles` prints, in its order.
    pub fn profile_names(&self) -> Vec<String> {
        let aws = self.config();
        settings::profile_names(aws.config_text(), aws.credentials_text())
    }

    /// Where `key` is for the selected profile (`KEY`, `KEY.SUBKEY`, `default.KEY`,
    /// `profile.NAME.KEY`; `session` for a key of an sso-session).
    ///
    /// # Errors
    ///
    /// [`SettingsError::BadKeyPath`] and [`SettingsError::NotAValue`].
    pub fn key_path(&self, key: &str, session: Option<&str>) -> Result<KeyPath, SettingsError> {
        let known = |name: &str| self.config().profiles().profile(name).is_some();
        KeyPath::parse(key, self.profile_name(), session, &known)
    }

    /// The value at `path`, as `aws configure get` reads it; `None` when it is not set.
    ///
    /// # Errors
    ///
    /// [`SettingsError`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use sso_driver::{Sso, env::Env, sso::Selection};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // `aws configure get region --profile dev`
    /// let sso = Sso::load(&Env::process(), Selection::Profile("dev".into()))?;
    /// let region = sso.get_setting(&sso.key_path("region", None)?)?;
    /// # Ok(()) }
    /// ```
    pub fn get_setting(&self, path: &KeyPath) -> Result<Option<String>, SettingsError> {
        settings::get_value(self.config(), path)
    }

    /// Sets `key` to `value` as `aws configure set` does, in the config or credentials file,
    /// atomically under the file's lock. Returns the file written.
    ///
    /// # Errors
    ///
    /// [`SettingsError`]; the file is unchanged on error.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use sso_driver::{Sso, env::Env, sso::Selection};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // `aws configure set region eu-west-1 --profile dev`
    /// let sso = Sso::load(&Env::process(), Selection::Profile("dev".into()))?;
    /// let written = sso.set_setting("region", "eu-west-1", None)?;
    /// # Ok(()) }
    /// ```
    pub fn set_setting(
        &self,
        key: &str,
        value: &str,
        session: Option<&str>,
    ) -> Result<PathBuf, SettingsError> {
        let path = KeyPath::parse(key, self.profile_name(), session, &|_| false)?;
        settings::set_value(self.config(), &path, value)
    }

    /// The selected profile's values as `aws configure list` shows them, the profile's row with
    /// where it was selected ([`Sso::profile_source`]). Keys a provider fetches (SSO,
    /// `credential_process`, ...) are fetched as [`Sso::credentials`] does, asking `prompt` for
    /// MFA codes; a failure shows as not set, as in the AWS CLI.
    pub fn describe(&self, prompt: &dyn Prompt) -> Description {
        let mut described = settings::describe(self.config());
        if let Source::Provider(_) = described.access_key.source {
            match self.credentials(&CredentialsRequest::default(), prompt) {
                Ok(resolved) => {
                    let credentials = resolved.credentials;
                    described.access_key.value = Some(settings::mask(&credentials.access_key_id));
                    described.secret_key.value = Some(settings::mask(
                        credentials.secret_access_key.expose_secret(),
                    ));
                }
                Err(error) => {
                    tracing::debug!(%error, "no credentials for configure list");
                    described.access_key.source = Source::NotSet;
                    described.secret_key.source = Source::NotSet;
                }
            }
        }
        described
    }
}
