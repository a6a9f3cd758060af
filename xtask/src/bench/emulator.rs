//! The emulator's control API as the bench uses it: its request counters
//! (`GET /emulator/stats`) and its knobs (`POST /emulator/config`).

use anyhow::{Context as _, Result, bail};
use serde_json::{Map, Value};

use crate::local::{Emulator, http_get, http_post};

/// The emulator's calls that cost a network round trip for a credentials command.
const NETWORK_COUNTERS: &[&str] = &[
    "create_token",
    "get_role_credentials",
    "assume_role",
    "assume_role_with_web_identity",
    "container_credentials",
    "imds_token",
];

impl Emulator {
    pub(super) fn stats(&self) -> Result<Stats> {
        let response = http_get(&format!("{}/emulator/stats", self.url), &[], &[])?;
        if response.status != 200 {
            bail!("GET /emulator/stats answered {}", response.status);
        }
        let counters = serde_json::from_str(&response.body)
            .context("GET /emulator/stats answered something other than a JSON object")?;
        Ok(Stats(counters))
    }

    pub(super) fn configure(&self, json: &str) -> Result<()> {
        let response = http_post(&format!("{}/emulator/config", self.url), Some(json))?;
        if response.status != 200 {
            bail!(
                "POST /emulator/config {json} answered {}: {}",
                response.status,
                response.body
            );
        }
        Ok(())
    }
}

/// The JSON object of `GET /emulator/stats`: a counter per name.
pub(super) struct Stats(Map<String, Value>);

impl Stats {
    /// The counter's value; 0 for a counter the emulator does not keep.
    pub(super) fn get(&self, counter: &str) -> u64 {
        self.0.get(counter).and_then(Value::as_u64).unwrap_or(0)
    }

    /// How much `counter` moved since `before`.
    pub(super) fn since(&self, before: &Self, counter: &str) -> u64 {
        self.get(counter).saturating_sub(before.get(counter))
    }

    /// The [`NETWORK_COUNTERS`] calls since `before`, all added up.
    pub(super) fn network_calls_since(&self, before: &Self) -> u64 {
        NETWORK_COUNTERS
            .iter()
            .map(|counter| self.since(before, counter))
            .sum()
    }
}

/// Portal calls between two [`Stats`].
#[derive(Default)]
pub(super) struct Counters {
    pub(super) list_accounts: u64,
    pub(super) list_account_roles: u64,
    throttled: u64,
}

impl Counters {
    pub(super) fn delta(before: &Stats, after: &Stats) -> Self {
        Self {
            list_accounts: after.since(before, "list_accounts"),
            list_account_roles: after.since(before, "list_account_roles"),
            throttled: after.since(before, "throttled"),
        }
    }
}

impl std::fmt::Display for Counters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} calls: ListAccounts {}, ListAccountRoles {}, 429s {}",
            self.list_accounts + self.list_account_roles,
            self.list_accounts,
            self.list_account_roles,
            self.throttled
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_counters_are_read_by_exact_name() {
        let body = r#"{"create_token":3,"create_token_refresh_token":1}"#;
        let stats = Stats(serde_json::from_str(body).unwrap());
        assert_eq!(stats.get("create_token"), 3);
        assert_eq!(stats.get("create_token_refresh_token"), 1);
        assert_eq!(stats.get("assume_role"), 0);
    }
}
