//! Prints the SSO-OIDC and portal endpoints the AWS SDKs would use for a region.
//!
//! `cargo run -p sso-oidc --example endpoints -- REGION [--fips] [--dual-stack]`; without a region
//! it shows `us-east-1`.

#![expect(clippy::print_stdout, reason = "an example program prints its result")]

use std::process::ExitCode;

use sso_oidc::{EndpointParams, Service, resolve_endpoint};

fn main() -> ExitCode {
    let mut params = EndpointParams {
        region: Some("us-east-1".to_owned()),
        ..EndpointParams::default()
    };
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--fips" => params.use_fips = true,
            "--dual-stack" => params.use_dual_stack = true,
            region => params.region = Some(region.to_owned()),
        }
    }
    for (name, service) in [("sso-oidc", Service::SsoOidc), ("portal", Service::Portal)] {
        match resolve_endpoint(&params, service) {
            Ok(endpoint) => println!("{name:9} {}", endpoint.as_str()),
            Err(error) => {
                println!("{name:9} error: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
