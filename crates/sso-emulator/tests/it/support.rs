//! Helpers shared by the API tests: start an emulator, send requests, check AWS-style errors,
//! and run the device and PKCE flows to a token.

use base64::Engine as _;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sso_emulator::{Emulator, EmulatorBuilder, RunningEmulator};

/// The port-less loopback redirect URI the AWS CLI registers.
pub const REGISTERED_REDIRECT: &str = "http://127.0.0.1/oauth/callback";
/// The redirect URI of a login on port 55555.
pub const REDIRECT: &str = "http://127.0.0.1:55555/oauth/callback";
/// RFC 7636 Appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// A response, read completely.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub error_type: Option<String>,
    pub location: Option<String>,
    pub body: Value,
    pub text: String,
}

impl Reply {
    /// Asserts an AWS error: status, the code in `x-amzn-ErrorType`, and a JSON body.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "{self:?}");
        let header = self.error_type.as_deref().unwrap_or_default();
        assert_eq!(header.split(':').next(), Some(code), "{self:?}");
        assert!(self.body.is_object(), "{self:?}");
    }

    /// Asserts an OIDC error (body `error`, `error_description`).
    #[track_caller]
    pub fn assert_oidc_error(&self, status: u16, code: &str, error: &str) {
        self.assert_error(status, code);
        assert_eq!(self.body["error"], error, "{self:?}");
        assert!(self.body["error_description"].is_string(), "{self:?}");
    }

    /// Asserts a portal error (body `message` only).
    #[track_caller]
    pub fn assert_portal_error(&self, status: u16, code: &str) {
        self.assert_error(status, code);
        assert!(self.body["message"].is_string(), "{self:?}");
        assert_eq!(self.body.as_object().unwrap().len(), 1, "{self:?}");
    }

    /// A string member of the body.
    #[track_caller]
    pub fn str(&self, key: &str) -> String {
        self.body[key]
            .as_str()
            .unwrap_or_else(|| panic!("no {key} in {self:?}"))
            .to_owned()
    }
}

/// A started emulator and a client that does not follow redirects.
pub struct Ctx {
    pub emu: RunningEmulator,
    http: reqwest::Client,
}

/// A registered client.
#[derive(Debug, Clone)]
pub struct Registration {
    pub id: String,
    pub secret: String,
}

pub async fn start(builder: EmulatorBuilder) -> Ctx {
    let emu = builder.seed(7).start().await.unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Ctx { emu, http }
}

pub async fn start_default() -> Ctx {
    start(Emulator::builder()).await
}

