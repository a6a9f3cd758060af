//! The line grammar (private): splits the text into lines and classifies each one the way the
//! AWS SDKs' profile parser does (`aws-runtime/src/env_config/parse.rs` in smithy-rs), recording
//! byte ranges instead of copying. It never fails: a line no rule accepts becomes
//! [`LineKind::Invalid`] plus a [`Diagnostic`].
//!
//! nom is used for the header brackets. `key = value` lines, which are most of a file, are read in
//! one pass that finds the line end, the `=` and an inline comment together, eight bytes at a time
//! (every delimiter is ASCII); other lines are split with `str::find`, which is vectorised. Header
//! names are classified when asked (`header_name`), so parsing allocates nothing per line. No nom
//! type leaves this module.

use std::borrow::Cow;
use std::ops::Range;

use nom::bytes::complete::take_till;
use nom::character::complete::char;
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
        // Exact, so the table is allocated once: one line per terminator, plus a last line.
        lines: Vec::with_capacity(count_newlines(source.as_bytes()) + 1),
        diagnostics: Vec::new(),
        state: State::Start,
    };
    let mut offset = bom;
    while offset < source.len() {
        let rest = &source[offset..];
        let line = if rest.starts_with(|c| !matches!(c, '#' | ';' | '[' | ' ' | '\t' | '\r' | '\n'))
        {
            // A property (or a broken one): one pass finds its end, `=` and comment.
            let scan = scan(rest);
            let (content_len, ending) = line_end(rest, scan.newline);
            let end = offset + content_len;
            let kind = parser.property(&source[offset..end], offset, &scan);
            Line {
                start: offset,
                end,
                ending,
                kind,
            }
        } else {
            let (content_len, ending) = line_end(rest, rest.find('\n'));
            parser.line(&source, offset, offset + content_len, ending)
        };
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

/// A section header's parts, borrowed from the text unless the name was shell-quoted.
pub(crate) struct HeaderName<'a> {
    /// The word before the first space or tab, trimmed; `None` for `[NAME]`.
    pub(crate) prefix: Option<&'a str>,
    /// The rest, trimmed and unquoted (for `[NAME]`, the whole trimmed text).
    pub(crate) name: Cow<'a, str>,
    /// Whether the SDK rules accept the name (identifier characters, or quoted by us).
    pub(crate) valid: bool,
}

impl HeaderName<'_> {
    /// The owned classification.
    pub(crate) fn to_kind(&self) -> SectionKind {
        let name = || self.name.clone().into_owned();
        match self.prefix {
            None if self.name == "default" => SectionKind::Default,
            None => SectionKind::Unprefixed(name()),
            Some("profile") => SectionKind::Profile(name()),
            Some("sso-session") => SectionKind::SsoSession(name()),
            Some("services") => SectionKind::Services(name()),
            Some(prefix) => SectionKind::Other {
                prefix: prefix.to_owned(),
                name: name(),
            },
        }
    }
}

/// Splits a header's inner text into prefix and name without copying (the semantic layer reads
/// every header, so this allocates only for a quoted name).
pub(crate) fn header_name(inner: &str) -> HeaderName<'_> {
    let trimmed = trim_ws_str(inner);
    let split = trimmed.bytes().position(|b| b == b' ' || b == b'\t');
    let Some((prefix, name)) = split.map(|at| (&trimmed[..at], &trimmed[at + 1..])) else {
        return HeaderName {
            prefix: None,
            name: Cow::Borrowed(trimmed),
            valid: trimmed == "default" || is_identifier(trimmed),
        };
    };
    let name = name.trim();
    let (name, valid) = if name.bytes().any(|b| b == b'\'' || b == b'"') {
        match unquote_name(name) {
            Some(unquoted) if !unquoted.is_empty() => (Cow::Owned(unquoted), true),
            _ => (Cow::Borrowed(name), false),
        }
    } else {
        (Cow::Borrowed(name), is_identifier(name))
    };
    HeaderName {
        prefix: Some(prefix.trim()),
        name,
        valid,
    }
}

