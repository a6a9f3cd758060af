//! Request shapes, signatures against independently computed vectors, and response parsing,
//! including the recorded STS exchange of the Rust SDK's `retry_on_error` test.

use http::StatusCode;

use super::*;
use crate::RetryKind;
use crate::endpoint::{StsEndpointParams, resolve_sts_endpoint};

/// 2015-08-30T12:36:00Z, the AWS signing test suite's date.
const NOW: Timestamp = Timestamp::from_unix_seconds(1_440_938_160);

fn endpoint(region: &str) -> StsEndpoint {
    resolve_sts_endpoint(&StsEndpointParams {
        region: Some(region.to_owned()),
        ..StsEndpointParams::default()
    })
    .unwrap()
}

fn example_credentials(token: Option<&str>) -> SigningCredentials {
    SigningCredentials {
        access_key_id: "AKIDEXAMPLE".to_owned(),
        secret_access_key: SecretAccessKey::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        session_token: token.map(SessionToken::new),
    }
}

fn header<'r>(request: &'r http::Request<Vec<u8>>, name: &str) -> &'r str {
    request.headers()[name].to_str().unwrap()
}

fn body(request: &http::Request<Vec<u8>>) -> &str {
    std::str::from_utf8(request.body()).unwrap()
}

fn response(status: u16, body: &str) -> http::Response<Vec<u8>> {
    let mut response = http::Response::new(body.as_bytes().to_vec());
    *response.status_mut() = StatusCode::from_u16(status).unwrap();
    response
}

// The expected signatures were computed independently of aws-sigv4, with Python's hashlib and
// hmac following the SigV4 specification (canonical request, string to sign, derived key).

#[test]
fn get_caller_identity_is_signed_as_the_specification_says() {
    let request =
        get_caller_identity_request(&endpoint("us-east-1"), &example_credentials(None), NOW)
            .unwrap();
    assert_eq!(request.method(), Method::POST);
    assert_eq!(request.uri(), "https://sts.us-east-1.amazonaws.com/");
    assert_eq!(
        body(&request),
        "Action=GetCallerIdentity&Version=2011-06-15"
    );
    assert_eq!(header(&request, "content-type"), FORM_CONTENT_TYPE);
    assert_eq!(header(&request, "host"), "sts.us-east-1.amazonaws.com");
    assert_eq!(header(&request, "x-amz-date"), "20150830T123600Z");
    assert_eq!(
        header(&request, "authorization"),
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, \
         SignedHeaders=content-type;host;x-amz-date, \
         Signature=52a8540fea00e731072179f763577cbe2a45eac2c5d32fb4d785f3eefac88165"
    );
    assert!(request.headers().get("x-amz-security-token").is_none());
    assert!(request.headers()["authorization"].is_sensitive());
}

#[test]
fn a_session_token_is_sent_and_signed() {
    let request = get_caller_identity_request(
        &endpoint("us-east-1"),
        &example_credentials(Some("session-token-example")),
        NOW,
    )
    .unwrap();
    assert_eq!(
        header(&request, "x-amz-security-token"),
        "session-token-example"
    );
    assert!(request.headers()["x-amz-security-token"].is_sensitive());
    assert!(header(&request, "authorization").ends_with(
        "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, \
         Signature=3118a4bb8561b87b90b5f02d31be02daeb3794ec29348a111dd02a5096c5e38f"
    ));
}

#[test]
fn assume_role_sends_every_profile_parameter_and_signs_for_the_region() {
    let params = AssumeRoleParams {
        external_id: Some("x".to_owned()),
        duration_seconds: Some(3600),
        serial_number: Some("arn:aws:iam::123456789012:mfa/me".to_owned()),
        token_code: Some(MfaCode::new("123456")),
        ..AssumeRoleParams::new("arn:aws:iam::123456789012:role/Admin", "me")
    };
    let request = assume_role_request(
        &endpoint("eu-west-1"),
        &params,
        &example_credentials(None),
        NOW,
    )
    .unwrap();
    assert_eq!(request.uri(), "https://sts.eu-west-1.amazonaws.com/");
    assert_eq!(
        body(&request),
        "Action=AssumeRole&Version=2011-06-15\
         &RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FAdmin&RoleSessionName=me\
         &DurationSeconds=3600&ExternalId=x\
         &SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Fme&TokenCode=123456"
    );
    assert!(header(&request, "authorization").ends_with(
        "Credential=AKIDEXAMPLE/20150830/eu-west-1/sts/aws4_request, \
         SignedHeaders=content-type;host;x-amz-date, \
         Signature=2d9d63666cc45c277fd26ab3218ddcbed3e04761cb63eab9f305fc25ee09ad33"
    ));
    // Secrets stay out of Debug.
    let debug = format!("{params:?} {:?}", example_credentials(Some("tok")));
    assert!(!debug.contains("123456\""), "{debug}");
    assert!(!debug.contains("wJalrXUtnFEMI"), "{debug}");
    assert!(!debug.contains("tok\""), "{debug}");
}

