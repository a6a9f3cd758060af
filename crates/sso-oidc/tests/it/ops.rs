//! Operation bindings against the Smithy models, and botocore's error-code rules.

use serde_json::json;
use sso_oidc::oidc::{self, Grant, RegisterClientInput};
use sso_oidc::portal::{self, AccountPager, PagerError};
use sso_oidc::{
    AccessToken, AuthorizationCode, ClientSecret, CodeVerifier, DeviceCode, Endpoint, ErrorCode,
    RefreshToken, ResponseError, Timestamp,
};

use crate::support::{ok, response};

fn endpoint() -> Endpoint {
    Endpoint::parse("https://oidc.us-east-1.amazonaws.com").unwrap()
}

fn body(request: &http::Request<Vec<u8>>) -> serde_json::Value {
    assert_eq!(request.headers()["content-type"], "application/json");
    assert!(request.headers().get("authorization").is_none());
    serde_json::from_slice(request.body()).unwrap()
}

#[test]
fn oidc_request_bindings() {
    let secret = ClientSecret::new("cs");
    let request = oidc::register_client(
        &endpoint(),
        &RegisterClientInput {
            client_name: "botocore-client-x".into(),
            ..RegisterClientInput::default()
        },
    );
    assert_eq!(
        (
            request.method().as_str(),
            request.uri().to_string().as_str()
        ),
        (
            "POST",
            "https://oidc.us-east-1.amazonaws.com/client/register"
        )
    );
    assert_eq!(
        body(&request),
        json!({"clientName": "botocore-client-x", "clientType": "public"})
    );

    let request = oidc::start_device_authorization(&endpoint(), "cid", &secret, "https://s/start");
    assert_eq!(request.uri().path(), "/device_authorization");
    assert_eq!(
        body(&request),
        json!({"clientId": "cid", "clientSecret": "cs", "startUrl": "https://s/start"})
    );

    let request = oidc::create_token(
        &endpoint(),
        "cid",
        &secret,
        Grant::DeviceCode(&DeviceCode::new("dc")),
    );
    assert_eq!(request.uri().path(), "/token");
    assert_eq!(
        body(&request),
        json!({"clientId": "cid", "clientSecret": "cs", "grantType": "urn:ietf:params:oauth:grant-type:device_code", "deviceCode": "dc"})
    );
    let request = oidc::create_token(
        &endpoint(),
        "cid",
        &secret,
        Grant::AuthorizationCode {
            code: &AuthorizationCode::new("code"),
            redirect_uri: "http://127.0.0.1:1/oauth/callback",
            code_verifier: &CodeVerifier::new("v"),
        },
    );
    assert_eq!(
        body(&request),
        json!({"clientId": "cid", "clientSecret": "cs", "grantType": "authorization_code", "code": "code", "redirectUri": "http://127.0.0.1:1/oauth/callback", "codeVerifier": "v"})
    );
    let request = oidc::create_token(
        &endpoint(),
        "cid",
        &secret,
        Grant::RefreshToken(&RefreshToken::new("rt")),
    );
    assert_eq!(
        body(&request),
        json!({"clientId": "cid", "clientSecret": "cs", "grantType": "refresh_token", "refreshToken": "rt"})
    );
}

