//! The lossless document: the input text plus a table of classified lines pointing into it.
//!
//! Every byte of the input belongs to exactly one line (its content and its line ending), except a
//! leading UTF-8 byte-order mark, which the document keeps separately. Printing the lines back
//! therefore reproduces the input byte for byte. Edits (in `edit.rs`) splice new text into the
//! source and parse again, so the line table is always the one the parser would build.

use std::fmt;
use std::ops::Range;

use crate::diagnostic::Diagnostic;

/// The line terminator of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineEnding {
    /// `\n`.
    Lf,
    /// `\r\n`.
    CrLf,
    /// The last line of a file that does not end with a line terminator.
    None,
}

impl LineEnding {
    /// The terminator's text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lf => "\n",
            Self::CrLf => "\r\n",
            Self::None => "",
        }
    }
}

/// What a section header names, independent of which file it is in.
///
/// The header text is trimmed and split at the first space or tab into a prefix and a name, as the
/// AWS SDKs do. A name written with shell quotes (`[profile 'my profile']`, as the AWS CLI writes
/// names containing spaces) is unquoted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SectionKind {
    /// `[default]`.
    Default,
    /// `[profile NAME]` (a config-file profile; `[profile default]` is `Profile("default")`).
    Profile(String),
    /// `[sso-session NAME]`.
    SsoSession(String),
    /// `[services NAME]`.
    Services(String),
    /// `[NAME]` without prefix: a profile in the credentials file, ignored in the config file.
    Unprefixed(String),
    /// `[PREFIX NAME]` with any other prefix; ignored by the semantic layer.
    Other {
        /// The word before the first space or tab.
        prefix: String,
        /// The rest, trimmed.
        name: String,
    },
}

impl SectionKind {
    /// The section that holds profile `name` in a file of the given kind, as the AWS CLI writes
    /// it: `[default]` for `default` in both files, `[profile NAME]` in the config file and
    /// `[NAME]` in the credentials file.
    pub fn profile_in(file: FileKind, name: &str) -> Self {
        match (file, name) {
            (_, "default") => Self::Default,
            (FileKind::Config, _) => Self::Profile(name.to_owned()),
            (FileKind::Credentials, _) => Self::Unprefixed(name.to_owned()),
        }
    }

    /// The header text between the brackets, quoting the name the way the AWS CLI does when it is
    /// not a plain identifier (`profile 'my profile'`).
    pub fn header_text(&self) -> String {
        match self {
            Self::Default => "default".to_owned(),
            Self::Profile(name) => format!("profile {}", quote_name(name)),
            Self::SsoSession(name) => format!("sso-session {}", quote_name(name)),
            Self::Services(name) => format!("services {}", quote_name(name)),
            Self::Unprefixed(name) => quote_name(name),
            Self::Other { prefix, name } => format!("{prefix} {}", quote_name(name)),
        }
    }

    /// The name part (`default` for [`SectionKind::Default`]).
    pub fn name(&self) -> &str {
        match self {
            Self::Default => "default",
            Self::Profile(name)
            | Self::SsoSession(name)
            | Self::Services(name)
            | Self::Unprefixed(name)
            | Self::Other { name, .. } => name,
        }
    }
}

impl fmt::Display for SectionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}]", self.header_text())
    }
}

/// Which of the two shared files a document is; their section-prefix rules differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// `~/.aws/config`: profiles are `[profile NAME]` (or `[default]`).
    Config,
    /// `~/.aws/credentials`: profiles are `[NAME]`; prefixed sections are ignored.
    Credentials,
}

/// A parsed config or credentials file that prints back exactly as it was read.
///
/// Build one with [`Document::parse`], read it through [`crate::ProfileSet`], change it with the
/// edit methods (see `edit.rs`), and write `doc.to_string()` back.
#[derive(Clone)]
pub struct Document {
    pub(crate) source: String,
    /// Length of the byte-order mark at the start of `source` (0 or 3).
    pub(crate) bom: usize,
    pub(crate) lines: Vec<Line>,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// One line: byte offsets into the document's source and what the parser made of it.
///
/// Kept small (64 bytes): a document holds one per line, and filling this table is most of what
/// parsing costs.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    /// Start of the content.
    pub(crate) start: usize,
    /// End of the content (before the line ending).
    pub(crate) end: usize,
    pub(crate) ending: LineEnding,
    pub(crate) kind: LineKind,
}

/// The classification of one line. Ranges are relative to the line's content.
#[derive(Debug, Clone)]
pub(crate) enum LineKind {
    /// Only spaces and tabs.
    Blank,
    /// Starts with `#` or `;`.
    Comment,
    /// `[...]`, optionally followed by a comment. What it names is worked out when asked
    /// (`parse::section_kind`), so that parsing allocates nothing per line.
    Header {
        /// Between the brackets.
        inner: Range<usize>,
    },
    /// `key = value`, optionally followed by a comment.
    Property {
        key: Range<usize>,
        value: Range<usize>,
    },
    /// An indented line continuing the previous property's value.
    Continuation {
        /// The trimmed line, as the SDKs append it to the value.
        content: Range<usize>,
        /// Whether it is a `key = value` line of a sub-property block (`s3 =` followed by indented
        /// lines); [`Line::sub_property`] gives the ranges.
        sub: bool,
    },
    /// A line no rule accepts (it carries a diagnostic), or a continuation of such a line.
    Invalid,
}

