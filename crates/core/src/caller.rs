//! Who is calling: the project, the kind of credential, the user (if any), the roles the
//! request holds and the scopes it may use (PROTOCOL.md §2–4). Built once per request by
//! [`crate::auth::resolve`]; every authorization decision in core reads it.

use oxwrite_types::scope;

use crate::records::{MembershipRecord, ProjectRecord, SessionRecord, UserRecord};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerKind {
    Guest,
    User,
    /// A project API key (standard or ephemeral): scopes enforced, permissions skipped.
    Key,
}

#[derive(Debug, Clone)]
pub struct Caller {
    pub project: ProjectRecord,
    pub kind: CallerKind,
    pub user: Option<UserRecord>,
    /// The session the request is authenticated with (cookie, header or JWT).
    pub session: Option<SessionRecord>,
    pub roles: Vec<String>,
    pub scopes: Vec<String>,
    /// Set when an impersonator acts as `user`.
    pub impersonator_user_id: Option<String>,
}

impl Caller {
    pub fn guest(project: ProjectRecord) -> Self {
        Self {
            project,
            kind: CallerKind::Guest,
            user: None,
            session: None,
            roles: vec!["any".into(), "guests".into()],
            scopes: scope::GUESTS.iter().map(|s| (*s).to_owned()).collect(),
            impersonator_user_id: None,
        }
    }

    pub fn key(project: ProjectRecord, key_scopes: &[String]) -> Self {
        let mut scopes: Vec<String> = scope::KEYS_BASE.iter().map(|s| (*s).to_owned()).collect();
        scopes.extend(key_scopes.iter().cloned());
        Self {
            project,
            kind: CallerKind::Key,
            user: None,
            session: None,
            roles: vec!["any".into(), "keys".into()],
            scopes,
            impersonator_user_id: None,
        }
    }

    pub fn user(
        project: ProjectRecord,
        user: UserRecord,
        session: Option<SessionRecord>,
        memberships: &[MembershipRecord],
    ) -> Self {
        let roles = user_roles(&user, memberships);
        Self {
            project,
            kind: CallerKind::User,
            user: Some(user),
            session,
            roles,
            scopes: scope::USERS.iter().map(|s| (*s).to_owned()).collect(),
            impersonator_user_id: None,
        }
    }

    pub fn is_key(&self) -> bool {
        self.kind == CallerKind::Key
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    /// The label Appwrite puts in `general_unauthorized_scope` messages.
    pub fn role_label(&self) -> &'static str {
        match self.kind {
            CallerKind::Guest => "guests",
            CallerKind::User => "users",
            CallerKind::Key => "applications",
        }
    }

    pub fn user_id(&self) -> Option<&str> {
        self.user.as_ref().map(|u| u.id.as_str())
    }
}

/// The roles a signed-in user holds (PROTOCOL.md §4).
pub fn user_roles(user: &UserRecord, memberships: &[MembershipRecord]) -> Vec<String> {
    let verified = user.email_verification || user.phone_verification;
    let dim = if verified { "verified" } else { "unverified" };
    let mut roles = vec![
        "any".to_owned(),
        "users".to_owned(),
        format!("users/{dim}"),
        format!("user:{}", user.id),
        format!("user:{}/{dim}", user.id),
    ];
    for m in memberships.iter().filter(|m| m.confirm) {
        roles.push(format!("team:{}", m.team_id));
        roles.push(format!("member:{}", m.id));
        for r in &m.roles {
            roles.push(format!("team:{}/{}", m.team_id, r));
        }
    }
    for label in &user.labels {
        roles.push(format!("label:{label}"));
    }
    roles
}
