//! The edit API: set and remove properties and sub-properties, add, rename and remove sections,
//! each with the smallest textual change (the AWS CLI's `ConfigFileWriter` rules, protocol §5.3).
//!
//! An edit splices new text into the document's source and parses the result again, so the line
//! table is always what the parser would build from the new text and every untouched line keeps
//! its bytes. New lines copy their neighbours' style: the spacing around `=` of a sibling
//! property, the indentation of sibling sub-properties, and the document's line ending.

use std::collections::HashMap;
use std::ops::Range;

use crate::parse::section_kind;
use crate::syntax::{Document, LineEnding, LineKind, SectionKind, is_identifier};

/// Why an edit was refused. The document is unchanged when an edit returns an error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EditError {
    /// Keys, values and section names must fit on one line.
    #[error("{what} contains a line break; keys, values and section names must be on one line")]
    LineBreak {
        /// What was refused, e.g. ``value of `region` ``.
        what: String,
    },
    /// The SDKs ignore keys with other characters, so writing one would be lost on reading.
    #[error("`{key}` is not a valid key: use letters, digits and _-/.%@:+")]
    InvalidKey {
        /// The refused key.
        key: String,
    },
    /// The value would read back differently: surrounding whitespace is trimmed, a value
    /// starting with `#` or `;` or with one after whitespace holds a comment, and control
    /// characters are read differently by different parsers.
    #[error("the value {value:?} of `{key}` would not read back unchanged: {reason}")]
    UnrepresentableValue {
        /// The key.
        key: String,
        /// The refused value.
        value: String,
        /// Why.
        reason: &'static str,
    },
    /// The section name cannot be written so that it reads back as the same section.
    #[error("{section} is not a section name that can be written; use a non-empty name")]
    InvalidSectionName {
        /// The refused section.
        section: String,
    },
    /// `set_sub_property` on a key that has a value of its own.
    #[error(
        "`{key}` has a value of its own, so it cannot hold sub-properties; remove it first or pick another key"
    )]
    NotSubPropertyBlock {
        /// The parent key.
        key: String,
    },
    /// `rename_section` onto a section that already exists.
    #[error("cannot rename to {section}: that section already exists; remove it first")]
    SectionExists {
        /// The target section.
        section: String,
    },
}

/// A section of a document as listed by [`Document::sections`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SectionInfo {
    /// What the header names.
    pub kind: SectionKind,
    /// Whether the SDK rules accept the name.
    pub valid_name: bool,
    /// 1-based line of the header.
    pub line: u32,
    /// The property keys, as written, in order.
    pub keys: Vec<String>,
}

/// A mutable view of every section of one kind (duplicate sections are edited together: a key is
/// changed where its last occurrence is, and new keys go to the last of them).
#[derive(Debug)]
pub struct SectionMut<'a> {
    document: &'a mut Document,
    kind: SectionKind,
}

/// One section's extent, in line indexes.
struct Span {
    kind: SectionKind,
    header: usize,
    /// The last property, continuation or invalid line (the header when there is none).
    last_body: usize,
}

impl Document {
    /// Every section header, in file order.
    pub fn sections(&self) -> Vec<SectionInfo> {
        let mut out: Vec<SectionInfo> = Vec::new();
        let mut in_section = false;
        for (index, line) in self.lines.iter().enumerate() {
            match &line.kind {
                LineKind::Header { inner } => {
                    let (kind, valid_name) = section_kind(&line.text(&self.source)[inner.clone()]);
                    in_section = true;
                    out.push(SectionInfo {
                        kind,
                        valid_name,
                        line: u32::try_from(index + 1).unwrap_or(u32::MAX),
                        keys: Vec::new(),
                    });
                }
                LineKind::Property { key, .. } if in_section => {
                    if let Some(info) = out.last_mut() {
                        info.keys
                            .push(line.text(&self.source)[key.clone()].to_owned());
                    }
                }
                LineKind::Invalid if line.text(&self.source).starts_with('[') => {
                    in_section = false;
                }
                _ => {}
            }
        }
        out
    }

