//! Record → wire model conversions shared by several services. Which fields a caller may see
//! (hashes, secrets) is decided by the caller of these functions, never here.

use oxwrite_types::models;
use oxwrite_types::time::{format_millis_opt as dt};

use crate::password;
use crate::records::{MembershipView, SessionRecord, TeamRecord, UserRecord};

/// The user model. `server` adds the password hash fields, as `/users` does and `/account`
/// does not.
pub fn user(u: &UserRecord, server: bool) -> models::User {
    let (pw, hash, hash_options) = match (&u.password, server) {
        (Some(p), true) => (
            Some(password::stored_string(p)),
            Some(password::algorithm_name(p).to_owned()),
            Some(password::hash_options(p)),
        ),
        (None, true) => (Some(String::new()), Some("argon2".to_owned()), Some(default_hash_options())),
        (_, false) => (None, None, None),
    };
    models::User {
        id: u.id.clone(),
        created_at: dt(u.created_at),
        updated_at: dt(u.updated_at),
        name: u.name.clone(),
        password: pw,
        hash,
        hash_options,
        registration: dt(u.registration),
        status: u.status,
        labels: u.labels.clone(),
        password_update: dt(u.password_update),
        email: u.email.clone().unwrap_or_default(),
        phone: u.phone.clone().unwrap_or_default(),
        email_verification: u.email_verification,
        phone_verification: u.phone_verification,
        mfa: u.mfa,
        prefs: u.prefs.clone(),
        targets: targets(u),
        accessed_at: dt(u.accessed_at),
        impersonator: Some(u.impersonator),
        impersonator_user_id: None,
    }
}

fn default_hash_options() -> serde_json::Value {
    serde_json::json!({"type": "argon2", "memoryCost": 7168, "timeCost": 5, "threads": 1})
}

/// Appwrite creates an email target (and a phone target) for every user with an address.
fn targets(u: &UserRecord) -> Vec<models::Target> {
    let mut out = Vec::new();
    let mut push = |kind: &str, identifier: &Option<String>| {
        if let Some(identifier) = identifier {
            out.push(models::Target {
                id: format!("{}-{kind}", u.id),
                created_at: dt(u.created_at),
                updated_at: dt(u.updated_at),
                name: String::new(),
                user_id: u.id.clone(),
                provider_id: None,
                provider_type: kind.to_owned(),
                identifier: identifier.clone(),
                expired: false,
            });
        }
    };
    push("email", &u.email);
    push("sms", &u.phone);
    out
}

/// The session model. `secret` is the session blob for key callers and `""` otherwise.
pub fn session(s: &SessionRecord, current: bool, secret: String) -> models::Session {
    let c = ClientInfo::parse(&s.user_agent);
    models::Session {
        id: s.id.clone(),
        created_at: dt(s.created_at),
        updated_at: dt(s.updated_at),
        user_id: s.user_id.clone(),
        expire: dt(s.expire),
        provider: s.provider.clone(),
        provider_uid: s.provider_uid.clone(),
        ip: s.ip.clone(),
        os_name: c.os_name,
        os_version: c.os_version,
        client_type: c.client_type,
        client_name: c.client_name,
        client_version: c.client_version,
        country_code: "--".to_owned(),
        country_name: "Unknown".to_owned(),
        current,
        factors: s.factors.clone(),
        secret,
        ..Default::default()
    }
}

pub fn team(t: &TeamRecord) -> models::Team {
    models::Team {
        id: t.id.clone(),
        created_at: dt(t.created_at),
        updated_at: dt(t.updated_at),
        name: t.name.clone(),
        total: t.total,
        prefs: t.prefs.clone(),
    }
}

pub fn membership(v: &MembershipView) -> models::Membership {
    let m = &v.membership;
    models::Membership {
        id: m.id.clone(),
        created_at: dt(m.created_at),
        updated_at: dt(m.updated_at),
        user_id: m.user_id.clone(),
        user_name: v.user_name.clone(),
        user_email: v.user_email.clone(),
        user_phone: v.user_phone.clone(),
        team_id: m.team_id.clone(),
        team_name: v.team_name.clone(),
        invited: dt(m.invited),
        joined: dt(m.joined),
        confirm: m.confirm,
        mfa: v.user_mfa,
        roles: m.roles.clone(),
    }
}

pub fn log(l: &crate::records::LogRecord, user: &UserRecord) -> models::Log {
    let c = ClientInfo::parse(&l.user_agent);
    models::Log {
        event: l.event.clone(),
        user_id: l.user_id.clone(),
        user_email: user.email.clone().unwrap_or_default(),
        user_name: user.name.clone(),
        mode: l.mode.clone(),
        user_type: l.user_type.clone(),
        ip: l.ip.clone(),
        time: dt(l.time),
        country_code: "--".to_owned(),
        country_name: "Unknown".to_owned(),
        os_name: c.os_name,
        os_version: c.os_version,
        client_type: c.client_type,
        client_name: c.client_name,
        client_version: c.client_version,
        ..Default::default()
    }
}

/// What a User-Agent string says about the client, as sessions and logs show it.
#[derive(Default)]
struct ClientInfo {
    client_name: String,
    client_version: String,
    client_type: String,
    os_name: String,
    os_version: String,
}

impl ClientInfo {
    fn parse(user_agent: &str) -> Self {
        let known = |v: &str| if v.is_empty() || v == "UNKNOWN" { String::new() } else { v.to_owned() };
        match woothee::parser::Parser::new().parse(user_agent) {
            Some(r) => Self {
                client_name: known(r.name),
                client_version: known(r.version),
                client_type: known(r.category),
                os_name: known(r.os),
                os_version: known(&r.os_version),
            },
            None => Self::default(),
        }
    }
}
