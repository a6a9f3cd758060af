//! Interop with botocore, the code the AWS CLI v2 runs: its files read back field for field, and
//! our files read by botocore itself (when Python with botocore is available).

use crate::support::sample_credentials;
use serde_json::Value;
use sso_cache::{
    AccessToken, AssumeRoleKeyArgs, AssumedRoleCredentials, AssumedRoleUser, CacheDir, CacheEntry,
    CacheKey, CachedToken, ClientRegistration, ClientSecret, Login, RefreshToken,
    RegistrationKeyArgs, RoleCredentials, Timestamp, UnknownFields,
};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/cache")
}

fn manifest() -> Value {
    serde_json::from_str(&fs::read_to_string(fixtures().join("manifest.json")).unwrap()).unwrap()
}

fn opt_str(v: &Value, field: &str) -> Option<String> {
    v.get(field).and_then(Value::as_str).map(str::to_owned)
}

fn ms(v: &Value, field: &str) -> Option<Timestamp> {
    v.get(field)
        .and_then(Value::as_i64)
        .map(Timestamp::from_unix_millis)
}

#[test]
fn botocore_written_tokens_read_back_field_for_field() {
    let manifest = manifest();
    let cases = manifest["tokens"].as_array().unwrap();
    assert!(cases.len() >= 5);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let key = match case["session_name"].as_str() {
            Some(session) => CacheKey::for_session(session),
            None => CacheKey::for_start_url(case["start_url"].as_str().unwrap()),
        };
        assert_eq!(
            format!("sso/cache/{}", key.file_name()),
            case["file"].as_str().unwrap(),
            "{name}: key"
        );
        let cache = CacheDir::new(fixtures().join("sso/cache"));
        let token: CachedToken = cache
            .read(&key)
            .unwrap()
            .unwrap_or_else(|| panic!("{name}: missing"));
        let e = &case["expect"];
        assert_eq!(token.start_url, opt_str(e, "startUrl"), "{name}");
        assert_eq!(token.region, opt_str(e, "region"), "{name}");
        assert_eq!(
            Some(token.access_token.expose_secret().to_owned()),
            opt_str(e, "accessToken"),
            "{name}"
        );
        assert_eq!(Some(token.expires_at), ms(e, "expiresAt"), "{name}");
        assert_eq!(token.client_id, opt_str(e, "clientId"), "{name}");
        assert_eq!(
            token
                .client_secret
                .as_ref()
                .map(|s| s.expose_secret().to_owned()),
            opt_str(e, "clientSecret")
        );
        assert_eq!(
            token.registration_expires_at,
            ms(e, "registrationExpiresAt"),
            "{name}"
        );
        assert_eq!(
            token
                .refresh_token
                .as_ref()
                .map(|s| s.expose_secret().to_owned()),
            opt_str(e, "refreshToken")
        );
        let known = [
            "startUrl",
            "region",
            "accessToken",
            "expiresAt",
            "clientId",
            "clientSecret",
            "registrationExpiresAt",
            "refreshToken",
        ];
        let unknown: Vec<&str> = e
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .filter(|k| !known.contains(k))
            .collect();
        assert_eq!(token.unknown.keys().collect::<Vec<_>>(), unknown, "{name}");
        if case["rewrite_identical"].as_bool().unwrap() {
            let original = fs::read_to_string(cache.entry_path(&key)).unwrap();
            assert_eq!(
                token.to_json().as_str(),
                original,
                "{name}: our rewrite differs from the CLI's bytes"
            );
        }
    }
}