    /// A mutable view of the sections of `kind`, if there is one.
    pub fn section_mut(&mut self, kind: &SectionKind) -> Option<SectionMut<'_>> {
        if self.spans().iter().any(|s| s.kind == *kind) {
            Some(SectionMut {
                document: self,
                kind: kind.clone(),
            })
        } else {
            None
        }
    }

    /// A mutable view of the sections of `kind`, appending `[header]` at the end of the document
    /// first if there is none (after a line ending if the text lacks a final one, and after a
    /// blank line if the document separates its sections with blank lines).
    pub fn get_or_insert_section(
        &mut self,
        kind: SectionKind,
    ) -> Result<SectionMut<'_>, EditError> {
        check_section(&kind)?;
        if !self.spans().iter().any(|s| s.kind == kind) {
            let ending = self.dominant_ending();
            let mut text = String::new();
            if let Some(last) = self.lines.last() {
                if last.ending == LineEnding::None {
                    text.push_str(ending.as_str());
                }
                if !matches!(last.kind, LineKind::Blank) && self.blank_before_headers() {
                    text.push_str(ending.as_str());
                }
            }
            text.push('[');
            text.push_str(&kind.header_text());
            text.push(']');
            text.push_str(ending.as_str());
            let end = self.source.len();
            self.splice(vec![(end..end, text)]);
        }
        Ok(SectionMut {
            document: self,
            kind,
        })
    }

    /// Removes every section of `kind`: its header, its body, and the comment lines directly
    /// above the header. Blank and comment lines after its last property stay (they belong to
    /// what follows). Returns whether anything was removed.
    pub fn remove_section(&mut self, kind: &SectionKind) -> bool {
        let mut edits = Vec::new();
        for span in self.spans().iter().filter(|s| s.kind == *kind) {
            let mut first = span.header;
            while first > 0 && matches!(self.lines[first - 1].kind, LineKind::Comment) {
                first -= 1;
            }
            let start = self.lines[first].start;
            let end = self.lines[span.last_body].full_range().end;
            edits.push((start..end, String::new()));
        }
        let removed = !edits.is_empty();
        if removed {
            self.splice(edits);
        }
        removed
    }

    /// Removes every section of each kind in `kinds` and returns how many sections that was.
    ///
    /// Each section goes as with [`Document::remove_section`] (its header, its body and the
    /// comment lines directly above the header), and then, when the line above what was removed
    /// is blank and the line below it is blank or there is none, that blank line goes too, so
    /// that a section appended by [`Document::get_or_insert_section`] and removed again leaves no
    /// gap. The kinds are taken in the order given and the sections of one kind in file order,
    /// each against the text the previous removals left: the result is the same as calling
    /// `remove_sections(&[kind])` for each kind in turn, but the text is rebuilt and parsed once.
    /// Kinds with no section (or given twice) remove nothing.
    pub fn remove_sections(&mut self, kinds: &[SectionKind]) -> usize {
        let spans = self.spans();
        let mut by_kind: HashMap<&SectionKind, Vec<&Span>> = HashMap::new();
        for span in &spans {
            by_kind.entry(&span.kind).or_default().push(span);
        }
        let mut chain = Chain::new(self.lines.len());
        let mut removed = 0;
        for kind in kinds {
            for span in by_kind.remove(kind).unwrap_or_default() {
                // Removing whole sections never reclassifies a line that stays: a line starting
                // with `[` resets the parser's state, blank and comment lines are classified
                // without context, and between a section's last body line and the next `[` line
                // there are only blank and comment lines. So the spans and line kinds of the
                // document as parsed hold for every intermediate text.
                let mut first = span.header;
                while let Some(above) = chain.previous(first)
                    && matches!(self.lines[above].kind, LineKind::Comment)
                {
                    first = above;
                }
                let (before, after) = chain.unlink(first, span.last_body);
                let blank = |index: usize| matches!(self.lines[index].kind, LineKind::Blank);
                if let Some(above) = before
                    && blank(above)
                    && after.is_none_or(blank)
                {
                    chain.unlink(above, above);
                }
                removed += 1;
            }
        }
        if removed > 0 {
            let mut source = String::with_capacity(self.source.len());
            source.push_str(&self.source[..self.bom]);
            // Copy runs of consecutive kept lines at once.
            let mut run: Option<Range<usize>> = None;
            let mut at = chain.head;
            while let Some(index) = at {
                let range = self.lines[index].full_range();
                run = match run {
                    Some(open) if open.end == range.start => Some(open.start..range.end),
                    Some(open) => {
                        source.push_str(&self.source[open]);
                        Some(range)
                    }
                    None => Some(range),
                };
                at = chain.next(index);
            }
            if let Some(open) = run {
                source.push_str(&self.source[open]);
            }
            *self = crate::parse::parse(source);
        }
        removed
    }

    /// Rewrites the header of every section of `from` to name `to`, keeping any comment after the
    /// header. Returns whether a section was renamed.
    pub fn rename_section(
        &mut self,
        from: &SectionKind,
        to: SectionKind,
    ) -> Result<bool, EditError> {
        check_section(&to)?;
        let spans = self.spans();
        if *from != to && spans.iter().any(|s| s.kind == to) {
            return Err(EditError::SectionExists {
                section: to.to_string(),
            });
        }
        let header = to.header_text();
        let edits: Vec<_> = spans
            .iter()
            .filter(|s| s.kind == *from)
            .filter_map(|s| {
                let line = &self.lines[s.header];
                match &line.kind {
                    LineKind::Header { inner, .. } => Some((
                        line.start + inner.start..line.start + inner.end,
                        header.clone(),
                    )),
                    _ => None,
                }
            })
            .collect();
        let renamed = !edits.is_empty();
        if renamed {
            self.splice(edits);
        }
        Ok(renamed)
    }

    /// Replaces byte ranges of the source (non-overlapping) and parses again.
    fn splice(&mut self, mut edits: Vec<(Range<usize>, String)>) {
        edits.sort_by_key(|(range, _)| std::cmp::Reverse(range.start));
        let mut source = std::mem::take(&mut self.source);
        for (range, text) in edits {
            source.replace_range(range, &text);
        }
        *self = crate::parse::parse(source);
    }

    fn spans(&self) -> Vec<Span> {
        let mut spans: Vec<Span> = Vec::new();
        let mut open = false;
        for (index, line) in self.lines.iter().enumerate() {
            match &line.kind {
                LineKind::Header { inner } => {
                    open = true;
                    spans.push(Span {
                        kind: section_kind(&line.text(&self.source)[inner.clone()]).0,
                        header: index,
                        last_body: index,
                    });
                }
                LineKind::Invalid if line.text(&self.source).starts_with('[') => open = false,
                LineKind::Property { .. } | LineKind::Continuation { .. } | LineKind::Invalid
                    if open =>
                {
                    if let Some(span) = spans.last_mut() {
                        span.last_body = index;
                    }
                }
                _ => {}
            }
        }
        spans
    }

    /// The line ending of the first terminated line, else `\n`.
    fn dominant_ending(&self) -> LineEnding {
        self.lines
            .iter()
            .map(|l| l.ending)
            .find(|e| *e != LineEnding::None)
            .unwrap_or(LineEnding::Lf)
    }

    /// Whether some header after the first line has a blank line right above it.
    fn blank_before_headers(&self) -> bool {
        self.lines.windows(2).any(|pair| {
            matches!(pair[0].kind, LineKind::Blank)
                && matches!(pair[1].kind, LineKind::Header { .. })
        })
    }

    /// Text to insert after line `index` so that `content` becomes a new line: `(offset, text)`.
    fn line_after(&self, index: usize, content: &str) -> (usize, String) {
        let line = &self.lines[index];
        let ending = if line.ending == LineEnding::None {
            self.dominant_ending()
        } else {
            line.ending
        };
        let at = line.full_range().end;
        if line.ending == LineEnding::None {
            (at, format!("{}{content}", ending.as_str()))
        } else {
            (at, format!("{content}{}", ending.as_str()))
        }
    }

    /// The spacing around `=` used by the nearest property with a value, preferring `near`.
    fn separator_style(&self, near: Range<usize>) -> String {
        let from = |index: usize| match &self.lines[index].kind {
            LineKind::Property { key, value } if !value.is_empty() => {
                Some(self.lines[index].text(&self.source)[key.end..value.start].to_owned())
            }
            _ => None,
        };
        near.clone()
            .rev()
            .find_map(from)
            .or_else(|| (0..near.start).rev().find_map(from))
            .or_else(|| (near.end..self.lines.len()).find_map(from))
            .unwrap_or_else(|| " = ".to_owned())
    }

    /// Indentation and `=` spacing of the nearest sub-property line with a value.
    fn sub_property_style(&self, near: Range<usize>) -> (String, String) {
        let from = |index: usize| {
            let line = &self.lines[index];
            let (key, value) = line.sub_property(&self.source)?;
            if value.is_empty() {
                return None;
            }
            let text = line.text(&self.source);
            Some((
                text[..key.start].to_owned(),
                text[key.end..value.start].to_owned(),
            ))
        };
        near.clone()
            .rev()
            .find_map(from)
            .or_else(|| (0..near.start).rev().find_map(from))
            .or_else(|| (near.end..self.lines.len()).find_map(from))
            .unwrap_or_else(|| ("  ".to_owned(), " = ".to_owned()))
    }

    /// Lines `index + 1..` that continue the property on line `index` (blank and comment lines
    /// between them included); returns the indexes of the continuation lines.
    fn continuations(&self, index: usize) -> Vec<usize> {
        let mut out = Vec::new();
        for (offset, line) in self.lines[index + 1..].iter().enumerate() {
            match line.kind {
                LineKind::Continuation { .. } => out.push(index + 1 + offset),
                LineKind::Blank | LineKind::Comment => {}
                _ => break,
            }
        }
        out
    }
}

