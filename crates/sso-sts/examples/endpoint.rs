//! Prints the STS endpoint and signing region the AWS SDKs would use for a region.
//!
//! `cargo run -p sso-sts --example endpoint -- [REGION] [--fips] [--dual-stack]`; without a
//! region it shows the global endpoint.

#![expect(clippy::print_stdout, reason = "an example program prints its result")]

use std::process::ExitCode;

use sso_sts::{StsEndpointParams, resolve_sts_endpoint};

fn main() -> ExitCode {
    let mut params = StsEndpointParams::default();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--fips" => params.use_fips = true,
            "--dual-stack" => params.use_dual_stack = true,
            region => params.region = Some(region.to_owned()),
        }
    }
    match resolve_sts_endpoint(&params) {
        Ok(endpoint) => {
            println!(
                "{} (signed for {})",
                endpoint.endpoint.as_str(),
                endpoint.signing_region
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            println!("no endpoint: {error}");
            ExitCode::FAILURE
        }
    }
}
