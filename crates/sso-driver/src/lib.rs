//! Async driver running the sso-oidc machines over HTTP, the loopback listener and the caches.