#[test]
fn oidc_response_bindings_use_seconds() {
    let out = oidc::parse_register_client(&ok(
        r#"{"clientId":"c","clientSecret":"s","clientIdIssuedAt":1700000000,"clientSecretExpiresAt":1707776000}"#,
    ))
    .unwrap();
    assert_eq!(
        out.client_secret_expires_at,
        Timestamp::from_unix_seconds(1_707_776_000)
    );
    assert_eq!(
        out.client_id_issued_at,
        Some(Timestamp::from_unix_seconds(1_700_000_000))
    );
    let auth = oidc::parse_start_device_authorization(&ok(crate::support::DEVICE_OK)).unwrap();
    assert_eq!(auth.expires_in.as_secs(), 600);
    assert_eq!(auth.interval.map(|i| i.as_secs()), Some(1));
    // Content type is ignored: the body is JSON whatever the header says.
    let mut text = ok(r#"{"accessToken":"a","expiresIn":60}"#);
    text.headers_mut()
        .insert("content-type", "text/plain".parse().unwrap());
    let token = oidc::parse_create_token(&text).unwrap();
    assert_eq!(
        (
            token.access_token.expose_secret(),
            token.expires_in.as_secs(),
            token.refresh_token
        ),
        ("a", 60, None)
    );
    let missing = oidc::parse_create_token(&ok(r#"{"expiresIn":60}"#)).unwrap_err();
    assert!(
        matches!(missing, ResponseError::Malformed { .. }),
        "{missing}"
    );
    assert!(oidc::parse_create_token(&ok("not json")).is_err());
}

#[test]
fn portal_request_bindings() {
    let portal = Endpoint::parse("https://portal.sso.us-east-2.amazonaws.com").unwrap();
    let token = AccessToken::new("a-token");
    let request = portal::get_role_credentials(&portal, &token, "123456789", "MySsoRole");
    assert_eq!(request.method(), http::Method::GET);
    assert_eq!(
        request.uri().to_string(),
        "https://portal.sso.us-east-2.amazonaws.com/federation/credentials?role_name=MySsoRole&account_id=123456789"
    );
    assert_eq!(request.headers()["x-amz-sso_bearer_token"], "a-token");
    assert!(request.headers()["x-amz-sso_bearer_token"].is_sensitive());
    let request = portal::list_accounts(&portal, &token, Some("t/1+"), Some(500));
    assert_eq!(
        request.uri().path_and_query().unwrap().as_str(),
        "/assignment/accounts?next_token=t%2F1%2B&max_result=100"
    );
    let request = portal::list_account_roles(&portal, &token, "111", None, None);
    assert_eq!(
        request.uri().path_and_query().unwrap().as_str(),
        "/assignment/roles?account_id=111"
    );
    let request = portal::logout(&portal, &token);
    assert_eq!(
        (
            request.method().as_str(),
            request.uri().path(),
            request.body().len()
        ),
        ("POST", "/logout", 0)
    );
    assert!(request.headers().get("content-type").is_none());
}

#[test]
fn portal_response_bindings_use_milliseconds() {
    let creds = portal::parse_get_role_credentials(&ok(
        r#"{"roleCredentials":{"accessKeyId":"ASIARCORRECT","secretAccessKey":"secretkeycorrect","sessionToken":"tokencorrect","expiration":1234567890000}}"#,
    ))
    .unwrap();
    assert_eq!(
        creds.expiration,
        Timestamp::from_unix_millis(1_234_567_890_000)
    );
    assert!(!format!("{creds:?}").contains("secretkeycorrect"));
    assert!(!format!("{creds:?}").contains("tokencorrect"));
    let page = portal::parse_list_accounts(&ok(r#"{"nextToken":"n","accountList":[{"accountId":"1"},{"accountId":"2","accountName":"two","emailAddress":"e"}]}"#)).unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.items[0].account_name, None);
    assert_eq!(page.next_token.as_deref(), Some("n"));
    let roles =
        portal::parse_list_account_roles(&ok(r#"{"roleList":[{"roleName":"R","accountId":"1"}]}"#))
            .unwrap();
    assert_eq!(
        (roles.items[0].role_name.as_str(), roles.next_token),
        ("R", None)
    );
    portal::parse_logout(&ok("")).unwrap();
}

fn code_of(response: http::Response<Vec<u8>>) -> (ErrorCode, bool) {
    let error = portal::parse_logout(&response).unwrap_err();
    (
        error.service_error().unwrap().code.clone(),
        error.is_retryable(),
    )
}

#[test]
fn error_code_sources_follow_botocore() {
    // Header, cut at ':' and after the last '#'.
    let (code, _) = code_of(response(
        400,
        Some("InvalidRequestException:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/"),
        r#"{"error":"invalid_request","error_description":"Invalid request"}"#,
    ));
    assert_eq!(code, ErrorCode::InvalidRequest);
    let (code, _) = code_of(response(
        400,
        Some("aws.protocoljson#SlowDownException"),
        "{}",
    ));
    assert_eq!(code, ErrorCode::SlowDown);
    // Body `code`, then `Code`, then `__type`.
    assert_eq!(
        code_of(response(
            400,
            None,
            r#"{"code":"InvalidGrantException","__type":"x#Y"}"#
        ))
        .0,
        ErrorCode::InvalidGrant
    );
    assert_eq!(
        code_of(response(400, None, r#"{"Code":"InvalidScopeException"}"#)).0,
        ErrorCode::InvalidScope
    );
    assert_eq!(
        code_of(response(401, None, r#"{"message":"Session token not found or invalid","__type":"com.amazonaws.switchboard.portal#UnauthorizedException"}"#)).0,
        ErrorCode::Unauthorized
    );
    // Else the status.
    assert_eq!(
        code_of(response(502, None, "<html>")),
        (ErrorCode::Other("502".into()), true)
    );
}

#[test]
fn every_modelled_code_round_trips_and_retryability() {
    let codes = [
        "AuthorizationPendingException",
        "SlowDownException",
        "ExpiredTokenException",
        "AccessDeniedException",
        "InvalidRequestException",
        "InvalidClientException",
        "InvalidGrantException",
        "UnauthorizedClientException",
        "UnsupportedGrantTypeException",
        "InvalidScopeException",
        "InvalidClientMetadataException",
        "InvalidRedirectUriException",
        "InternalServerException",
        "InvalidRequestRegionException",
        "UnauthorizedException",
        "TooManyRequestsException",
        "ResourceNotFoundException",
    ];
    for code in codes {
        let parsed = ErrorCode::parse(code);
        assert!(!matches!(parsed, ErrorCode::Other(_)), "{code}");
        assert_eq!(parsed.as_str(), code);
        let status = match code {
            "InternalServerException" => 500,
            "TooManyRequestsException" => 429,
            _ => 400,
        };
        let (_, retryable) = code_of(response(status, Some(code), "{}"));
        assert_eq!(retryable, status != 400, "{code}");
    }
    let error =
        oidc::parse_create_token(&response(418, Some("TeapotException"), "short and stout"))
            .unwrap_err();
    let service = error.service_error().unwrap();
    assert_eq!(
        (service.status, service.body.as_deref()),
        (418, Some("short and stout"))
    );
    assert!(error.to_string().contains("TeapotException"), "{error}");
    let oauth = oidc::parse_create_token(&crate::support::oauth_error(
        "InvalidGrantException",
        "invalid_grant",
    ))
    .unwrap_err();
    let service = oauth.service_error().unwrap();
    assert_eq!(service.error.as_deref(), Some("invalid_grant"));
    assert_eq!(
        service.error_description.as_deref(),
        Some("invalid_grant happened")
    );
}

#[test]
fn account_pager_follows_next_token_and_stops_on_repeat() {
    let portal = Endpoint::parse("https://portal.sso.us-east-1.amazonaws.com").unwrap();
    let mut pager = AccountPager::new(&portal, &AccessToken::new("t"), None);
    let mut all = Vec::new();
    let pages = [
        r#"{"nextToken":"p2","accountList":[{"accountId":"1"}]}"#,
        r#"{"nextToken":"p3","accountList":[{"accountId":"2"}]}"#,
        r#"{"accountList":[{"accountId":"3"}]}"#,
    ];
    let mut queries = Vec::new();
    for page in pages {
        let request = pager.next_request().unwrap();
        queries.push(request.uri().query().map(str::to_owned));
        all.extend(pager.handle_response(&ok(page)).unwrap());
    }
    assert!(pager.next_request().is_none());
    assert_eq!(
        queries,
        [
            None,
            Some("next_token=p2".into()),
            Some("next_token=p3".into())
        ]
    );
    assert_eq!(
        all.iter()
            .map(|a| a.account_id.as_str())
            .collect::<Vec<_>>(),
        ["1", "2", "3"]
    );

    let mut pager = AccountPager::new(&portal, &AccessToken::new("t"), None);
    pager
        .handle_response(&ok(r#"{"nextToken":"x","accountList":[]}"#))
        .unwrap();
    let throttled = pager
        .handle_response(&response(429, Some("TooManyRequestsException"), "{}"))
        .unwrap_err();
    assert!(throttled.is_retryable());
    assert_eq!(
        pager.next_request().unwrap().uri().query(),
        Some("next_token=x")
    );
    let error = pager
        .handle_response(&ok(r#"{"nextToken":"x","accountList":[]}"#))
        .unwrap_err();
    assert!(matches!(error, PagerError::RepeatedToken { .. }));
    assert!(pager.next_request().is_none());
}

#[test]
fn server_lifetimes_are_bounded() {
    use sso_oidc::{MAX_DEVICE_CODE_LIFETIME, MAX_ROLE_CREDENTIALS_LIFETIME, MAX_TOKEN_LIFETIME};
    // A token that is expired on arrival is refused with a clear error, not cached as a success.
    for expires_in in ["0", "-1", "-9223372036854775808"] {
        let error = oidc::parse_create_token(&ok(&format!(
            r#"{{"accessToken":"a","expiresIn":{expires_in}}}"#
        )))
        .unwrap_err();
        assert!(matches!(error, ResponseError::Lifetime { .. }), "{error}");
        assert!(!error.is_retryable());
        assert_eq!(
            error.to_string(),
            format!(
                "CreateToken returned `expiresIn` {expires_in}, which is expired on arrival; the service or the endpoint configuration is broken, try again later or check AWS_ENDPOINT_URL_SSO / AWS_ENDPOINT_URL_SSO_OIDC"
            )
        );
        let device = oidc::parse_start_device_authorization(&ok(&format!(
            r#"{{"deviceCode":"d","userCode":"u","verificationUri":"https://v","expiresIn":{expires_in}}}"#
        )))
        .unwrap_err();
        assert!(matches!(device, ResponseError::Lifetime { .. }), "{device}");
    }
    // Absurdly long lifetimes are shortened to the documented maximum.
    let token = oidc::parse_create_token(&ok(
        r#"{"accessToken":"a","expiresIn":9223372036854775807}"#,
    ))
    .unwrap();
    assert_eq!(token.expires_in, MAX_TOKEN_LIFETIME);
    let token = oidc::parse_create_token(&ok(r#"{"accessToken":"a","expiresIn":28800}"#)).unwrap();
    assert_eq!(token.expires_in.as_secs(), 28800);
    let device = oidc::parse_start_device_authorization(&ok(
        r#"{"deviceCode":"d","userCode":"u","verificationUri":"https://v","expiresIn":9223372036854775807}"#,
    ))
    .unwrap();
    assert_eq!(device.expires_in, MAX_DEVICE_CODE_LIFETIME);

    // Role credentials: `expiration` is absolute; past is refused, far future shortened.
    let now = Timestamp::from_unix_millis(1_700_000_000_000);
    let credentials = |expiration: i64| {
        portal::parse_get_role_credentials(&ok(&format!(
            r#"{{"roleCredentials":{{"accessKeyId":"A","secretAccessKey":"s","sessionToken":"t","expiration":{expiration}}}}}"#
        )))
        .unwrap()
    };
    // A past date is kept, as the SDKs keep it; the caches see that it expired.
    assert_eq!(
        credentials(1_600_000_000_000)
            .bounded(now)
            .unwrap()
            .expiration,
        Timestamp::from_unix_millis(1_600_000_000_000)
    );
    for past in [0, -5] {
        let error = credentials(past).bounded(now).unwrap_err();
        assert!(matches!(error, ResponseError::Lifetime { .. }), "{error}");
        assert!(
            error
                .to_string()
                .starts_with("GetRoleCredentials returned credentials whose `expiration`"),
            "{error}"
        );
    }
    let hour_later = 1_700_000_000_000 + 3_600_000;
    assert_eq!(
        credentials(hour_later).bounded(now).unwrap().expiration,
        Timestamp::from_unix_millis(hour_later)
    );
    assert_eq!(
        credentials(i64::MAX).bounded(now).unwrap().expiration,
        now.saturating_add(MAX_ROLE_CREDENTIALS_LIFETIME)
    );
}
