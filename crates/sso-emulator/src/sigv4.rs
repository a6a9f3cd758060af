//! SigV4 verification for the emulated STS, written from the specification with `sha2` and
//! `hmac` directly. It shares no code with the client's signer (the `aws-sigv4` crate behind
//! `sso-sts`), so a signing bug on one side shows up as a `SignatureDoesNotMatch` here instead
//! of cancelling out.
//!
//! Steps (AWS General Reference, "Create a signed AWS API request"): parse `Authorization`,
//! rebuild the canonical request from the received method, path, query, the signed headers and
//! the body hash, build the string to sign with the credential scope, derive the signing key
//! with the HMAC chain `AWS4{secret}` → date → region → service → `aws4_request`, and compare.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq as _;

use crate::router::Req;

/// The only algorithm accepted.
const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The parts of an `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`
/// header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Authorization {
    pub(crate) access_key_id: String,
    pub(crate) date: String,
    pub(crate) region: String,
    pub(crate) service: String,
    pub(crate) signed_headers: Vec<String>,
    pub(crate) signature: String,
}

/// Why a request's signature is not acceptable; each maps to an STS error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rejection {
    /// No `Authorization` header (`MissingAuthenticationToken`).
    Missing,
    /// An `Authorization` header that does not parse (`IncompleteSignature`).
    Malformed(String),
    /// The signature differs from ours (`SignatureDoesNotMatch`).
    Mismatch,
}

/// Parses the `Authorization` header, if any.
pub(crate) fn parse_authorization(req: &Req) -> Result<Authorization, Rejection> {
    let header = req
        .headers
        .get(http::header::AUTHORIZATION)
        .ok_or(Rejection::Missing)?
        .to_str()
        .map_err(|_| Rejection::Malformed("the Authorization header is not ASCII".to_owned()))?;
    let rest = header
        .strip_prefix(ALGORITHM)
        .and_then(|r| r.strip_prefix(' '))
        .ok_or_else(|| Rejection::Malformed(format!("the algorithm must be {ALGORITHM}")))?;
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',') {
        let (name, value) = part
            .trim()
            .split_once('=')
            .ok_or_else(|| Rejection::Malformed(format!("`{}` is not name=value", part.trim())))?;
        match name {
            "Credential" => credential = Some(value),
            "SignedHeaders" => signed_headers = Some(value),
            "Signature" => signature = Some(value),
            _ => {}
        }
    }
    let missing = |what: &str| Rejection::Malformed(format!("Authorization lacks {what}"));
    let credential = credential.ok_or_else(|| missing("Credential"))?;
    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, terminator] = scope.as_slice() else {
        return Err(Rejection::Malformed(
            "Credential must be KEY/DATE/REGION/SERVICE/aws4_request".to_owned(),
        ));
    };
    if *terminator != "aws4_request" || date.len() != 8 {
        return Err(Rejection::Malformed(
            "Credential must be KEY/DATE/REGION/SERVICE/aws4_request".to_owned(),
        ));
    }
    Ok(Authorization {
        access_key_id: (*access_key_id).to_owned(),
        date: (*date).to_owned(),
        region: (*region).to_owned(),
        service: (*service).to_owned(),
        signed_headers: signed_headers
            .ok_or_else(|| missing("SignedHeaders"))?
            .split(';')
            .map(str::to_owned)
            .collect(),
        signature: signature.ok_or_else(|| missing("Signature"))?.to_owned(),
    })
}

