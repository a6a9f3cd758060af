//! Integration tests for `sso-cache`: the store on a real filesystem, many processes, and
//! interop with botocore (the code the AWS CLI v2 runs).
//!
//! Child processes: the concurrency tests re-execute this test binary with `SSO_CACHE_CHILD` set;
//! `child_entry_point` below is the test the children run, and it returns at once otherwise.

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::print_stderr,
    missing_docs,
    unreachable_pub
)]

mod concurrency;
mod interop;
mod store;
mod support;
