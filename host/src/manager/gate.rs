//! The HTTP gate in front of the JSON-RPC service: serves the embedded page, and lets a request reach
//! `/rpc` (the WebSocket upgrade, or a JSON-RPC POST) only with the right token, from the page's own
//! origin, addressed to this host.
//!
//! `POST /upload?token=…&name=FILE.xpkg` (same checks as `/rpc`) keeps the body, at most
//! [`MAX_UPLOAD_BYTES`], as an uploaded package and answers `{"source": "upload:ID"}` to pass to
//! `exthost/install`.
//!
//! Answers: no or wrong token → 401; a foreign `Origin` or, on a loopback bind, a foreign `Host` → 403;
//! any other path → 404. No CORS headers are ever sent, so no other web page can read an answer.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{HeaderValue, Method, StatusCode, header};
use jsonrpsee::core::BoxError;
use jsonrpsee::server::{HttpBody, HttpRequest, HttpResponse};
use subtle::ConstantTimeEq;
use tower::{Layer, Service};

use super::uploads::{MAX_UPLOAD_BYTES, Uploads};

/// The page, its style and its script: our own plain files, embedded in the binary.
const PAGE_HTML: &str = include_str!("panel/index.html");
const PAGE_CSS: &str = include_str!("panel/panel.css");
const PAGE_JS: &str = include_str!("panel/panel.js");

/// What the gate checks, shared by every connection.
#[derive(Debug, Clone)]
pub struct GateLayer {
    token: std::sync::Arc<str>,
    port: u16,
    loopback: bool,
    uploads: std::sync::Arc<Uploads>,
}

impl GateLayer {
    /// A gate for `token` on `port`; `loopback` binds also check the `Host` header. Uploaded packages
    /// go to `uploads`.
    pub fn new(token: String, port: u16, loopback: bool, uploads: std::sync::Arc<Uploads>) -> Self {
        Self {
            token: token.into(),
            port,
            loopback,
            uploads,
        }
    }
}

impl<S> Layer<S> for GateLayer {
    type Service = Gate<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Gate {
            inner,
            layer: self.clone(),
        }
    }
}

/// The gate around the JSON-RPC service `S`.
#[derive(Debug, Clone)]
pub struct Gate<S> {
    inner: S,
    layer: GateLayer,
}

/// Where a request may go once checked.
#[derive(Debug, PartialEq, Eq)]
enum Decision {
    /// Answer it here.
    Answer(StatusCode, &'static str, &'static str),
    /// Pass it on to the JSON-RPC service.
    Forward,
    /// Keep its body as an uploaded package.
    Upload,
}

impl GateLayer {
    /// The token in the query (`?token=…`), compared in constant time.
    fn token_matches(&self, query: Option<&str>) -> bool {
        let given = query
            .unwrap_or_default()
            .split('&')
            .find_map(|pair| pair.strip_prefix("token="));
        given.is_some_and(|given| bool::from(given.as_bytes().ct_eq(self.token.as_bytes())))
    }

    /// On a loopback bind, `Host` must name this port on a loopback name (a page on another site that
    /// resolves its own name to 127.0.0.1 — DNS rebinding — is refused). Answers the host to use.
    fn allowed_host<'a>(&self, host: Option<&'a str>) -> Option<&'a str> {
        let host = host?;
        if !self.loopback {
            return Some(host);
        }
        let port = self.port.to_string();
        let (name, given_port) = host.rsplit_once(':')?;
        let loopback_name = matches!(name, "127.0.0.1" | "localhost" | "[::1]");
        (loopback_name && given_port == port).then_some(host)
    }

    /// Decides what to do with a request from its method, path, query and headers.
    fn decide(
        &self,
        method: &Method,
        path: &str,
        query: Option<&str>,
        host: Option<&str>,
        origin: Option<&str>,
    ) -> Decision {
        let forbidden = Decision::Answer(StatusCode::FORBIDDEN, "text/plain", "forbidden\n");
        let unauthorized = Decision::Answer(
            StatusCode::UNAUTHORIZED,
            "text/plain",
            "a valid token is required: open the URL the host printed\n",
        );
        match (method, path) {
            (&Method::GET, "/panel.css") => {
                Decision::Answer(StatusCode::OK, "text/css; charset=utf-8", PAGE_CSS)
            }
            (&Method::GET, "/panel.js") => {
                Decision::Answer(StatusCode::OK, "text/javascript; charset=utf-8", PAGE_JS)
            }
            (&Method::GET, "/" | "/index.html") => {
                if self.allowed_host(host).is_none() {
                    forbidden
                } else if !self.token_matches(query) {
                    unauthorized
                } else {
                    Decision::Answer(StatusCode::OK, "text/html; charset=utf-8", PAGE_HTML)
                }
            }
            (_, "/rpc") | (&Method::POST, "/upload") => {
                let Some(host) = self.allowed_host(host) else {
                    return forbidden;
                };
                if !self.token_matches(query) {
                    return unauthorized;
                }
                match origin {
                    Some(origin) if origin != format!("http://{host}") => forbidden,
                    _ if path == "/upload" => Decision::Upload,
                    _ => Decision::Forward,
                }
            }
            _ => Decision::Answer(StatusCode::NOT_FOUND, "text/plain", "not found\n"),
        }
    }
}

