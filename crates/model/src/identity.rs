//! Roles and the actor on whose behalf a request runs.

use serde::{Deserialize, Serialize};

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including users and roles.
    Admin,
    /// The county big-data center: the whole registry and all data, but not users.
    Operator,
    /// Department staff: their own department's entities and data only.
    Department,
    /// Read-only, all departments (leaders at the command-center screen, evaluators).
    Viewer,
}

impl Role {
    /// Storage and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Department => "department",
            Role::Viewer => "viewer",
        }
    }

    /// Parses the storage name.
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "admin" => Role::Admin,
            "operator" => Role::Operator,
            "department" => Role::Department,
            "viewer" => Role::Viewer,
            _ => return None,
        })
    }
}

/// Who is acting: a signed-in user (with role and, for department staff, department).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// User name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Department, required for the `department` role.
    pub department: Option<String>,
}

impl Actor {
    /// The built-in system actor (CLI, demo seeding, migrations).
    pub fn system() -> Actor {
        Actor {
            username: "system".into(),
            role: Role::Admin,
            department: None,
        }
    }

    /// May this actor see entities and data owned by `department`?
    pub fn can_read_department(&self, department: &str) -> bool {
        match self.role {
            Role::Admin | Role::Operator | Role::Viewer => true,
            Role::Department => self.department.as_deref() == Some(department),
        }
    }

    /// May this actor create, change or delete entities owned by `department`?
    pub fn can_write_department(&self, department: &str) -> bool {
        match self.role {
            Role::Admin | Role::Operator => true,
            Role::Department => self.department.as_deref() == Some(department),
            Role::Viewer => false,
        }
    }

    /// May this actor change the shared registry (regions, grids, departments, kinds)?
    pub fn can_admin_registry(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Operator)
    }

    /// May this actor manage users?
    pub fn can_admin_users(&self) -> bool {
        self.role == Role::Admin
    }

    /// The department every query of this actor is confined to, if any.
    pub fn scope(&self) -> Option<&str> {
        match self.role {
            Role::Department => self.department.as_deref(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn department_users_are_confined() {
        let a = Actor {
            username: "env1".into(),
            role: Role::Department,
            department: Some("eco-env".into()),
        };
        assert!(a.can_read_department("eco-env"));
        assert!(!a.can_read_department("police"));
        assert!(!a.can_write_department("police"));
        assert!(!a.can_admin_registry());
        assert_eq!(a.scope(), Some("eco-env"));
        let v = Actor {
            role: Role::Viewer,
            ..a
        };
        assert!(v.can_read_department("police") && !v.can_write_department("police"));
    }
}
