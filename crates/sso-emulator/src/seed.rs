//! The deterministic directory of accounts and roles the portal serves: N accounts x K roles,
//! the same for the same sizes, with realistic but fake ids, names and emails.

use std::collections::HashMap;

/// Names given to the first accounts; later ones reuse them with a number.
const ACCOUNT_NAMES: [&str; 10] = [
    "Production",
    "Staging",
    "Development",
    "Sandbox",
    "Security",
    "Log Archive",
    "Shared Services",
    "Data Platform",
    "Network",
    "Audit",
];

/// Names given to the first roles of every account; later ones are `Role{n}`.
const ROLE_NAMES: [&str; 10] = [
    "AdministratorAccess",
    "ReadOnlyAccess",
    "PowerUserAccess",
    "ViewOnlyAccess",
    "DeveloperAccess",
    "BillingAccess",
    "SecurityAudit",
    "DatabaseAdministrator",
    "NetworkAdministrator",
    "SupportUser",
];

/// One seeded account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Account {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) email: String,
}

/// All accounts, in listing order, and the role names every account has.
#[derive(Debug)]
pub(crate) struct Directory {
    pub(crate) accounts: Vec<Account>,
    pub(crate) roles: Vec<String>,
    by_id: HashMap<String, usize>,
}

impl Directory {
    /// Builds the directory for `accounts` accounts with `roles_per_account` roles each.
    pub(crate) fn new(accounts: u32, roles_per_account: u32) -> Self {
        let accounts: Vec<Account> = (0..accounts).map(account).collect();
        let by_id = accounts
            .iter()
            .enumerate()
            .map(|(idx, a)| (a.id.clone(), idx))
            .collect();
        let roles = (0..roles_per_account).map(role_name).collect();
        Self {
            accounts,
            roles,
            by_id,
        }
    }

    /// Whether the directory was built for these sizes.
    pub(crate) fn has_size(&self, accounts: u32, roles_per_account: u32) -> bool {
        self.accounts.len() == accounts as usize && self.roles.len() == roles_per_account as usize
    }

    /// Whether `account_id` is seeded.
    pub(crate) fn has_account(&self, account_id: &str) -> bool {
        self.by_id.contains_key(account_id)
    }

    /// Whether `account_id` is seeded and has a role named `role_name`.
    pub(crate) fn has_role(&self, account_id: &str, role_name: &str) -> bool {
        self.has_account(account_id) && self.roles.iter().any(|r| r == role_name)
    }
}

/// The account with index `idx`: a 12-digit id spread over the id space, a name and an email.
fn account(idx: u32) -> Account {
    let n = u64::from(idx);
    // 7919 is prime, so ids are distinct for every index below 10^11 / 7919.
    let id = format!("{:012}", 111_111_111_111 + n * 7919);
    let base = ACCOUNT_NAMES[(idx as usize) % ACCOUNT_NAMES.len()];
    let name = if (idx as usize) < ACCOUNT_NAMES.len() {
        base.to_owned()
    } else {
        format!("{base} {}", idx as usize / ACCOUNT_NAMES.len() + 1)
    };
    let email = format!("aws+{}@example.com", name.to_lowercase().replace(' ', "-"));
    Account { id, name, email }
}

fn role_name(idx: u32) -> String {
    ROLE_NAMES
        .get(idx as usize)
        .map_or_else(|| format!("Role{}", idx + 1), |s| (*s).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_is_deterministic_and_ids_are_unique() {
        let a = Directory::new(300, 12);
        let b = Directory::new(300, 12);
        assert_eq!(a.accounts, b.accounts);
        assert_eq!(a.by_id.len(), 300);
        assert_eq!(a.accounts[0].id, "111111111111");
        assert_eq!(a.accounts[0].name, "Production");
        assert_eq!(a.accounts[0].email, "aws+production@example.com");
        assert_eq!(a.accounts[12].name, "Development 2");
        assert_eq!(a.roles[0], "AdministratorAccess");
        assert_eq!(a.roles[11], "Role12");
        assert!(a.accounts.iter().all(|acc| acc.id.len() == 12));
        assert!(a.has_role("111111111111", "ReadOnlyAccess"));
        assert!(!a.has_role("111111111111", "Nope"));
    }
}