/// The value of `name` in a query string, percent-decoded.
fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// Reads an upload's body (at most [`MAX_UPLOAD_BYTES`]) and keeps it: 200 with
/// `{"source": "upload:ID"}`, 413 when too large, 400 when not a package's name.
async fn receive_upload(uploads: std::sync::Arc<Uploads>, request: HttpRequest) -> HttpResponse {
    let name = query_value(request.uri().query(), "name").unwrap_or_default();
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let too_large = || {
        answer(
            StatusCode::PAYLOAD_TOO_LARGE,
            "text/plain",
            format!("a package may have at most {MAX_UPLOAD_BYTES} bytes\n"),
        )
    };
    if declared.is_some_and(|length| length > u64::from(MAX_UPLOAD_BYTES)) {
        return too_large();
    }
    let limited = http_body_util::Limited::new(request.into_body(), MAX_UPLOAD_BYTES as usize);
    let bytes = match http_body_util::BodyExt::collect(limited).await {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => return too_large(),
        Err(error) => {
            return answer(
                StatusCode::BAD_REQUEST,
                "text/plain",
                format!("cannot read the upload: {error}\n"),
            );
        }
    };
    let kept = tokio::task::spawn_blocking(move || uploads.keep(&name, &bytes)).await;
    match kept {
        Ok(Ok(source)) => answer(
            StatusCode::OK,
            "application/json",
            serde_json::json!({"source": source}).to_string(),
        ),
        Ok(Err(error @ super::uploads::UploadError::NotAPackage { .. })) => {
            answer(StatusCode::BAD_REQUEST, "text/plain", format!("{error}\n"))
        }
        Ok(Err(error)) => answer(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain",
            format!("{error}\n"),
        ),
        Err(error) => answer(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain",
            format!("the upload stopped: {error}\n"),
        ),
    }
}

/// A response with the headers every answer of ours carries.
fn answer(status: StatusCode, content_type: &'static str, body: impl Into<String>) -> HttpResponse {
    let mut response = HttpResponse::new(HttpBody::from(body.into()));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
             img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    response
}