#[test]
fn assume_role_policy_is_form_encoded() {
    let params = AssumeRoleParams {
        policy: Some(r#"{"Version": "2012-10-17"}"#.to_owned()),
        ..AssumeRoleParams::new("arn:aws:iam::1:role/R", "s p")
    };
    let request = assume_role_request(
        &endpoint("us-east-1"),
        &params,
        &example_credentials(None),
        NOW,
    )
    .unwrap();
    assert_eq!(
        body(&request),
        "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2FR\
         &RoleSessionName=s+p&Policy=%7B%22Version%22%3A+%222012-10-17%22%7D"
    );
}

#[test]
fn web_identity_is_unsigned_and_keeps_the_token_verbatim() {
    let params = WebIdentityParams {
        role_arn: "arn:aws:iam::123456789012:role/test".to_owned(),
        role_session_name: "web-identity-token-1".to_owned(),
        web_identity_token: WebIdentityToken::new("eyJ.header.sig\n"),
        duration_seconds: None,
        policy: None,
    };
    let request = assume_role_with_web_identity_request(&endpoint("us-west-2"), &params);
    assert_eq!(request.uri(), "https://sts.us-west-2.amazonaws.com/");
    assert_eq!(
        body(&request),
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15\
         &RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Ftest\
         &RoleSessionName=web-identity-token-1&WebIdentityToken=eyJ.header.sig%0A"
    );
    assert!(request.headers().get("authorization").is_none());
    assert!(request.headers().get("x-amz-security-token").is_none());
    assert!(!format!("{params:?}").contains("eyJ"));
}

#[test]
fn custom_endpoint_host_includes_the_port() {
    let endpoint = StsEndpoint::custom("http://127.0.0.1:4566", "us-east-1").unwrap();
    let request = get_caller_identity_request(&endpoint, &example_credentials(None), NOW).unwrap();
    assert_eq!(request.uri(), "http://127.0.0.1:4566/");
    assert_eq!(header(&request, "host"), "127.0.0.1:4566");
}

/// The success body of `full/profile-provider/retry_on_error/http-traffic.json`.
const RECORDED_ASSUME_ROLE: &str = r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <AssumedRoleId>AROARABCDEFGHIJKLMNOP:assume-role-provider-session</AssumedRoleId>
      <Arn>arn:aws:sts::123456789012:assumed-role/integration-test/assume-role-provider-session</Arn>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIARTESTID</AccessKeyId>
      <SecretAccessKey>TESTSECRETKEY</SecretAccessKey>
      <SessionToken>TESTSESSIONTOKEN</SessionToken>
      <Expiration>2021-08-05T19:58:02Z</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>c2e971c2-702d-4124-9b1f-1670febbea18</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>
"#;

#[test]
fn parses_the_recorded_assume_role_response() {
    let role = parse_assume_role(&response(200, RECORDED_ASSUME_ROLE)).unwrap();
    assert_eq!(role.credentials.access_key_id, "ASIARTESTID");
    assert_eq!(
        role.credentials.secret_access_key.expose_secret(),
        "TESTSECRETKEY"
    );
    assert_eq!(
        role.credentials.session_token.expose_secret(),
        "TESTSESSIONTOKEN"
    );
    // 2021-08-05T19:58:02Z
    assert_eq!(
        role.credentials.expiration,
        Timestamp::from_unix_seconds(1_628_193_482)
    );
    let user = role.assumed_role_user.as_ref().unwrap();
    assert_eq!(
        user.assumed_role_id,
        "AROARABCDEFGHIJKLMNOP:assume-role-provider-session"
    );
    assert_eq!(user.account_id(), Some("123456789012"));
    assert_eq!(
        role.request_id.as_deref(),
        Some("c2e971c2-702d-4124-9b1f-1670febbea18")
    );
    assert_eq!(role.packed_policy_size, None);
    let next = role.credentials.to_signing_credentials();
    assert_eq!(
        next.session_token.unwrap().expose_secret(),
        "TESTSESSIONTOKEN"
    );
    let debug = format!("{role:?}");
    assert!(!debug.contains("TESTSECRETKEY") && !debug.contains("TESTSESSIONTOKEN"));
}

#[test]
fn parses_web_identity_fields_and_fractional_expirations() {
    let body = r#"<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <Credentials><AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>s</SecretAccessKey>
      <SessionToken>t</SessionToken><Expiration>2021-08-05T19:58:02.250Z</Expiration></Credentials>
    <SubjectFromWebIdentityToken>system:serviceaccount:ns:sa</SubjectFromWebIdentityToken>
    <AssumedRoleUser><AssumedRoleId>AROA1:s</AssumedRoleId><Arn>arn:aws:sts::1:assumed-role/r/s</Arn></AssumedRoleUser>
    <PackedPolicySize>6</PackedPolicySize>
    <Provider>arn:aws:iam::1:oidc-provider/oidc.eks</Provider>
    <Audience>sts.amazonaws.com</Audience>
  </AssumeRoleWithWebIdentityResult>
</AssumeRoleWithWebIdentityResponse>"#;
    let role = parse_assume_role_with_web_identity(&response(200, body)).unwrap();
    assert_eq!(
        role.credentials.expiration,
        Timestamp::from_unix_millis(1_628_193_482_250)
    );
    assert_eq!(
        role.subject_from_web_identity_token.as_deref(),
        Some("system:serviceaccount:ns:sa")
    );
    assert_eq!(role.audience.as_deref(), Some("sts.amazonaws.com"));
    assert_eq!(
        role.provider.as_deref(),
        Some("arn:aws:iam::1:oidc-provider/oidc.eks")
    );
    assert_eq!(role.packed_policy_size, Some(6));
    assert_eq!(role.request_id, None);
    // The other operation's wrapper is not accepted.
    assert!(matches!(
        parse_assume_role(&response(200, body)),
        Err(StsResponseError::Malformed { .. })
    ));
}

#[test]
fn parses_get_caller_identity() {
    let body = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>
  <Arn>arn:aws:iam::123456789012:user/myuser</Arn><UserId>UserID</UserId><Account>123456789012</Account>
</GetCallerIdentityResult><ResponseMetadata><RequestId>some-request</RequestId></ResponseMetadata></GetCallerIdentityResponse>"#;
    let identity = parse_get_caller_identity(&response(200, body)).unwrap();
    assert_eq!(identity.user_id, "UserID");
    assert_eq!(identity.account, "123456789012");
    assert_eq!(identity.arn, "arn:aws:iam::123456789012:user/myuser");
    assert_eq!(identity.request_id.as_deref(), Some("some-request"));
}

#[test]
fn missing_members_and_bad_bodies_are_malformed() {
    let cases = [
        ("", "not XML"),
        ("<html>proxy login</html>", "`AssumeRoleResult` is missing"),
        (
            "<AssumeRoleResponse><AssumeRoleResult/></AssumeRoleResponse>",
            "`Credentials` is missing",
        ),
        (
            "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>\
             <SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken>\
             <Expiration>tomorrow</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>",
            "`Expiration` is not an ISO 8601 timestamp",
        ),
        (
            "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>\
             <Expiration>2021-08-05T19:58:02Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>",
            "`SecretAccessKey` is missing",
        ),
    ];
    for (body, expected) in cases {
        let err = parse_assume_role(&response(200, body)).unwrap_err();
        assert!(
            matches!(err, StsResponseError::Malformed { status: 200, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains(expected), "{body}: {err}");
        assert!(!err.is_retryable());
    }
    let huge = "x".repeat(crate::MAX_RESPONSE_BYTES + 1);
    let err = parse_get_caller_identity(&response(200, &huge)).unwrap_err();
    assert!(err.to_string().contains("larger than"), "{err}");
}

fn error_body(code: &str, message: &str) -> String {
    format!(
        r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>rid-1</RequestId></ErrorResponse>"#
    )
}

#[test]
fn errors_decode_code_message_and_request_id() {
    let err = parse_assume_role(&response(
        403,
        &error_body(
            "AccessDenied",
            "User: arn:aws:iam::1:user/u is not authorized to perform: sts:AssumeRole",
        ),
    ))
    .unwrap_err();
    let service = err.service_error().unwrap();
    assert_eq!(service.status, 403);
    assert_eq!(service.code, "AccessDenied");
    assert_eq!(service.error_type.as_deref(), Some("Sender"));
    assert_eq!(service.request_id.as_deref(), Some("rid-1"));
    assert!(!err.is_retryable());
    assert_eq!(
        err.to_string(),
        "an error occurred (AccessDenied) when calling the AssumeRole operation: \
         User: arn:aws:iam::1:user/u is not authorized to perform: sts:AssumeRole"
    );
}

#[test]
fn retry_classification_follows_botocore_standard_mode() {
    let classify = |status: u16, body: &str| {
        parse_get_caller_identity(&response(status, body))
            .unwrap_err()
            .service_error()
            .unwrap()
            .retry_kind()
    };
    assert_eq!(
        classify(400, &error_body("Throttling", "Rate exceeded")),
        Some(RetryKind::Throttling)
    );
    assert_eq!(
        classify(400, &error_body("IDPCommunicationError", "try again")),
        Some(RetryKind::Transient)
    );
    assert_eq!(
        classify(400, &error_body("RequestTimeout", "slow")),
        Some(RetryKind::Transient)
    );
    // The recorded 503 has an empty body: the status is the code.
    assert_eq!(classify(503, ""), Some(RetryKind::Transient));
    assert_eq!(classify(429, "<nonsense"), Some(RetryKind::Throttling));
    assert_eq!(classify(400, &error_body("ExpiredToken", "expired")), None);
    assert_eq!(
        classify(400, &error_body("InvalidIdentityToken", "bad jwt")),
        None
    );
    assert_eq!(classify(501, ""), None);
    let fallback = parse_assume_role(&response(503, "")).unwrap_err();
    assert_eq!(fallback.service_error().unwrap().code, "503");
    assert!(fallback.is_retryable());
}

#[test]
fn arn_accounts() {
    assert_eq!(
        account_of_arn("arn:aws:sts::123456789012:assumed-role/r/s"),
        Some("123456789012")
    );
    assert_eq!(account_of_arn("arn:aws:s3:::bucket"), None);
    assert_eq!(account_of_arn("nonsense"), None);
}