impl SectionMut<'_> {
    /// The section kind this view edits.
    pub fn kind(&self) -> &SectionKind {
        &self.kind
    }

    /// The value of `key` as the SDKs would read it from these sections (last occurrence wins;
    /// continuation lines appended after `\n`).
    pub fn get(&self, key: &str) -> Option<String> {
        let document = &*self.document;
        let index = self.find(key)?;
        let line = &document.lines[index];
        let LineKind::Property { value, .. } = &line.kind else {
            return None;
        };
        let mut text = line.text(&document.source)[value.clone()].to_owned();
        for next in document.continuations(index) {
            let line = &document.lines[next];
            if let LineKind::Continuation { content, .. } = &line.kind {
                text.push('\n');
                text.push_str(&line.text(&document.source)[content.clone()]);
            }
        }
        Some(text)
    }

    /// Sets `key` to `value`: in place on the line of its last occurrence (keeping the inline
    /// comment and spacing, dropping old continuation lines), or as a new line after the
    /// section's last property.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), EditError> {
        check_key(key)?;
        check_value(key, value)?;
        let found = self.find(key);
        let document = &mut *self.document;
        if let Some(index) = found {
            let mut edits = document
                .continuations(index)
                .into_iter()
                .map(|i| (document.lines[i].full_range(), String::new()))
                .collect::<Vec<_>>();
            edits.push(document.replace_value(index, value));
            document.splice(edits);
            return Ok(());
        }
        let span = last_span(document, &self.kind);
        let separator = document.separator_style(span.header..span.last_body + 1);
        let (at, text) = document.line_after(span.last_body, &format!("{key}{separator}{value}"));
        document.splice(vec![(at..at, text)]);
        Ok(())
    }

    /// Removes every occurrence of `key` (with its continuation lines). Returns whether one was
    /// found.
    pub fn remove(&mut self, key: &str) -> bool {
        let document = &mut *self.document;
        let spans = document.spans();
        let mut edits = Vec::new();
        for span in spans.iter().filter(|s| s.kind == self.kind) {
            for index in span.header + 1..=span.last_body {
                if document.is_key(index, key) {
                    edits.push((document.lines[index].full_range(), String::new()));
                    for next in document.continuations(index) {
                        edits.push((document.lines[next].full_range(), String::new()));
                    }
                }
            }
        }
        let removed = !edits.is_empty();
        if removed {
            document.splice(edits);
        }
        removed
    }

    /// Sets sub-property `key` of the block `parent` (`parent =` followed by indented
    /// `key = value` lines), creating the block if needed.
    pub fn set_sub_property(
        &mut self,
        parent: &str,
        key: &str,
        value: &str,
    ) -> Result<(), EditError> {
        check_key(parent)?;
        check_sub_key(key)?;
        check_value(key, value)?;
        let found = self.find(parent);
        let document = &mut *self.document;
        let Some(index) = found else {
            let span = last_span(document, &self.kind);
            let separator = document.separator_style(span.header..span.last_body + 1);
            let (indent, sub_separator) = document.sub_property_style(0..0);
            let ending = document.dominant_ending();
            let content = format!(
                "{parent}{}{}{indent}{key}{sub_separator}{value}",
                separator.trim_end(),
                ending.as_str()
            );
            let (at, text) = document.line_after(span.last_body, &content);
            document.splice(vec![(at..at, text)]);
            return Ok(());
        };
        if let LineKind::Property { value: own, .. } = &document.lines[index].kind
            && !own.is_empty()
        {
            return Err(EditError::NotSubPropertyBlock {
                key: parent.to_owned(),
            });
        }
        let block = document.continuations(index);
        let existing = block.iter().rev().copied().find(|&i| {
            let line = &document.lines[i];
            line.sub_property(&document.source)
                .is_some_and(|(k, _)| line.text(&document.source)[k].eq_ignore_ascii_case(key))
        });
        if let Some(line_index) = existing {
            let edit = document.replace_value(line_index, value);
            document.splice(vec![edit]);
            return Ok(());
        }
        let last = block.last().copied().unwrap_or(index);
        let (indent, separator) = document.sub_property_style(index..last + 1);
        let (at, text) = document.line_after(last, &format!("{indent}{key}{separator}{value}"));
        document.splice(vec![(at..at, text)]);
        Ok(())
    }

    /// Removes sub-property `key` from the block `parent`. Returns whether it was found.
    pub fn remove_sub_property(&mut self, parent: &str, key: &str) -> bool {
        let Some(index) = self.find(parent) else {
            return false;
        };
        let document = &mut *self.document;
        let edits: Vec<_> = document
            .continuations(index)
            .into_iter()
            .filter(|&i| {
                let line = &document.lines[i];
                line.sub_property(&document.source)
                    .is_some_and(|(k, _)| line.text(&document.source)[k].eq_ignore_ascii_case(key))
            })
            .map(|i| (document.lines[i].full_range(), String::new()))
            .collect();
        let removed = !edits.is_empty();
        if removed {
            document.splice(edits);
        }
        removed
    }

    /// The line of the last occurrence of `key` in these sections.
    fn find(&self, key: &str) -> Option<usize> {
        let document = &*self.document;
        document
            .spans()
            .iter()
            .filter(|s| s.kind == self.kind)
            .flat_map(|s| s.header + 1..=s.last_body)
            .rfind(|&i| document.is_key(i, key))
    }
}

