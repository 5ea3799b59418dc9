//! Response models exactly as Appwrite 1.9.5 serialises them: field names, field order and
//! empty values (`""` for absent datetimes, `{}` for empty prefs). Core fills these structs;
//! the HTTP layer only serialises them. No behaviour lives here.

use serde::Serialize;
use serde_json::{Map, Value};

/// A JSON object that always serialises as `{}` when empty (Appwrite's `prefs`).
pub type Prefs = Map<String, Value>;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct User {
    #[serde(rename = "$id")]
    pub id: String,
    #[serde(rename = "$createdAt")]
    pub created_at: String,
    #[serde(rename = "$updatedAt")]
    pub updated_at: String,
    pub name: String,
    /// Only in the server (`/users`) model; `/account` omits the hash fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    #[serde(rename = "hashOptions", skip_serializing_if = "Option::is_none")]
    pub hash_options: Option<Value>,
    pub registration: String,
    pub status: bool,
    pub labels: Vec<String>,
    #[serde(rename = "passwordUpdate")]
    pub password_update: String,
    pub email: String,
    pub phone: String,
    #[serde(rename = "emailVerification")]
    pub email_verification: bool,
    #[serde(rename = "phoneVerification")]
    pub phone_verification: bool,
    pub mfa: bool,
    pub prefs: Prefs,
    pub targets: Vec<Target>,
    #[serde(rename = "accessedAt")]
    pub accessed_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impersonator: Option<bool>,
    #[serde(rename = "impersonatorUserId", skip_serializing_if = "Option::is_none")]
    pub impersonator_user_id: Option<String>,
}