/// Checks `auth` (already parsed from `req`) with `secret_access_key`.
pub(crate) fn verify(
    req: &Req,
    auth: &Authorization,
    secret_access_key: &str,
) -> Result<(), Rejection> {
    let amz_date = header_value(req, "x-amz-date")
        .ok_or_else(|| Rejection::Malformed("X-Amz-Date is missing".to_owned()))?;
    if !amz_date.starts_with(&auth.date) {
        return Err(Rejection::Malformed(
            "the Credential date differs from X-Amz-Date".to_owned(),
        ));
    }
    for required in ["host", "x-amz-date"] {
        if !auth.signed_headers.iter().any(|h| h == required) {
            return Err(Rejection::Malformed(format!(
                "SignedHeaders must include {required}"
            )));
        }
    }
    let canonical = canonical_request(req, &auth.signed_headers)?;
    let scope = format!(
        "{}/{}/{}/aws4_request",
        auth.date, auth.region, auth.service
    );
    let string_to_sign = format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let mut key = hmac(
        format!("AWS4{secret_access_key}").as_bytes(),
        auth.date.as_bytes(),
    );
    for part in [auth.region.as_str(), auth.service.as_str(), "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    let expected = hex(&hmac(&key, string_to_sign.as_bytes()));
    if bool::from(expected.as_bytes().ct_eq(auth.signature.as_bytes())) {
        Ok(())
    } else {
        Err(Rejection::Mismatch)
    }
}

/// The canonical request: method, URI-encoded path, sorted query, the signed headers with
/// trimmed values, the signed header list, and the hex SHA-256 of the body.
///
/// Path segments are decoded and encoded once (normalised). Services other than S3 encode the
/// already-encoded path a second time; the two agree for every path without `%`, and STS is
/// only ever called at `/`.
fn canonical_request(req: &Req, signed_headers: &[String]) -> Result<String, Rejection> {
    let mut out = String::with_capacity(512);
    out.push_str(req.method.as_str());
    out.push('\n');
    let path = if req.path.is_empty() { "/" } else { &req.path };
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(&uri_encode(&percent_decode(segment)));
    }
    out.push('\n');
    let mut query: Vec<(String, String)> = req
        .query
        .iter()
        .map(|(k, v)| (uri_encode(k), uri_encode(v)))
        .collect();
    query.sort();
    let query: Vec<String> = query.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    out.push_str(&query.join("&"));
    out.push('\n');
    let mut names: Vec<&str> = signed_headers.iter().map(String::as_str).collect();
    names.sort_unstable();
    for name in &names {
        let values: Vec<String> = req
            .headers
            .get_all(*name)
            .iter()
            .map(|v| {
                v.to_str()
                    .map(collapse_spaces)
                    .map_err(|_| Rejection::Malformed(format!("header {name} is not ASCII")))
            })
            .collect::<Result<_, _>>()?;
        if values.is_empty() {
            return Err(Rejection::Malformed(format!(
                "signed header {name} is not in the request"
            )));
        }
        out.push_str(name);
        out.push(':');
        out.push_str(&values.join(","));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&names.join(";"));
    out.push('\n');
    out.push_str(&hex(&Sha256::digest(&req.body)));
    Ok(out)
}

fn header_value<'r>(req: &'r Req, name: &str) -> Option<&'r str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

/// Trims a header value and collapses runs of spaces to one, as the specification says.
fn collapse_spaces(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// RFC 3986 encoding of everything but the unreserved characters.
fn uri_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use http::{HeaderMap, HeaderValue, Method};

    /// The AWS signing test suite's `post-x-www-form-urlencoded` case (header signing), whose
    /// published signature is `d3875051…`.
    #[test]
    fn verifies_the_aws_test_suite_vector() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("content-type", "application/x-www-form-urlencoded"),
            ("host", "example.amazonaws.com"),
            ("content-length", "13"),
            ("x-amz-date", "20150830T123600Z"),
            (
                "x-amz-content-sha256",
                "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
            ),
            (
                "authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
                 SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, \
                 Signature=d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b",
            ),
        ] {
            headers.insert(name, HeaderValue::from_static(value));
        }
        let req = Req {
            method: Method::POST,
            path: "/".to_owned(),
            query: Vec::new(),
            headers,
            body: Bytes::from_static(b"Param1=value1"),
        };
        let auth = parse_authorization(&req).unwrap();
        assert_eq!(auth.access_key_id, "AKIDEXAMPLE");
        assert_eq!(auth.service, "service");
        assert_eq!(
            verify(&req, &auth, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            Ok(())
        );
        assert_eq!(
            verify(&req, &auth, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ"),
            Err(Rejection::Mismatch)
        );
        let mut tampered = req;
        tampered.body = Bytes::from_static(b"Param1=value2");
        assert_eq!(
            verify(&tampered, &auth, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            Err(Rejection::Mismatch)
        );
    }

    #[test]
    fn malformed_headers_are_named() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "authorization",
            HeaderValue::from_static("AWS4-HMAC-SHA256 Credential=AK/2015/us-east-1/sts"),
        );
        let req = Req {
            method: Method::POST,
            path: "/".to_owned(),
            query: Vec::new(),
            headers,
            body: Bytes::new(),
        };
        assert!(matches!(
            parse_authorization(&req),
            Err(Rejection::Malformed(_))
        ));
    }
}