impl Ctx {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.emu.url())
    }

    async fn read(resp: reqwest::Response) -> Reply {
        let status = resp.status();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        let error_type = header("x-amzn-errortype");
        let location = header("location");
        let text = resp.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            error_type,
            location,
            body,
            text,
        }
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Reply {
        let req = self
            .http
            .post(self.url(path))
            .header("content-type", "application/json");
        Self::read(req.body(body.to_string()).send().await.unwrap()).await
    }

    pub async fn post_raw(&self, path: &str, body: &'static str) -> Reply {
        let req = self
            .http
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body);
        Self::read(req.send().await.unwrap()).await
    }

    /// A form POST as AWS SDKs send query-protocol calls.
    pub async fn post_urlencoded(&self, path: &str, form: &str) -> Reply {
        self.post_with_headers(path, form, &[]).await
    }

    /// A form POST with extra headers.
    pub async fn post_with_headers(
        &self,
        path: &str,
        form: &str,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self.http.post(self.url(path)).header(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        );
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        Self::read(req.body(form.to_owned()).send().await.unwrap()).await
    }

    /// A GET with headers.
    pub async fn get_with_headers(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut req = self.http.get(self.url(path));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        Self::read(req.send().await.unwrap()).await
    }

    /// A PUT with headers and no body.
    pub async fn put_with_headers(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut req = self.http.put(self.url(path));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        Self::read(req.send().await.unwrap()).await
    }

    pub async fn post_form(&self, path: &str, form: &str) -> Reply {
        let req = self
            .http
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html")
            .body(form.to_owned());
        Self::read(req.send().await.unwrap()).await
    }

    pub async fn get(&self, path_and_query: &str) -> Reply {
        Self::read(
            self.http
                .get(self.url(path_and_query))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// A portal GET with the bearer header.
    pub async fn portal_get(&self, path_and_query: &str, token: &str) -> Reply {
        let req = self
            .http
            .get(self.url(path_and_query))
            .header("x-amz-sso_bearer_token", token);
        Self::read(req.send().await.unwrap()).await
    }

    pub async fn logout(&self, token: &str) -> Reply {
        let req = self
            .http
            .post(self.url("/logout"))
            .header("x-amz-sso_bearer_token", token);
        Self::read(req.send().await.unwrap()).await
    }

    pub async fn register(&self, body: Value) -> Registration {
        let reply = self.post_json("/client/register", &body).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        Registration {
            id: reply.str("clientId"),
            secret: reply.str("clientSecret"),
        }
    }

    /// A device-flow client as the AWS CLI registers it, with scopes.
    pub async fn register_device(&self) -> Registration {
        self.register(
            json!({"clientName": "botocore-client-test", "clientType": "public",
            "scopes": ["sso:account:access"]}),
        )
        .await
    }

    /// An auth-code client as the AWS CLI registers it.
    pub async fn register_pkce(&self) -> Registration {
        self.register(
            json!({"clientName": "botocore-client-test", "clientType": "public",
            "grantTypes": ["authorization_code", "refresh_token"],
            "redirectUris": [REGISTERED_REDIRECT], "issuerUrl": "https://example.awsapps.com/start",
            "scopes": ["sso:account:access"]}),
        )
        .await
    }

    pub async fn start_device(&self, client: &Registration) -> Reply {
        self.post_json(
            "/device_authorization",
            &json!({"clientId": client.id,
            "clientSecret": client.secret, "startUrl": "https://example.awsapps.com/start"}),
        )
        .await
    }

    pub async fn poll_device(&self, client: &Registration, device_code: &str) -> Reply {
        self.post_json(
            "/token",
            &json!({"clientId": client.id, "clientSecret": client.secret,
            "grantType": DEVICE_GRANT, "deviceCode": device_code}),
        )
        .await
    }

    /// `/authorize` with the CLI's parameters; `extra` overrides or adds parameters.
    pub async fn authorize(&self, client_id: &str, extra: &[(&str, &str)]) -> Reply {
        let mut params = vec![
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", REDIRECT),
            ("state", "00000000-0000-0000-0000-000000000000"),
            ("code_challenge_method", "S256"),
            ("scopes", "sso:account:access"),
            ("code_challenge", CHALLENGE),
        ];
        for (k, v) in extra {
            params.retain(|(name, _)| name != k);
            params.push((k, v));
        }
        let req = self.http.get(self.url("/authorize")).query(&params);
        Self::read(req.send().await.unwrap()).await
    }

    /// Runs `/authorize` and returns the code from the redirect.
    pub async fn auth_code(&self, client: &Registration) -> String {
        let reply = self.authorize(&client.id, &[]).await;
        assert_eq!(reply.status, StatusCode::FOUND, "{reply:?}");
        query_param(reply.location.as_deref().unwrap(), "code").unwrap()
    }

    pub async fn exchange(
        &self,
        client: &Registration,
        code: &str,
        redirect: &str,
        verifier: &str,
    ) -> Reply {
        self.post_json(
            "/token",
            &json!({"clientId": client.id, "clientSecret": client.secret,
            "grantType": "authorization_code", "code": code, "redirectUri": redirect,
            "codeVerifier": verifier}),
        )
        .await
    }

    pub async fn refresh(&self, client: &Registration, refresh_token: &str) -> Reply {
        self.post_json(
            "/token",
            &json!({"clientId": client.id, "clientSecret": client.secret,
            "grantType": "refresh_token", "refreshToken": refresh_token}),
        )
        .await
    }

    /// A full PKCE login: the token response.
    pub async fn login(&self) -> (Registration, Reply) {
        let client = self.register_pkce().await;
        let code = self.auth_code(&client).await;
        let reply = self.exchange(&client, &code, REDIRECT, VERIFIER).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        (client, reply)
    }

    /// A fresh access token.
    pub async fn access_token(&self) -> String {
        self.login().await.1.str("accessToken")
    }

    /// Moves the emulator's clock forward.
    pub fn advance_clock(&self, secs: i64) {
        self.emu
            .update_config(|c| c.clock_offset_secs += secs)
            .unwrap();
    }
}

/// The first value of `name` in the query of `url`.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(url).unwrap();
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The S256 challenge of a verifier, computed independently of the emulator.
pub fn challenge_of(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}