impl Document {
    fn is_key(&self, index: usize, key: &str) -> bool {
        let line = &self.lines[index];
        matches!(&line.kind, LineKind::Property { key: k, .. }
            if line.text(&self.source)[k.clone()].eq_ignore_ascii_case(key))
    }

    /// The edit that puts `value` in place of the value on line `index` (a property or a
    /// sub-property line), adding a space after a bare `=` when the line spaces its `=`.
    fn replace_value(&self, index: usize, value: &str) -> (Range<usize>, String) {
        let line = &self.lines[index];
        let text = line.text(&self.source);
        let (key, old) = match &line.kind {
            LineKind::Property { key, value } => (key.clone(), value.clone()),
            _ => line
                .sub_property(&self.source)
                .unwrap_or((0..0, text.len()..text.len())),
        };
        let separator = &text[key.end..old.start];
        let spaced = old.is_empty()
            && !value.is_empty()
            && separator.ends_with('=')
            && separator.starts_with([' ', '\t']);
        let mut new = if spaced {
            format!(" {value}")
        } else {
            value.to_owned()
        };
        // An empty value absorbed the whitespace before a comment: put some back, or the
        // comment would become part of the value.
        if !value.is_empty() && text[old.end..].starts_with(['#', ';']) {
            new.push(' ');
        }
        (line.start + old.start..line.start + old.end, new)
    }
}

