//! The teams service: teams, their prefs and memberships. Users see and change only teams
//! they belong to (read: `team:<id>`, change: `team:<id>/owner`); keys see everything.

use oxwrite_types::{ErrorType, models, query};
use serde_json::{Map, Value};

use crate::app::{App, now_ms};
use crate::caller::Caller;
use crate::ports::StoreError;
use crate::records::{MembershipRecord, MembershipView, TeamRecord};
use crate::services::lists::{self, ListInput};
use crate::services::users::{self, NewUser, list_error};
use crate::{Error, Result, secrets, validate, views};

fn can_read(caller: &Caller, team: &str) -> bool {
    caller.is_key() || caller.has_role(&format!("team:{team}"))
}

fn is_owner(caller: &Caller, team: &str) -> bool {
    caller.is_key() || caller.has_role(&format!("team:{team}/owner"))
}

/// Loads a team the caller may read; others' teams do not exist for them.
async fn load(app: &App, caller: &Caller, id: &str) -> Result<TeamRecord> {
    let team = if id.len() > oxwrite_types::id::MAX_ID_LEN {
        None
    } else {
        app.store.get_team(&caller.project.id, id).await.map_err(Error::internal)?
    };
    match team {
        Some(t) if can_read(caller, &t.id) => Ok(t),
        _ => Err(ErrorType::TeamNotFound.into()),
    }
}

async fn load_owned(app: &App, caller: &Caller, id: &str) -> Result<TeamRecord> {
    let team = load(app, caller, id).await?;
    if !is_owner(caller, &team.id) {
        return Err(ErrorType::UserUnauthorized.into());
    }
    Ok(team)
}

pub async fn list(app: &App, caller: &Caller, input: ListInput) -> Result<models::List<models::Team>> {
    let params = lists::params(input, query::TEAMS_QUERY_ATTRIBUTES)?;
    let only = (!caller.is_key()).then(|| {
        caller.roles.iter().filter_map(|r| r.strip_prefix("team:")).filter(|r| !r.contains('/')).map(str::to_owned).collect()
    });
    let page = app.store.list_teams(&caller.project.id, only, params).await.map_err(list_error)?;
    let items = page.items.iter().map(views::team).collect();
    Ok(models::List { field: "teams", total: page.total, items })
}

pub async fn create(app: &App, caller: &Caller, id: String, name: String, roles: Option<Vec<String>>) -> Result<models::Team> {
    let id = secrets::resolve_id("teamId", &id)?;
    validate::name("name", &name)?;
    let mut roles = roles.unwrap_or_default();
    validate::team_roles("roles", &roles)?;
    let now = now_ms();
    // A user who creates a team becomes its first, confirmed member with the owner role.
    let owner = match &caller.user {
        Some(u) if !caller.is_key() => {
            if !roles.iter().any(|r| r == "owner") {
                roles.insert(0, "owner".to_owned());
            }
            Some(MembershipRecord {
                project_id: caller.project.id.clone(),
                id: secrets::unique_id(),
                team_id: id.clone(),
                user_id: u.id.clone(),
                roles,
                invited: now,
                joined: now,
                confirm: true,
                secret_hash: String::new(),
                created_at: now,
                updated_at: now,
            })
        }
        _ => None,
    };
    let team = TeamRecord {
        project_id: caller.project.id.clone(),
        id,
        name,
        total: u64::from(owner.is_some()),
        prefs: Map::new(),
        created_at: now,
        updated_at: now,
    };
    app.store.create_team(team.clone(), owner).await.map_err(|e| match e {
        StoreError::Conflict(_) => Error::new(ErrorType::TeamAlreadyExists),
        other => Error::internal(other),
    })?;
    Ok(views::team(&team))
}

pub async fn get(app: &App, caller: &Caller, id: &str) -> Result<models::Team> {
    Ok(views::team(&load(app, caller, id).await?))
}

pub async fn update_name(app: &App, caller: &Caller, id: &str, name: String) -> Result<models::Team> {
    validate::name("name", &name)?;
    let mut t = load_owned(app, caller, id).await?;
    t.name = name;
    t.updated_at = now_ms();
    app.store.update_team(t.clone()).await.map_err(Error::internal)?;
    Ok(views::team(&t))
}

pub async fn delete(app: &App, caller: &Caller, id: &str) -> Result<()> {
    let t = load_owned(app, caller, id).await?;
    app.store.delete_team(&t.project_id, &t.id).await.map_err(Error::internal)?;
    Ok(())
}

pub async fn get_prefs(app: &App, caller: &Caller, id: &str) -> Result<Map<String, Value>> {
    Ok(load(app, caller, id).await?.prefs)
}

pub async fn update_prefs(app: &App, caller: &Caller, id: &str, prefs: Map<String, Value>) -> Result<Map<String, Value>> {
    validate::prefs("prefs", &prefs)?;
    // Appwrite lets any member update team prefs (team read permission suffices).
    let mut t = load(app, caller, id).await?;
    t.prefs = prefs.clone();
    t.updated_at = now_ms();
    app.store.update_team(t).await.map_err(Error::internal)?;
    Ok(prefs)
}

pub async fn list_memberships(
    app: &App,
    caller: &Caller,
    team: &str,
    input: ListInput,
) -> Result<models::List<models::Membership>> {
    let t = load(app, caller, team).await?;
    let params = lists::params(input, query::MEMBERSHIPS_QUERY_ATTRIBUTES)?;
    let page = app.store.list_memberships(&t.project_id, Some(&t.id), None, params).await.map_err(list_error)?;
    let items = page.items.iter().map(views::membership).collect();
    Ok(models::List { field: "memberships", total: page.total, items })
}

