//! Rendering of `sso list accounts` and `sso list roles` as JSON, an aligned table, or
//! tab-separated text, from small view types the wiring layer fills from the portal API.
//!
//! Every format sorts the same way so that output is stable between runs: accounts as the
//! `configure` menu does (protocol.md §5.1), roles by account id, then name.

use std::cmp::Ordering;

use crate::args::ListFormat;

/// An account as `ListAccounts` returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AccountView {
    /// `accountId`.
    pub account_id: String,
    /// `accountName`, which the API sometimes omits.
    pub account_name: Option<String>,
    /// `emailAddress`, which the API sometimes omits.
    pub email_address: Option<String>,
}

/// A role as `ListAccountRoles` returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RoleView {
    /// `accountId`.
    pub account_id: String,
    /// `roleName`.
    pub role_name: String,
}

impl AccountView {
    /// The menu label the AWS CLI shows: `"{name}, {email} ({id})"`, degrading when fields are
    /// missing (`display_account` in `awscli/customizations/configure/sso.py`).
    pub(crate) fn label(&self) -> String {
        match (&self.account_name, &self.email_address) {
            (Some(name), Some(email)) => format!("{name}, {email} ({})", self.account_id),
            (Some(name), None) => format!("{name} ({})", self.account_id),
            (None, Some(email)) => format!("{email} ({})", self.account_id),
            (None, None) => self.account_id.clone(),
        }
    }
}

/// The order of §5.1: case-insensitively by the first present of name, email and id; accounts
/// that have only an id come last.
pub(crate) fn compare_accounts(a: &AccountView, b: &AccountView) -> Ordering {
    fn key(account: &AccountView) -> (bool, String, &str) {
        let first = account
            .account_name
            .as_deref()
            .or(account.email_address.as_deref());
        (
            first.is_none(),
            first.unwrap_or(&account.account_id).to_lowercase(),
            &account.account_id,
        )
    }
    key(a).cmp(&key(b))
}

/// Sorts accounts as [`compare_accounts`] does.
pub(crate) fn sort_accounts(accounts: &mut [AccountView]) {
    accounts.sort_by(compare_accounts);
}

/// Renders accounts. `color` only affects the table header.
pub(crate) fn render_accounts(accounts: &[AccountView], format: ListFormat, color: bool) -> String {
    let mut accounts = accounts.to_vec();
    sort_accounts(&mut accounts);
    match format {
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = accounts
                .iter()
                .map(|account| {
                    let mut object = serde_json::Map::new();
                    object.insert("accountId".into(), account.account_id.clone().into());
                    if let Some(name) = &account.account_name {
                        object.insert("accountName".into(), name.clone().into());
                    }
                    if let Some(email) = &account.email_address {
                        object.insert("emailAddress".into(), email.clone().into());
                    }
                    serde_json::Value::Object(object)
                })
                .collect();
            json_document("accountList", list)
        }
        ListFormat::Table => table(
            &["ACCOUNT ID", "NAME", "EMAIL"],
            accounts
                .iter()
                .map(|account| {
                    vec![
                        account.account_id.clone(),
                        account.account_name.clone().unwrap_or_default(),
                        account.email_address.clone().unwrap_or_default(),
                    ]
                })
                .collect(),
            color,
        ),
        ListFormat::Text => accounts
            .iter()
            .map(|account| {
                format!(
                    "{}\t{}\t{}\n",
                    account.account_id,
                    text_cell(account.account_name.as_deref().unwrap_or("")),
                    text_cell(account.email_address.as_deref().unwrap_or(""))
                )
            })
            .collect(),
    }
}

/// Renders roles. `color` only affects the table header.
pub(crate) fn render_roles(roles: &[RoleView], format: ListFormat, color: bool) -> String {
    let mut roles = roles.to_vec();
    roles.sort_by(|a, b| {
        (&a.account_id, a.role_name.to_lowercase(), &a.role_name).cmp(&(
            &b.account_id,
            b.role_name.to_lowercase(),
            &b.role_name,
        ))
    });
    match format {
        ListFormat::Json => {
            let list = roles
                .iter()
                .map(|role| {
                    serde_json::json!({ "accountId": role.account_id, "roleName": role.role_name })
                })
                .collect();
            json_document("roleList", list)
        }
        ListFormat::Table => table(
            &["ACCOUNT ID", "ROLE"],
            roles
                .iter()
                .map(|role| vec![role.account_id.clone(), role.role_name.clone()])
                .collect(),
            color,
        ),
        ListFormat::Text => roles
            .iter()
            .map(|role| format!("{}\t{}\n", role.account_id, text_cell(&role.role_name)))
            .collect(),
    }
}

/// `{"<key>": [...]}`, two-space indented, with a final newline; the shape of `aws sso list-*`.
fn json_document(key: &str, list: Vec<serde_json::Value>) -> String {
    let mut document = serde_json::Map::new();
    document.insert(key.to_owned(), serde_json::Value::Array(list));
    // Serializing a Value built from strings cannot fail.
    let mut out = serde_json::to_string_pretty(&serde_json::Value::Object(document))
        .unwrap_or_else(|_| String::from("{}"));
    out.push('\n');
    out
}

/// A value as a text or table cell: tabs and newlines inside it would break the
/// one-item-per-line format, and other control characters are removed
/// ([`crate::term::printable`]): names come from the portal.
fn text_cell(value: &str) -> String {
    crate::term::printable(value).replace(['\t', '\n'], " ")
}

