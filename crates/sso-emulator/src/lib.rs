//! A local IAM Identity Center (SSO-OIDC and portal) on 127.0.0.1 for demos and tests.