/// A messaging target (the user's email address or phone number).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Target {
    #[serde(rename = "$id")]
    pub id: String,
    #[serde(rename = "$createdAt")]
    pub created_at: String,
    #[serde(rename = "$updatedAt")]
    pub updated_at: String,
    pub name: String,
    #[serde(rename = "userId")]
    pub user_id: String,
    #[serde(rename = "providerId")]
    pub provider_id: Option<String>,
    #[serde(rename = "providerType")]
    pub provider_type: String,
    pub identifier: String,
    pub expired: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Session {
    #[serde(rename = "$id")]
    pub id: String,
    #[serde(rename = "$createdAt")]
    pub created_at: String,
    #[serde(rename = "$updatedAt")]
    pub updated_at: String,
    #[serde(rename = "userId")]
    pub user_id: String,
    pub expire: String,
    pub provider: String,
    #[serde(rename = "providerUid")]
    pub provider_uid: String,
    #[serde(rename = "providerAccessToken")]
    pub provider_access_token: String,
    #[serde(rename = "providerAccessTokenExpiry")]
    pub provider_access_token_expiry: String,
    #[serde(rename = "providerRefreshToken")]
    pub provider_refresh_token: String,
    pub ip: String,
    #[serde(rename = "osCode")]
    pub os_code: String,
    #[serde(rename = "osName")]
    pub os_name: String,
    #[serde(rename = "osVersion")]
    pub os_version: String,
    #[serde(rename = "clientType")]
    pub client_type: String,
    #[serde(rename = "clientCode")]
    pub client_code: String,
    #[serde(rename = "clientName")]
    pub client_name: String,
    #[serde(rename = "clientVersion")]
    pub client_version: String,
    #[serde(rename = "clientEngine")]
    pub client_engine: String,
    #[serde(rename = "clientEngineVersion")]
    pub client_engine_version: String,
    #[serde(rename = "deviceName")]
    pub device_name: String,
    #[serde(rename = "deviceBrand")]
    pub device_brand: String,
    #[serde(rename = "deviceModel")]
    pub device_model: String,
    #[serde(rename = "countryCode")]
    pub country_code: String,
    #[serde(rename = "countryName")]
    pub country_name: String,
    pub current: bool,
    pub factors: Vec<String>,
    pub secret: String,
    #[serde(rename = "mfaUpdatedAt")]
    pub mfa_updated_at: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Token {
    #[serde(rename = "$id")]
    pub id: String,
    #[serde(rename = "$createdAt")]
    pub created_at: String,
    #[serde(rename = "userId")]
    pub user_id: String,
    pub secret: String,
    pub expire: String,
    pub phrase: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Jwt {
    pub jwt: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Team {
    #[serde(rename = "$id")]
    pub id: String,
    #[serde(rename = "$createdAt")]
    pub created_at: String,
    #[serde(rename = "$updatedAt")]
    pub updated_at: String,
    pub name: String,
    pub total: u64,
    pub prefs: Prefs,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Membership {
    #[serde(rename = "$id")]
    pub id: String,
    #[serde(rename = "$createdAt")]
    pub created_at: String,
    #[serde(rename = "$updatedAt")]
    pub updated_at: String,
    #[serde(rename = "userId")]
    pub user_id: String,
    #[serde(rename = "userName")]
    pub user_name: String,
    #[serde(rename = "userEmail")]
    pub user_email: String,
    #[serde(rename = "userPhone")]
    pub user_phone: String,
    #[serde(rename = "teamId")]
    pub team_id: String,
    #[serde(rename = "teamName")]
    pub team_name: String,
    pub invited: String,
    pub joined: String,
    pub confirm: bool,
    pub mfa: bool,
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Key {
    #[serde(rename = "$id")]
    pub id: String,
    #[serde(rename = "$createdAt")]
    pub created_at: String,
    #[serde(rename = "$updatedAt")]
    pub updated_at: String,
    pub name: String,
    pub expire: String,
    pub scopes: Vec<String>,
    /// The key secret; only filled in the response that creates the key.
    pub secret: String,
    #[serde(rename = "accessedAt")]
    pub accessed_at: String,
    pub sdks: Vec<String>,
}

/// A platform; the identifier field's name depends on `type` (web: `hostname`, apple:
/// `bundleIdentifier`, android: `applicationId`, windows: `packageIdentifierName`, linux:
/// `packageName`), so it is serialised by hand.
#[derive(Debug, Clone, PartialEq)]
pub struct Platform {
    pub id: String,
    pub created_at: String,
    pub updated_at: String,
    pub name: String,
    pub kind: PlatformKind,
    pub identifier: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlatformKind {
    Web,
    Apple,
    Android,
    Windows,
    Linux,
}

impl PlatformKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Apple => "apple",
            Self::Android => "android",
            Self::Windows => "windows",
            Self::Linux => "linux",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "web" => Self::Web,
            "apple" => Self::Apple,
            "android" => Self::Android,
            "windows" => Self::Windows,
            "linux" => Self::Linux,
            _ => return None,
        })
    }

    /// The request and response field that holds this platform's identifier.
    pub fn identifier_field(self) -> &'static str {
        match self {
            Self::Web => "hostname",
            Self::Apple => "bundleIdentifier",
            Self::Android => "applicationId",
            Self::Windows => "packageIdentifierName",
            Self::Linux => "packageName",
        }
    }
}

impl Serialize for Platform {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(6))?;
        m.serialize_entry("$id", &self.id)?;
        m.serialize_entry("$createdAt", &self.created_at)?;
        m.serialize_entry("$updatedAt", &self.updated_at)?;
        m.serialize_entry("name", &self.name)?;
        m.serialize_entry("type", self.kind.as_str())?;
        m.serialize_entry(self.kind.identifier_field(), &self.identifier)?;
        m.end()
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Identity {
    #[serde(rename = "$id")]
    pub id: String,
    #[serde(rename = "$createdAt")]
    pub created_at: String,
    #[serde(rename = "$updatedAt")]
    pub updated_at: String,
    #[serde(rename = "userId")]
    pub user_id: String,
    pub provider: String,
    #[serde(rename = "providerUid")]
    pub provider_uid: String,
    #[serde(rename = "providerEmail")]
    pub provider_email: String,
    #[serde(rename = "providerAccessToken")]
    pub provider_access_token: String,
    #[serde(rename = "providerAccessTokenExpiry")]
    pub provider_access_token_expiry: String,
    #[serde(rename = "providerRefreshToken")]
    pub provider_refresh_token: String,
}

/// One audit entry (`/account/logs`, `/users/{id}/logs`).
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Log {
    pub event: String,
    #[serde(rename = "userId")]
    pub user_id: String,
    #[serde(rename = "userEmail")]
    pub user_email: String,
    #[serde(rename = "userName")]
    pub user_name: String,
    pub mode: String,
    #[serde(rename = "userType")]
    pub user_type: String,
    pub ip: String,
    pub time: String,
    #[serde(rename = "osCode")]
    pub os_code: String,
    #[serde(rename = "osName")]
    pub os_name: String,
    #[serde(rename = "osVersion")]
    pub os_version: String,
    #[serde(rename = "clientType")]
    pub client_type: String,
    #[serde(rename = "clientCode")]
    pub client_code: String,
    #[serde(rename = "clientName")]
    pub client_name: String,
    #[serde(rename = "clientVersion")]
    pub client_version: String,
    #[serde(rename = "clientEngine")]
    pub client_engine: String,
    #[serde(rename = "clientEngineVersion")]
    pub client_engine_version: String,
    #[serde(rename = "deviceName")]
    pub device_name: String,
    #[serde(rename = "deviceBrand")]
    pub device_brand: String,
    #[serde(rename = "deviceModel")]
    pub device_model: String,
    #[serde(rename = "countryCode")]
    pub country_code: String,
    #[serde(rename = "countryName")]
    pub country_name: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HealthStatus {
    pub name: String,
    pub ping: u64,
    pub status: String,
}

/// A list response: `{"total": N, "<name>": [...]}`. The field name depends on the resource,
/// so it is serialised by hand.
#[derive(Debug, Clone, PartialEq)]
pub struct List<T> {
    pub field: &'static str,
    pub total: u64,
    pub items: Vec<T>,
}

impl<T: Serialize> Serialize for List<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("total", &self.total)?;
        m.serialize_entry(self.field, &self.items)?;
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_uses_resource_field_name() {
        let l = List { field: "users", total: 0, items: Vec::<Jwt>::new() };
        assert_eq!(serde_json::to_string(&l).ok().as_deref(), Some(r#"{"total":0,"users":[]}"#));
    }

    #[test]
    fn platform_identifier_field_follows_type() {
        let p = Platform {
            id: "p".into(),
            created_at: String::new(),
            updated_at: String::new(),
            name: "n".into(),
            kind: PlatformKind::Web,
            identifier: "localhost".into(),
        };
        let v = serde_json::to_value(&p).unwrap_or_default();
        assert_eq!(v["hostname"], "localhost");
        assert_eq!(v["type"], "web");
    }
}