/// The lines still present during [`Document::remove_sections`], as a doubly linked list over
/// line indexes.
struct Chain {
    /// The first line present.
    head: Option<usize>,
    next: Vec<Option<usize>>,
    previous: Vec<Option<usize>>,
}

impl Chain {
    fn new(count: usize) -> Self {
        Self {
            head: (count > 0).then_some(0),
            next: (1..=count).map(|n| (n < count).then_some(n)).collect(),
            previous: (0..count).map(|i| i.checked_sub(1)).collect(),
        }
    }

    fn next(&self, index: usize) -> Option<usize> {
        self.next[index]
    }

    fn previous(&self, index: usize) -> Option<usize> {
        self.previous[index]
    }

    /// Removes lines `first..=last` (consecutive in the list); returns their neighbours.
    fn unlink(&mut self, first: usize, last: usize) -> (Option<usize>, Option<usize>) {
        let (before, after) = (self.previous[first], self.next[last]);
        match before {
            Some(index) => self.next[index] = after,
            None => self.head = after,
        }
        if let Some(index) = after {
            self.previous[index] = before;
        }
        (before, after)
    }
}

fn last_span(document: &Document, kind: &SectionKind) -> Span {
    document
        .spans()
        .into_iter()
        .rfind(|s| s.kind == *kind)
        .unwrap_or(Span {
            kind: kind.clone(),
            header: 0,
            last_body: 0,
        })
}

