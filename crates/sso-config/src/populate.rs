//! The planning core of `sso populate`: one config profile per account and role, computed as
//! text in, text out (no IO; the caller lists the roles, writes the file atomically and prints).
//!
//! [`plan`] takes the config file's text, the sso-session name, the roles the portal listed
//! ([`RoleEntry`]), a [`ProfileTemplate`] and [`PlanOptions`], and returns a [`Plan`]: the new
//! text plus what was added, updated, removed, left alone or skipped. [`unified_diff`] renders the
//! change for `--dry-run`.
//!
//! # Choices
//!
//! - **Ownership marker.** Every profile populate writes carries `sso_populated_by = sso`
//!   ([`MARKER_KEY`], [`MARKER_VALUE`]). The AWS CLI and SDKs ignore unknown keys, and
//!   sso-config's semantic layer keeps it as an ordinary property. A profile is *owned by this
//!   session* when it has the marker with that value and `sso_session` equal to the session being
//!   populated. Only such profiles are ever updated or removed; deleting the marker line by hand
//!   adopts a profile (populate then treats it as hand-written and never touches it again).
//! - **Contents.** A new profile gets `sso_session`, `sso_account_id`, `sso_role_name`, `region`
//!   (only with `--region`) and the marker, in that order. Updating an owned profile sets those
//!   keys where they differ and leaves every other key (a hand-added `output = json`, or a
//!   `region` when `--region` is not given) as it is.
//! - **Conflicts, not overwrites.** A rendered name that is already a profile without the marker,
//!   or one owned by another sso-session, is left untouched and reported in [`Plan::conflicts`].
//! - **Collisions are errors.** Two roles rendering to the same name fail the whole plan with
//!   [`PopulateError::Collisions`] listing them, since writing either would silently lose the
//!   other; a template with `{account_id}` or `{role_name}` resolves it. The same account and
//!   role listed twice is one profile.
//! - **Prune safety.** With `prune`, an owned profile whose name is no longer rendered is removed,
//!   unless its `sso_account_id` is in [`PlanOptions::failed_accounts`] (its roles are unknown, so
//!   it is kept and listed in [`Plan::stale`]). Without `prune` such profiles are only listed in
//!   [`Plan::stale`].
//! - **Order and placement.** Profiles are processed in name order, new ones appended at the end
//!   of the file through [`Document::get_or_insert_section`], which copies the file's line ending,
//!   `=` spacing and blank-line separation. A second run with the same inputs changes nothing.
//! - **Removal.** [`Document::remove_sections`] removes the header, the body and the comment
//!   lines directly above each pruned section, and one blank line before it when another blank
//!   line or the end of the file follows, so that add-then-prune does not leave a growing gap.
//!   Nothing else outside owned sections changes.
//! - **Speed.** sso-config parses the whole text again after every edit, so applying thousands of
//!   edits one by one is quadratic. All removals are therefore one `remove_sections` call (one
//!   parse), and additions after the second are rendered in the shape the edit API gave the
//!   second one (see `batch`); the result is byte-identical to the edit-by-edit path, which is
//!   kept as the tests' reference and, for additions, as the fallback when the shape cannot be
//!   learnt (fewer than three new profiles, or a section to add that already exists in a form
//!   the semantic layer ignores).
//! - **Failures.** One account's failure is the caller's to report; here it only shields that
//!   account's profiles from pruning. A plan either succeeds as a whole or returns an error with
//!   no text, so a half-updated file is never produced.

mod batch;
mod diff;
mod template;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;

use crate::{Document, EditError, FileKind, ProfileSet, Properties, SectionKind};

pub use diff::unified_diff;
pub use template::{DEFAULT_TEMPLATE, PLACEHOLDERS, ProfileTemplate, TemplateError};

/// The key that marks a profile as written by `sso populate`.
pub const MARKER_KEY: &str = "sso_populated_by";

/// The value of [`MARKER_KEY`] in profiles populate owns.
pub const MARKER_VALUE: &str = "sso";

/// One role the portal listed for an account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoleEntry {
    /// The 12-digit account id.
    pub account_id: String,
    /// The account's name, when the portal gives one.
    pub account_name: Option<String>,
    /// The account's email address, when the portal gives one.
    pub email: Option<String>,
    /// The permission set (role) name.
    pub role_name: String,
}

