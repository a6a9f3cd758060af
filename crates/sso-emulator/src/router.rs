//! The router: reads a request, finds its route by method and path, applies the cross-cutting
//! knobs of API operations (counting, latency, injected failures, throttling) and calls the
//! handler of the `oidc`, `portal`, `sts`, `metadata` or `control` module.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;

use crate::state::Shared;
use crate::stats::Operation;
use crate::sts::{Params, StsError, StsErrorKind};
use crate::wire::{ApiError, OidcError, PortalError, Resp};
use crate::{control, metadata, oidc, portal, sts};

/// Largest request body read, so a stray upload cannot exhaust memory.
const MAX_BODY_BYTES: usize = 1 << 20;

/// A request whose body has been read.
#[derive(Debug)]
pub(crate) struct Req {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Req {
    /// The first value of query parameter `name`.
    pub(crate) fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the body is an HTML form submission.
    pub(crate) fn is_form(&self) -> bool {
        self.headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
    }

    /// Whether the client prefers HTML (a browser).
    pub(crate) fn wants_html(&self) -> bool {
        self.headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    }
}

/// Where a request goes.
enum Route {
    Api(Operation),
    /// `POST /`: STS, the operation named by the body's `Action`.
    Sts,
    DevicePage,
    Control,
    NotFound,
}

fn route(method: &Method, path: &str) -> Route {
    match (method, path) {
        (&Method::POST, "/client/register") => Route::Api(Operation::RegisterClient),
        (&Method::POST, "/device_authorization") => Route::Api(Operation::StartDeviceAuthorization),
        (&Method::POST, "/token") => Route::Api(Operation::CreateToken),
        (&Method::GET, "/authorize") => Route::Api(Operation::Authorize),
        (&Method::GET, "/assignment/accounts") => Route::Api(Operation::ListAccounts),
        (&Method::GET, "/assignment/roles") => Route::Api(Operation::ListAccountRoles),
        (&Method::GET, "/federation/credentials") => Route::Api(Operation::GetRoleCredentials),
        (&Method::POST, "/logout") => Route::Api(Operation::Logout),
        (&Method::POST, "/") => Route::Sts,
        (&Method::GET, "/container/credentials") => Route::Api(Operation::ContainerCredentials),
        (&Method::PUT, "/latest/api/token") => Route::Api(Operation::ImdsToken),
        (&Method::GET, metadata::IMDS_CREDENTIALS_PREFIX) => Route::Api(Operation::ImdsRoleList),
        (&Method::GET, p) if p.starts_with(metadata::IMDS_CREDENTIALS_PREFIX) => {
            Route::Api(Operation::ImdsCredentials)
        }
        (&Method::GET, "/device" | "/device/") => Route::DevicePage,
        (_, p) if p.starts_with("/emulator/") => Route::Control,
        _ => Route::NotFound,
    }
}

/// The hyper service function.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Resp, Infallible> {
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            let err = ApiError::portal(
                PortalError::InvalidRequest,
                "request body unreadable or over 1 MiB",
            );
            return Ok(err.into_response());
        }
    };
    let query = parts
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let req = Req {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query,
        headers: parts.headers,
        body,
    };
    Ok(dispatch(&shared, &req).await)
}

async fn dispatch(shared: &Shared, req: &Req) -> Resp {
    match route(&req.method, &req.path) {
        Route::Api(operation) => api(shared, req, operation, None).await,
        Route::Sts => {
            let params = Params::of(req);
            match sts::operation_of(&params) {
                Ok(operation) => api(shared, req, operation, Some(&params)).await,
                Err(err) => sts::knob_answer(shared, err),
            }
        }
        Route::DevicePage => oidc::device_page(shared, req),
        Route::Control => control::handle(shared, req),
        Route::NotFound => {
            let message = format!("no operation at {} {}", req.method, req.path);
            ApiError::portal(PortalError::UnknownOperation, &message).into_response()
        }
    }
}

