//! Anonymous HTTP/1.1 GETs over an established (TLS) connection, timed in two parts: processing
//! (request sent → response head) and transfer (head → end of body).
//!
//! No credential is ever sent: requests carry only Host, User-Agent and Accept.

use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::i18n::{Sep, Text};
use crate::t;

/// How much of a body is kept: enough for `/version` and an error page's first lines.
const BODY_LIMIT: usize = 64 * 1024;

/// One request and its answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exchange {
    pub path: String,
    pub status: u16,
    /// The body (up to 64 KiB), lossily decoded.
    pub body: String,
    pub processing_ms: f64,
    pub transfer_ms: f64,
}

/// Why a request got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpFailure {
    pub path: String,
    pub reason: Reason,
}

/// What went wrong with a request; the strings are hyper's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    Request(String),
    NotReady,
    Closed(String),
    NoResponseWithin(Duration),
    NoResponse(String),
    BodyBrokeOff(String),
    BodyNotWithin(Duration),
}

impl Reason {
    pub fn text(&self) -> Text {
        match self {
            Reason::Request(e) => t!("probe-http-request", error = e),
            Reason::NotReady => t!("probe-http-not-ready"),
            Reason::Closed(e) => t!("probe-http-closed", error = e),
            Reason::NoResponseWithin(d) => t!("probe-http-no-response-within", timeout = format!("{d:?}")),
            Reason::NoResponse(e) => t!("probe-http-no-response", error = e),
            Reason::BodyBrokeOff(e) => t!("probe-http-body-broke-off", error = e),
            Reason::BodyNotWithin(d) => t!("probe-http-body-not-within", timeout = format!("{d:?}")),
        }
    }
}

impl HttpFailure {
    /// `GET /readyz: …`, in the run's language.
    pub fn text(&self) -> Text {
        Text::join([Text::verbatim(format!("GET {}", self.path)), self.reason.text()], Sep::Colon)
    }
}

impl std::fmt::Display for HttpFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text().en())
    }
}

/// An HTTP/1.1 connection (keep-alive) for sequential GETs.
pub struct Client {
    sender: http1::SendRequest<Empty<Bytes>>,
    host: String,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("host", &self.host).finish_non_exhaustive()
    }
}

impl Client {
    /// Starts HTTP/1.1 on `io`; `host` is the Host header (`name:port`).
    pub async fn start<S>(io: S, host: String) -> Result<Client, Text>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (sender, connection) =
            http1::handshake(TokioIo::new(io)).await.map_err(|e| t!("probe-http-start", error = e.to_string()))?;
        // The connection task ends when the client is dropped or the server closes.
        tokio::spawn(connection);
        Ok(Client { sender, host })
    }

    /// GET `path`, bounded by `timeout` for the head and again for the body.
    pub async fn get(&mut self, path: &str, timeout: Duration) -> Result<Exchange, HttpFailure> {
        let fail = |reason: Reason| HttpFailure { path: path.to_string(), reason };
        let request = hyper::Request::get(path)
            .header(hyper::header::HOST, &self.host)
            .header(hyper::header::USER_AGENT, concat!("k8sjoin-check/", env!("CARGO_PKG_VERSION")))
            .header(hyper::header::ACCEPT, "application/json, */*")
            .body(Empty::<Bytes>::new())
            .map_err(|e| fail(Reason::Request(e.to_string())))?;
        tokio::time::timeout(timeout, self.sender.ready())
            .await
            .map_err(|_| fail(Reason::NotReady))?
            .map_err(|e| fail(Reason::Closed(e.to_string())))?;
        let sent = Instant::now();
        let response = tokio::time::timeout(timeout, self.sender.send_request(request))
            .await
            .map_err(|_| fail(Reason::NoResponseWithin(timeout)))?
            .map_err(|e| fail(Reason::NoResponse(e.to_string())))?;
        let head = Instant::now();
        let status = response.status().as_u16();
        let mut body = response.into_body();
        let mut bytes: Vec<u8> = Vec::new();
        let read_body = async {
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| Reason::BodyBrokeOff(e.to_string()))?;
                if let Some(data) = frame.data_ref() {
                    let room = BODY_LIMIT.saturating_sub(bytes.len());
                    bytes.extend_from_slice(&data[..data.len().min(room)]);
                }
            }
            Ok::<(), Reason>(())
        };
        tokio::time::timeout(timeout, read_body)
            .await
            .map_err(|_| fail(Reason::BodyNotWithin(timeout)))?
            .map_err(fail)?;
        Ok(Exchange {
            path: path.to_string(),
            status,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            processing_ms: super::ms(head - sent),
            transfer_ms: super::ms(head.elapsed()),
        })
    }
}

/// What an answer's body says, in words the tool can vouch for. The body itself is never shown:
/// anything can answer at the API server's address, and messages go to terminals and tickets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    Empty,
    /// kube-apiserver's plain `ok`.
    Ok,
    /// The failing checks of a health answer (`[-]etcd failed: reason withheld`).
    Failing(Vec<String>),
    /// Something else, of this many bytes.
    Other(usize),
}

impl Body {
    pub fn of(body: &str) -> Body {
        let trimmed = body.trim();
        if trimmed.is_empty() {
            return Body::Empty;
        }
        if trimmed == "ok" {
            return Body::Ok;
        }
        let is_name = |n: &str| {
            !n.is_empty()
                && n.len() <= 64
                && n.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_/:.".contains(c))
        };
        let failing: Vec<String> = trimmed
            .lines()
            .filter_map(|l| l.trim().strip_prefix("[-]"))
            .filter_map(|l| l.split_whitespace().next())
            .filter(|n| is_name(n))
            .map(str::to_string)
            .collect();
        if failing.is_empty() { Body::Other(body.len()) } else { Body::Failing(failing) }
    }
}

impl Body {
    /// What the body says, in the run's language.
    pub fn text(&self) -> Text {
        match self {
            Body::Empty => t!("probe-body-empty"),
            Body::Ok => Text::verbatim("ok"),
            // In kube-apiserver's own words, names only: `[-]etcd failed`.
            Body::Failing(names) => {
                Text::join(names.iter().map(|n| Text::verbatim(format!("[-]{n} failed"))), Sep::Comma)
            }
            Body::Other(n) => t!("probe-body-other", bytes = *n),
        }
    }
}

/// English, for the evidence.
impl std::fmt::Display for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text().en())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_summarised_never_echoed() {
        assert_eq!(Body::of("ok").to_string(), "ok");
        assert_eq!(
            Body::of("[+]ping ok\n[-]etcd failed: reason withheld\nreadyz check failed").to_string(),
            "[-]etcd failed"
        );
        let hostile = "\x1b]0;CANARY\x07<html>CANARY</html>";
        assert_eq!(Body::of(hostile).to_string(), format!("a body of {} bytes (not shown)", hostile.len()));
        assert_eq!(Body::of("[-]\x1b[2JCANARY failed").to_string(), format!("a body of {} bytes (not shown)", 20));
    }
}
