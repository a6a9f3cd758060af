//! Integration tests of sso-config (one binary): golden files, the cross-SDK suite, properties,
//! edits, resolution errors and file locations.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod edit;
mod golden;
mod location;
mod prop;
mod resolve;
mod sdk_suite;
mod support;
