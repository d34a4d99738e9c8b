//! The manager endpoint (contract §10): one loopback port that serves the manager page over HTTP and the
//! `exthost/*` management methods over WebSocket JSON-RPC (`jsonrpsee`), for editors without a UI of their
//! own and for `exthost manage`.
//!
//! Every operation goes through the one [`Lifecycle`] the editor's handlers use, so the editor is told of
//! every change made from the panel (`exthost/extensionStateChanged`), and the panel of every change made
//! from the editor (the lifecycle's event broadcast, streamed by `exthost/subscribe`).
//!
//! Security: a random 256-bit token, new each run, is required on every connection (compared in constant
//! time); the WebSocket's `Origin`, when sent, must be the page's own; a loopback bind also checks `Host`
//! (DNS rebinding); no CORS headers; request size, connections and subscriptions are limited.

mod gate;
mod methods;
mod uploads;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use exthost_protocol::methods::{ManagerStarted, ManagerStartedParams, RpcNotification};
use jsonrpsee::server::{Server, ServerConfig, ServerHandle};

use crate::editor::EditorHandle;
use crate::lifecycle::Lifecycle;

/// The largest JSON-RPC request the endpoint reads, in bytes.
const MAX_REQUEST_BYTES: u32 = 64 * 1024;

/// The largest response it writes, in bytes (a long list of extensions with their logs).
const MAX_RESPONSE_BYTES: u32 = 8 * 1024 * 1024;

/// Connections open at once (page loads and WebSockets).
const MAX_CONNECTIONS: u32 = 16;

/// Subscriptions per WebSocket.
const MAX_SUBSCRIPTIONS_PER_CONNECTION: u32 = 4;

/// Where the endpoint listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagerOptions {
    /// The address to bind (default `127.0.0.1:0`: loopback, any free port).
    pub address: SocketAddr,
    /// Allow a non-loopback address (`--manager-allow-remote`).
    pub allow_remote: bool,
}

impl Default for ManagerOptions {
    fn default() -> Self {
        Self {
            address: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            allow_remote: false,
        }
    }
}

/// Why the endpoint did not start.
#[derive(Debug, thiserror::Error)]
pub enum ManagerError {
    /// A non-loopback address without `--manager-allow-remote`.
    #[error(
        "refusing to serve the manager on {address}, which is not a loopback address: anyone who can reach it \
         and learns the token can manage the host; pass --manager-allow-remote to do it anyway"
    )]
    RemoteRefused {
        /// The address asked for.
        address: SocketAddr,
    },
    /// The address cannot be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address asked for.
        address: SocketAddr,
        /// What the system said.
        source: std::io::Error,
    },
    /// The methods could not be registered (a bug).
    #[error("cannot register the manager's methods: {0}")]
    Register(String),
}

/// A running endpoint. Dropping it stops the server.
#[derive(Debug)]
pub struct Manager {
    url: String,
    rpc_url: String,
    address: SocketAddr,
    handle: ServerHandle,
}

impl Manager {
    /// The page: `http://127.0.0.1:PORT/?token=TOKEN`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The WebSocket JSON-RPC endpoint: `ws://127.0.0.1:PORT/rpc?token=TOKEN`.
    pub fn rpc_url(&self) -> &str {
        &self.rpc_url
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    /// Stops accepting connections and closes the open ones.
    pub fn stop(&self) {
        let _ = self.handle.stop();
    }
}

/// Starts the endpoint for `lifecycle` on `options.address`. Must be called inside a tokio runtime.
pub fn start(
    lifecycle: &Arc<Lifecycle>,
    options: &ManagerOptions,
) -> Result<Manager, ManagerError> {
    let requested = options.address;
    if !requested.ip().is_loopback() && !options.allow_remote {
        return Err(ManagerError::RemoteRefused { address: requested });
    }
    let bind_error = |source| ManagerError::Bind {
        address: requested,
        source,
    };
    let listener = std::net::TcpListener::bind(requested).map_err(bind_error)?;
    listener.set_nonblocking(true).map_err(bind_error)?;
    let address = listener.local_addr().map_err(bind_error)?;
    let token = new_token();
    let uploads = Arc::new(uploads::Uploads::new());
    let gate = gate::GateLayer::new(
        token.clone(),
        address.port(),
        requested.ip().is_loopback(),
        Arc::clone(&uploads),
    );
    let config = ServerConfig::builder()
        .max_request_body_size(MAX_REQUEST_BYTES)
        .max_response_body_size(MAX_RESPONSE_BYTES)
        .max_connections(MAX_CONNECTIONS)
        .max_subscriptions_per_connection(MAX_SUBSCRIPTIONS_PER_CONNECTION)
        .build();
    let server = Server::builder()
        .set_config(config)
        .set_http_middleware(tower::ServiceBuilder::new().layer(gate))
        .build_from_tcp(listener)
        .map_err(bind_error)?;
    let module = methods::module(Arc::clone(lifecycle), uploads)
        .map_err(|error| ManagerError::Register(error.to_string()))?;
    let handle = server.start(module);
    let host = display_host(address);
    let url = format!("http://{host}/?token={token}");
    let rpc_url = format!("ws://{host}/rpc?token={token}");
    tracing::info!(%url, "the extension manager listens");
    Ok(Manager {
        url,
        rpc_url,
        address,
        handle,
    })
}

/// Starts the endpoint if `--manager` or `initializationOptions.manager: true` asks for it, and tells the
/// editor with `exthost/managerStarted {url}`. A failure is logged and shown to the user, and the session
/// goes on without the manager.
pub fn start_for_editor(
    lifecycle: &Arc<Lifecycle>,
    configured: Option<&ManagerOptions>,
    editor: &EditorHandle,
) -> Option<Manager> {
    let asked = lifecycle.with_session(|session| session.initialization_options().manager);
    let options = match configured {
        Some(options) => options.clone(),
        None if asked => ManagerOptions::default(),
        None => return None,
    };
    match start(lifecycle, &options) {
        Ok(manager) => {
            let params = ManagerStartedParams {
                url: manager.url().to_owned(),
            };
            editor.notify(
                ManagerStarted::METHOD,
                serde_json::to_value(params).expect("invariant: params serialise"),
            );
            Some(manager)
        }
        Err(error) => {
            tracing::error!(%error, "the extension manager did not start");
            editor.notify(
                "window/showMessage",
                serde_json::json!({"type": 1, "message": format!("exthost: {error}")}),
            );
            None
        }
    }
}

/// The host part of the URLs: loopback as `127.0.0.1`/`[::1]`; an unspecified bind (`0.0.0.0`) is
/// reached through `127.0.0.1` from this machine.
fn display_host(address: SocketAddr) -> String {
    let ip = match address.ip() {
        ip if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, address.port()).to_string()
}

/// 32 random bytes from the operating system, as 64 hexadecimal digits (256 bits).
fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_new_each_time() {
        let first = new_token();
        let second = new_token();
        assert_eq!(first.len(), 64);
        assert!(first.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(first, second);
    }

    #[test]
    fn unspecified_binds_are_shown_as_loopback() {
        assert_eq!(
            display_host("0.0.0.0:4000".parse().unwrap()),
            "127.0.0.1:4000"
        );
        assert_eq!(display_host("[::1]:4000".parse().unwrap()), "[::1]:4000");
    }
}