fn check_line_break(what: impl FnOnce() -> String, text: &str) -> Result<(), EditError> {
    if text.contains(['\n', '\r']) {
        Err(EditError::LineBreak { what: what() })
    } else {
        Ok(())
    }
}

fn check_key(key: &str) -> Result<(), EditError> {
    check_line_break(|| format!("key {key:?}"), key)?;
    if is_identifier(key) {
        Ok(())
    } else {
        Err(EditError::InvalidKey {
            key: key.to_owned(),
        })
    }
}

fn check_sub_key(key: &str) -> Result<(), EditError> {
    check_line_break(|| format!("key {key:?}"), key)?;
    let bad = key.is_empty()
        || key.contains('=')
        || key.starts_with(['#', ';'])
        || key.chars().any(char::is_whitespace);
    if bad {
        Err(EditError::InvalidKey {
            key: key.to_owned(),
        })
    } else {
        Ok(())
    }
}

fn check_value(key: &str, value: &str) -> Result<(), EditError> {
    check_line_break(|| format!("value of `{key}`"), value)?;
    let refuse = |reason| {
        Err(EditError::UnrepresentableValue {
            key: key.to_owned(),
            value: value.to_owned(),
            reason,
        })
    };
    if value.trim() != value {
        return refuse("leading and trailing whitespace is trimmed on reading");
    }
    if value.starts_with(['#', ';']) {
        return refuse("a value starting with `#` or `;` reads back as a comment, that is empty");
    }
    // Parsers differ on them (Python's `strip` trims \x1c-\x1f, for one): none is safe.
    if value.chars().any(char::is_control) {
        return refuse("control characters do not read back the same in every parser");
    }
    let mut after_whitespace = false;
    for c in value.chars() {
        if (c == '#' || c == ';') && after_whitespace {
            return refuse("a `#` or `;` after whitespace starts a comment");
        }
        after_whitespace = c.is_whitespace();
    }
    Ok(())
}

fn check_section(kind: &SectionKind) -> Result<(), EditError> {
    let invalid = || EditError::InvalidSectionName {
        section: format!("{kind:?}"),
    };
    let header = kind.header_text();
    check_line_break(|| format!("section name {:?}", kind.name()), &header)?;
    if header.contains([']', '#', ';']) || kind.name().is_empty() {
        return Err(invalid());
    }
    if section_kind(&header).0 == *kind {
        Ok(())
    } else {
        Err(invalid())
    }
}
