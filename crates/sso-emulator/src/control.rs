//! The control API under `/emulator/`: read and change the knobs, read and reset the counters,
//! approve or deny device codes. Not part of AWS; documented in docs/emulator.md.
//!
//! Control requests are never delayed, throttled or failed by the knobs.

use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::json;

use crate::config::ConfigPatch;
use crate::error::DeviceDecisionError;
use crate::oidc::page;
use crate::router::Req;
use crate::state::Shared;
use crate::wire::{ApiError, PortalError, Resp, escape_html, html_response, json_response};

/// Dispatches a request whose path starts with `/emulator/`.
pub(crate) fn handle(shared: &Shared, req: &Req) -> Resp {
    let result = match (&req.method, req.path.as_str()) {
        (&Method::GET, "/emulator/config") => Ok(config(shared)),
        (&Method::POST, "/emulator/config") => set_config(shared, req),
        (&Method::GET, "/emulator/stats") => Ok(stats(shared)),
        (&Method::POST, "/emulator/stats/reset") => {
            let mut inner = shared.lock();
            inner.stats = crate::Stats::default();
            inner.sts_calls_log.clear();
            drop(inner);
            Ok(stats(shared))
        }
        (&Method::GET | &Method::POST, "/emulator/device/approve") => decide(shared, req, true),
        (&Method::GET | &Method::POST, "/emulator/device/deny") => decide(shared, req, false),
        (&Method::GET, "/emulator/device/pending") => {
            let codes = shared.lock().pending_user_codes();
            Ok(json_response(
                StatusCode::OK,
                &json!({ "userCodes": codes }),
            ))
        }
        (&Method::POST, "/emulator/approve-all") => {
            let approved = shared.lock().approve_all();
            Ok(json_response(
                StatusCode::OK,
                &json!({ "approved": approved }),
            ))
        }
        _ => {
            let message = format!("no control endpoint at {} {}", req.method, req.path);
            Err(ApiError::portal(PortalError::UnknownOperation, &message))
        }
    };
    result.unwrap_or_else(ApiError::into_response)
}

fn config(shared: &Shared) -> Resp {
    let config = shared.lock().config.clone();
    let body = serde_json::to_value(config).unwrap_or_default();
    json_response(StatusCode::OK, &body)
}

fn stats(shared: &Shared) -> Resp {
    let stats = shared.lock().stats.clone();
    json_response(
        StatusCode::OK,
        &serde_json::to_value(stats).unwrap_or_default(),
    )
}

/// `POST /emulator/config`: applies a partial config; answers the whole new config.
fn set_config(shared: &Shared, req: &Req) -> Result<Resp, ApiError> {
    let patch: ConfigPatch = serde_json::from_slice(&req.body).map_err(|err| {
        ApiError::portal(
            PortalError::InvalidRequest,
            &format!("invalid config patch: {err}"),
        )
    })?;
    {
        let mut inner = shared.lock();
        let mut next = inner.config.clone();
        patch.apply(&mut next);
        next.validate()
            .map_err(|msg| ApiError::portal(PortalError::InvalidRequest, &msg))?;
        inner.config = next;
    }
    Ok(config(shared))
}

#[derive(Deserialize)]
struct UserCodeBody {
    #[serde(alias = "userCode")]
    user_code: String,
}

/// The user code of an approve/deny request: query `user_code`, a form field `user_code`, or a
/// JSON body `{"userCode": ...}` / `{"user_code": ...}`.
fn user_code_of(req: &Req) -> Option<String> {
    if let Some(code) = req.query_param("user_code") {
        return Some(code.to_owned());
    }
    if req.is_form() {
        return url::form_urlencoded::parse(&req.body)
            .find(|(k, _)| k == "user_code")
            .map(|(_, v)| v.into_owned());
    }
    serde_json::from_slice::<UserCodeBody>(&req.body)
        .ok()
        .map(|b| b.user_code)
}

/// `/emulator/device/approve` and `/emulator/device/deny`.
fn decide(shared: &Shared, req: &Req, approve: bool) -> Result<Resp, ApiError> {
    let user_code = user_code_of(req).ok_or_else(|| {
        ApiError::portal(
            PortalError::InvalidRequest,
            "user_code is required (query, form or JSON)",
        )
    })?;
    let outcome = shared.lock().decide_device(&user_code, approve);
    let status_word = if approve { "approved" } else { "denied" };
    match outcome {
        Ok(()) if req.wants_html() || req.is_form() => {
            let text = format!(
                "<p>Request <b>{}</b> {status_word}. You can close this tab.</p>",
                escape_html(&crate::state::normalize_user_code(&user_code))
            );
            Ok(html_response(StatusCode::OK, page(&text)))
        }
        Ok(()) => Ok(json_response(
            StatusCode::OK,
            &json!({ "userCode": crate::state::normalize_user_code(&user_code), "status": status_word }),
        )),
        Err(err) => {
            let kind = match err {
                DeviceDecisionError::UnknownUserCode(_) => PortalError::ResourceNotFound,
                _ => PortalError::InvalidRequest,
            };
            Err(ApiError::portal(kind, &err.to_string()))
        }
    }
}
