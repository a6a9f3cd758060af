//! Sans-IO core for SSO-OIDC (RFC 8628, RFC 7636) and the IAM Identity Center portal API.
