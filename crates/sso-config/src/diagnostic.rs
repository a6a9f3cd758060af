//! Diagnostics: what the parser could not accept, where, and what it expected.
//!
//! Parsing never fails; problems are reported as values so that the caller (the CLI) decides
//! whether to stop. Positions are 1-based lines and 1-based columns counted in characters.

use std::fmt;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Severity {
    /// The cross-SDK suite rejects the whole file for this (the AWS SDKs refuse to load it).
    Error,
    /// The line or section is ignored by the SDKs, but the file still loads.
    Warning,
}

/// One problem found while parsing a document.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Diagnostic {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub column: u32,
    /// Byte range in the parsed text (the whole input, including a byte-order mark).
    pub span: std::ops::Range<usize>,
    /// What went wrong and what was expected, e.g. `Expected an '=' sign defining a property`.
    pub message: String,
    /// Whether the SDKs reject the file for this.
    pub severity: Severity,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Error => "error",
            Self::Warning => "warning",
        })
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.line, self.column, self.severity, self.message
        )
    }
}
