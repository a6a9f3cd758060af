//! On-disk SSO token, client-registration and role-credential caches, compatible with the AWS CLI v2.
