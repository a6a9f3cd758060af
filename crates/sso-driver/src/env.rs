//! The process environment as an explicit input.
//!
//! Code that reads environment variables (`HTTPS_PROXY`, `AWS_CA_BUNDLE`, `BROWSER`) takes an
//! [`Env`] so that tests can pass a map instead of mutating the real process environment, which
//! is `unsafe` in edition 2024 and racy in a multi-threaded test binary.

use std::collections::BTreeMap;

/// Where environment variables come from: the real process environment or a fixed map.
///
/// `Debug` shows variable names only: values may hold proxy passwords or keys.
#[derive(Clone, Default)]
pub struct Env {
    vars: Option<BTreeMap<String, String>>,
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.vars {
            None => f.write_str("Env::Process"),
            Some(vars) => f.debug_set().entries(vars.keys()).finish(),
        }
    }
}

impl Env {
    /// The environment of the current process, read at the moment a variable is looked up.
    pub fn process() -> Self {
        Self { vars: None }
    }

    /// A fixed set of variables; every other variable reads as unset.
    pub fn from_vars<K, V>(vars: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        Self {
            vars: Some(
                vars.into_iter()
                    .map(|(k, v)| (k.into(), v.into()))
                    .collect(),
            ),
        }
    }

    /// Whether this is the real process environment rather than a fixed map.
    pub fn is_process(&self) -> bool {
        self.vars.is_none()
    }

    /// The value of `name`, or `None` when it is unset, empty or not valid Unicode.
    ///
    /// Empty values count as unset, which is what users expect from `FOO= sso login`.
    pub fn var(&self, name: &str) -> Option<String> {
        let value = match &self.vars {
            None => std::env::var(name).ok(),
            Some(vars) => vars.get(name).cloned(),
        };
        value.filter(|value| !value.is_empty())
    }

    /// The value of the first of `names` that is set and not empty.
    pub fn first_var(&self, names: &[&str]) -> Option<String> {
        names.iter().find_map(|name| self.var(name))
    }

    /// These variables without `names`, as a fixed map (the process environment is read now;
    /// variables that are not valid Unicode are left out, as [`Env::var`] reads them as unset).
    #[must_use]
    pub fn without(&self, names: &[&str]) -> Self {
        let keep = |name: &String| !names.contains(&name.as_str());
        let vars = match &self.vars {
            None => std::env::vars_os()
                .filter_map(|(name, value)| {
                    Some((name.into_string().ok()?, value.into_string().ok()?))
                })
                .filter(|(name, _)| keep(name))
                .collect(),
            Some(vars) => vars
                .iter()
                .filter(|(name, _)| keep(name))
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect(),
        };
        Self { vars: Some(vars) }
    }
}

#[cfg(test)]
mod tests {
    use super::Env;

    #[test]
    fn map_env_reads_only_its_vars_and_treats_empty_as_unset() {
        let env = Env::from_vars([("A", "1"), ("EMPTY", "")]);
        assert!(!env.is_process());
        assert_eq!(env.var("A").as_deref(), Some("1"));
        assert_eq!(env.var("EMPTY"), None);
        assert_eq!(env.var("PATH"), None);
        assert_eq!(env.first_var(&["EMPTY", "B", "A"]).as_deref(), Some("1"));
    }

    #[test]
    fn debug_shows_names_but_not_values() {
        let env = Env::from_vars([("HTTPS_PROXY", "http://user:hunter2@proxy:3128")]);
        let debug = format!("{env:?}");
        assert!(debug.contains("HTTPS_PROXY"), "{debug}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert_eq!(format!("{:?}", Env::process()), "Env::Process");
    }

    #[test]
    fn process_env_sees_real_variables() {
        let env = Env::process();
        assert!(env.is_process());
        // `CARGO_PKG_NAME` is set by cargo for every test binary it runs.
        assert_eq!(env.var("CARGO_PKG_NAME").as_deref(), Some("sso-driver"));
    }

    #[test]
    fn without_drops_the_names_from_a_map_and_from_the_process() {
        let env = Env::from_vars([("A", "1"), ("B", "2")]).without(&["A"]);
        assert_eq!((env.var("A"), env.var("B").as_deref()), (None, Some("2")));
        let process = Env::process().without(&["CARGO_PKG_NAME"]);
        assert!(!process.is_process());
        assert_eq!(process.var("CARGO_PKG_NAME"), None);
        assert_eq!(
            process.var("CARGO_PKG_VERSION"),
            Env::process().var("CARGO_PKG_VERSION")
        );
    }
}
