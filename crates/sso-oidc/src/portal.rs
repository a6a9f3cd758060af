//! SSO portal operations (`portal.sso.{region}…`): request builders, response parsers and
//! `nextToken` pagers.
//!
//! Bindings follow `sso.json`: the bearer token goes in the `x-amz-sso_bearer_token` header,
//! inputs are the query parameters `next_token`, `max_result`, `account_id` and `role_name`,
//! and `expiration` is epoch **milliseconds**. Every call is unsigned. One-shot calls
//! (GetRoleCredentials, Logout) need no state machine; the pagers follow `nextToken` to the end
//! and refuse a token that repeats (botocore's "same next token received twice" guard).

use serde::Deserialize;

use crate::endpoint::Endpoint;
use crate::error::{Operation, ResponseError};
use crate::time::MAX_ROLE_CREDENTIALS_LIFETIME;
use crate::wire;
use sso_base::Timestamp;
use sso_base::{AccessToken, SecretAccessKey, SessionToken};

/// One entry of `accountList`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountInfo {
    /// `accountId`.
    pub account_id: String,
    /// `accountName` (may be missing).
    pub account_name: Option<String>,
    /// `emailAddress` (may be missing).
    pub email_address: Option<String>,
}

/// One entry of `roleList`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleInfo {
    /// `roleName`.
    pub role_name: String,
    /// `accountId`.
    pub account_id: Option<String>,
}

/// One page of a listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    /// The page's items.
    pub items: Vec<T>,
    /// `nextToken`, if there are more pages.
    pub next_token: Option<String>,
}

/// `GetRoleCredentials` output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleCredentials {
    /// `accessKeyId`.
    pub access_key_id: String,
    /// `secretAccessKey`.
    pub secret_access_key: SecretAccessKey,
    /// `sessionToken`.
    pub session_token: SessionToken,
    /// `expiration` (epoch milliseconds on the wire).
    pub expiration: Timestamp,
}

fn clamp_max_results(max_results: Option<u32>) -> Option<String> {
    // The model allows 1..=100; out-of-range values are clamped rather than sent.
    max_results.map(|n| n.clamp(1, 100).to_string())
}

/// Builds `GET /assignment/accounts`.
#[must_use]
pub fn list_accounts(
    endpoint: &Endpoint,
    access_token: &AccessToken,
    next_token: Option<&str>,
    max_results: Option<u32>,
) -> http::Request<Vec<u8>> {
    let max = clamp_max_results(max_results);
    let query = wire::query(&[("next_token", next_token), ("max_result", max.as_deref())]);
    bearer_request(
        http::Method::GET,
        endpoint,
        "/assignment/accounts",
        &query,
        access_token,
    )
}

/// Builds `GET /assignment/roles`.
#[must_use]
pub fn list_account_roles(
    endpoint: &Endpoint,
    access_token: &AccessToken,
    account_id: &str,
    next_token: Option<&str>,
    max_results: Option<u32>,
) -> http::Request<Vec<u8>> {
    let max = clamp_max_results(max_results);
    let query = wire::query(&[
        ("next_token", next_token),
        ("max_result", max.as_deref()),
        ("account_id", Some(account_id)),
    ]);
    bearer_request(
        http::Method::GET,
        endpoint,
        "/assignment/roles",
        &query,
        access_token,
    )
}

/// Builds `GET /federation/credentials`.
#[must_use]
pub fn get_role_credentials(
    endpoint: &Endpoint,
    access_token: &AccessToken,
    account_id: &str,
    role_name: &str,
) -> http::Request<Vec<u8>> {
    let query = wire::query(&[
        ("role_name", Some(role_name)),
        ("account_id", Some(account_id)),
    ]);
    bearer_request(
        http::Method::GET,
        endpoint,
        "/federation/credentials",
        &query,
        access_token,
    )
}

/// Builds `POST /logout` (no body).
#[must_use]
pub fn logout(endpoint: &Endpoint, access_token: &AccessToken) -> http::Request<Vec<u8>> {
    bearer_request(http::Method::POST, endpoint, "/logout", "", access_token)
}

