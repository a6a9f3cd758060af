//! The batched way of applying a plan's removals and additions: the same bytes as the
//! one-edit-at-a-time path through sso-config's edit API (kept as the reference in
//! `plan_with(.., Apply::PerEdit)` and compared on random inputs in the tests), without parsing
//! the whole document again after every edit, which made large runs quadratic.
//!
//! - **Removals** are simulated on the document's lines with a linked list: each removal takes
//!   the header, the body (up to the last line that is neither blank nor a comment before the
//!   next line starting with `[`) and the comment lines directly above, then applies
//!   `remove_section_tidy`'s blank-line rule. This is exact because a line starting with `[`
//!   resets the parser's state, blank and comment lines (first character `#` or `;`) are
//!   classified without context, and the lines that follow a removed body up to the next `[`
//!   line are only blank and comment lines: deleting whole sections never reclassifies a line
//!   that stays. Only kinds with exactly one section are handled; anything else falls back.
//! - **Additions**: the first two new sections go through the edit API; from then on every
//!   appended section has the same shape (separator line, line ending, spacing around `=`),
//!   learnt from the second one and checked by rendering it again. The rest are rendered into
//!   one string. Values are checked through the edit API on a scratch document, so errors are
//!   the same.

use std::collections::{HashMap, HashSet};

use sso_config::{Document, SectionKind};

use super::PopulateError;