/// Runs an API operation with the knobs applied in this order: count, latency, injected
/// failure, throttling (portal and STS), handler. `params` are the form parameters of an STS
/// request.
async fn api(shared: &Shared, req: &Req, operation: Operation, params: Option<&Params>) -> Resp {
    let (latency_ms, early_answer) = {
        let mut inner = shared.lock();
        let grant_type =
            (operation == Operation::CreateToken).then(|| oidc::grant_type_of(&req.body));
        inner.count(operation, grant_type.flatten().as_deref());
        let account_id = match params {
            Some(params) => params.role_account(),
            None => req.query_param("account_id"),
        };
        let early_answer = if let Some(status) = inner.take_failure(operation, account_id) {
            Some(Early::Failure(status))
        } else if (operation.is_portal() && inner.throttle_portal_call())
            || (operation.is_sts() && inner.throttle_sts_call())
        {
            Some(Early::Throttled)
        } else {
            None
        };
        (inner.config.latency_ms, early_answer)
    };
    if latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(latency_ms)).await;
    }
    match early_answer {
        Some(Early::Failure(status)) => return injected_failure(shared, operation, status),
        Some(Early::Throttled) if operation.is_sts() => {
            let err = StsError::new(StsErrorKind::Throttling, "Rate exceeded");
            return sts::knob_answer(shared, err);
        }
        Some(Early::Throttled) => {
            let err = ApiError::portal(PortalError::TooManyRequests, "Too many requests");
            return err.into_response();
        }
        None => {}
    }
    let result = match operation {
        Operation::RegisterClient => oidc::register_client(shared, req),
        Operation::StartDeviceAuthorization => oidc::start_device_authorization(shared, req),
        Operation::CreateToken => oidc::create_token(shared, req),
        Operation::Authorize => oidc::authorize(shared, req),
        Operation::ListAccounts => portal::list_accounts(shared, req),
        Operation::ListAccountRoles => portal::list_account_roles(shared, req),
        Operation::GetRoleCredentials => portal::get_role_credentials(shared, req),
        Operation::Logout => portal::logout(shared, req),
        Operation::AssumeRole
        | Operation::AssumeRoleWithWebIdentity
        | Operation::GetCallerIdentity => {
            return match params {
                Some(params) => sts::handle(shared, req, operation, params),
                None => sts::handle(shared, req, operation, &Params::of(req)),
            };
        }
        Operation::ContainerCredentials => return metadata::container_credentials(shared, req),
        Operation::ImdsToken => return metadata::imds_token(shared, req),
        Operation::ImdsRoleList => return metadata::imds_credentials(shared, req, None),
        Operation::ImdsCredentials => {
            let role = req
                .path
                .strip_prefix(metadata::IMDS_CREDENTIALS_PREFIX)
                .unwrap_or_default();
            return metadata::imds_credentials(shared, req, Some(role));
        }
    };
    result.unwrap_or_else(ApiError::into_response)
}

/// An answer given by a knob instead of the handler.
enum Early {
    Failure(u16),
    Throttled,
}

/// The answer of an injected failure, in the error shape of the operation's service.
fn injected_failure(shared: &Shared, operation: Operation, status: u16) -> Resp {
    let unavailable = status == 503;
    let message = "Injected failure from the sso emulator";
    let status = StatusCode::from_u16(status).ok();
    if operation.is_sts() {
        let kind = if unavailable {
            StsErrorKind::ServiceUnavailable
        } else {
            StsErrorKind::InternalFailure
        };
        let mut err = StsError::new(kind, message);
        if let Some(status) = status.filter(|s| *s != StatusCode::SERVICE_UNAVAILABLE) {
            err = err.with_status(status);
        }
        return sts::knob_answer(shared, err);
    }
    if operation.is_metadata() {
        let status = status.unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return metadata::text_response(status, message);
    }
    let err = if operation.is_portal() {
        let kind = if unavailable {
            PortalError::ServiceUnavailable
        } else {
            PortalError::InternalServer
        };
        ApiError::portal(kind, message)
    } else {
        let kind = if unavailable {
            OidcError::ServiceUnavailable
        } else {
            OidcError::InternalServer
        };
        ApiError::oidc(kind, message)
    };
    match status {
        Some(status) if status != StatusCode::SERVICE_UNAVAILABLE => err.with_status(status),
        _ => err,
    }
    .into_response()
}