fn bearer_request(
    method: http::Method,
    endpoint: &Endpoint,
    path: &str,
    query: &str,
    access_token: &AccessToken,
) -> http::Request<Vec<u8>> {
    wire::request(
        method,
        endpoint,
        path,
        query,
        &[(wire::BEARER_HEADER, access_token.expose_secret())],
        None,
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccountsWire {
    next_token: Option<String>,
    #[serde(default)]
    account_list: Option<Vec<AccountWire>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccountWire {
    account_id: String,
    account_name: Option<String>,
    email_address: Option<String>,
}

/// Parses a `ListAccounts` response.
pub fn parse_list_accounts(
    response: &http::Response<Vec<u8>>,
) -> Result<Page<AccountInfo>, ResponseError> {
    let wire: AccountsWire = wire::decode(Operation::ListAccounts, response)?;
    Ok(Page {
        items: wire
            .account_list
            .unwrap_or_default()
            .into_iter()
            .map(|a| AccountInfo {
                account_id: a.account_id,
                account_name: a.account_name,
                email_address: a.email_address,
            })
            .collect(),
        next_token: wire.next_token.filter(|t| !t.is_empty()),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RolesWire {
    next_token: Option<String>,
    #[serde(default)]
    role_list: Option<Vec<RoleWire>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleWire {
    role_name: String,
    account_id: Option<String>,
}

/// Parses a `ListAccountRoles` response.
pub fn parse_list_account_roles(
    response: &http::Response<Vec<u8>>,
) -> Result<Page<RoleInfo>, ResponseError> {
    let wire: RolesWire = wire::decode(Operation::ListAccountRoles, response)?;
    Ok(Page {
        items: wire
            .role_list
            .unwrap_or_default()
            .into_iter()
            .map(|r| RoleInfo {
                role_name: r.role_name,
                account_id: r.account_id,
            })
            .collect(),
        next_token: wire.next_token.filter(|t| !t.is_empty()),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleCredentialsWire {
    role_credentials: Option<RoleCredentialsInner>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleCredentialsInner {
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    session_token: Option<String>,
    expiration: Option<i64>,
}

/// Parses a `GetRoleCredentials` response.
pub fn parse_get_role_credentials(
    response: &http::Response<Vec<u8>>,
) -> Result<RoleCredentials, ResponseError> {
    let op = Operation::GetRoleCredentials;
    let wire: RoleCredentialsWire = wire::decode(op, response)?;
    let inner = wire::required(op, response, wire.role_credentials, "roleCredentials")?;
    let expiration = wire::required(op, response, inner.expiration, "expiration")?;
    Ok(RoleCredentials {
        access_key_id: wire::required(op, response, inner.access_key_id, "accessKeyId")?,
        secret_access_key: SecretAccessKey::new(wire::required(
            op,
            response,
            inner.secret_access_key,
            "secretAccessKey",
        )?),
        session_token: SessionToken::new(wire::required(
            op,
            response,
            inner.session_token,
            "sessionToken",
        )?),
        expiration: Timestamp::from_unix_millis(expiration.max(0)),
    })
}

impl RoleCredentials {
    /// The credentials with a plausible `expiration`, as received at `now`: an expiration at or
    /// before the epoch is refused ([`ResponseError::Lifetime`]: no server means it), one later
    /// than [`MAX_ROLE_CREDENTIALS_LIFETIME`] from `now` is shortened to it (an absurd value
    /// would be cached as a date no reader can parse). An expiration in the past is kept, as the
    /// SDKs keep it: the credentials are expired, and the caches treat them so.
    pub fn bounded(mut self, now: Timestamp) -> Result<Self, ResponseError> {
        if self.expiration <= Timestamp::UNIX_EPOCH {
            return Err(ResponseError::Lifetime {
                operation: Operation::GetRoleCredentials,
                detail: format!(
                    "credentials whose `expiration` ({} ms since the epoch) is not a date",
                    self.expiration.unix_millis()
                ),
            });
        }
        self.expiration = self
            .expiration
            .min(now.saturating_add(MAX_ROLE_CREDENTIALS_LIFETIME));
        Ok(self)
    }
}

/// Parses a `Logout` response (success has an empty body).
pub fn parse_logout(response: &http::Response<Vec<u8>>) -> Result<(), ResponseError> {
    wire::check_status(Operation::Logout, response)
}

/// Where a pager stands.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Cursor {
    First,
    Next(String),
    Finished,
}

/// Shared pager bookkeeping.
#[derive(Clone, Debug)]
struct PagerCore {
    endpoint: Endpoint,
    access_token: AccessToken,
    max_results: Option<u32>,
    cursor: Cursor,
    seen: std::collections::HashSet<String>,
}

impl PagerCore {
    fn new(endpoint: &Endpoint, access_token: &AccessToken, max_results: Option<u32>) -> Self {
        Self {
            endpoint: endpoint.clone(),
            access_token: access_token.clone(),
            max_results,
            cursor: Cursor::First,
            seen: std::collections::HashSet::new(),
        }
    }

    fn token(&self) -> Option<Option<&str>> {
        match &self.cursor {
            Cursor::First => Some(None),
            Cursor::Next(token) => Some(Some(token)),
            Cursor::Finished => None,
        }
    }

    fn advance<T>(
        &mut self,
        operation: Operation,
        page: Result<Page<T>, ResponseError>,
    ) -> Result<Vec<T>, PagerError> {
        let page = match page {
            Ok(page) => page,
            Err(error) => return Err(PagerError::Response(error)),
        };
        self.cursor = match page.next_token {
            None => Cursor::Finished,
            Some(token) if !self.seen.insert(token.clone()) => {
                self.cursor = Cursor::Finished;
                return Err(PagerError::RepeatedToken { operation });
            }
            Some(token) => Cursor::Next(token),
        };
        Ok(page.items)
    }
}

/// Why a page could not be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PagerError {
    /// The page request failed. If it is retryable, the pager has not moved: send the same
    /// request again.
    #[error(transparent)]
    Response(#[from] ResponseError),
    /// The service sent a `nextToken` it had sent before; following it would loop forever.
    #[error(
        "{operation} returned the same nextToken twice; the listing was stopped to avoid a loop"
    )]
    RepeatedToken {
        /// The listing operation.
        operation: Operation,
    },
}

impl PagerError {
    /// Whether a driver may re-send the same request.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Response(e) if e.is_retryable())
    }
}

/// A sans-IO pager over `ListAccounts`.
///
/// Loop: `while let Some(request) = pager.next_request() { send; pager.handle_response(&response)? }`.
/// After an error the pager does not advance, so the driver may retry the same request.
#[derive(Clone, Debug)]
pub struct AccountPager(PagerCore);

impl AccountPager {
    /// A pager starting at the first page; `max_results` maps to `max_result` (1..=100).
    #[must_use]
    pub fn new(endpoint: &Endpoint, access_token: &AccessToken, max_results: Option<u32>) -> Self {
        Self(PagerCore::new(endpoint, access_token, max_results))
    }

    /// The next page's request, or `None` once the last page was handled.
    #[must_use]
    pub fn next_request(&self) -> Option<http::Request<Vec<u8>>> {
        let core = &self.0;
        let token = core.token()?;
        Some(list_accounts(
            &core.endpoint,
            &core.access_token,
            token,
            core.max_results,
        ))
    }

    /// Consumes a page's response and returns its accounts.
    pub fn handle_response(
        &mut self,
        response: &http::Response<Vec<u8>>,
    ) -> Result<Vec<AccountInfo>, PagerError> {
        self.0
            .advance(Operation::ListAccounts, parse_list_accounts(response))
    }
}

/// A sans-IO pager over `ListAccountRoles` for one account; used like [`AccountPager`].
#[derive(Clone, Debug)]
pub struct RolePager {
    core: PagerCore,
    account_id: String,
}

impl RolePager {
    /// A pager over the roles of `account_id`.
    #[must_use]
    pub fn new(
        endpoint: &Endpoint,
        access_token: &AccessToken,
        account_id: &str,
        max_results: Option<u32>,
    ) -> Self {
        Self {
            core: PagerCore::new(endpoint, access_token, max_results),
            account_id: account_id.to_owned(),
        }
    }

    /// The next page's request, or `None` once the last page was handled.
    #[must_use]
    pub fn next_request(&self) -> Option<http::Request<Vec<u8>>> {
        let core = &self.core;
        let token = core.token()?;
        Some(list_account_roles(
            &core.endpoint,
            &core.access_token,
            &self.account_id,
            token,
            core.max_results,
        ))
    }

    /// Consumes a page's response and returns its roles.
    pub fn handle_response(
        &mut self,
        response: &http::Response<Vec<u8>>,
    ) -> Result<Vec<RoleInfo>, PagerError> {
        self.core.advance(
            Operation::ListAccountRoles,
            parse_list_account_roles(response),
        )
    }
}
