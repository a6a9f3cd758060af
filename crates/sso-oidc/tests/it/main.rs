//! The one integration-test binary of sso-oidc: operation bindings, flow scripts, properties.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod flows;
mod ops;
mod props;
mod support;
