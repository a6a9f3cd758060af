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
    /// STS `POST /` with `Action=AssumeRole`.
    AssumeRole,
    /// STS `POST /` with `Action=AssumeRoleWithWebIdentity`.
    AssumeRoleWithWebIdentity,
    /// STS `POST /` with `Action=GetCallerIdentity`.
    GetCallerIdentity,
    /// `GET /container/credentials` (ECS and EKS Pod Identity style).
    ContainerCredentials,
    /// IMDSv2 `PUT /latest/api/token`.
    ImdsToken,
    /// IMDS `GET /latest/meta-data/iam/security-credentials/`.
    ImdsRoleList,
    /// IMDS `GET /latest/meta-data/iam/security-credentials/{role}`.
    ImdsCredentials,
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
            Self::AssumeRole => "AssumeRole",
            Self::AssumeRoleWithWebIdentity => "AssumeRoleWithWebIdentity",
            Self::GetCallerIdentity => "GetCallerIdentity",
            Self::ContainerCredentials => "ContainerCredentials",
            Self::ImdsToken => "ImdsToken",
            Self::ImdsRoleList => "ImdsRoleList",
            Self::ImdsCredentials => "ImdsCredentials",
        }
    }

    /// The STS operation named by a query-protocol `Action`.
    pub(crate) fn sts(action: &str) -> Option<Self> {
        match action {
            "AssumeRole" => Some(Self::AssumeRole),
            "AssumeRoleWithWebIdentity" => Some(Self::AssumeRoleWithWebIdentity),
            "GetCallerIdentity" => Some(Self::GetCallerIdentity),
            _ => None,
        }
    }

    /// Whether the operation belongs to STS (its own throttling knob and XML errors).
    pub fn is_sts(self) -> bool {
        matches!(
            self,
            Self::AssumeRole | Self::AssumeRoleWithWebIdentity | Self::GetCallerIdentity
        )
    }

    /// Whether the operation is one of the container or instance metadata endpoints (plain
    /// text errors).
    pub fn is_metadata(self) -> bool {
        matches!(
            self,
            Self::ContainerCredentials
                | Self::ImdsToken
                | Self::ImdsRoleList
                | Self::ImdsCredentials
        )
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
    /// STS `AssumeRole` calls.
    pub assume_role: u64,
    /// STS `AssumeRoleWithWebIdentity` calls.
    pub assume_role_with_web_identity: u64,
    /// STS `GetCallerIdentity` calls.
    pub get_caller_identity: u64,
    /// Container-credentials endpoint calls.
    pub container_credentials: u64,
    /// IMDSv2 token requests.
    pub imds_token: u64,
    /// IMDS role listings.
    pub imds_role_list: u64,
    /// IMDS role-credential requests.
    pub imds_credentials: u64,
    /// Answers replaced by 429 `TooManyRequestsException` (portal) or 400 `Throttling` (STS)
    /// by the throttling knobs.
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
            Operation::AssumeRole => &mut self.assume_role,
            Operation::AssumeRoleWithWebIdentity => &mut self.assume_role_with_web_identity,
            Operation::GetCallerIdentity => &mut self.get_caller_identity,
            Operation::ContainerCredentials => &mut self.container_credentials,
            Operation::ImdsToken => &mut self.imds_token,
            Operation::ImdsRoleList => &mut self.imds_role_list,
            Operation::ImdsCredentials => &mut self.imds_credentials,
        };
        *counter += 1;
    }
}