fn table(header: &[&str], rows: Vec<Vec<String>>, color: bool) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let last = cells.len().saturating_sub(1);
        let mut out = String::new();
        for (i, (cell, width)) in cells.iter().zip(&widths).enumerate() {
            let cell = text_cell(cell);
            if i == last {
                out.push_str(&cell);
            } else {
                let pad = width - cell.chars().count();
                out.push_str(&cell);
                out.push_str(&" ".repeat(pad + 2));
            }
        }
        out.trim_end().to_owned() + "\n"
    };
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    let mut out = if color {
        let plain = line(&header);
        format!("\u{1b}[1m{}\u{1b}[0m\n", plain.trim_end())
    } else {
        line(&header)
    };
    for row in &rows {
        out.push_str(&line(row));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str, name: Option<&str>, email: Option<&str>) -> AccountView {
        AccountView {
            account_id: id.to_owned(),
            account_name: name.map(str::to_owned),
            email_address: email.map(str::to_owned),
        }
    }

    fn accounts() -> Vec<AccountView> {
        vec![
            account("333333333333", None, None),
            account("111111111111", Some("prod"), Some("aws+prod@example.com")),
            account("222222222222", Some("Dev"), Some("aws+dev@example.com")),
            account("444444444444", None, Some("billing@example.com")),
            account("555555555555", Some("sandbox"), None),
        ]
    }

    fn roles() -> Vec<RoleView> {
        let role = |id: &str, name: &str| RoleView {
            account_id: id.to_owned(),
            role_name: name.to_owned(),
        };
        vec![
            role("222222222222", "ReadOnly"),
            role("111111111111", "AdministratorAccess"),
            role("111111111111", "billing"),
        ]
    }

    #[test]
    fn accounts_as_json() {
        insta::assert_snapshot!(render_accounts(&accounts(), ListFormat::Json, false), @r#"
        {
          "accountList": [
            {
              "accountId": "444444444444",
              "emailAddress": "billing@example.com"
            },
            {
              "accountId": "222222222222",
              "accountName": "Dev",
              "emailAddress": "aws+dev@example.com"
            },
            {
              "accountId": "111111111111",
              "accountName": "prod",
              "emailAddress": "aws+prod@example.com"
            },
            {
              "accountId": "555555555555",
              "accountName": "sandbox"
            },
            {
              "accountId": "333333333333"
            }
          ]
        }
        "#);
    }

    #[test]
    fn accounts_as_table() {
        insta::assert_snapshot!(render_accounts(&accounts(), ListFormat::Table, false), @r"
        ACCOUNT ID    NAME     EMAIL
        444444444444           billing@example.com
        222222222222  Dev      aws+dev@example.com
        111111111111  prod     aws+prod@example.com
        555555555555  sandbox
        333333333333
        ");
    }

    #[test]
    fn accounts_as_text() {
        insta::assert_snapshot!(render_accounts(&accounts(), ListFormat::Text, false), @r"
        444444444444		billing@example.com
        222222222222	Dev	aws+dev@example.com
        111111111111	prod	aws+prod@example.com
        555555555555	sandbox	
        333333333333		
        ");
    }

    #[test]
    fn roles_in_every_format() {
        insta::assert_snapshot!(render_roles(&roles(), ListFormat::Table, false), @r"
        ACCOUNT ID    ROLE
        111111111111  AdministratorAccess
        111111111111  billing
        222222222222  ReadOnly
        ");
        insta::assert_snapshot!(render_roles(&roles(), ListFormat::Text, false), @r"
        111111111111	AdministratorAccess
        111111111111	billing
        222222222222	ReadOnly
        ");
        insta::assert_snapshot!(render_roles(&roles(), ListFormat::Json, false), @r#"
        {
          "roleList": [
            {
              "accountId": "111111111111",
              "roleName": "AdministratorAccess"
            },
            {
              "accountId": "111111111111",
              "roleName": "billing"
            },
            {
              "accountId": "222222222222",
              "roleName": "ReadOnly"
            }
          ]
        }
        "#);
    }

    #[test]
    fn colour_only_in_the_table_header_and_only_when_enabled() {
        let plain = render_roles(&roles(), ListFormat::Table, false);
        let coloured = render_roles(&roles(), ListFormat::Table, true);
        assert!(!plain.contains('\u{1b}'));
        assert!(coloured.starts_with("\u{1b}[1mACCOUNT ID    ROLE\u{1b}[0m\n"));
        assert!(!render_roles(&roles(), ListFormat::Json, true).contains('\u{1b}'));
    }

    #[test]
    fn names_from_the_portal_are_printed_without_control_characters() {
        let hostile = vec![account(
            "111111111111",
            Some("prod\u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7}\tname"),
            Some("a@example.com\r\n"),
        )];
        for format in [ListFormat::Text, ListFormat::Table, ListFormat::Json] {
            let out = render_accounts(&hostile, format, false);
            assert!(
                !out.contains('\u{1b}') && !out.contains('\u{7}') && !out.contains('\r'),
                "{out:?}"
            );
        }
        assert_eq!(
            render_accounts(&hostile, ListFormat::Text, false),
            "111111111111\tprod name\ta@example.com \n"
        );
    }

    #[test]
    fn account_labels_degrade_like_the_aws_cli() {
        let labels: Vec<String> = accounts().iter().map(AccountView::label).collect();
        assert_eq!(
            labels,
            [
                "333333333333",
                "prod, aws+prod@example.com (111111111111)",
                "Dev, aws+dev@example.com (222222222222)",
                "billing@example.com (444444444444)",
                "sandbox (555555555555)",
            ]
        );
    }
}
