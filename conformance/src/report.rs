//! One suite's tally and the single line it prints: `<suite>: N passed, N failed, N skipped`.
//!
//! Skips always carry a reason and failures always carry a message, so nothing passes silently.

use std::fmt;

/// The outcome of one suite.
#[derive(Debug, Default)]
pub(crate) struct SuiteReport {
    /// The suite's name as printed, e.g. `profile-parser`.
    pub(crate) name: &'static str,
    /// Names of the cases that passed.
    pub(crate) passed: Vec<String>,
    /// Case name and what went wrong.
    pub(crate) failed: Vec<(String, String)>,
    /// Case name and why it was not run.
    pub(crate) skipped: Vec<(String, String)>,
}

impl SuiteReport {
    /// An empty report for the suite `name`.
    pub(crate) fn new(name: &'static str) -> Self {
        Self {
            name,
            ..Self::default()
        }
    }

    /// Records a pass.
    pub(crate) fn pass(&mut self, case: impl Into<String>) {
        self.passed.push(case.into());
    }

    /// Records a failure with its reason.
    pub(crate) fn fail(&mut self, case: impl Into<String>, why: impl Into<String>) {
        self.failed.push((case.into(), why.into()));
    }

    /// Records a skip with its reason.
    pub(crate) fn skip(&mut self, case: impl Into<String>, why: impl Into<String>) {
        self.skipped.push((case.into(), why.into()));
    }

    /// Records `Ok` as a pass and `Err(why)` as a failure.
    pub(crate) fn record(&mut self, case: impl Into<String>, outcome: Result<(), String>) {
        match outcome {
            Ok(()) => self.pass(case),
            Err(why) => self.fail(case, why),
        }
    }

    /// Whether any case failed.
    pub(crate) fn has_failures(&self) -> bool {
        !self.failed.is_empty()
    }
}

impl fmt::Display for SuiteReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (case, why) in &self.failed {
            writeln!(f, "  FAIL {}/{case}: {why}", self.name)?;
        }
        for (case, why) in &self.skipped {
            writeln!(f, "  skip {}/{case}: {why}", self.name)?;
        }
        write!(
            f,
            "{}: {} passed, {} failed, {} skipped",
            self.name,
            self.passed.len(),
            self.failed.len(),
            self.skipped.len()
        )
    }
}
