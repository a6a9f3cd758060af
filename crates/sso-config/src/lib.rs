//! Lossless, format-preserving parser and editor for the AWS shared config and credentials files
//! (`~/.aws/config`, `~/.aws/credentials`).
//!
//! Three layers, as in smithy-rs's `aws-config` and toml_edit:
//!
//! - [`Document`]: the text, line by line. Parsing never fails and printing gives back the input
//!   byte for byte, valid or not; lines no rule accepts are kept and reported as [`Diagnostic`]s.
//!   The edit methods ([`Document::get_or_insert_section`], [`SectionMut::set`],
//!   [`Document::remove_section`], [`Document::remove_sections`] for many sections with one
//!   parse, …) change as few bytes as possible.
//! - [`ProfileSet`]: a read-only semantic view merged from a config and a credentials document
//!   under the cross-SDK rules (`profile-parser-tests.json`): profiles, sso-sessions and
//!   `[services]` sections, each value remembering the file, line and column it came from.
//! - Resolution: [`ProfileSet::resolve_sso`], [`ProfileSet::resolve_sso_session`],
//!   [`ProfileView`] and [`ProfileSet::configured_endpoint_url`] give typed settings or a
//!   [`ResolveError`] with the AWS CLI's exact message.
//!
//! [`populate`] plans `sso populate`'s edit (config text in, config text and a diff out): one
//! profile per account and role from a template, idempotent, pruning only what it wrote.
//!
//! [`file_locations`] and [`select_profile`] say where the files are and which profile is
//! selected (and by what), from an environment passed in as data. The crate never touches the
//! filesystem, the network or the process environment: it parses `&str` and prints `String`.
//!
//! # Example
//!
//! ```
//! use sso_config::{Document, FileKind, ProfileSet, SectionKind};
//!
//! let text = "# work account\r\n[profile dev]\r\nsso_session = corp   # shared\r\nregion=eu-west-1\r\n\r\n[sso-session corp]\r\nsso_start_url = https://d-123.awsapps.com/start\r\nsso_region = us-east-1";
//! let mut doc = Document::parse(text);
//! assert_eq!(doc.to_string(), text); // lossless
//! assert!(doc.diagnostics().is_empty());
//!
//! let set = ProfileSet::from_documents(Some(("~/.aws/config", &doc)), None);
//! let sso = set.resolve_sso("dev").unwrap();
//! assert_eq!(sso.start_url.as_str(), "https://d-123.awsapps.com/start");
//! assert_eq!(sso.session_name(), Some("corp"));
//! assert_eq!(sso.start_url.origin().line, 7);
//!
//! // Editing changes one line and keeps its comment; new lines copy their neighbours' style.
//! let mut dev = doc.section_mut(&SectionKind::Profile("dev".into())).unwrap();
//! dev.set("sso_session", "other").unwrap();
//! dev.set("output", "json").unwrap();
//! doc.get_or_insert_section(SectionKind::profile_in(FileKind::Config, "my team"))
//!     .unwrap()
//!     .set("region", "us-west-2")
//!     .unwrap();
//! assert_eq!(
//!     doc.to_string(),
//!     "# work account\r\n[profile dev]\r\nsso_session = other   # shared\r\nregion=eu-west-1\r\noutput=json\r\n\r\n[sso-session corp]\r\nsso_start_url = https://d-123.awsapps.com/start\r\nsso_region = us-east-1\r\n\r\n[profile 'my team']\r\nregion = us-west-2\r\n"
//! );
//! ```
//!
//! # Choices
//!
//! - Where the AWS CLI (Python `configparser`) and the SDK suite disagree, the SDK suite wins:
//!   inline comments need whitespace before `#`/`;`, `key : value` is an error, duplicate sections
//!   merge, `[profile default]` beats `[default]`, sub-properties are kept as the raw string
//!   `"\nname = value"` (use [`Value::sub_properties`] for the nested map).
//! - Extension: a section name in shell quotes (`[profile 'my team']`, as `aws configure` writes
//!   names with spaces) is unquoted and accepted; the SDKs ignore such sections.
//! - A profile and its sso-session may repeat a key with the same value (botocore's rule, which
//!   the AWS CLI applies); different values are [`ResolveError::Inconsistent`].
//!
//! # Limitations
//!
//! - Diagnostics describe the text as last parsed; every edit parses again, so line numbers in
//!   old diagnostics may be stale after an edit.
//! - Removing a section removes the comment lines directly above its header; blank and comment
//!   lines after its last property stay, because they are taken to belong to what follows.
//! - [`Document::remove_sections`] also drops the blank line above a removed section when a blank
//!   line or the end of the file follows it, so appending a section and removing it gives the
//!   text back, provided the text was empty or ended with a line ending and its last line was
//!   neither blank (that line goes) nor a comment the new header went right under (the comment
//!   goes with the section, as any comment directly above a header does).
//! - Removing the last line of a file that has no final line ending leaves the previous line's
//!   ending in place, so the file then ends with one.
//! - Setting a key replaces its last occurrence only; shadowed earlier occurrences in duplicate
//!   sections stay (they were already ignored). Replacing a value drops its continuation lines.
//! - Values that would not read back unchanged (surrounding whitespace, ` #` or ` ;` inside, line
//!   breaks) are refused rather than escaped: the format has no escaping.
//! - `$VAR` expansion in `AWS_CONFIG_FILE`, which the Python CLI does, is not performed.
//! - Names containing `]`, `#` or `;` cannot be written as section names.

#![deny(missing_docs)]

mod diagnostic;
mod display;
mod edit;
mod location;
mod parse;
pub mod populate;
mod resolve;
mod semantic;
mod syntax;
#[doc(hidden)]
pub mod testgen;

pub use diagnostic::{Diagnostic, Severity};
pub use edit::{EditError, SectionInfo, SectionMut};
pub use location::{
    Environment, FileLocations, LocationError, Platform, ProfileSource, expand_tilde,
    file_locations, home_dir, select_profile, selected_profile,
};
pub use resolve::{
    ProfileView, ResolveError, SsoProfileSettings, SsoSessionSettings, missing_role_keys,
    parse_registration_scopes,
};
pub use semantic::{Origin, ProfileSet, Properties, Value, Warning};
pub use syntax::{Document, FileKind, LineEnding, SectionKind};

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