#[test]
fn botocore_written_registrations_read_back_field_for_field() {
    let manifest = manifest();
    for case in manifest["registrations"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let args = &case["key_args"];
        let scopes: Option<Vec<String>> = args["scopes"]
            .as_array()
            .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect());
        let key = CacheKey::for_registration(&RegistrationKeyArgs {
            start_url: args["start_url"].as_str().unwrap(),
            region: args["region"].as_str().unwrap(),
            scopes: scopes.as_deref(),
            session_name: args["session_name"].as_str(),
        });
        assert_eq!(
            format!("sso/cache/{}", key.file_name()),
            case["file"].as_str().unwrap(),
            "{name}: key"
        );
        let cache = CacheDir::new(fixtures().join("sso/cache"));
        let reg: ClientRegistration = cache.read(&key).unwrap().unwrap();
        let e = &case["expect"];
        assert_eq!(Some(reg.client_id.clone()), opt_str(e, "clientId"));
        assert_eq!(
            Some(reg.client_secret.expose_secret().to_owned()),
            opt_str(e, "clientSecret")
        );
        assert_eq!(Some(reg.expires_at), ms(e, "expiresAt"));
        let list = |f: &str| {
            e.get(f).and_then(Value::as_array).map(|a| {
                a.iter()
                    .map(|s| s.as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(reg.scopes, list("scopes"), "{name}");
        assert_eq!(reg.grant_types, list("grantTypes"), "{name}");
        assert_eq!(
            reg.to_json().as_str(),
            fs::read_to_string(cache.entry_path(&key)).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn botocore_written_role_credentials_read_back_and_list() {
    let manifest = manifest();
    let cache = CacheDir::new(fixtures().join("cli/cache"));
    let cases = manifest["credentials"].as_array().unwrap();
    for case in cases {
        let login = match case["session_name"].as_str() {
            Some(s) => Login::Session(s),
            None => Login::StartUrl(case["start_url"].as_str().unwrap()),
        };
        let key = CacheKey::for_role_credentials(
            case["account_id"].as_str().unwrap(),
            case["role_name"].as_str().unwrap(),
            login,
        );
        assert_eq!(
            format!("cli/cache/{}", key.file_name()),
            case["file"].as_str().unwrap()
        );
        let creds: RoleCredentials = cache.read(&key).unwrap().unwrap();
        let e = &case["expect"];
        assert_eq!(Some(creds.access_key_id.clone()), opt_str(e, "AccessKeyId"));
        assert_eq!(Some(creds.expiration), ms(e, "Expiration"));
        assert_eq!(creds.account_id, opt_str(e, "AccountId"));
        assert_eq!(
            creds.to_json().as_str(),
            fs::read_to_string(cache.entry_path(&key)).unwrap()
        );
    }
    // Logout's view: both SSO entries, not the assume-role one.
    let listed = cache.list_sso_credentials().unwrap();
    assert_eq!(listed.len(), cases.len());
    assert!(
        listed
            .iter()
            .all(|c| !c.path.ends_with("assume-role-entry.json"))
    );
}

/// The assumed-role entries botocore's own `AssumeRoleCredentialFetcher` and
/// `AssumeRoleWithWebIdentityCredentialFetcher` wrote: our key names the same file, we read every
/// field back, and an entry built from the values (as the driver builds it from an STS response)
/// is byte for byte the CLI's file.
#[test]
fn botocore_written_assumed_roles_match_byte_for_byte() {
    let manifest = manifest();
    let cache = CacheDir::new(fixtures().join("cli/cache"));
    let cases = manifest["assumed_roles"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let args = &case["key_args"];
        let policy: Option<Value> =
            opt_str(args, "Policy").map(|text| serde_json::from_str(&text).unwrap());
        let key = CacheKey::for_assumed_role(&AssumeRoleKeyArgs {
            role_arn: args["RoleArn"].as_str().unwrap(),
            role_session_name: args["RoleSessionName"].as_str(),
            external_id: args["ExternalId"].as_str(),
            serial_number: args["SerialNumber"].as_str(),
            duration_seconds: args["DurationSeconds"].as_u64(),
            policy: policy.as_ref(),
        });
        assert_eq!(
            format!("cli/cache/{}", key.file_name()),
            case["file"].as_str().unwrap(),
            "{name}: key"
        );
        let bytes = fs::read_to_string(cache.entry_path(&key)).unwrap();
        let read: AssumedRoleCredentials = cache.read(&key).unwrap().unwrap();
        let e = &case["expect"];
        assert_eq!(Some(read.access_key_id.clone()), opt_str(e, "AccessKeyId"));
        assert_eq!(Some(read.expiration), ms(e, "Expiration"), "{name}");
        assert_eq!(read.account_id, opt_str(e, "AccountId"), "{name}");
        assert_eq!(read.to_json().as_str(), bytes, "{name}: rewrite");

        // Built from scratch, the way the driver turns an STS response into an entry.
        let user = read.assumed_role_user.clone().unwrap();
        let mut built = AssumedRoleCredentials {
            access_key_id: read.access_key_id.clone(),
            secret_access_key: read.secret_access_key.clone(),
            session_token: read.session_token.clone(),
            expiration: Timestamp::from_unix_millis(ms(e, "Expiration").unwrap().unix_millis()),
            account_id: Some("123456789012".to_owned()),
            credentials_unknown: UnknownFields::new(),
            assumed_role_user: Some(AssumedRoleUser {
                assumed_role_id: user.assumed_role_id,
                arn: user.arn,
            }),
            response: UnknownFields::new(),
        };
        if case["kind"] == "web-identity" {
            // Inserted after the others on purpose: the writer restores the model's order.
            built.response.insert(
                "Provider",
                Value::from(opt_str(&read_top(&bytes), "Provider")),
            );
            built
                .response
                .insert("Audience", Value::from("sts.amazonaws.com"));
            built.response.insert(
                "SubjectFromWebIdentityToken",
                Value::from("system:serviceaccount:ns:sa"),
            );
        }
        built.set_response_metadata(
            Some("fixture-request-id"),
            200,
            &[
                ("X-Amzn-RequestId", "fixture-request-id"),
                ("Content-Type", "text/xml"),
                ("Content-Length", "1491"),
                ("Date", "Thu, 05 Aug 2021 18:58:02 GMT"),
            ],
            0,
        );
        assert_eq!(built.to_json().as_str(), bytes, "{name}: built");
    }
}

fn read_top(bytes: &str) -> Value {
    serde_json::from_str(bytes).unwrap()
}

/// Our writes, read by botocore. Runs only where `python3` can import botocore; otherwise it
/// prints why it is skipping and checks nothing else.
#[test]
fn botocore_reads_what_we_write() {
    let probe = Command::new("python3")
        .args(["-c", "import botocore"])
        .output();
    match probe {
        Err(e) => {
            println!("skipping botocore_reads_what_we_write: cannot run python3 ({e})");
            return;
        }
        Ok(out) if !out.status.success() => {
            println!(
                "skipping botocore_reads_what_we_write: python3 cannot import botocore (pip install botocore): {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            return;
        }
        Ok(_) => {}
    }
    let tmp = tempfile::tempdir().unwrap();
    let sso = CacheDir::new(tmp.path().join("sso/cache"));
    let cli = CacheDir::new(tmp.path().join("cli/cache"));
    let expires = Timestamp::from_unix_seconds(1_905_495_015); // 2030-05-17T08:30:15Z
    let mut unknown = UnknownFields::new();
    unknown.insert(
        "someFutureField",
        serde_json::json!({"nested": [1, 2.5, null, "ü"]}),
    );
    let tokens = [
        (
            "session",
            Some("my-sso"),
            "https://d-123.awsapps.com/start",
            true,
            UnknownFields::new(),
        ),
        (
            "legacy",
            None,
            "https://d-123.awsapps.com/start/",
            false,
            UnknownFields::new(),
        ),
        (
            "non-ascii",
            Some("dév-🚀"),
            "https://exämple.awsapps.com/start",
            true,
            unknown,
        ),
    ];
    let mut expect_tokens = Vec::new();
    for (name, session, start_url, refresh, unknown) in tokens {
        let token = CachedToken {
            start_url: Some(start_url.into()),
            region: Some("us-east-1".into()),
            access_token: AccessToken::new(format!("our-access-token-é-{name}")),
            expires_at: expires,
            client_id: refresh.then(|| "our-client-id".to_owned()),
            client_secret: refresh.then(|| ClientSecret::new("our-client-secret")),
            registration_expires_at: refresh
                .then(|| expires.saturating_add(Duration::from_secs(86_400))),
            refresh_token: refresh.then(|| RefreshToken::new("our-refresh-token")),
            unknown,
        };
        let key = session.map_or_else(|| CacheKey::for_start_url(start_url), CacheKey::for_session);
        sso.write(&key, &token).unwrap();
        let fields: Value = serde_json::from_str(&token.to_json()).unwrap();
        expect_tokens.push(serde_json::json!({"name": name, "session_name": session, "start_url": start_url, "fields": fields}));
    }
    let reg_json = r#"{"clientId": "our-client-id", "clientSecret": "our-client-secret", "expiresAt": "2030-08-15T00:00:00Z", "scopes": ["sso:account:access"], "grantTypes": ["authorization_code", "refresh_token"]}"#;
    let reg = ClientRegistration::from_json(reg_json.as_bytes()).unwrap();
    let scopes = vec!["sso:account:access".to_owned()];
    let reg_key = CacheKey::for_registration(&RegistrationKeyArgs {
        start_url: "https://d-123.awsapps.com/start",
        region: "us-east-1",
        scopes: Some(&scopes),
        session_name: Some("my-sso"),
    });
    sso.write(&reg_key, &reg).unwrap();
    let mut expect_creds = Vec::new();
    for (name, role, session) in [
        ("session", "ReadOnly", Some("my-sso")),
        ("legacy", "Admin", None),
    ] {
        let start_url = "https://d-123.awsapps.com/start/";
        let login = session.map_or(Login::StartUrl(start_url), Login::Session);
        let key = CacheKey::for_role_credentials("123456789012", role, login);
        // Far enough ahead that botocore's own clock finds them fresh.
        let creds = sample_credentials(Timestamp::from_unix_seconds(4_102_444_800)); // 2100-01-01
        cli.write(&key, &creds).unwrap();
        expect_creds.push(serde_json::json!({
            "name": name, "role_name": role, "account_id": "123456789012", "session_name": session, "start_url": start_url,
            "botocore": {"access_key": "ASIAEXAMPLE", "secret_key": "secret-key", "token": "session-token",
                         "expiry_time": "2100-01-01T00:00:00Z", "account_id": "123456789012"},
        }));
    }
    let expect = serde_json::json!({
        "tokens": expect_tokens,
        "registrations": [{"name": "pkce", "file": reg_key.file_name(), "fields": serde_json::from_str::<Value>(reg_json).unwrap()}],
        "credentials": expect_creds,
    });
    let expect_path = tmp.path().join("expect.json");
    fs::write(&expect_path, expect.to_string()).unwrap();
    let out = Command::new("python3")
        .arg(fixtures().join("check_ours.py"))
        .arg(tmp.path())
        .arg(&expect_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "botocore rejected our files:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{}", String::from_utf8_lossy(&out.stdout).trim());
}