impl<S> Service<HttpRequest> for Gate<S>
where
    S: Service<HttpRequest, Response = HttpResponse>,
    S::Error: Into<BoxError> + 'static,
    S::Future: Send + 'static,
{
    type Response = HttpResponse;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, BoxError>> + Send + 'static>>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(context).map_err(Into::into)
    }

    fn call(&mut self, request: HttpRequest) -> Self::Future {
        let header = |name: header::HeaderName| {
            request
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
        };
        let decision = self.layer.decide(
            request.method(),
            request.uri().path(),
            request.uri().query(),
            header(header::HOST),
            header(header::ORIGIN),
        );
        match decision {
            Decision::Forward => {
                let future = self.inner.call(request);
                Box::pin(async move { future.await.map_err(Into::into) })
            }
            Decision::Upload => {
                let uploads = std::sync::Arc::clone(&self.layer.uploads);
                Box::pin(async move { Ok(receive_upload(uploads, request).await) })
            }
            Decision::Answer(status, content_type, body) => {
                if status != StatusCode::OK {
                    tracing::warn!(
                        %status,
                        path = request.uri().path(),
                        origin = ?header(header::ORIGIN),
                        "manager request refused"
                    );
                }
                let response = answer(status, content_type, body);
                Box::pin(async move { Ok(response) })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate() -> GateLayer {
        GateLayer::new("secret".into(), 4000, true, std::sync::Arc::default())
    }

    fn status(decision: Decision) -> Option<StatusCode> {
        match decision {
            Decision::Answer(status, ..) => Some(status),
            Decision::Forward | Decision::Upload => None,
        }
    }

    #[test]
    fn rpc_needs_the_token_and_the_pages_origin() {
        let gate = gate();
        let host = Some("127.0.0.1:4000");
        let rpc = |query, origin| status(gate.decide(&Method::GET, "/rpc", query, host, origin));
        assert_eq!(rpc(Some("token=secret"), None), None);
        assert_eq!(
            rpc(Some("token=secret"), Some("http://127.0.0.1:4000")),
            None
        );
        assert_eq!(rpc(None, None), Some(StatusCode::UNAUTHORIZED));
        assert_eq!(
            rpc(Some("token=secreT"), None),
            Some(StatusCode::UNAUTHORIZED)
        );
        assert_eq!(
            rpc(Some("token=secretx"), None),
            Some(StatusCode::UNAUTHORIZED)
        );
        assert_eq!(rpc(Some("token="), None), Some(StatusCode::UNAUTHORIZED));
        assert_eq!(
            rpc(Some("token=secret"), Some("http://evil.example")),
            Some(StatusCode::FORBIDDEN)
        );
        assert_eq!(
            rpc(Some("token=secret"), Some("http://127.0.0.1:4001")),
            Some(StatusCode::FORBIDDEN)
        );
        assert_eq!(
            rpc(Some("token=secret"), Some("null")),
            Some(StatusCode::FORBIDDEN)
        );
    }

    #[test]
    fn uploads_need_the_token_the_pages_origin_and_a_post() {
        let gate = gate();
        let host = Some("127.0.0.1:4000");
        let upload = |method, query, origin| gate.decide(method, "/upload", query, host, origin);
        assert_eq!(
            upload(&Method::POST, Some("token=secret&name=a.xpkg"), None),
            Decision::Upload
        );
        assert_eq!(
            upload(
                &Method::POST,
                Some("token=secret"),
                Some("http://127.0.0.1:4000")
            ),
            Decision::Upload
        );
        assert_eq!(
            status(upload(&Method::POST, Some("name=a.xpkg"), None)),
            Some(StatusCode::UNAUTHORIZED)
        );
        assert_eq!(
            status(upload(
                &Method::POST,
                Some("token=secret"),
                Some("http://evil.example")
            )),
            Some(StatusCode::FORBIDDEN)
        );
        assert_eq!(
            status(upload(&Method::GET, Some("token=secret"), None)),
            Some(StatusCode::NOT_FOUND)
        );
        assert_eq!(
            query_value(Some("token=t&name=my%20ext.xpkg"), "name").as_deref(),
            Some("my ext.xpkg")
        );
    }

    #[test]
    fn a_loopback_bind_refuses_foreign_host_names() {
        let gate = gate();
        let decide =
            |host| status(gate.decide(&Method::GET, "/rpc", Some("token=secret"), host, None));
        assert_eq!(decide(Some("localhost:4000")), None);
        assert_eq!(decide(Some("[::1]:4000")), None);
        assert_eq!(
            decide(Some("rebound.example:4000")),
            Some(StatusCode::FORBIDDEN)
        );
        assert_eq!(decide(Some("127.0.0.1:80")), Some(StatusCode::FORBIDDEN));
        assert_eq!(decide(None), Some(StatusCode::FORBIDDEN));
    }

    #[test]
    fn the_page_needs_the_token_its_assets_do_not_and_nothing_else_is_served() {
        let gate = gate();
        let host = Some("127.0.0.1:4000");
        let get = |path, query| status(gate.decide(&Method::GET, path, query, host, None));
        assert_eq!(get("/", Some("token=secret")), Some(StatusCode::OK));
        assert_eq!(get("/", None), Some(StatusCode::UNAUTHORIZED));
        assert_eq!(get("/panel.js", None), Some(StatusCode::OK));
        assert_eq!(get("/panel.css", None), Some(StatusCode::OK));
        assert_eq!(
            get("/etc/passwd", Some("token=secret")),
            Some(StatusCode::NOT_FOUND)
        );
        assert_eq!(
            status(gate.decide(&Method::OPTIONS, "/", Some("token=secret"), host, None)),
            Some(StatusCode::NOT_FOUND)
        );
    }
}
