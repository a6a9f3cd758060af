//! The line grammar (private): splits the text into lines and classifies each one the way the
//! AWS SDKs' profile parser does (`aws-runtime/src/env_config/parse.rs` in smithy-rs), recording
//! byte ranges instead of copying. It never fails: a line no rule accepts becomes
//! [`LineKind::Invalid`] plus a [`Diagnostic`].
//!
//! nom is used for the small grammars inside a line (header brackets, `key = value`); line
//! splitting uses `str::find`, which is vectorised. No nom type leaves this module.

use std::ops::Range;

use nom::bytes::complete::{take_till, take_while};
use nom::character::complete::char;
use nom::combinator::rest;
use nom::{IResult, Offset, Parser};

use crate::diagnostic::{Diagnostic, Severity};
use crate::syntax::{
    Document, Line, LineEnding, LineKind, SectionKind, is_identifier, unquote_name,
};

/// Whitespace as the profile-file format defines it (not `char::is_whitespace`).
const WS: [char; 2] = [' ', '\t'];
const BOM: char = '\u{feff}';

/// Parses `source` into a document that owns it.
pub(crate) fn parse(source: String) -> Document {
    let bom = if source.starts_with(BOM) {
        BOM.len_utf8()
    } else {
        0
    };
    let mut parser = LineParser {
        lines: Vec::with_capacity(source.len() / 24 + 1),
        diagnostics: Vec::new(),
        state: State::Start,
    };
    let mut offset = bom;
    while offset < source.len() {
        let (content_len, ending) = split_line(&source[offset..]);
        let line = parser.line(&source, offset, offset + content_len, ending);
        offset = line.full_range().end;
        parser.lines.push(line);
    }
    debug_assert_eq!(
        parser
            .lines
            .iter()
            .map(|l| &source[l.full_range()])
            .collect::<String>(),
        source[bom..],
        "the lines must cover the text exactly"
    );
    Document {
        source,
        bom,
        lines: parser.lines,
        diagnostics: parser.diagnostics,
    }
}

/// Classifies a header's inner text: `(kind, name accepted by the SDK rules)`.
pub(crate) fn section_kind(inner: &str) -> (SectionKind, bool) {
    let trimmed = inner.trim_matches(WS);
    let Some((prefix, name)) = trimmed.split_once(WS) else {
        return if trimmed == "default" {
            (SectionKind::Default, true)
        } else {
            (
                SectionKind::Unprefixed(trimmed.to_owned()),
                is_identifier(trimmed),
            )
        };
    };
    let prefix = prefix.trim();
    let name = name.trim();
    let (name, valid) = if name.contains(['\'', '"']) {
        match unquote_name(name) {
            Some(unquoted) if !unquoted.is_empty() => (unquoted, true),
            _ => (name.to_owned(), false),
        }
    } else {
        (name.to_owned(), is_identifier(name))
    };
    let kind = match prefix {
        "profile" => SectionKind::Profile(name),
        "sso-session" => SectionKind::SsoSession(name),
        "services" => SectionKind::Services(name),
        _ => SectionKind::Other {
            prefix: prefix.to_owned(),
            name,
        },
    };
    (kind, valid)
}

/// What the previous lines leave open, which decides how an indented line is read.
#[derive(Clone, Copy)]
enum State {
    /// No section header seen yet.
    Start,
    /// Inside a section (or after a broken header).
    Section(Open),
}

/// The property an indented line would continue.
#[derive(Clone, Copy)]
enum Open {
    /// None since the header.
    Nothing,
    /// A property with a value: indented lines extend the value.
    Value,
    /// A property with an empty value: indented lines are `key = value` sub-properties.
    SubProperties,
    /// A line that was rejected: indented lines are swallowed without further diagnostics.
    Rejected,
}

struct LineParser {
    lines: Vec<Line>,
    diagnostics: Vec<Diagnostic>,
    state: State,
}

impl LineParser {
    fn line(&mut self, source: &str, start: usize, end: usize, ending: LineEnding) -> Line {
        let text = &source[start..end];
        let kind = self.classify(text, start);
        Line {
            start,
            end,
            ending,
            kind,
        }
    }

    fn classify(&mut self, text: &str, start: usize) -> LineKind {
        let Some(first) = text.chars().next() else {
            return LineKind::Blank;
        };
        if text.trim_start_matches(WS).is_empty() {
            return LineKind::Blank;
        }
        match first {
            '#' | ';' => LineKind::Comment,
            '[' => self.header(text, start),
            ' ' | '\t' => self.continuation(text, start),
            _ => self.property(text, start),
        }
    }

    fn header(&mut self, text: &str, start: usize) -> LineKind {
        self.state = State::Section(Open::Nothing);
        match header(text) {
            Ok(inner) => {
                let (section, valid_name) = section_kind(&text[inner.clone()]);
                LineKind::Header {
                    inner,
                    section,
                    valid_name,
                }
            }
            Err(at) => {
                self.error(
                    text,
                    start,
                    at,
                    "Profile definition must end with ']'; write the header as [profile NAME]",
                );
                LineKind::Invalid
            }
        }
    }

