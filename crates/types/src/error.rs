//! Appwrite's error table: every error `type` string of Appwrite 1.9.x (`app/config/errors.php`
//! on branch `1.9.x`, head `f8253d62`), with the HTTP status code and default description that
//! Appwrite attaches to it. [`ErrorType`] maps type ↔ HTTP code ↔ default message and nothing
//! more; building the JSON error body and choosing what reaches the wire belong to the HTTP layer.
//! No I/O.
//!
//! Notes on the data:
//! - Descriptions are Appwrite's text verbatim (HTML fragments included), except that sprintf
//!   placeholders are dropped from [`ErrorType::default_message`]; the original template, which
//!   Appwrite fills with one value such as the missing ID, is [`ErrorType::message_template`].
//! - A few codes are not HTTP statuses: the `realtime_*` types use WebSocket close codes
//!   (1003, 1008, 1013).
//! - Some codes (410, 424, 426) are valid in the table but Appwrite's error handler only passes
//!   a fixed set of statuses through and turns the rest into `500 "Server Error"`; that rule is
//!   applied by the HTTP layer, not here.

use std::fmt;

/// Declares [`ErrorType`] and its lookup functions from one table.
///
/// Each line is `Variant => ("type_string", code, "default message")`, optionally followed by a
/// fourth string: the sprintf template (with one `%s`) Appwrite uses when it has a value to show.
macro_rules! error_table {
    (@template) => {
        None
    };
    (@template $template:literal) => {
        Some($template)
    };
    ($(
        $variant:ident => ($type_str:literal, $code:literal, $message:literal $(, $template:literal)? $(,)?)
    ),+ $(,)?) => {
        /// One Appwrite error type (the `type` field of an error response).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorType {
            $(
                #[doc = concat!("`", $type_str, "`, code ", stringify!($code), ".")]
                $variant,
            )+
        }

        impl ErrorType {
            /// Every error type, each once (grouped as in Appwrite's `errors.php`).
            pub const ALL: &'static [ErrorType] = &[$(ErrorType::$variant),+];

            /// The type string sent as `type` in error responses, e.g. `"general_route_not_found"`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorType::$variant => $type_str,)+
                }
            }

            /// The HTTP status Appwrite uses for this type (a WebSocket close code for
            /// `realtime_*` types).
            pub const fn code(self) -> u16 {
                match self {
                    $(ErrorType::$variant => $code,)+
                }
            }

            /// Appwrite's description, used as `message` when no specific message is given.
            pub const fn default_message(self) -> &'static str {
                match self {
                    $(ErrorType::$variant => $message,)+
                }
            }

            /// Appwrite's description with its single `%s` placeholder, for the types whose
            /// message Appwrite fills with a value (usually the requested ID or key).
            pub const fn message_template(self) -> Option<&'static str> {
                match self {
                    $(ErrorType::$variant => error_table!(@template $($template)?),)+
                }
            }

            /// Looks a type string up exactly (case-sensitive); `None` if Appwrite has no such type.
            pub fn from_type_str(s: &str) -> Option<ErrorType> {
                match s {
                    $($type_str => Some(ErrorType::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

error_table! {
    // General
    GeneralUnknown => ("general_unknown", 500,
        "An unknown error has occurred. Please check the logs for more information."),
    GeneralMock => ("general_mock", 400,
        "General errors thrown by the mock controller used for testing."),
    // 401 in errors.php, not 403.
    GeneralAccessForbidden => ("general_access_forbidden", 401,
        "Access to this API is forbidden."),
    GeneralResourceBlocked => ("general_resource_blocked", 403,
        "Access to this resource is blocked."),
    GeneralUnknownOrigin => ("general_unknown_origin", 403,
        "The request originated from an unknown origin. If you trust this domain, please list it as a trusted platform in the Appwrite console."),
    GeneralApiDisabled => ("general_api_disabled", 403,
        "The requested API is disabled. You can enable the API from the Appwrite console."),
    GeneralServiceDisabled => ("general_service_disabled", 403,
        "The requested service is disabled. You can enable the service from the Appwrite console."),
    GeneralUnauthorizedScope => ("general_unauthorized_scope", 401,
        "The current user or API key does not have the required scopes to access the requested resource."),
    GeneralRateLimitExceeded => ("general_rate_limit_exceeded", 429,
        "Rate limit for the current endpoint has been exceeded. Please try again after some time."),
    GeneralSmtpDisabled => ("general_smtp_disabled", 503,
        "SMTP is disabled on your Appwrite instance. You can <a href=\"/docs/email-delivery\">learn more about setting up SMTP</a> in our docs."),
    GeneralPhoneDisabled => ("general_phone_disabled", 503,
        "Phone provider is not configured. Please check the _APP_SMS_PROVIDER environment variable of your Appwrite server."),
    GeneralArgumentInvalid => ("general_argument_invalid", 400,
        "The request contains one or more invalid arguments. Please refer to the endpoint documentation."),
    GeneralAttributeQueryLimitExceeded => ("general_attribute_query_limit_exceeded", 400,
        "Query limit exceeded for the current attribute."),
    GeneralColumnQueryLimitExceeded => ("general_column_query_limit_exceeded", 400,
        "Query limit exceeded for the current column."),
    GeneralQueryInvalid => ("general_query_invalid", 400,
        "The query's syntax is invalid. Please check the query and try again."),
    GeneralRouteNotFound => ("general_route_not_found", 404,
        "Route not found. Please ensure the endpoint is configured correctly and that the API route is valid for this SDK version. Refer to the API docs for more details."),
    GeneralCursorNotFound => ("general_cursor_not_found", 400,
        "The cursor is invalid. This can happen if the item represented by the cursor has been deleted."),
    GeneralServerError => ("general_server_error", 500,
        "An internal server error occurred."),
    GeneralProtocolUnsupported => ("general_protocol_unsupported", 426,
        "The request cannot be fulfilled with the current protocol. Please check the value of the _APP_OPTIONS_FORCE_HTTPS environment variable."),
    GeneralCodesDisabled => ("general_codes_disabled", 500,
        "Invitation codes are disabled on this server. Please contact the server administrator."),
    GeneralUsageDisabled => ("general_usage_disabled", 501,
        "Usage stats is not configured. Please check the value of the _APP_USAGE_STATS environment variable of your Appwrite server."),
    // Appwrite's errors.php says 405. Oxwrite answers 501 for spec operations it has not
    // built (a deliberate product rule: 501 is what the status means, and clients treat any
    // 4xx/5xx with this type the same way).
    GeneralNotImplemented => ("general_not_implemented", 501,
        "This method was not fully implemented yet. If you believe this is a mistake, please upgrade your Appwrite server version."),
    GeneralInvalidEmail => ("general_invalid_email", 400,
        "Value must be a valid email address."),
    GeneralInvalidPhone => ("general_invalid_phone", 400,
        "Value must be a valid phone number. Format this number with a leading '+' and a country code, e.g., +16175551212."),
    GeneralRegionAccessDenied => ("general_region_access_denied", 451,
        "Your location is not supported due to legal requirements."),
    GeneralBadRequest => ("general_bad_request", 400,
        "There was an error processing your request. Please check the inputs and try again."),
    GeneralFeatureUnsupported => ("general_feature_unsupported", 400,
        "This feature is not supported with your current configuration."),

    // User
    UserCountExceeded => ("user_count_exceeded", 400,
        "The current project has exceeded the maximum number of users. Please check your user limit in the Appwrite console."),
    UserConsoleCountExceeded => ("user_console_count_exceeded", 501,
        "Sign up to the console is restricted. You can contact an administrator to update console sign up restrictions by setting _APP_CONSOLE_WHITELIST_ROOT to \"disabled\"."),
    UserJwtInvalid => ("user_jwt_invalid", 401,
        "The JWT token is invalid. Please check the value of the X-Appwrite-JWT header to ensure the correct token is being used."),
    UserAlreadyExists => ("user_already_exists", 409,
        "A user with the same id, email, or phone already exists in this project."),
    UserBlocked => ("user_blocked", 403,
        "The current user has been blocked."),
    UserInvalidToken => ("user_invalid_token", 401,
        "Invalid token passed in the request."),
    UserPasswordResetRequired => ("user_password_reset_required", 412,
        "The current user requires a password reset."),
    UserEmailNotWhitelisted => ("user_email_not_whitelisted", 401,
        "Console registration is restricted to specific emails. Contact your administrator for more information."),
    UserInvalidCode => ("user_invalid_code", 401,
        "The specified code is not valid. Contact your administrator for more information."),
    UserIpNotWhitelisted => ("user_ip_not_whitelisted", 401,
        "Console registration is restricted to specific IPs. Contact your administrator for more information."),
    UserInvalidCredentials => ("user_invalid_credentials", 401,
        "Invalid credentials. Please check the email and password."),
    UserAnonymousConsoleProhibited => ("user_anonymous_console_prohibited", 401,
        "Anonymous users cannot be created for the console project."),
    UserSessionAlreadyExists => ("user_session_already_exists", 401,
        "Creation of a session is prohibited when a session is active."),
    UserNotFound => ("user_not_found", 404,
        "User with the requested ID could not be found."),
    UserEmailNotFound => ("user_email_not_found", 400,
        "User email could not be found."),
    UserEmailAlreadyExists => ("user_email_already_exists", 409,
        "A user with the same email already exists in the current project."),
    UserEmailDisposable => ("user_email_disposable", 400,
        "Disposable email addresses are not allowed. Please use a permanent email address."),
    UserEmailFree => ("user_email_free", 400,
        "Free email addresses are not allowed. Please use a business or custom-domain email address."),
    UserEmailNotCanonical => ("user_email_not_canonical", 400,
        "This email address must already be in its canonical form. Please remove aliases, tags, or provider-specific variations and try again."),
    UserEmailNotCorporate => ("user_email_not_corporate", 400,
        "Only corporate email addresses are allowed. Please use a work email address and try again."),
    UserPasswordMismatch => ("user_password_mismatch", 400,
        "Passwords do not match. Please check the password and confirm password."),
    // These two really are sent without the `user_` prefix (the PHP constants have it, the
    // strings do not); the variant names follow the constants.
    UserPasswordRecentlyUsed => ("password_recently_used", 400,
        "The password you are trying to use is similar to your previous password. For your security, please choose a different password and try again."),
    UserPasswordPersonalData => ("password_personal_data", 400,
        "The password you are trying to use contains references to your name, email, phone or userID. For your security, please choose a different password and try again."),
    UserSessionNotFound => ("user_session_not_found", 404,
        "The current user session could not be found."),
    UserIdentityNotFound => ("user_identity_not_found", 404,
        "The identity could not be found. Please sign in with OAuth provider to create identity first."),
    UserUnauthorized => ("user_unauthorized", 401,
        "The current user is not authorized to perform the requested action."),
    UserAuthMethodUnsupported => ("user_auth_method_unsupported", 501,
        "The requested authentication method is either disabled or unsupported. Please check the supported authentication methods in the Appwrite console."),
    UserPhoneAlreadyExists => ("user_phone_already_exists", 409,
        "A user with the same phone number already exists in the current project."),
    UserRecoveryCodesAlreadyExists => ("user_recovery_codes_already_exists", 409,
        "The current user already generated recovery codes and they can only be read once for security reasons."),
    UserAuthenticatorNotFound => ("user_authenticator_not_found", 404,
        "Authenticator could not be found on the current user."),
    UserRecoveryCodesNotFound => ("user_recovery_codes_not_found", 404,
        "Recovery codes could not be found on the current user."),
    UserAuthenticatorAlreadyVerified => ("user_authenticator_already_verified", 409,
        "This authenticator is already verified on the current user."),
    UserPhoneNotFound => ("user_phone_not_found", 400,
        "The current user does not have a phone number associated with their account."),
    UserMissingId => ("user_missing_id", 400,
        "Missing ID from OAuth2 provider."),
    UserMoreFactorsRequired => ("user_more_factors_required", 401,
        "More factors are required to complete the sign in process."),
    UserChallengeRequired => ("user_challenge_required", 401,
        "A recently successful challenge is required to complete this action. A challenge is considered recent for 5 minutes."),
    UserOauth2BadRequest => ("user_oauth2_bad_request", 400,
        "OAuth2 provider rejected the bad request."),
    UserOauth2Unauthorized => ("user_oauth2_unauthorized", 401,
        "OAuth2 provider rejected the unauthorized request."),
    UserOauth2ProviderError => ("user_oauth2_provider_error", 424,
        "OAuth2 provider returned some error."),
    UserEmailNotVerified => ("user_email_not_verified", 400,
        "User email is not verified"),
    UserEmailAlreadyVerified => ("user_email_already_verified", 409,
        "User email is already verified"),
    UserPhoneNotVerified => ("user_phone_not_verified", 400,
        "User phone is not verified"),
    UserPhoneAlreadyVerified => ("user_phone_already_verified", 409,
        "User phone is already verified"),
    UserDeletionProhibited => ("user_deletion_prohibited", 400,
        "User deletion is not allowed for users with active memberships. Please delete all confirmed memberships before deleting the account."),
    UserTargetNotFound => ("user_target_not_found", 404,
        "The target could not be found."),
    UserTargetAlreadyExists => ("user_target_already_exists", 409,
        "A target with the same ID already exists."),
    UserApiKeyAndSessionSet => ("user_api_key_and_session_set", 403,
        "API key and session used in the same request. Use either `setSession` or `setKey`. Learn about which authentication method to use in the SSR docs: https://appwrite.io/docs/products/auth/server-side-rendering"),
    UserJwtAndCookieSet => ("user_jwt_and_cookie_set", 403,
        "JWT and cookie used in the same request. Use either `setJWT` or `setCookie`. Learn about which authentication method to use in the SSR docs: https://appwrite.io/docs/products/auth/server-side-rendering"),
    // Ephemeral (dynamic) API keys
    ApiKeyExpired => ("api_key_expired", 401,
        "The ephemeral API key has expired. Please don't use ephemeral API keys for more than duration of the execution."),

    // Teams
    TeamNotFound => ("team_not_found", 404,
        "Team with the requested ID could not be found."),
    TeamInviteNotFound => ("team_invite_not_found", 404,
        "The requested team invitation could not be found."),
    TeamInvalidSecret => ("team_invalid_secret", 401,
        "The team invitation secret is invalid. Please request a new invitation and try again."),
    TeamMembershipMismatch => ("team_membership_mismatch", 404,
        "The membership ID does not belong to the team ID."),
    TeamInviteMismatch => ("team_invite_mismatch", 401,
        "The invite does not belong to the current user."),
    TeamAlreadyExists => ("team_already_exists", 409,
        "Team with requested ID already exists. Please choose a different ID and try again."),
    // Not in 1.9.x: removed from errors.php in January 2025 (commit e6cb17a6, "chore: remove
    // TEAM_INVITE_ALREADY_EXISTS"). 1.9.x re-sends a pending invite and answers an already
    // confirmed one with `membership_already_confirmed`. Kept so the name exists; code and text
    // are from 1.5.x. Oxwrite should not send it.
    TeamInviteAlreadyExists => ("team_invite_already_exists", 409,
        "User has already been invited or is already a member of this team"),

    // Console (generic resources)
    ResourceAlreadyExists => ("resource_already_exists", 409,
        "Resource with the requested ID already exists. Please choose a different ID and try again."),

    // Membership
    MembershipNotFound => ("membership_not_found", 404,
        "Membership with the requested ID could not be found."),
    MembershipAlreadyConfirmed => ("membership_already_confirmed", 409,
        "Membership is already confirmed."),
    MembershipDeletionProhibited => ("membership_deletion_prohibited", 400,
        "Membership deletion is prohibited."),
    MembershipDowngradeProhibited => ("membership_downgrade_prohibited", 400,
        "Membership role downgrade is prohibited."),

    // Avatars
    AvatarSetNotFound => ("avatar_set_not_found", 404,
        "The requested avatar set could not be found."),
    AvatarNotFound => ("avatar_not_found", 404,
        "The request avatar could not be found."),
    AvatarImageNotFound => ("avatar_image_not_found", 404,
        "The requested image was not found at the URL."),
    AvatarRemoteUrlFailed => ("avatar_remote_url_failed", 404,
        "Failed to fetch favicon from the requested URL."),
    AvatarIconNotFound => ("avatar_icon_not_found", 404,
        "The requested favicon could not be found."),
    AvatarSvgSanitizationFailed => ("avatar_svg_sanitization_failed", 400,
        "SVG sanitization failed."),

    // Storage
    StorageFileAlreadyExists => ("storage_file_already_exists", 409,
        "A storage file with the requested ID already exists."),
    StorageFileNotFound => ("storage_file_not_found", 404,
        "The requested file could not be found."),
    StorageDeviceNotFound => ("storage_device_not_found", 400,
        "The requested storage device could not be found."),
    StorageFileEmpty => ("storage_file_empty", 400,
        "Empty file passed to the endpoint."),
    StorageFileTypeUnsupported => ("storage_file_type_unsupported", 400,
        "The given file extension is not supported."),
    StorageInvalidFileSize => ("storage_invalid_file_size", 400,
        "The file size is either not valid or exceeds the maximum allowed size. Please check the file or the value of the _APP_STORAGE_LIMIT environment variable."),
    StorageInvalidFile => ("storage_invalid_file", 403,
        "The uploaded file is invalid. Please check the file and try again."),
    StorageBucketAlreadyExists => ("storage_bucket_already_exists", 409,
        "A storage bucket with the requested ID already exists. Try again with a different ID or use ID.unique() to generate a unique ID."),
    StorageBucketNotFound => ("storage_bucket_not_found", 404,
        "Storage bucket with the requested ID could not be found."),
    StorageInvalidContentRange => ("storage_invalid_content_range", 400,
        "The content range is invalid. Please check the value of the Content-Range header."),
    StorageInvalidRange => ("storage_invalid_range", 416,
        "The requested range is not satisfiable. Please check the value of the Range header."),
    StorageInvalidAppwriteId => ("storage_invalid_appwrite_id", 400,
        "The value for x-appwrite-id header is invalid. Please check the value of the x-appwrite-id header is a valid id and not unique()."),
    StorageFileNotPublic => ("storage_file_not_public", 403,
        "The requested file is not publicly readable."),
    StorageBucketTransformationsDisabled => ("storage_bucket_transformations_disabled", 403,
        "Image transformations are disabled for the requested bucket."),

    // Tokens
    TokenNotFound => ("token_not_found", 404,
        "The requested file token could not be found."),
    TokenExpired => ("token_expired", 401,
        "The requested file token has expired."),
    TokenResourceTypeInvalid => ("token_resource_type_invalid", 400,
        "The resource type for the token is invalid."),

    // VCS
    InstallationNotFound => ("installation_not_found", 404,
        "Installation with the requested ID could not be found. Check to see if the ID is correct, or create the installation."),
    ProviderRepositoryNotFound => ("provider_repository_not_found", 404,
        "VCS (Version Control System) repository with the requested ID could not be found. Check to see if the ID is correct, and if it belongs to installationId you provided."),
    RepositoryNotFound => ("repository_not_found", 404,
        "Repository with the requested ID could not be found. Check to see if the ID is correct, or create the repository."),
    ProviderContributionConflict => ("provider_contribution_conflict", 409,
        "External contribution is already authorized."),
    GeneralProviderFailure => ("general_provider_failure", 400,
        "VCS (Version Control System) provider failed to process the request. We believe this is an error with the VCS provider. Try again, or contact support for more information."),

    // Functions
    FunctionNotFound => ("function_not_found", 404,
        "Function with the requested ID could not be found."),
    FunctionRuntimeUnsupported => ("function_runtime_unsupported", 404,
        "The requested runtime is either inactive or unsupported. Please check the value of the _APP_FUNCTIONS_RUNTIMES environment variable."),
    FunctionAlreadyExists => ("function_already_exists", 409,
        "Function with the requested ID already exists. Try again with a different ID or use ID.unique() to generate a unique ID."),
    FunctionEntrypointMissing => ("function_entrypoint_missing", 404,
        "Entrypoint for your Appwrite Function is missing. Please specify it when making deployment or update the entrypoint under your function's \"Settings\" > \"Configuration\" > \"Entrypoint\"."),
    FunctionSynchronousTimeout => ("function_synchronous_timeout", 408,
        "Synchronous function execution timed out. Use asynchronous execution instead, or ensure the execution duration doesn't exceed 30 seconds."),
    FunctionAsynchronousTimeout => ("function_asynchronous_timeout", 408,
        "Asynchronous function execution timed out. Ensure the execution duration doesn't exceed the configured function timeout."),
    FunctionTemplateNotFound => ("function_template_not_found", 404,
        "Function Template with the requested ID could not be found."),
    FunctionRuntimeNotDetected => ("function_runtime_not_detected", 400,
        "Function runtime could not be detected."),
    FunctionExecutePermissionMissing => ("function_execute_permission_missing", 401,
        "To execute function using domain, execute permissions must include \"any\" or \"guests\"."),

    // Sites
    SiteNotFound => ("site_not_found", 404,
        "Site with the requested ID could not be found."),
    SiteAlreadyExists => ("site_already_exists", 409,
        "Site with the requested ID already exists. Try again with a different ID or use ID.unique() to generate a unique ID."),
    SiteTemplateNotFound => ("site_template_not_found", 404,
        "Site Template with the requested ID could not be found."),

    // Builds
    BuildNotFound => ("build_not_found", 404,
        "Build with the requested ID could not be found."),
    BuildNotReady => ("build_not_ready", 400,
        "Build with the requested ID is building and not ready for execution."),
    BuildInProgress => ("build_in_progress", 400,
        "Build with the requested ID is already in progress. Please wait before you can retry."),
    BuildAlreadyCompleted => ("build_already_completed", 400,
        "Build with the requested ID is already completed and cannot be canceled."),
    BuildCanceled => ("build_canceled", 400,
        "Build with the requested ID has been canceled."),
    BuildFailed => ("build_failed", 400,
        "Build with the requested ID failed. Please check the logs for more information."),
    BuildTimeout => ("build_timeout", 408,
        "Build timed out. Increase the build timeout via the `_APP_COMPUTE_BUILD_TIMEOUT` environment variable, or simplify the build to complete within the limit."),

    // Deployments
    DeploymentNotFound => ("deployment_not_found", 404,
        "Deployment with the requested ID could not be found."),

    // Executions
    ExecutionNotFound => ("execution_not_found", 404,
        "Execution with the requested ID could not be found."),
    ExecutionInProgress => ("execution_in_progress", 400,
        "Can't delete ongoing execution. Please wait for execution to finish before deleting it."),

    // Logs
    LogNotFound => ("log_not_found", 404,
        "Log with the requested ID could not be found."),

    // Presence
    PresenceNotFound => ("presence_not_found", 404,
        "Presence with the requested ID could not be found."),
    PresenceAlreadyExists => ("presence_already_exists", 409,
        "Presence with the requested ID already exists. Try again with a different ID or use ID.unique() to generate a unique ID.",
        "Presence with the requested ID '%s' already exists. Try again with a different ID or use ID.unique() to generate a unique ID."),

    // Databases
    DatabaseNotFound => ("database_not_found", 404,
        "Database with the requested ID could not be found.",
        "Database with the requested ID '%s' could not be found."),
    DatabaseAlreadyExists => ("database_already_exists", 409,
        "Database with the requested ID already exists. Try again with a different ID or use ID.unique() to generate a unique ID.",
        "Database with the requested ID '%s' already exists. Try again with a different ID or use ID.unique() to generate a unique ID."),
    DatabaseTimeout => ("database_timeout", 408,
        "Database timed out. Try adjusting your queries or adding an index."),
    DatabaseQueryOrderNull => ("database_query_order_null", 400,
        "The order attribute/column had a null value. Cursor pagination requires all documents/rows order attribute/column values are non-null."),

    // Collections
    CollectionNotFound => ("collection_not_found", 404,
        "Collection with the requested ID could not be found.",
        "Collection with the requested ID '%s' could not be found."),
    CollectionAlreadyExists => ("collection_already_exists", 409,
        "A collection with the requested ID already exists. Try again with a different ID or use ID.unique() to generate a unique ID.",
        "A collection with the requested ID '%s' already exists. Try again with a different ID or use ID.unique() to generate a unique ID."),
    CollectionLimitExceeded => ("collection_limit_exceeded", 400,
        "The maximum number of collections for the database has been reached.",
        "The maximum number of collections for database '%s' has been reached."),

    // Tables
    TableNotFound => ("table_not_found", 404,
        "Table with the requested ID could not be found.",
        "Table with the requested ID '%s' could not be found."),
    TableAlreadyExists => ("table_already_exists", 409,
        "A table with the requested ID already exists. Try again with a different ID or use ID.unique() to generate a unique ID.",
        "A table with the requested ID '%s' already exists. Try again with a different ID or use ID.unique() to generate a unique ID."),
    TableLimitExceeded => ("table_limit_exceeded", 400,
        "The maximum number of tables for the database has been reached.",
        "The maximum number of tables for database '%s' has been reached."),

    // Documents
    DocumentNotFound => ("document_not_found", 404,
        "Document with the requested ID could not be found.",
        "Document with the requested ID '%s' could not be found."),
    DocumentInvalidStructure => ("document_invalid_structure", 400,
        "The document structure is invalid. Please ensure the attributes match the collection definition."),
    DocumentMissingData => ("document_missing_data", 400,
        "The document data is missing. Try again with document data populated"),
    DocumentMissingPayload => ("document_missing_payload", 400,
        "The document data and permissions are missing. You must provide either document data or permissions to be updated."),
    DocumentAlreadyExists => ("document_already_exists", 409,
        "Document with the requested ID already exists. Try again with a different ID or use ID.unique() to generate a unique ID.",
        "Document with the requested ID '%s' already exists. Try again with a different ID or use ID.unique() to generate a unique ID."),
    DocumentUpdateConflict => ("document_update_conflict", 409,
        "Remote document is newer than local."),
    DocumentDeleteRestricted => ("document_delete_restricted", 403,
        "Document cannot be deleted because it is referenced by another document."),

    // Rows
    RowNotFound => ("row_not_found", 404,
        "Row with the requested ID could not be found.",
        "Row with the requested ID '%s' could not be found."),
    RowInvalidStructure => ("row_invalid_structure", 400,
        "The row structure is invalid. Please ensure the columns match the table definition."),
    RowMissingData => ("row_missing_data", 400,
        "The row data is missing. Try again with row data populated."),
    RowMissingPayload => ("row_missing_payload", 400,
        "The row data and permissions are missing. You must provide either row data or permissions to be updated."),
    RowAlreadyExists => ("row_already_exists", 409,
        "Row with the requested ID already exists. Try again with a different ID or use ID.unique() to generate a unique ID.",
        "Row with the requested ID '%s' already exists. Try again with a different ID or use ID.unique() to generate a unique ID."),
    RowUpdateConflict => ("row_update_conflict", 409,
        "Remote row is newer than local."),
    RowDeleteRestricted => ("row_delete_restricted", 403,
        "Row cannot be deleted because it is referenced by another row."),

    // Attributes
    AttributeNotFound => ("attribute_not_found", 404,
        "Attribute with the requested key could not be found.",
        "Attribute with the requested key '%s' could not be found."),
    AttributeUnknown => ("attribute_unknown", 400,
        "The attribute required for the index could not be found. Please confirm all your attributes are in the available state.",
        "The attribute '%s' required for the index could not be found. Please confirm all your attributes are in the available state."),
    AttributeNotAvailable => ("attribute_not_available", 400,
        "The requested attribute is not yet available. Please try again later.",
        "The requested attribute '%s' is not yet available. Please try again later."),
    AttributeFormatUnsupported => ("attribute_format_unsupported", 400,
        "The requested attribute format is not supported."),
    AttributeDefaultUnsupported => ("attribute_default_unsupported", 400,
        "Default values cannot be set for array or required attributes."),
    AttributeAlreadyExists => ("attribute_already_exists", 409,
        "Attribute with the requested key already exists. Attribute keys must be unique, try again with a different key.",
        "Attribute with the requested key '%s' already exists. Attribute keys must be unique, try again with a different key."),
    AttributeLimitExceeded => ("attribute_limit_exceeded", 400,
        "The maximum number or size of attributes for the collection has been reached.",
        "The maximum number or size of attributes for collection '%s' has been reached."),
    AttributeValueInvalid => ("attribute_value_invalid", 400,
        "The attribute value is invalid. Please check the type, range and value of the attribute."),
    AttributeTypeInvalid => ("attribute_type_invalid", 400,
        "The attribute type is invalid.",
        "The attribute '%s' type is invalid."),
    AttributeInvalidResize => ("attribute_invalid_resize", 400,
        "Existing data is too large for new size, truncate your existing data then try again."),
    // Upper case on the wire: that is the PHP constant's actual value in 1.9.x.
    AttributeTypeNotSupported => ("ATTRIBUTE_TYPE_NOT_SUPPORTED", 400,
        "Attribute type is not supported.",
        "Attribute type '%s' is not supported."),

    // Exists for both Attributes & Columns
    RelationshipValueInvalid => ("relationship_value_invalid", 400,
        "The relationship value is invalid."),

    // Columns
    ColumnNotFound => ("column_not_found", 404,
        "Column with the requested key could not be found.",
        "Column with the requested key '%s' could not be found."),
    ColumnUnknown => ("column_unknown", 400,
        "The column required for the index could not be found. Please confirm all your columns are in the available state.",
        "The column '%s' required for the index could not be found. Please confirm all your columns are in the available state."),
    ColumnNotAvailable => ("column_not_available", 400,
        "The requested column is not yet available. Please try again later.",
        "The requested column '%s' is not yet available. Please try again later."),
    ColumnFormatUnsupported => ("column_format_unsupported", 400,
        "The requested column format is not supported."),
    ColumnDefaultUnsupported => ("column_default_unsupported", 400,
        "Default values cannot be set for array or required columns."),
    ColumnAlreadyExists => ("column_already_exists", 409,
        "Column with the requested key already exists. Column keys must be unique, try again with a different key.",
        "Column with the requested key '%s' already exists. Column keys must be unique, try again with a different key."),
    ColumnLimitExceeded => ("column_limit_exceeded", 400,
        "The maximum number or size of columns for the table has been reached.",
        "The maximum number or size of columns for table '%s' has been reached."),
    ColumnValueInvalid => ("column_value_invalid", 400,
        "The column value is invalid. Please check the type, range and value of the column."),
    ColumnTypeInvalid => ("column_type_invalid", 400,
        "The column type is invalid.",
        "The column '%s' type is invalid."),
    ColumnInvalidResize => ("column_invalid_resize", 400,
        "Existing data is too large for new size, truncate your existing data then try again."),
    // Upper case on the wire, as for `ATTRIBUTE_TYPE_NOT_SUPPORTED`.
    ColumnTypeNotSupported => ("COLUMN_TYPE_NOT_SUPPORTED", 400,
        "Column type is not supported.",
        "Column type '%s' is not supported."),

    // Indexes
    IndexNotFound => ("index_not_found", 404,
        "Index with the requested key could not be found.",
        "Index with the requested key '%s' could not be found."),
    IndexLimitExceeded => ("index_limit_exceeded", 400,
        "The maximum number of indexes for the collection has been reached.",
        "The maximum number of indexes for collection '%s' has been reached."),
    IndexAlreadyExists => ("index_already_exists", 409,
        "Index with the requested key already exists. Try again with a different key.",
        "Index with the requested key '%s' already exists. Try again with a different key."),
    IndexInvalid => ("index_invalid", 400,
        "Index invalid."),
    IndexDependency => ("index_dependency", 409,
        "Attribute cannot be renamed or deleted. Please remove the associated index first.",
        "Attribute '%s' cannot be renamed or deleted. Please remove the associated index first."),

    // Column Indexes, same as Indexes but with different type
    ColumnIndexNotFound => ("column_index_not_found", 404,
        "Index with the requested key could not be found.",
        "Index with the requested key '%s' could not be found."),
    ColumnIndexLimitExceeded => ("column_index_limit_exceeded", 400,
        "The maximum number of indexes for the table has been reached.",
        "The maximum number of indexes for table '%s' has been reached."),
    ColumnIndexAlreadyExists => ("column_index_already_exists", 409,
        "Index with the requested key already exists. Try again with a different key.",
        "Index with the requested key '%s' already exists. Try again with a different key."),
    ColumnIndexInvalid => ("column_index_invalid", 400,
        "Index invalid."),
    ColumnIndexDependency => ("column_index_dependency", 409,
        "Column cannot be renamed or deleted. Please remove the associated index first.",
        "Column '%s' cannot be renamed or deleted. Please remove the associated index first."),

    // Transactions
    TransactionNotFound => ("transaction_not_found", 404,
        "Transaction with the requested ID could not be found.",
        "Transaction with the requested ID '%s' could not be found."),
    TransactionAlreadyExists => ("transaction_already_exists", 409,
        "Transaction with the requested ID already exists. Try again with a different ID or use ID.unique() to generate a unique ID.",
        "Transaction with the requested ID '%s' already exists. Try again with a different ID or use ID.unique() to generate a unique ID."),
    TransactionInvalid => ("transaction_invalid", 400,
        "The transaction is invalid. Please check the transaction state and try again."),
    TransactionFailed => ("transaction_failed", 400,
        "The transaction has errored. Please check the transaction data and try again."),
    TransactionExpired => ("transaction_expired", 410,
        "The transaction has expired. Please create a new transaction and try again."),
    TransactionConflict => ("transaction_conflict", 409,
        "The transaction has a conflict. Please resolve the conflict and try again."),
    TransactionLimitExceeded => ("transaction_limit_exceeded", 400,
        "The maximum number of operations per transaction has been exceeded."),
    TransactionNotReady => ("transaction_not_ready", 400,
        "The transaction is not ready yet. Please try again later."),

    // Projects
    ProjectNotFound => ("project_not_found", 404,
        "Project with the requested ID could not be found. Please check the value of the X-Appwrite-Project header to ensure the correct project ID is being used."),
    ProjectAlreadyExists => ("project_already_exists", 409,
        "Project with the requested ID already exists. Try again with a different ID or use ID.unique() to generate a unique ID."),
    ProjectProviderDisabled => ("project_provider_disabled", 412,
        "The chosen OAuth provider is disabled. You can enable the OAuth provider using the Appwrite console."),
    ProjectProviderUnsupported => ("project_provider_unsupported", 400,
        "The chosen OAuth provider is unsupported. Please check the <a href=\"/docs/client/account?sdk=web-default#accountCreateOAuth2Session\">Create OAuth2 Session docs</a> for the complete list of supported OAuth providers."),
    ProjectInvalidSuccessUrl => ("project_invalid_success_url", 400,
        "Invalid redirect URL for OAuth success."),
    ProjectInvalidFailureUrl => ("project_invalid_failure_url", 400,
        "Invalid redirect URL for OAuth failure."),
    ProjectReservedProject => ("project_reserved_project", 400,
        "The project ID is reserved. Please choose another project ID."),
    ProjectKeyExpired => ("project_key_expired", 401,
        "The project key has expired. Please generate a new key using the Appwrite console."),
    AccountKeyExpired => ("account_key_expired", 401,
        "The account API key has expired. Please generate a new key using the Appwrite console."),

    // Project: routing and custom-domain rules
    RouterHostNotFound => ("router_host_not_found", 404,
        "Host is not trusted. This could occur because you have not configured a custom domain. Add a custom domain to your project first and try again."),
    RouterDomainNotConfigured => ("router_domain_not_configured", 500,
        "_APP_DOMAIN, _APP_DOMAIN_TARGET, and _APP_DOMAIN_FUNCTIONS environment variables have not been configured. Please configure the domain environment variables before accessing the Appwrite Console via any IP address or hostname other than localhost. This value could be an IP like 203.0.113.0 or a hostname like example.com."),
    RuleResourceNotFound => ("rule_resource_not_found", 404,
        "Resource could not be found. Please check if the resourceId and resourceType are correct, or if the resource actually exists."),
    RuleNotFound => ("rule_not_found", 404,
        "Rule with the requested ID could not be found. Please check if the ID provided is correct or if the rule actually exists."),
    RuleAlreadyExists => ("rule_already_exists", 409,
        "Domain is already used. Please try again with a different domain."),
    RuleVerificationFailed => ("rule_verification_failed", 400,
        "Domain verification failed. Please check if your DNS records are correct and try again."),

    // Project: settings
    ProjectSmtpConfigInvalid => ("project_smtp_config_invalid", 400,
        "Provided SMTP config is invalid. Please check the configured values and try again."),
    ProjectTemplateDefaultDeletion => ("project_template_default_deletion", 401,
        "You can't delete default template. If you are trying to reset your template changes, you can ignore this error as it's already been reset."),
    ProjectRegionUnsupported => ("project_region_unsupported", 400,
        "The requested region is either inactive or unsupported. Please check the value of the _APP_REGIONS environment variable."),

    // Project: webhooks, keys, platforms, variables
    WebhookNotFound => ("webhook_not_found", 404,
        "Webhook with the requested ID could not be found."),
    WebhookAlreadyExists => ("webhook_already_exists", 409,
        "Webhook with the same ID already exists. Try again with a different ID."),
    KeyNotFound => ("key_not_found", 404,
        "Key with the requested ID could not be found."),
    KeyAlreadyExists => ("key_already_exists", 409,
        "Key with the same ID already exists. Try again with a different ID."),
    PlatformNotFound => ("platform_not_found", 404,
        "Platform with the requested ID could not be found."),
    PlatformMethodUnsupported => ("platform_method_unsupported", 400,
        "The requested platform has invalid type. Please use corresponding update method for the platform type."),
    PlatformAlreadyExists => ("platform_already_exists", 409,
        "Platform with the same ID already exists in this project. Try again with a different ID."),
    VariableNotFound => ("variable_not_found", 404,
        "Variable with the requested ID could not be found."),
    VariableAlreadyExists => ("variable_already_exists", 409,
        "Variable with the same ID already exists in this project. Try again with a different ID."),
    VariableCannotUnsetSecret => ("variable_cannot_unset_secret", 400,
        "Secret variables cannot be marked as non-secret. Please re-create the variable if this is your intention."),

    // GraphQL
    GraphqlNoQuery => ("graphql_no_query", 400,
        "Param \"query\" is not optional."),
    GraphqlTooManyQueries => ("graphql_too_many_queries", 400,
        "Too many queries."),

    // Migrations
    MigrationNotFound => ("migration_not_found", 404,
        "Migration with the requested ID could not be found. Please verify that the provided ID is correct and try again."),
    MigrationAlreadyExists => ("migration_already_exists", 409,
        "Migration with the requested ID already exists. Try again with a different ID."),
    MigrationInProgress => ("migration_in_progress", 409,
        "Migration is already in progress. You can check the status of the migration in your Appwrite Console's \"Settings\" > \"Migrations\"."),
    MigrationDatabaseTypeUnsupported => ("migration_database_type_unsupported", 400,
        "The specified database type is not supported for CSV import or export operations."),
    MigrationSourceProjectIdRequired => ("migration_source_project_id_required", 400,
        "A source projectId is required for Appwrite migrations. Provide it in the migration credentials."),
    MigrationSourceProjectNotFound => ("migration_source_project_not_found", 404,
        "The source project for the provided projectId was not found. Verify the projectId and the API key has access to it."),
    MigrationSourceTypeInvalid => ("migration_source_type_invalid", 400,
        "The migration source type is invalid. Use one of the supported source types."),
    MigrationDestinationTypeInvalid => ("migration_destination_type_invalid", 400,
        "The migration destination type is invalid. Use one of the supported destination types."),
    MigrationProviderError => ("migration_provider_error", 400,
        "An error occurred on the provider's side. Please try again later."),

    // Realtime: these codes are WebSocket close codes, not HTTP statuses.
    RealtimeMessageFormatInvalid => ("realtime_message_format_invalid", 1003,
        "Message format is not valid."),
    RealtimePolicyViolation => ("realtime_policy_violation", 1008,
        "Policy violation."),
    RealtimeTooManyMessages => ("realtime_too_many_messages", 1013,
        "Too many messages."),

    // Health
    HealthQueueSizeExceeded => ("health_queue_size_exceeded", 503,
        "Queue size threshold hit."),
    HealthCertificateExpired => ("health_certificate_expired", 404,
        "The SSL certificate for the specified domain has expired and is no longer valid."),
    HealthInvalidHost => ("health_invalid_host", 404,
        "Failed to establish a connection to the specified domain. Please verify the domain name and ensure that the server is running and accessible."),

    // Providers
    ProviderNotFound => ("provider_not_found", 404,
        "Provider with the requested ID could not be found."),
    ProviderAlreadyExists => ("provider_already_exists", 409,
        "Provider with the requested ID already exists."),
    ProviderIncorrectType => ("provider_incorrect_type", 400,
        "Provider with the requested ID is of the incorrect type."),
    ProviderMissingCredentials => ("provider_missing_credentials", 400,
        "Provider with the requested ID is missing credentials."),

    // Topics
    TopicNotFound => ("topic_not_found", 404,
        "Topic with the request ID could not be found."),
    TopicAlreadyExists => ("topic_already_exists", 409,
        "Topic with the request ID already exists."),

    // Subscribers
    SubscriberNotFound => ("subscriber_not_found", 404,
        "Subscriber with the request ID could not be found."),
    SubscriberAlreadyExists => ("subscriber_already_exists", 409,
        "Subscriber with the request ID already exists."),

    // Messages
    MessageNotFound => ("message_not_found", 404,
        "Message with the requested ID could not be found."),
    MessageAlreadyExists => ("message_already_exists", 409,
        "Message with the requested ID already exists. Try again with a different ID or use ID.unique() to generate a unique ID."),
    MessageMissingTarget => ("message_missing_target", 400,
        "Message with the requested ID has no recipients (topics or users or targets)."),
    MessageAlreadySent => ("message_already_sent", 400,
        "Message with the requested ID has already been sent."),
    MessageAlreadyProcessing => ("message_already_processing", 400,
        "Message with the requested ID is already being processed."),
    MessageAlreadyFailed => ("message_already_failed", 400,
        "Message with the requested ID has already failed."),
    MessageAlreadyScheduled => ("message_already_scheduled", 400,
        "Message with the requested ID has already been scheduled for delivery."),
    MessageTargetNotEmail => ("message_target_not_email", 400,
        "Message with the target ID is not an email target."),
    MessageTargetNotSms => ("message_target_not_sms", 400,
        "Message with the target ID is not an SMS target."),
    MessageTargetNotPush => ("message_target_not_push", 400,
        "Message with the target ID is not a push target."),
    MessageMissingSchedule => ("message_missing_schedule", 400,
        "Message can not have status scheduled without a schedule."),
    ScheduleNotFound => ("schedule_not_found", 404,
        "Schedule with the requested ID could not be found."),

    // Targets
    TargetProviderInvalidType => ("target_provider_invalid_type", 400,
        "Target has an invalid provider type."),

    // API key headers
    UserIdMissing => ("user_id_missing", 403,
        "When using account API key, make sure to pass x-appwrite-user header with your user ID."),
    OrganizationIdMissing => ("organization_id_missing", 403,
        "When using organization API key, make sure to pass x-appwrite-organization header with your organization ID."),
    ProjectIdMissing => ("project_id_missing", 403,
        "When using project API key, make sure to pass x-appwrite-project header with your project ID."),

    // Mock phone numbers
    MockNumberAlreadyExists => ("mock_number_already_exists", 409,
        "Mock number with the requested number already exists. Try again with a different number. or update OTP of existing mock number."),
    MockNumberNotFound => ("mock_number_not_found", 404,
        "Mock number with the requested number could not be found."),
    MockNumberLimitExceeded => ("mock_number_limit_exceeded", 400,
        "The maximum number of mock phones for this project has been reached."),

    // Advisor
    InsightNotFound => ("insight_not_found", 404,
        "Insight with the requested ID could not be found."),
    InsightAlreadyExists => ("insight_already_exists", 409,
        "Insight with the requested ID already exists. Try again with a different ID or use ID.unique() to generate a unique ID."),

    // Reports
    ReportNotFound => ("report_not_found", 404,
        "Report with the requested ID could not be found."),
    ReportAlreadyExists => ("report_already_exists", 409,
        "Report with the requested ID already exists. Try again with a different ID or use ID.unique() to generate a unique ID."),
}

impl ErrorType {
    /// The message Appwrite sends when it fills the description with `value` (for example the
    /// ID that was not found). Types without a placeholder give [`ErrorType::default_message`].
    pub fn message_with(self, value: &str) -> String {
        match self.message_template() {
            Some(template) => template.replacen("%s", value, 1),
            None => self.default_message().to_owned(),
        }
    }
}

impl fmt::Display for ErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for ErrorType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    /// Types whose wire string is upper case in Appwrite 1.9.x.
    const UPPER_CASE_TYPES: &[&str] =
        &["ATTRIBUTE_TYPE_NOT_SUPPORTED", "COLUMN_TYPE_NOT_SUPPORTED"];

    fn is_snake(s: &str, lower: bool) -> bool {
        !s.is_empty()
            && !s.starts_with('_')
            && !s.ends_with('_')
            && !s.contains("__")
            && s.chars().all(|c| {
                let letter_ok = if lower {
                    c.is_ascii_lowercase()
                } else {
                    c.is_ascii_uppercase()
                };
                c == '_' || c.is_ascii_digit() || letter_ok
            })
    }

    fn upper_camel(s: &str) -> String {
        s.split('_')
            .map(|part| {
                let lower = part.to_ascii_lowercase();
                let mut chars = lower.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                    None => String::new(),
                }
            })
            .collect()
    }

    #[test]
    fn table_size() {
        // 281 types of errors.php 1.9.x plus the removed `team_invite_already_exists`.
        assert_eq!(ErrorType::ALL.len(), 282);
    }

    #[test]
    fn variants_are_listed_once() {
        let set: HashSet<ErrorType> = ErrorType::ALL.iter().copied().collect();
        assert_eq!(set.len(), ErrorType::ALL.len());
    }

    #[test]
    fn type_strings_are_unique_and_snake_case() {
        let mut seen = HashSet::new();
        for t in ErrorType::ALL {
            let s = t.as_str();
            assert!(seen.insert(s), "duplicate type string {s}");
            if UPPER_CASE_TYPES.contains(&s) {
                assert!(is_snake(s, false), "{s}");
            } else {
                assert!(is_snake(s, true), "not lower_snake_case: {s}");
            }
        }
    }

    #[test]
    fn variant_names_follow_type_strings() {
        for t in ErrorType::ALL {
            let expected = match t {
                // The wire strings lack the `user_` prefix of the PHP constants.
                ErrorType::UserPasswordRecentlyUsed | ErrorType::UserPasswordPersonalData => {
                    upper_camel(&format!("user_{}", t.as_str()))
                }
                _ => upper_camel(t.as_str()),
            };
            assert_eq!(format!("{t:?}"), expected);
        }
    }

    #[test]
    fn from_type_str_round_trips() {
        for &t in ErrorType::ALL {
            assert_eq!(ErrorType::from_type_str(t.as_str()), Some(t));
            assert_eq!(t.to_string(), t.as_str());
        }
        assert_eq!(ErrorType::from_type_str(""), None);
        assert_eq!(ErrorType::from_type_str("no_such_error"), None);
        assert_eq!(ErrorType::from_type_str("GENERAL_UNKNOWN"), None);
        assert_eq!(ErrorType::from_type_str("general_unknown "), None);
    }

    #[test]
    fn codes_are_http_errors_or_websocket_close_codes() {
        for t in ErrorType::ALL {
            let code = t.code();
            if t.as_str().starts_with("realtime_") {
                assert!((1000..=4999).contains(&code), "{t}: {code}");
            } else {
                assert!((400..=599).contains(&code), "{t}: {code}");
            }
        }
    }

    #[test]
    fn messages_and_templates() {
        for t in ErrorType::ALL {
            let message = t.default_message();
            assert!(!message.is_empty(), "{t}");
            assert!(!message.contains('%'), "{t}: {message}");
            if let Some(template) = t.message_template() {
                assert_eq!(template.matches("%s").count(), 1, "{t}");
                assert_eq!(template.matches('%').count(), 1, "{t}");
            } else {
                assert_eq!(t.message_with("x"), message);
            }
        }
        assert_eq!(
            ErrorType::RowNotFound.message_with("abc"),
            "Row with the requested ID 'abc' could not be found."
        );
        assert_eq!(
            ErrorType::RowNotFound.default_message(),
            "Row with the requested ID could not be found."
        );
        assert_eq!(
            ErrorType::ColumnLimitExceeded.message_with("tbl"),
            "The maximum number or size of columns for table 'tbl' has been reached."
        );
    }

    #[test]
    fn spot_checks() {
        let cases: &[(ErrorType, &str, u16)] = &[
            (ErrorType::GeneralUnknown, "general_unknown", 500),
            (
                ErrorType::GeneralRouteNotFound,
                "general_route_not_found",
                404,
            ),
            (
                ErrorType::GeneralUnauthorizedScope,
                "general_unauthorized_scope",
                401,
            ),
            (
                ErrorType::GeneralRateLimitExceeded,
                "general_rate_limit_exceeded",
                429,
            ),
            // Oxwrite's rule (Appwrite itself uses 405).
            (
                ErrorType::GeneralNotImplemented,
                "general_not_implemented",
                501,
            ),
            (
                ErrorType::GeneralAccessForbidden,
                "general_access_forbidden",
                401,
            ),
            (ErrorType::GeneralSmtpDisabled, "general_smtp_disabled", 503),
            (ErrorType::GeneralServerError, "general_server_error", 500),
            (
                ErrorType::UserInvalidCredentials,
                "user_invalid_credentials",
                401,
            ),
            (
                ErrorType::UserSessionAlreadyExists,
                "user_session_already_exists",
                401,
            ),
            (
                ErrorType::UserPasswordResetRequired,
                "user_password_reset_required",
                412,
            ),
            (
                ErrorType::UserPasswordRecentlyUsed,
                "password_recently_used",
                400,
            ),
            (
                ErrorType::UserOauth2ProviderError,
                "user_oauth2_provider_error",
                424,
            ),
            (ErrorType::ProjectKeyExpired, "project_key_expired", 401),
            (ErrorType::ProjectIdMissing, "project_id_missing", 403),
            (
                ErrorType::MembershipAlreadyConfirmed,
                "membership_already_confirmed",
                409,
            ),
            (ErrorType::StorageInvalidRange, "storage_invalid_range", 416),
            (
                ErrorType::FunctionSynchronousTimeout,
                "function_synchronous_timeout",
                408,
            ),
            (ErrorType::RowNotFound, "row_not_found", 404),
            (ErrorType::RowAlreadyExists, "row_already_exists", 409),
            (ErrorType::TransactionExpired, "transaction_expired", 410),
            (
                ErrorType::RealtimePolicyViolation,
                "realtime_policy_violation",
                1008,
            ),
        ];
        for &(t, s, code) in cases {
            assert_eq!(t.as_str(), s);
            assert_eq!(t.code(), code, "{s}");
        }
        assert_eq!(
            ErrorType::UserInvalidCredentials.default_message(),
            "Invalid credentials. Please check the email and password."
        );
        assert_eq!(
            ErrorType::MessageMissingSchedule.default_message(),
            "Message can not have status scheduled without a schedule."
        );
    }

    #[test]
    fn serializes_as_type_string() {
        assert_eq!(
            serde_json::to_string(&ErrorType::UserNotFound)
                .ok()
                .as_deref(),
            Some("\"user_not_found\"")
        );
    }

    proptest! {
        #[test]
        fn from_type_str_accepts_only_known_strings(s in "[a-zA-Z0-9_]{0,40}") {
            match ErrorType::from_type_str(&s) {
                Some(t) => prop_assert_eq!(t.as_str(), s.as_str()),
                None => prop_assert!(ErrorType::ALL.iter().all(|t| t.as_str() != s)),
            }
        }
    }
}