/// What [`plan`] may do beyond adding and updating.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// `--region`: written as `region` in every populated profile.
    pub region: Option<String>,
    /// `--prune`: remove owned profiles that are no longer listed.
    pub prune: bool,
    /// Accounts whose roles could not be listed; their owned profiles are never pruned.
    pub failed_accounts: BTreeSet<String>,
}

/// The outcome of [`plan`]. Every list holds profile names, sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The config file's new text (equal to the input when nothing changes).
    pub new_text: String,
    /// Profiles created.
    pub added: Vec<String>,
    /// Owned profiles whose populate keys changed.
    pub updated: Vec<String>,
    /// Owned profiles removed by `prune`.
    pub removed: Vec<String>,
    /// Owned profiles already as wanted.
    pub unchanged: Vec<String>,
    /// Owned profiles no longer listed and kept: `prune` was off, or their account failed.
    pub stale: Vec<String>,
    /// Listed roles whose profile name is taken by a profile populate does not own (skipped).
    pub conflicts: Vec<Conflict>,
}

impl Plan {
    /// Whether [`Plan::new_text`] differs from the input.
    pub fn has_changes(&self) -> bool {
        !(self.added.is_empty() && self.updated.is_empty() && self.removed.is_empty())
    }
}

/// A role that was not written because its profile name is taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The rendered profile name.
    pub profile: String,
    /// The role's account.
    pub account_id: String,
    /// The role.
    pub role_name: String,
    /// Who holds the name.
    pub reason: ConflictReason,
}

/// Why a profile name is not populate's to write.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConflictReason {
    /// The profile has no `sso_populated_by = sso` marker: it was written by hand or another tool.
    NotOwned,
    /// The profile was populated for another sso-session.
    OtherSession {
        /// That profile's `sso_session`.
        session: String,
    },
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "profile `{}` (account {}, role {}) was skipped: ",
            self.profile, self.account_id, self.role_name
        )?;
        match &self.reason {
            ConflictReason::NotOwned => {
                f.write_str("a profile of that name exists and was not created by sso populate")
            }
            ConflictReason::OtherSession { session } => write!(
                f,
                "a profile of that name was populated for sso-session `{session}`"
            ),
        }
    }
}

/// Two or more roles whose profile names render the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collision {
    /// The shared rendered name.
    pub profile: String,
    /// Each colliding role as `(account_id, role_name)`, in input order.
    pub roles: Vec<(String, String)>,
}