    fn property(&mut self, text: &str, start: usize) -> LineKind {
        let State::Section(_) = self.state else {
            self.error(
                text,
                start,
                0,
                "Expected a profile definition before this property; add a header such as [profile NAME] above it",
            );
            return LineKind::Invalid;
        };
        match key_value(text) {
            Ok((key, value)) => {
                self.state = State::Section(if value.is_empty() {
                    Open::SubProperties
                } else {
                    Open::Value
                });
                LineKind::Property { key, value }
            }
            Err(problem) => {
                self.state = State::Section(Open::Rejected);
                let message = match problem {
                    KeyValueError::NoEquals => {
                        "Expected an '=' sign defining a property, as in `name = value`"
                    }
                    KeyValueError::NoName => "Property did not have a name before '='",
                };
                self.error(text, start, 0, message);
                LineKind::Invalid
            }
        }
    }

    fn continuation(&mut self, text: &str, start: usize) -> LineKind {
        let open = match self.state {
            State::Start => {
                self.error(
                    text,
                    start,
                    0,
                    "Expected a profile definition, found an indented line; add a header such as [profile NAME] above it",
                );
                return LineKind::Invalid;
            }
            State::Section(open) => open,
        };
        let trimmed = text.trim();
        let at = text.offset(trimmed);
        let content = at..at + trimmed.len();
        match open {
            Open::Nothing => {
                self.state = State::Section(Open::Rejected);
                self.error(
                    text,
                    start,
                    at,
                    "Expected a property definition, found continuation; an indented line must follow a `name = value` line",
                );
                LineKind::Invalid
            }
            Open::Rejected => LineKind::Invalid,
            Open::Value => LineKind::Continuation { content, sub: None },
            Open::SubProperties => match key_value(trimmed) {
                Ok((key, value)) => LineKind::Continuation {
                    content,
                    sub: Some((shift(key, at), shift(value, at))),
                },
                Err(problem) => {
                    let message = match problem {
                        KeyValueError::NoEquals => {
                            "Expected an '=' sign defining a sub-property, as in `name = value`"
                        }
                        KeyValueError::NoName => "Sub-property did not have a name before '='",
                    };
                    self.error(text, start, at, message);
                    LineKind::Invalid
                }
            },
        }
    }

    fn error(&mut self, text: &str, line_start: usize, at: usize, message: &str) {
        self.diagnostics.push(Diagnostic {
            line: u32::try_from(self.lines.len() + 1).unwrap_or(u32::MAX),
            column: column(text, at),
            span: line_start + at..line_start + text.len(),
            message: message.to_owned(),
            severity: Severity::Error,
        });
    }
}

/// The 1-based character column of byte offset `at` in `text`.
pub(crate) fn column(text: &str, at: usize) -> u32 {
    let chars = text.get(..at).map_or(0, |prefix| prefix.chars().count());
    u32::try_from(chars + 1).unwrap_or(u32::MAX)
}

/// Splits off one line: `(content length, terminator)`.
fn split_line(input: &str) -> (usize, LineEnding) {
    match input.find('\n') {
        Some(newline) if input[..newline].ends_with('\r') => (newline - 1, LineEnding::CrLf),
        Some(newline) => (newline, LineEnding::Lf),
        None => (input.len(), LineEnding::None),
    }
}

/// `[inner]` followed by anything from the first `#` or `;` on. On failure, the byte offset where
/// the `]` was expected.
fn header(text: &str) -> Result<Range<usize>, usize> {
    let parsed: IResult<&str, &str> = take_till(|c| c == '#' || c == ';').parse(text);
    let head = parsed.map_or(text, |(_, head)| head).trim_end_matches(WS);
    let opened: IResult<&str, char> = char('[').parse(head);
    match opened {
        Ok((body, _)) if body.ends_with(']') => {
            let inner_start = text.offset(body);
            Ok(inner_start..inner_start + body.len() - 1)
        }
        _ => Err(head.len()),
    }
}

enum KeyValueError {
    NoEquals,
    NoName,
}

/// `key = value` with the comment rule for properties (a `#` or `;` starts a comment only after
/// whitespace). Returns the ranges of the trimmed key and value. `text` starts with no whitespace.
fn key_value(text: &str) -> Result<(Range<usize>, Range<usize>), KeyValueError> {
    let head = &text[..comment_start(text).unwrap_or(text.len())];
    let parsed: IResult<&str, (&str, char, &str)> =
        (take_till(|c| c == '='), char('='), rest).parse(head);
    let Ok((_, (key, _, value))) = parsed else {
        return Err(KeyValueError::NoEquals);
    };
    let key = key.trim_matches(WS);
    if key.is_empty() {
        return Err(KeyValueError::NoName);
    }
    let leading: IResult<&str, &str> = take_while(|c| WS.contains(&c)).parse(value);
    let value = leading
        .map_or(value, |(after, _)| after)
        .trim_end_matches(WS);
    let key_at = text.offset(key);
    let value_at = text.offset(value);
    Ok((key_at..key_at + key.len(), value_at..value_at + value.len()))
}

/// Where an inline comment starts: a `#` or `;` right after a whitespace character.
fn comment_start(text: &str) -> Option<usize> {
    let mut after_whitespace = false;
    for (index, c) in text.char_indices() {
        if (c == '#' || c == ';') && after_whitespace {
            return Some(index);
        }
        after_whitespace = c.is_whitespace();
    }
    None
}

fn shift(range: Range<usize>, by: usize) -> Range<usize> {
    range.start + by..range.end + by
}

#[cfg(test)]
mod tests;