pub struct CreateMembership {
    pub email: Option<String>,
    pub user_id: Option<String>,
    pub phone: Option<String>,
    pub roles: Vec<String>,
    pub url: Option<String>,
    pub name: Option<String>,
}

pub async fn create_membership(
    app: &App,
    caller: &Caller,
    team: &str,
    input: CreateMembership,
) -> Result<models::Membership> {
    validate::team_roles("roles", &input.roles)?;
    if input.email.is_none() && input.user_id.is_none() && input.phone.is_none() {
        return Err(Error::msg(ErrorType::GeneralArgumentInvalid, "At least one of userId, email, or phone is required"));
    }
    let t = load_owned(app, caller, team).await?;
    // A user's invitation is confirmed through a link sent by email; without SMTP there is no
    // way to deliver it, so refuse before changing anything (as Appwrite does).
    if !caller.is_key() && !app.config.smtp_enabled {
        return Err(ErrorType::GeneralSmtpDisabled.into());
    }
    let project = &caller.project.id;
    let user = if let Some(uid) = &input.user_id {
        app.store.get_user(project, uid).await.map_err(Error::internal)?.ok_or_else(|| Error::new(ErrorType::UserNotFound))?
    } else if let Some(email) = &input.email {
        let email = validate::email("email", email)?;
        match app.store.find_user_by_email(project, &email).await.map_err(Error::internal)? {
            Some(u) => u,
            None => {
                let new = NewUser { id: oxwrite_types::id::UNIQUE.to_owned(), email: Some(email), phone: None, name: input.name.clone(), password: None };
                users::insert(app, project, new).await?
            }
        }
    } else {
        let phone = input.phone.clone().unwrap_or_default();
        validate::phone("phone", &phone)?;
        match app.store.find_user_by_phone(project, &phone).await.map_err(Error::internal)? {
            Some(u) => u,
            None => {
                let new = NewUser { id: oxwrite_types::id::UNIQUE.to_owned(), email: None, phone: Some(phone), name: input.name.clone(), password: None };
                users::insert(app, project, new).await?
            }
        }
    };
    let now = now_ms();
    let confirm = caller.is_key();
    let m = MembershipRecord {
        project_id: project.clone(),
        id: secrets::unique_id(),
        team_id: t.id.clone(),
        user_id: user.id.clone(),
        roles: input.roles,
        invited: now,
        joined: if confirm { now } else { 0 },
        confirm,
        secret_hash: secrets::sha256_hex(&secrets::random_hex(64)),
        created_at: now,
        updated_at: now,
    };
    app.store.create_membership(m.clone()).await.map_err(|e| match e {
        StoreError::Conflict(_) => Error::new(ErrorType::MembershipAlreadyConfirmed),
        other => Error::internal(other),
    })?;
    let view = MembershipView {
        membership: m,
        user_name: user.name,
        user_email: user.email.unwrap_or_default(),
        user_phone: user.phone.unwrap_or_default(),
        user_mfa: user.mfa,
        team_name: t.name,
    };
    Ok(views::membership(&view))
}

async fn load_membership(app: &App, caller: &Caller, team: &str, id: &str) -> Result<MembershipView> {
    let t = load(app, caller, team).await?;
    app.store
        .get_membership(&t.project_id, &t.id, id)
        .await
        .map_err(Error::internal)?
        .ok_or_else(|| Error::new(ErrorType::MembershipNotFound))
}

pub async fn get_membership(app: &App, caller: &Caller, team: &str, id: &str) -> Result<models::Membership> {
    Ok(views::membership(&load_membership(app, caller, team, id).await?))
}

pub async fn update_membership(app: &App, caller: &Caller, team: &str, id: &str, roles: Vec<String>) -> Result<models::Membership> {
    validate::team_roles("roles", &roles)?;
    let mut v = load_membership(app, caller, team, id).await?;
    if !is_owner(caller, team) {
        return Err(ErrorType::UserUnauthorized.into());
    }
    v.membership.roles = roles;
    v.membership.updated_at = now_ms();
    app.store.update_membership(v.membership.clone()).await.map_err(Error::internal)?;
    Ok(views::membership(&v))
}

/// Accepts an invitation with the secret from its email. The invited user need not be signed
/// in, so the team is looked up without the read check.
pub async fn update_membership_status(
    app: &App,
    caller: &Caller,
    team: &str,
    id: &str,
    user_id: &str,
    secret: &str,
) -> Result<models::Membership> {
    let project = &caller.project.id;
    let v = app.store.get_membership(project, team, id).await.map_err(Error::internal)?;
    let mut v = v.ok_or_else(|| Error::new(ErrorType::MembershipNotFound))?;
    if v.membership.user_id != user_id {
        return Err(ErrorType::TeamInviteMismatch.into());
    }
    if v.membership.confirm {
        return Err(ErrorType::MembershipAlreadyConfirmed.into());
    }
    if !secrets::ct_eq(&v.membership.secret_hash, &secrets::sha256_hex(secret)) {
        return Err(ErrorType::TeamInvalidSecret.into());
    }
    let now = now_ms();
    v.membership.confirm = true;
    v.membership.joined = now;
    v.membership.updated_at = now;
    app.store.update_membership(v.membership.clone()).await.map_err(Error::internal)?;
    Ok(views::membership(&v))
}

/// Owners and keys may remove anyone; a member may leave.
pub async fn delete_membership(app: &App, caller: &Caller, team: &str, id: &str) -> Result<()> {
    let v = load_membership(app, caller, team, id).await?;
    let own = caller.user_id() == Some(v.membership.user_id.as_str());
    if !own && !is_owner(caller, team) {
        return Err(ErrorType::UserUnauthorized.into());
    }
    app.store.delete_membership(&v.membership.project_id, team, id).await.map_err(Error::internal)?;
    Ok(())
}
