//! The operations the emulator serves ([`Operation`]) and the request counters kept per
//! operation ([`Stats`]), readable in-process or as `GET /emulator/stats`.

use serde::{Deserialize, Serialize};

/// An API operation, named as in the Smithy models (`Authorize` is the browser endpoint of the
/// PKCE flow, which the models do not describe).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// `POST /client/register`.
    RegisterClient,
    /// `POST /device_authorization`.
    StartDeviceAuthorization,
    /// `POST /token`.
    CreateToken,
    /// `GET /authorize`.
    Authorize,
    /// `GET /assignment/accounts`.
    ListAccounts,
    /// `GET /assignment/roles`.
    ListAccountRoles,
    /// `GET /federation/credentials`.
    GetRoleCredentials,
    /// `POST /logout`.
    Logout,
}

impl Operation {
    /// The model's name of the operation, as used in [`crate::FailureRule::operation`].
    pub fn name(self) -> &'static str {
        match self {
            Self::RegisterClient => "RegisterClient",
            Self::StartDeviceAuthorization => "StartDeviceAuthorization",
            Self::CreateToken => "CreateToken",
            Self::Authorize => "Authorize",
            Self::ListAccounts => "ListAccounts",
            Self::ListAccountRoles => "ListAccountRoles",
            Self::GetRoleCredentials => "GetRoleCredentials",
            Self::Logout => "Logout",
        }
    }

    /// Whether the operation belongs to the portal service (the throttling knob applies to those).
    pub fn is_portal(self) -> bool {
        matches!(
            self,
            Self::ListAccounts | Self::ListAccountRoles | Self::GetRoleCredentials | Self::Logout
        )
    }
}

/// Requests received per operation, whatever their outcome (errors, throttled and injected
/// failures included), plus how many answers were throttled or injected failures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Stats {
    /// `RegisterClient` calls.
    pub register_client: u64,
    /// `StartDeviceAuthorization` calls.
    pub start_device_authorization: u64,
    /// `CreateToken` calls, all grant types.
    pub create_token: u64,
    /// `CreateToken` calls with grant type `authorization_code`.
    pub create_token_authorization_code: u64,
    /// `CreateToken` calls with grant type `urn:ietf:params:oauth:grant-type:device_code`.
    pub create_token_device_code: u64,
    /// `CreateToken` calls with grant type `refresh_token`.
    pub create_token_refresh_token: u64,
    /// `CreateToken` calls with another, missing or unreadable grant type.
    pub create_token_other: u64,
    /// `GET /authorize` calls.
    pub authorize: u64,
    /// `ListAccounts` calls.
    pub list_accounts: u64,
    /// `ListAccountRoles` calls.
    pub list_account_roles: u64,
    /// `GetRoleCredentials` calls.
    pub get_role_credentials: u64,
    /// `Logout` calls.
    pub logout: u64,
    /// Answers replaced by 429 `TooManyRequestsException` by the throttling knob.
    pub throttled: u64,
    /// Answers replaced by an injected 5xx failure.
    pub injected_failures: u64,
    /// Tokens issued by `CreateToken` (any grant).
    pub tokens_issued: u64,
}

impl Stats {
    /// Counts one call of `operation`.
    pub(crate) fn count(&mut self, operation: Operation) {
        let counter = match operation {
            Operation::RegisterClient => &mut self.register_client,
            Operation::StartDeviceAuthorization => &mut self.start_device_authorization,
            Operation::CreateToken => &mut self.create_token,
            Operation::Authorize => &mut self.authorize,
            Operation::ListAccounts => &mut self.list_accounts,
            Operation::ListAccountRoles => &mut self.list_account_roles,
            Operation::GetRoleCredentials => &mut self.get_role_credentials,
            Operation::Logout => &mut self.logout,
        };
        *counter += 1;
    }
}