impl Line {
    pub(crate) fn text<'a>(&self, source: &'a str) -> &'a str {
        &source[self.start..self.end]
    }

    /// The key and value ranges of a sub-property line (relative to the line's content).
    pub(crate) fn sub_property(&self, source: &str) -> Option<(Range<usize>, Range<usize>)> {
        match &self.kind {
            LineKind::Continuation { content, sub: true } => {
                crate::parse::sub_property(self.text(source), content.clone())
            }
            _ => None,
        }
    }

    /// The byte range of the whole line including its terminator.
    pub(crate) fn full_range(&self) -> Range<usize> {
        self.start..self.end + self.ending.as_str().len()
    }
}

impl Document {
    /// Parses a config or credentials file. Never fails: lines no rule accepts are kept as they
    /// are and reported in [`Document::diagnostics`].
    pub fn parse(text: &str) -> Self {
        crate::parse::parse(text.to_owned())
    }

    /// Problems found when the text was parsed (positions refer to the text as parsed; an edit
    /// parses again and replaces them).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Whether any diagnostic is an error (the AWS SDKs would refuse this file).
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == crate::Severity::Error)
    }

    /// Whether the text starts with a UTF-8 byte-order mark.
    pub fn has_bom(&self) -> bool {
        self.bom > 0
    }

    /// The number of lines (a final line terminator does not start another line).
    pub fn line_count(&self) -> usize {
        self.lines.len()
    }

    /// The document as text, exactly as it will be printed.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

impl fmt::Debug for Document {
    /// A one-line-per-line dump of the classification, used by the golden tests.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.bom > 0 {
            writeln!(f, "bom")?;
        }
        for (index, line) in self.lines.iter().enumerate() {
            let text = line.text(&self.source);
            let ending = match line.ending {
                LineEnding::Lf => "lf",
                LineEnding::CrLf => "crlf",
                LineEnding::None => "eof",
            };
            write!(f, "{:>3} {ending:<4} ", index + 1)?;
            match &line.kind {
                LineKind::Blank => write!(f, "blank")?,
                LineKind::Comment => write!(f, "comment {text:?}")?,
                LineKind::Header { inner } => {
                    let (section, valid_name) = crate::parse::section_kind(&text[inner.clone()]);
                    let valid = if valid_name { "" } else { " (invalid name)" };
                    write!(f, "header {section:?}{valid}")?;
                }
                LineKind::Property { key, value } => {
                    write!(
                        f,
                        "property {:?} = {:?}",
                        &text[key.clone()],
                        &text[value.clone()]
                    )?;
                    let rest = &text[value.end..];
                    if !rest.is_empty() {
                        write!(f, " trailing {rest:?}")?;
                    }
                }
                LineKind::Continuation { content, .. } => match line.sub_property(&self.source) {
                    Some((k, v)) => write!(
                        f,
                        "sub-property {:?} = {:?}",
                        &text[k.clone()],
                        &text[v.clone()]
                    )?,
                    None => write!(f, "continuation {:?}", &text[content.clone()])?,
                },
                LineKind::Invalid => write!(f, "invalid {text:?}")?,
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// Characters the AWS SDKs accept in profile, section and property names.
pub(crate) fn is_identifier(name: &str) -> bool {
    // Every accepted character is ASCII, and no byte of a multi-byte character is.
    !name.is_empty() && name.bytes().all(|b| IDENTIFIER[usize::from(b)])
}

/// The bytes [`is_identifier`] accepts.
const IDENTIFIER: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let c = byte as u8;
        table[byte] = c.is_ascii_alphanumeric()
            || matches!(c, b'_' | b'-' | b'/' | b'.' | b'%' | b'@' | b':' | b'+');
        byte += 1;
    }
    table
};

/// Quotes a section name like Python's `shlex.quote` when it is not an SDK identifier.
pub(crate) fn quote_name(name: &str) -> String {
    if is_identifier(name) {
        name.to_owned()
    } else {
        format!("'{}'", name.replace('\'', "'\"'\"'"))
    }
}

/// Undoes shell quoting of one word (POSIX `shlex` rules); `None` if the text is not exactly one
/// well-formed word.
pub(crate) fn unquote_name(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => loop {
                match chars.next()? {
                    '\'' => break,
                    other => out.push(other),
                }
            },
            '"' => loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => match chars.next()? {
                        escaped @ ('"' | '\\') => out.push(escaped),
                        other => {
                            out.push('\\');
                            out.push(other);
                        }
                    },
                    other => out.push(other),
                }
            },
            '\\' => out.push(chars.next()?),
            c if c.is_whitespace() => return None,
            c => out.push(c),
        }
    }
    Some(out)
}
