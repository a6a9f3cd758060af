//! Private XML reading (roxmltree) for query-protocol responses: the `<{Op}Result>` element of a
//! success, `<Error>` of a failure, and STS's ISO 8601 timestamps.

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use sso_base::Timestamp;

use crate::error::{StsOperation, StsResponseError, StsServiceError};

/// Largest response body parsed; real STS responses are under 4 KiB.
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;

/// An element, looked up by local name (namespaces ignored, as botocore does).
pub(crate) struct Element<'a, 'input>(roxmltree::Node<'a, 'input>);

impl Element<'_, '_> {
    /// The first child element called `name`.
    pub(crate) fn child(&self, name: &str) -> Option<Self> {
        self.0
            .children()
            .find(|n| n.is_element() && n.tag_name().name() == name)
            .map(Element)
    }

    /// The text of the first child element called `name`; an empty element is `Some("")`.
    pub(crate) fn text(&self, name: &str) -> Option<String> {
        self.child(name)
            .map(|child| child.0.text().unwrap_or_default().to_owned())
    }
}

/// Runs `read` on the `<{Op}Result>` element of a 2xx response, or decodes the error of any
/// other status. `read` gets the result element and `ResponseMetadata/RequestId`.
pub(crate) fn with_result<T>(
    operation: StsOperation,
    response: &http::Response<Vec<u8>>,
    read: impl FnOnce(Element<'_, '_>, Option<String>) -> Result<T, String>,
) -> Result<T, StsResponseError> {
    let status = response.status().as_u16();
    if !response.status().is_success() {
        return Err(StsResponseError::Service {
            operation,
            error: Box::new(service_error(response)),
        });
    }
    let malformed = |detail: String| StsResponseError::Malformed {
        operation,
        status,
        detail,
    };
    let text = body_text(response).map_err(malformed)?;
    let document =
        roxmltree::Document::parse(text).map_err(|e| malformed(format!("not XML ({e})")))?;
    let root = Element(document.root_element());
    let result_name = format!("{}Result", operation.name());
    let result = root
        .child(&result_name)
        .ok_or_else(|| malformed(format!("`{result_name}` is missing")))?;
    let request_id = root
        .child("ResponseMetadata")
        .and_then(|metadata| metadata.text("RequestId"));
    read(result, request_id).map_err(malformed)
}

/// Decodes an error response as botocore's `QueryParser._do_error_parse` does: `Error/Code`,
/// `Error/Message`, `Error/Type`, and `RequestId` beside `Error`. A body that is not such XML
/// gives the HTTP status as the code.
pub(crate) fn service_error(response: &http::Response<Vec<u8>>) -> StsServiceError {
    let status = response.status().as_u16();
    let fallback = StsServiceError {
        status,
        code: status.to_string(),
        message: response.status().canonical_reason().map(str::to_owned),
        error_type: None,
        request_id: None,
    };
    let Ok(text) = body_text(response) else {
        return fallback;
    };
    let Ok(document) = roxmltree::Document::parse(text) else {
        return fallback;
    };
    let Some(error) = document
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == "Error")
        .map(Element)
    else {
        return fallback;
    };
    let Some(code) = error.text("Code").filter(|c| !c.trim().is_empty()) else {
        return fallback;
    };
    let request_id = document
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == "RequestId")
        .and_then(|n| n.text())
        .map(str::to_owned);
    StsServiceError {
        status,
        code: code.trim().to_owned(),
        message: error.text("Message"),
        error_type: error.text("Type"),
        request_id,
    }
}

fn body_text(response: &http::Response<Vec<u8>>) -> Result<&str, String> {
    let body = response.body();
    if body.len() > MAX_RESPONSE_BYTES {
        return Err(format!(
            "the body is larger than {MAX_RESPONSE_BYTES} bytes"
        ));
    }
    std::str::from_utf8(body).map_err(|_| "the body is not UTF-8".to_owned())
}

/// Parses an STS timestamp (`2021-09-21T18:41:26Z`, fractional seconds allowed) with the Rust
/// SDK's own parser. Instants before the epoch are refused.
pub(crate) fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let parsed = DateTime::from_str(text.trim(), Format::DateTime).ok()?;
    let millis = parsed.to_millis().ok()?;
    (millis >= 0).then(|| Timestamp::from_unix_millis(millis))
}
