//! The `credential-provider` suite. Not written yet: it fails so that it cannot pass unnoticed.

use crate::Context;
use crate::report::SuiteReport;

/// Runs the suite.
pub(crate) fn run(_context: &Context) -> SuiteReport {
    let mut report = SuiteReport::new("credential-provider");
    report.fail("suite", "not implemented yet");
    report
}
