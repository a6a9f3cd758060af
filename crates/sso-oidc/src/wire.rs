//! Private wire helpers: JSON decoding, error decoding (botocore's rules), request assembly and
//! percent-encoding. No type here is public: wire formats are not core types.

use http::header::{CONTENT_TYPE, HeaderValue};
use serde::de::DeserializeOwned;

use crate::endpoint::Endpoint;
use crate::error::{ErrorCode, Operation, ResponseError, ServiceError};

/// The portal's bearer-token header (note the underscore; `sso.json` `httpHeader`).
pub(crate) const BEARER_HEADER: &str = "x-amz-sso_bearer_token";

/// Builds a request. `target` comes from [`Endpoint::target`] with an encoded query, which the
/// endpoint's own validation makes a valid URI; a failure here would be a bug in this crate.
pub(crate) fn request(
    method: http::Method,
    endpoint: &Endpoint,
    path: &str,
    query: &str,
    headers: &[(&'static str, &str)],
    json_body: Option<Vec<u8>>,
) -> http::Request<Vec<u8>> {
    let target = endpoint.target(path, query);
    let has_body = json_body.is_some();
    let mut request = http::Request::new(json_body.unwrap_or_default());
    *request.method_mut() = method;
    *request.uri_mut() = http::Uri::try_from(target.as_str())
        .expect("endpoint validation plus percent-encoded query make a valid URI");
    if has_body {
        request
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    for (name, value) in headers {
        // Header values that are not visible ASCII (a token with a newline) are dropped rather
        // than sent; the service then answers 401, which is the honest outcome.
        if let Ok(value) = HeaderValue::from_str(value) {
            let mut value = value;
            value.set_sensitive(true);
            request.headers_mut().insert(*name, value);
        }
    }
    request
}

/// Serializes a request body. Serializing these plain structs cannot fail.
pub(crate) fn json<T: serde::Serialize>(body: &T) -> Vec<u8> {
    serde_json::to_vec(body).expect("request bodies are plain structs of strings and lists")
}

/// Decodes a success body as JSON whatever the content type says; an error status becomes a
/// [`ServiceError`]. An empty body reads as `{}` (botocore does the same).
pub(crate) fn decode<T: DeserializeOwned>(
    operation: Operation,
    response: &http::Response<Vec<u8>>,
) -> Result<T, ResponseError> {
    check_status(operation, response)?;
    let body = response.body();
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| ResponseError::Malformed {
        operation,
        status: response.status().as_u16(),
        detail: e.to_string(),
    })
}

/// Turns a non-2xx response into a [`ServiceError`].
pub(crate) fn check_status(
    operation: Operation,
    response: &http::Response<Vec<u8>>,
) -> Result<(), ResponseError> {
    if response.status().is_success() {
        Ok(())
    } else {
        Err(ResponseError::Service {
            operation,
            error: Box::new(service_error(response)),
        })
    }
}

/// Decodes an error response as botocore's `RestJSONParser` does.
pub(crate) fn service_error(response: &http::Response<Vec<u8>>) -> ServiceError {
    let status = response.status().as_u16();
    let body: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(response.body()).unwrap_or_default();
    let field = |names: &[&str]| {
        names
            .iter()
            .find_map(|name| body.get(*name).and_then(serde_json::Value::as_str))
            .map(str::to_owned)
    };
    let raw_code = response
        .headers()
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| field(&["code", "Code"]))
        .or_else(|| field(&["__type"]))
        .unwrap_or_else(|| status.to_string());
    let code = ErrorCode::parse(crate::retry::error_code_from_header(&raw_code));
    let body_text = matches!(code, ErrorCode::Other(_))
        .then(|| String::from_utf8_lossy(response.body()).into_owned());
    ServiceError {
        status,
        code,
        message: field(&["message", "Message"]),
        error: field(&["error"]),
        error_description: field(&["error_description"]),
        reason: field(&["reason"]),
        body: body_text,
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters (botocore `SAFE_CHARS`).
pub(crate) fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Encodes `name=value` pairs, skipping absent values, in the given order.
pub(crate) fn query(pairs: &[(&str, Option<&str>)]) -> String {
    let mut out = String::new();
    for (name, value) in pairs {
        let Some(value) = value else { continue };
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(&percent_encode(value));
    }
    out
}

/// A non-negative number of seconds from a JSON integer (negative values read as zero).
pub(crate) fn seconds(value: i64) -> std::time::Duration {
    std::time::Duration::from_secs(u64::try_from(value).unwrap_or(0))
}

/// A lifetime in seconds from a server: `0` or less is refused (what it would describe is
/// already over), more than `max` is shortened to `max`.
pub(crate) fn lifetime(
    operation: Operation,
    value: i64,
    member: &str,
    max: std::time::Duration,
) -> Result<std::time::Duration, ResponseError> {
    if value <= 0 {
        return Err(ResponseError::Lifetime {
            operation,
            detail: format!("`{member}` {value}, which is expired on arrival"),
        });
    }
    Ok(seconds(value).min(max))
}

/// A required member, or a `Malformed` error naming it.
pub(crate) fn required<T>(
    operation: Operation,
    response: &http::Response<Vec<u8>>,
    value: Option<T>,
    member: &str,
) -> Result<T, ResponseError> {
    value.ok_or_else(|| ResponseError::Malformed {
        operation,
        status: response.status().as_u16(),
        detail: format!("the required member `{member}` is missing"),
    })
}
