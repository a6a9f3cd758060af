//! The list of suites, in the order they run. Each module owns one suite.

mod credential_provider;
mod exchanges;
mod file_location;
mod profile_parser;
mod profile_provider;
mod roundtrip;
mod sdk_case;
mod token_provider;

use crate::Context;
use crate::report::SuiteReport;

/// A suite's entry point.
pub(crate) type Suite = fn(&Context) -> SuiteReport;

/// Every suite with the name it is selected and printed by.
pub(crate) const ALL: &[(&str, Suite)] = &[
    ("profile-parser", profile_parser::run),
    ("file-location", file_location::run),
    ("config-roundtrip", roundtrip::run),
    ("exchanges", exchanges::run),
    ("exchanges-driver", exchanges::driver::run),
    ("token-provider", token_provider::run),
    ("credential-provider", credential_provider::run),
    ("profile-provider", profile_provider::run),
];