/// Classifies a header's inner text: `(kind, name accepted by the SDK rules)`.
pub(crate) fn section_kind(inner: &str) -> (SectionKind, bool) {
    let header = header_name(inner);
    (header.to_kind(), header.valid)
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
            _ => self.property(text, start, &scan(text)),
        }
    }

    fn header(&mut self, text: &str, start: usize) -> LineKind {
        self.state = State::Section(Open::Nothing);
        match header(text) {
            // What the header names is worked out when asked (`header_name`), so that parsing
            // allocates nothing per line.
            Ok(inner) => LineKind::Header { inner },
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

    /// A line that starts with neither whitespace, `[`, `#` nor `;`; `scan` has been over it.
    #[inline]
    fn property(&mut self, text: &str, start: usize, scan: &Scan) -> LineKind {
        let State::Section(_) = self.state else {
            self.error(
                text,
                start,
                0,
                "Expected a profile definition before this property; add a header such as [profile NAME] above it",
            );
            return LineKind::Invalid;
        };
        match key_value_scanned(text, scan) {
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
            Open::Value => LineKind::Continuation {
                content,
                sub: false,
            },
            Open::SubProperties => match key_value(trimmed) {
                Ok(_) => LineKind::Continuation { content, sub: true },
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

/// Where the line at the start of `input` ends, given its first `\n`:
/// `(content length, terminator)`.
fn line_end(input: &str, newline: Option<usize>) -> (usize, LineEnding) {
    match newline {
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

/// What one pass over a line finds, in bytes from where the scan started.
struct Scan {
    /// The first `=` before any comment.
    equals: Option<usize>,
    /// Where an inline comment starts: a `#` or `;` right after a whitespace character
    /// (`char::is_whitespace`, as the SDKs test it), not at the start.
    comment: Option<usize>,
    /// The `\n` that ends the line.
    newline: Option<usize>,
}

/// The bytes [`scan`] stops at.
const SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    table[b'\n' as usize] = true;
    table[b'=' as usize] = true;
    table[b'#' as usize] = true;
    table[b';' as usize] = true;
    table
};

/// Scans `text` up to the first `\n`, finding a property line's `=` and inline comment in the
/// same pass that finds its end. This is the hot path (most lines are properties), so it looks at
/// each byte once; every byte it stops at is ASCII, so every index is a character boundary.
fn scan(text: &str) -> Scan {
    let bytes = text.as_bytes();
    let mut equals = None;
    let mut index = 0;
    while let Some(found) = find_special(&bytes[index..]) {
        index += found;
        match bytes[index] {
            b'\n' => {
                return Scan {
                    equals,
                    comment: None,
                    newline: Some(index),
                };
            }
            b'=' if equals.is_none() => equals = Some(index),
            b'=' => {}
            _ if whitespace_before(text, index) => {
                let rest = &bytes[index..];
                return Scan {
                    equals,
                    comment: Some(index),
                    newline: rest.iter().position(|&b| b == b'\n').map(|n| index + n),
                };
            }
            _ => {}
        }
        index += 1;
    }
    Scan {
        equals,
        comment: None,
        newline: None,
    }
}

/// The first byte of `bytes` that [`SPECIAL`] marks, looking at eight bytes at a time (a property
/// line has few of them, and lines are a few dozen bytes).
fn find_special(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    // The high bit of each byte of `word` equal to `byte`. Bits above the first match may be
    // spurious (borrows), so only the lowest set bit is meaningful.
    let matches = |word: u64, byte: u8| {
        let diff = word ^ (ONES * u64::from(byte));
        diff.wrapping_sub(ONES) & !diff & HIGHS
    };
    let (words, tail) = bytes.as_chunks::<8>();
    for (index, word) in words.iter().enumerate() {
        let word = u64::from_le_bytes(*word);
        let found =
            matches(word, b'\n') | matches(word, b'=') | matches(word, b'#') | matches(word, b';');
        if found != 0 {
            return Some(index * 8 + (found.trailing_zeros() / 8) as usize);
        }
    }
    let done = words.len() * 8;
    tail.iter()
        .position(|&b| SPECIAL[usize::from(b)])
        .map(|at| done + at)
}

/// Whether the character before byte `index` (a character boundary) is whitespace.
fn whitespace_before(text: &str, index: usize) -> bool {
    match index.checked_sub(1).map(|before| text.as_bytes()[before]) {
        None => false,
        Some(b' ' | b'\t') => true,
        Some(byte) if byte.is_ascii() => char::from(byte).is_whitespace(),
        // A multi-byte character ends here: decode it.
        Some(_) => text[..index]
            .chars()
            .next_back()
            .is_some_and(char::is_whitespace),
    }
}

/// `key = value` with the comment rule for properties (a `#` or `;` starts a comment only after
/// whitespace). Returns the ranges of the trimmed key and value. `text` starts with no whitespace
/// and holds no line break.
fn key_value(text: &str) -> Result<(Range<usize>, Range<usize>), KeyValueError> {
    key_value_scanned(text, &scan(text))
}

/// [`key_value`] for a line that [`scan`] has already been over.
#[inline]
fn key_value_scanned(
    text: &str,
    scan: &Scan,
) -> Result<(Range<usize>, Range<usize>), KeyValueError> {
    let bytes = text.as_bytes();
    let head = scan.comment.unwrap_or(bytes.len()).min(bytes.len());
    let Some(equals) = scan.equals.filter(|&at| at < head) else {
        return Err(KeyValueError::NoEquals);
    };
    let key = trim_ws(bytes, 0..equals);
    if key.is_empty() {
        return Err(KeyValueError::NoName);
    }
    Ok((key, trim_ws(bytes, equals + 1..head)))
}

/// `text` without leading and trailing spaces and tabs.
fn trim_ws_str(text: &str) -> &str {
    // Spaces and tabs are ASCII, so the trimmed range starts and ends at character boundaries.
    &text[trim_ws(text.as_bytes(), 0..text.len())]
}

/// Narrows `range` of `bytes` to exclude leading and trailing spaces and tabs.
fn trim_ws(bytes: &[u8], range: Range<usize>) -> Range<usize> {
    let is_ws = |b: &u8| matches!(b, b' ' | b'\t');
    let part = &bytes[range.clone()];
    let Some(first) = part.iter().position(|b| !is_ws(b)) else {
        return range.end..range.end;
    };
    let last = part.iter().rposition(|b| !is_ws(b)).unwrap_or(first);
    range.start + first..range.start + last + 1
}

/// The key and value ranges of a sub-property line whose trimmed content is `content` (the
/// parser accepted it, so this succeeds), relative to the line.
pub(crate) fn sub_property(
    text: &str,
    content: Range<usize>,
) -> Option<(Range<usize>, Range<usize>)> {
    let at = content.start;
    let (key, value) = key_value(&text[content]).ok()?;
    Some((shift(key, at), shift(value, at)))
}

/// The number of `\n` bytes, counted in blocks whose per-block count fits a byte, which
/// vectorises well.
fn count_newlines(bytes: &[u8]) -> usize {
    let mut chunks = bytes.chunks_exact(128);
    let mut count: usize = 0;
    for chunk in &mut chunks {
        let in_chunk: u8 = chunk.iter().map(|&b| u8::from(b == b'\n')).sum();
        count += usize::from(in_chunk);
    }
    count + chunks.remainder().iter().filter(|&&b| b == b'\n').count()
}

fn shift(range: Range<usize>, by: usize) -> Range<usize> {
    range.start + by..range.end + by
}

#[cfg(test)]
mod tests;
