//! The batched way of applying a plan's additions: the same bytes as the one-edit-at-a-time
//! path through sso-config's edit API (kept as the reference in `plan_with(.., Apply::PerEdit)`
//! and compared on random inputs in the tests), without parsing the whole document again after
//! every new section, which made large runs quadratic. (Removals need nothing here: sso-config's
//! `Document::remove_sections` removes many sections with one parse.)
//!
//! The first two new sections go through the edit API; from then on every appended section has
//! the same shape (separator line, line ending, spacing around `=`), learnt from the second one
//! and checked by rendering it again. The rest are rendered into one string. Values are checked
//! through the edit API on a scratch document, so errors are the same.

use std::collections::HashSet;

use crate::{Document, SectionKind};

use super::PopulateError;

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
