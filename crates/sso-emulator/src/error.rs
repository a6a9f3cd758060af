//! Errors of the library API: starting an emulator ([`EmulatorError`]) and deciding on a device
//! authorization ([`DeviceDecisionError`]). Errors sent over HTTP are in `wire`.

use std::net::SocketAddr;

/// Starting, configuring or stopping an emulator failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorError {
    /// The listener could not be bound; pick another port or pass 0 for an ephemeral one.
    #[error("cannot listen on {addr}: {source}; pass port 0 to let the OS choose a free port")]
    Bind {
        /// The address that was tried.
        addr: SocketAddr,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The tokio runtime of a blocking emulator could not be built or its thread started.
    #[error("cannot start the emulator's runtime thread: {0}")]
    Runtime(#[source] std::io::Error),
    /// The runtime thread of a blocking emulator stopped before reporting its address.
    #[error("the emulator's runtime thread stopped during start-up")]
    ThreadStopped,
    /// A configuration value is out of range.
    #[error("invalid emulator configuration: {0}")]
    InvalidConfig(String),
}

/// Approving or denying a device authorization failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceDecisionError {
    /// No device authorization has this user code; check the code shown by the client.
    #[error("no device authorization has user code {0}; check the code the client printed")]
    UnknownUserCode(String),
    /// The device authorization expired; the client has to start again.
    #[error("the device authorization for user code {0} has expired; start the login again")]
    Expired(String),
    /// The device authorization was already approved, denied or used.
    #[error("the device authorization for user code {0} was already approved, denied or used")]
    AlreadyDecided(String),
}