impl fmt::Display for Collision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` would be written for ", self.profile)?;
        for (index, (account, role)) in self.roles.iter().enumerate() {
            if index > 0 {
                f.write_str(" and ")?;
            }
            write!(f, "account {account} role {role}")?;
        }
        Ok(())
    }
}

/// Why no plan could be made. No text is produced in these cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PopulateError {
    /// The sso-session name is empty or has surrounding whitespace.
    #[error("`{session}` is not an sso-session name populate can write")]
    InvalidSession {
        /// The refused name.
        session: String,
    },
    /// Different roles render to the same profile name.
    #[error(
        "the profile-name template gives the same name to different roles: {}; add {{account_id}} or {{role_name}} to the template",
        list(collisions)
    )]
    Collisions {
        /// Every collision found.
        collisions: Vec<Collision>,
    },
    /// The template renders an empty name for a role (say `{email}` with no email).
    #[error(
        "the profile-name template gives an empty name for account {account_id} role {role_name}"
    )]
    EmptyName {
        /// The role's account.
        account_id: String,
        /// The role.
        role_name: String,
    },
    /// A value cannot be written into the file (for example a `--region` with spaces).
    #[error("cannot write profile `{profile}`: {source}")]
    Edit {
        /// The profile being written.
        profile: String,
        /// What sso-config refused.
        #[source]
        source: EditError,
    },
}

fn list(collisions: &[Collision]) -> String {
    collisions
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Plans `sso populate` for sso-session `session` over the config text `config_text`.
///
/// See the module documentation for the rules. Running `plan` again on
/// [`Plan::new_text`] with the same arguments returns that text unchanged.
pub fn plan(
    config_text: &str,
    session: &str,
    entries: &[RoleEntry],
    template: &ProfileTemplate,
    options: &PlanOptions,
) -> Result<Plan, PopulateError> {
    plan_with(
        config_text,
        session,
        entries,
        template,
        options,
        Apply::Batched,
    )
}

/// How [`plan_with`] applies removals and additions; both give the same bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Apply {
    /// All removals in one [`Document::remove_sections`] call, additions rendered in one string
    /// ([`batch`]).
    Batched,
    /// Every edit through sso-config's edit API one at a time (one `remove_sections` call per
    /// pruned profile), which parses the whole text again each time (quadratic; the reference
    /// the batched path is tested against).
    #[cfg_attr(not(test), allow(dead_code))]
    PerEdit,
}

fn plan_with(
    config_text: &str,
    session: &str,
    entries: &[RoleEntry],
    template: &ProfileTemplate,
    options: &PlanOptions,
    apply: Apply,
) -> Result<Plan, PopulateError> {
    if session.is_empty() || session.trim() != session {
        return Err(PopulateError::InvalidSession {
            session: session.to_owned(),
        });
    }
    let wanted = render_all(entries, template, session)?;

    let mut document = Document::parse(config_text);
    let profiles = ProfileSet::from_documents(Some(("config", &document)), None);
    let owned = |properties: &Properties| {
        properties.get_str(MARKER_KEY) == Some(MARKER_VALUE)
            && properties.get_str("sso_session") == Some(session)
    };

    let mut plan = Plan {
        new_text: String::new(),
        added: Vec::new(),
        updated: Vec::new(),
        removed: Vec::new(),
        unchanged: Vec::new(),
        stale: Vec::new(),
        conflicts: Vec::new(),
    };

    // Classify every wanted profile against the file as it was read.
    let mut to_add = Vec::new();
    let mut to_update = Vec::new();
    for (name, entry) in &wanted {
        let desired = desired_keys(entry, session, options);
        match profiles.profile(name) {
            None => to_add.push((name, desired)),
            Some(existing) if owned(existing) => {
                let changes: Vec<_> = desired
                    .into_iter()
                    .filter(|(key, value)| existing.get_str(key) != Some(value.as_str()))
                    .collect();
                if changes.is_empty() {
                    plan.unchanged.push(name.clone());
                } else {
                    to_update.push((name, changes));
                }
            }
            Some(existing) => {
                let reason = match existing.get_str(MARKER_KEY) {
                    Some(MARKER_VALUE) => ConflictReason::OtherSession {
                        session: existing.get_str("sso_session").unwrap_or("").to_owned(),
                    },
                    _ => ConflictReason::NotOwned,
                };
                plan.conflicts.push(Conflict {
                    profile: name.clone(),
                    account_id: entry.account_id.clone(),
                    role_name: entry.role_name.clone(),
                    reason,
                });
            }
        }
    }
    let mut to_remove = Vec::new();
    for (name, existing) in profiles.profiles() {
        if !owned(existing) || wanted.contains_key(name) {
            continue;
        }
        let failed = existing
            .get_str("sso_account_id")
            .is_some_and(|account| options.failed_accounts.contains(account));
        if options.prune && !failed {
            to_remove.push(name.clone());
        } else {
            plan.stale.push(name.clone());
        }
    }

    // Apply: updates in place, then removals, then additions at the end of the file.
    for (name, changes) in to_update {
        let kind = section_for(&document, name);
        write_keys(&mut document, kind, name, &changes)?;
        plan.updated.push(name.clone());
    }
    match apply {
        Apply::Batched => {
            // Every name in `to_remove` is a profile of the file, so each kind has a section.
            let kinds: Vec<SectionKind> = to_remove
                .iter()
                .map(|name| section_for(&document, name))
                .collect();
            if !kinds.is_empty() {
                document.remove_sections(&kinds);
            }
            plan.removed = to_remove;
        }
        Apply::PerEdit => {
            for name in to_remove {
                let kind = section_for(&document, &name);
                if document.remove_sections(&[kind]) > 0 {
                    plan.removed.push(name);
                }
            }
        }
    }
    let to_add: Vec<NewSection<'_>> = to_add
        .into_iter()
        .map(|(name, desired)| {
            let kind = SectionKind::profile_in(FileKind::Config, name);
            (name, kind, desired)
        })
        .collect();
    let mut rest = to_add.as_slice();
    if apply == Apply::Batched
        && let [first, second, tail @ ..] = rest
        && !tail.is_empty()
        && all_new(&document, &to_add)
    {
        // The first two new sections go through the edit API; the text appended for the second
        // shows the shape of every one after it.
        add_section(&mut document, first, &mut plan)?;
        let before = document.as_str().len();
        add_section(&mut document, second, &mut plan)?;
        rest = tail;
        let (_, kind, desired) = second;
        let shape = document
            .as_str()
            .get(before..)
            .and_then(|appended| batch::Shape::learn(appended, kind, desired));
        if let Some(shape) = shape {
            let mut accepted = HashSet::new();
            let mut text = document.to_string();
            for (name, kind, desired) in rest {
                batch::check(name, kind, desired, &mut accepted)?;
                shape.write(&mut text, kind, desired);
                plan.added.push((*name).clone());
            }
            plan.new_text = text;
            return Ok(plan);
        }
    }
    for section in rest {
        add_section(&mut document, section, &mut plan)?;
    }

    plan.new_text = document.to_string();
    Ok(plan)
}

/// A profile to add: its name, its section and its keys in order.
type NewSection<'a> = (&'a String, SectionKind, Vec<(&'static str, String)>);

/// Appends profile `name` as section `kind` with `keys` through the edit API.
fn add_section(
    document: &mut Document,
    (name, kind, keys): &NewSection<'_>,
    plan: &mut Plan,
) -> Result<(), PopulateError> {
    write_keys(document, kind.clone(), name, keys)?;
    plan.added.push((*name).clone());
    Ok(())
}

/// Whether none of the sections to add exists yet (not even one the semantic layer ignores).
fn all_new(document: &Document, to_add: &[NewSection<'_>]) -> bool {
    let existing: HashSet<SectionKind> = document.sections().into_iter().map(|s| s.kind).collect();
    !to_add.iter().any(|(_, kind, _)| existing.contains(kind))
}

/// Renders every entry, failing on empty names and on collisions between different roles.
fn render_all<'a>(
    entries: &'a [RoleEntry],
    template: &ProfileTemplate,
    session: &str,
) -> Result<BTreeMap<String, &'a RoleEntry>, PopulateError> {
    let mut wanted: BTreeMap<String, &RoleEntry> = BTreeMap::new();
    let mut collisions: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for entry in entries {
        let name = template.render(entry, session);
        if name.is_empty() {
            return Err(PopulateError::EmptyName {
                account_id: entry.account_id.clone(),
                role_name: entry.role_name.clone(),
            });
        }
        match wanted.get(&name) {
            None => {
                wanted.insert(name, entry);
            }
            Some(first)
                if first.account_id == entry.account_id && first.role_name == entry.role_name => {}
            Some(first) => {
                let roles = collisions
                    .entry(name)
                    .or_insert_with(|| vec![(first.account_id.clone(), first.role_name.clone())]);
                let role = (entry.account_id.clone(), entry.role_name.clone());
                if !roles.contains(&role) {
                    roles.push(role);
                }
            }
        }
    }
    if collisions.is_empty() {
        Ok(wanted)
    } else {
        Err(PopulateError::Collisions {
            collisions: collisions
                .into_iter()
                .map(|(profile, roles)| Collision { profile, roles })
                .collect(),
        })
    }
}

/// The keys populate writes for `entry`, in the order new profiles get them.
fn desired_keys(
    entry: &RoleEntry,
    session: &str,
    options: &PlanOptions,
) -> Vec<(&'static str, String)> {
    let mut keys = vec![
        ("sso_session", session.to_owned()),
        ("sso_account_id", entry.account_id.clone()),
        ("sso_role_name", entry.role_name.clone()),
    ];
    if let Some(region) = &options.region {
        keys.push(("region", region.clone()));
    }
    keys.push((MARKER_KEY, MARKER_VALUE.to_owned()));
    keys
}

/// The section that holds profile `name` for the SDKs: `[profile default]` wins over `[default]`.
fn section_for(document: &Document, name: &str) -> SectionKind {
    let prefixed = SectionKind::Profile(name.to_owned());
    if name == "default"
        && document
            .sections()
            .iter()
            .any(|s| s.kind == prefixed && s.valid_name)
    {
        prefixed
    } else {
        SectionKind::profile_in(FileKind::Config, name)
    }
}

/// Sets `keys` in section `kind` (created at the end of the file if missing).
fn write_keys(
    document: &mut Document,
    kind: SectionKind,
    name: &str,
    keys: &[(&str, String)],
) -> Result<(), PopulateError> {
    let error = |source| PopulateError::Edit {
        profile: name.to_owned(),
        source,
    };
    let mut section = document.get_or_insert_section(kind).map_err(error)?;
    for (key, value) in keys {
        section.set(key, value).map_err(error)?;
    }
    Ok(())
}