/// The result of removing sections `kinds` one after another, each through `remove_section`
/// followed by populate's tidy rule; `None` when a kind does not have exactly one section (the
/// caller then takes the per-edit path).
pub(super) fn remove_sections_tidy(document: &Document, kinds: &[SectionKind]) -> Option<String> {
    let source = document.as_str();
    let bom = if document.has_bom() {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let (bom_text, body) = source.split_at_checked(bom)?;
    let lines: Vec<&str> = body.split_inclusive('\n').collect();
    if lines.len() != document.line_count() {
        return None;
    }

    let mut headers: HashMap<&SectionKind, Vec<usize>> = HashMap::new();
    let sections = document.sections();
    for section in &sections {
        let index = usize::try_from(section.line).ok()?.checked_sub(1)?;
        headers.entry(&section.kind).or_default().push(index);
    }

    let count = lines.len();
    let mut chain = Chain::new(count);
    let info: Vec<LineInfo> = lines.iter().map(|line| LineInfo::of(line)).collect();
    for kind in kinds {
        let [header] = headers.remove(kind)?[..] else {
            return None;
        };
        // Comment lines directly above the header go with it.
        let mut first = header;
        while let Some(above) = chain.previous(first)
            && info[above].comment
        {
            first = above;
        }
        // The body ends at the last property, continuation or invalid line before the next
        // line starting with `[`.
        let mut last = header;
        let mut at = chain.next(header);
        while let Some(index) = at
            && !info[index].bracket
        {
            if !info[index].blank && !info[index].comment {
                last = index;
            }
            at = chain.next(index);
        }
        let (before, after) = chain.unlink(first, last);

        // Tidy: drop the blank line before the removed section when a blank line or the end of
        // the file follows it (the first line carries the byte-order mark in the text, so it is
        // never blank there). `remove_section_tidy` finds the removed lines by comparing texts,
        // which could place them later when they repeat the lines after them; the removed block
        // starts with a comment or header line, never blank, so that cannot happen when the line
        // after it is blank, the only case in which the rule applies.
        let gap_before = before.is_some_and(|index| {
            !(bom > 0 && chain.previous(index).is_none())
                && text_blank(lines[index])
                && lines[index].ends_with('\n')
        });
        let gap_after = after.is_none_or(|index| text_blank(lines[index]));
        if let Some(index) = before
            && gap_before
            && gap_after
        {
            chain.unlink(index, index);
        }
    }

    let mut text = String::with_capacity(source.len());
    text.push_str(bom_text);
    let mut at = chain.head;
    while let Some(index) = at {
        text.push_str(lines[index]);
        at = chain.next(index);
    }
    Some(text)
}

/// The lines still present, as a doubly linked list over line indexes.
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
            next: (0..count)
                .map(|i| Some(i + 1).filter(|&n| n < count))
                .collect(),
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

/// What the parser's first, context-free checks make of one line.
struct LineInfo {
    /// Only spaces and tabs.
    blank: bool,
    /// A comment line (`#` or `;` first).
    comment: bool,
    /// A header or broken header (`[` first), which resets the parser's state.
    bracket: bool,
}

impl LineInfo {
    fn of(line: &str) -> Self {
        let content = line
            .strip_suffix('\n')
            .map_or(line, |l| l.strip_suffix('\r').unwrap_or(l));
        let blank = content.trim_start_matches([' ', '\t']).is_empty();
        Self {
            blank,
            comment: !blank && content.starts_with(['#', ';']),
            bracket: !blank && content.starts_with('['),
        }
    }
}

/// Blank as the tidy rule sees a line of the text.
fn text_blank(line: &str) -> bool {
    line.trim_end_matches(['\n', '\r'])
        .trim_matches([' ', '\t'])
        .is_empty()
}

/// How every section appended after the first one is written: what goes before its header,
/// the line ending, and the spacing around `=`.
#[derive(Debug)]
pub(super) struct Shape {
    before_header: &'static str,
    ending: &'static str,
    separator: String,
}

impl Shape {
    /// Learns the shape from `appended`, the text the edit API appended for section `kind` with
    /// `keys`; `None` unless rendering that section with the learnt shape gives `appended` back.
    pub(super) fn learn(
        appended: &str,
        kind: &SectionKind,
        keys: &[(&str, String)],
    ) -> Option<Self> {
        let header = format!("[{}]", kind.header_text());
        let at = appended.find(&header)?;
        let after = &appended[at + header.len()..];
        let ending = if after.starts_with("\r\n") {
            "\r\n"
        } else if after.starts_with('\n') {
            "\n"
        } else {
            return None;
        };
        let before_header = match &appended[..at] {
            "" => "",
            prefix if prefix == ending => ending,
            _ => return None,
        };
        let (key, value) = keys.first()?;
        let line = after[ending.len()..].split_inclusive('\n').next()?;
        let separator = line
            .strip_prefix(key)?
            .strip_suffix(ending)?
            .strip_suffix(value.as_str())?
            .to_owned();
        let shape = Self {
            before_header,
            ending,
            separator,
        };
        let mut again = String::with_capacity(appended.len());
        shape.write(&mut again, kind, keys);
        (again == appended).then_some(shape)
    }

    /// Appends section `kind` with `keys` to `out`.
    pub(super) fn write(&self, out: &mut String, kind: &SectionKind, keys: &[(&str, String)]) {
        out.push_str(self.before_header);
        out.push('[');
        out.push_str(&kind.header_text());
        out.push(']');
        out.push_str(self.ending);
        for (key, value) in keys {
            out.push_str(key);
            out.push_str(&self.separator);
            out.push_str(value);
            out.push_str(self.ending);
        }
    }
}

/// Checks, in the edit API's order, that section `kind` and `keys` can be written, with the
/// edit API's errors. Pairs already accepted are remembered in `accepted`.
pub(super) fn check<'a>(
    name: &str,
    kind: &SectionKind,
    keys: &'a [(&'a str, String)],
    accepted: &mut HashSet<(&'a str, &'a str)>,
) -> Result<(), PopulateError> {
    let error = |source| PopulateError::Edit {
        profile: name.to_owned(),
        source,
    };
    let mut scratch = Document::parse("");
    let mut section = scratch.get_or_insert_section(kind.clone()).map_err(error)?;
    for (key, value) in keys {
        if !accepted.contains(&(*key, value.as_str())) {
            section.set(key, value).map_err(error)?;
            accepted.insert((key, value));
        }
    }
    Ok(())
}
