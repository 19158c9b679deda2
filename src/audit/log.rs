//! The audit log kube-apiserver writes: its age and its last lines, each of which must be one
//! `audit.k8s.io/v1` Event in JSON (what the log collector ships with `_jsonfile=true`).

use std::collections::BTreeMap;
use std::fmt;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::net::IpAddr;
use std::time::SystemTime;

use ipnet::IpNet;
use serde::Deserialize;

use super::version::AUDIT_V1;
use crate::error::InputError;
use crate::hostfs::{Found, HostRoot, Kind};
use crate::i18n::Text;
use crate::t;

/// How much of the end of the log is read: enough for several events (a RequestResponse event
/// can be tens of kilobytes), little enough to stay fast on a multi-gigabyte log.
pub const TAIL_BYTES: u64 = 256 << 10;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tail {
    pub size: u64,
    pub modified: SystemTime,
    /// The last complete lines, oldest first, at most the number asked for. A last line without
    /// its newline is being written right now and is left out.
    pub lines: Vec<String>,
}

/// The size, modification time and last `max_lines` complete lines of the log at `host_path`.
pub fn read_tail(root: &HostRoot, host_path: &str, max_lines: usize) -> Result<Found<Tail>, InputError> {
    let (mut file, meta) = match root.open(host_path, Kind::AuditLog)? {
        Found::File(opened) => opened,
        Found::Missing => return Ok(Found::Missing),
        Found::Directory => return Ok(Found::Directory),
    };
    let path = root.join(host_path);
    let io = |e: std::io::Error| InputError::unreadable(&path, &e);
    let size = meta.len();
    let start = size.saturating_sub(TAIL_BYTES);
    file.seek(SeekFrom::Start(start)).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(TAIL_BYTES).read_to_end(&mut bytes).map_err(io)?;
    // Keep complete lines only: the one the read started inside of, and an unfinished last one, are cut.
    let end = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let begin = if start == 0 { 0 } else { bytes[..end].iter().position(|&b| b == b'\n').map_or(end, |i| i + 1) };
    let text = String::from_utf8_lossy(&bytes[begin..end]);
    let lines: Vec<String> = text.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect();
    let keep = lines.len().saturating_sub(max_lines);
    Ok(Found::File(Tail { size, modified: meta.modified().map_err(io)?, lines: lines[keep..].to_vec() }))
}

/// The fields of an audit event that show it is one, and what it recorded.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub api_version: String,
    pub kind: String,
    pub level: String,
    #[serde(rename = "auditID")]
    pub audit_id: String,
    pub stage: String,
    #[serde(default)]
    pub verb: String,
    #[serde(rename = "requestURI", default)]
    pub request_uri: String,
    /// The client's address, then the proxies' (X-Forwarded-For, X-Real-Ip, the remote address).
    #[serde(rename = "sourceIPs", default)]
    pub source_ips: Vec<String>,
    #[serde(default)]
    pub stage_timestamp: String,
}

/// How much of the log's end [`pool_requests`] reads: the vendor's rotation keeps files at
/// 100 MB, so this is most of the current file on a busy server, and a bounded read on any.
pub const POOL_SCAN_BYTES: u64 = 128 << 20;

/// The requests from a pool that the log holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSeen {
    /// Events with a source address in the pool.
    pub events: usize,
    /// The last such event's time (`stageTimestamp`) and address.
    pub last: Option<(String, IpAddr)>,
    /// Events per pool address.
    pub addresses: BTreeMap<IpAddr, usize>,
    /// Events read in all.
    pub scanned: usize,
    /// Bytes of the log's end that were read.
    pub bytes: u64,
}

/// Counts the events in the last [`POOL_SCAN_BYTES`] of the log whose `sourceIPs` fall in `pool`.
/// Lines that are not events are passed over (`audit.log-written` reports them).
pub fn pool_requests(root: &HostRoot, host_path: &str, pool: &[IpNet]) -> Result<Found<PoolSeen>, InputError> {
    let (mut file, meta) = match root.open(host_path, Kind::AuditLog)? {
        Found::File(opened) => opened,
        Found::Missing => return Ok(Found::Missing),
        Found::Directory => return Ok(Found::Directory),
    };
    let path = root.join(host_path);
    let start = meta.len().saturating_sub(POOL_SCAN_BYTES);
    file.seek(SeekFrom::Start(start)).map_err(|e| InputError::unreadable(&path, &e))?;
    let mut reader = BufReader::new(file.take(POOL_SCAN_BYTES));
    let mut seen = PoolSeen { events: 0, last: None, addresses: BTreeMap::new(), scanned: 0, bytes: 0 };
    let mut line = Vec::new();
    let mut first = start > 0;
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).map_err(|e| InputError::unreadable(&path, &e))?;
        if n == 0 {
            break;
        }
        seen.bytes += n as u64;
        // The read started inside a line: that one is cut; so is an unfinished last one.
        if std::mem::take(&mut first) || line.last() != Some(&b'\n') {
            continue;
        }
        let Ok(text) = std::str::from_utf8(&line) else { continue };
        let Ok(event) = parse_event(text.trim_end()) else { continue };
        seen.scanned += 1;
        let from_pool = event
            .source_ips
            .iter()
            .filter_map(|ip| ip.parse::<IpAddr>().ok())
            .find(|ip| pool.iter().any(|net| net.contains(ip)));
        if let Some(ip) = from_pool {
            seen.events += 1;
            *seen.addresses.entry(ip).or_default() += 1;
            if seen.last.as_ref().is_none_or(|(t, _)| event.stage_timestamp >= *t) {
                seen.last = Some((event.stage_timestamp.clone(), ip));
            }
        }
    }
    Ok(Found::File(seen))
}

/// Why a log line is not an `audit.k8s.io/v1` Event. It quotes nothing of the line: audit events
/// carry request URIs, user names and, at higher levels, bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotEvent {
    /// The JSON parser's reason, with what it quoted of the line removed.
    NotJson(String),
    Kind(Shown),
    ApiVersion(Shown),
    NoAuditId,
}

/// A field's value as a message may show it: a short name or address as it is, else its length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    Value(String),
    Chars(usize),
}

impl Shown {
    fn of(v: &str) -> Shown {
        match crate::error::sanitize::address_like(v) {
            Some(a) => Shown::Value(a.to_string()),
            None if v.chars().all(|c| c.is_ascii_alphanumeric() || "./-".contains(c)) && v.len() <= 40 => {
                Shown::Value(v.to_string())
            }
            None => Shown::Chars(v.chars().count()),
        }
    }

    fn text(&self) -> Text {
        match self {
            Shown::Value(v) => Text::verbatim(format!("{v:?}")),
            Shown::Chars(n) => t!("audit-event-long-value", n = *n),
        }
    }
}

impl NotEvent {
    pub fn text(&self) -> Text {
        match self {
            NotEvent::NotJson(why) => t!("audit-event-not-json", why = why),
            NotEvent::Kind(kind) => t!("audit-event-kind", kind = kind.text()),
            NotEvent::ApiVersion(v) => t!("audit-event-api-version", api_version = v.text(), expected = AUDIT_V1),
            NotEvent::NoAuditId => t!("audit-event-no-id"),
        }
    }
}

impl fmt::Display for NotEvent {
    /// English, for evidence and logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text().en())
    }
}

/// One log line as an `audit.k8s.io/v1` Event, or why it is not one.
pub fn parse_event(line: &str) -> Result<Event, NotEvent> {
    let event: Event = serde_json::from_str(line).map_err(|e| {
        let why = crate::error::sanitize::redact_quoted(&e.to_string());
        NotEvent::NotJson(crate::error::sanitize::excerpt(&why))
    })?;
    if event.kind != "Event" {
        return Err(NotEvent::Kind(Shown::of(&event.kind)));
    }
    if event.api_version != AUDIT_V1 {
        return Err(NotEvent::ApiVersion(Shown::of(&event.api_version)));
    }
    if event.audit_id.is_empty() {
        return Err(NotEvent::NoAuditId);
    }
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"5b4c3a2e-0000-4000-8000-000000000001","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/secrets","verb":"list","user":{"username":"admin"}}"#;

    #[test]
    fn events_parse_and_other_lines_say_why_not() {
        let e = parse_event(EVENT).expect("event");
        assert_eq!(e.verb, "list");
        assert!(
            parse_event("AUDIT: id=\"x\" ip=\"1.2.3.4\" method=\"get\"")
                .expect_err("legacy")
                .to_string()
                .contains("JSON")
        );
        let beta = EVENT.replace("audit.k8s.io/v1", "audit.k8s.io/v1beta1");
        assert!(parse_event(&beta).expect_err("beta").to_string().contains("v1beta1"));
        assert!(parse_event(&EVENT.replace("\"Event\"", "\"EventList\"")).is_err());
        assert!(parse_event(&EVENT[..50]).is_err());
        assert!(parse_event("").is_err());
    }

    #[test]
    fn requests_from_the_pool_are_counted_with_the_last_time_and_address() {
        let dir = tempfile::tempdir().expect("tempdir");
        let event = |ip: &str, t: &str| {
            EVENT.replace(r#""verb":"list""#, &format!(r#""verb":"list","sourceIPs":["{ip}"],"stageTimestamp":"{t}""#))
        };
        let body = [
            event("192.0.2.9", "2026-12-01T10:00:00.000000Z"),
            event("198.51.100.7", "2026-12-01T10:00:01.000000Z"),
            "not json".to_string(),
            event("198.51.100.8", "2026-12-01T10:00:02.000000Z"),
            event("203.0.113.1", "2026-12-01T10:00:03.000000Z"),
        ]
        .join("\n");
        std::fs::write(dir.path().join("audit.log"), format!("{body}\n")).expect("write");
        let pool: Vec<IpNet> = vec!["198.51.100.0/26".parse().expect("net")];
        let Ok(Found::File(seen)) = pool_requests(&HostRoot::new(dir.path()), "/audit.log", &pool) else { panic!() };
        assert_eq!((seen.events, seen.scanned), (2, 4));
        assert_eq!(seen.last, Some(("2026-12-01T10:00:02.000000Z".into(), "198.51.100.8".parse().expect("ip"))));
        let none = pool_requests(&HostRoot::new(dir.path()), "/audit.log", &["100.64.0.0/26".parse().expect("net")]);
        assert!(matches!(none, Ok(Found::File(PoolSeen { events: 0, .. }))));
    }

    #[test]
    fn tail_keeps_complete_lines_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("audit.log");
        std::fs::write(&path, format!("{EVENT}\n{EVENT}\n{EVENT}\n{{\"kind\":\"Ev")).expect("write");
        let Ok(Found::File(tail)) = read_tail(&HostRoot::new(dir.path()), "/audit.log", 2) else { panic!("tail") };
        assert_eq!(tail.lines.len(), 2);
        assert!(tail.lines.iter().all(|l| l == EVENT));
    }

    #[test]
    fn tail_of_a_large_file_starts_at_a_line_boundary() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("audit.log");
        let body = format!("{EVENT}\n").repeat(usize::try_from(TAIL_BYTES).expect("small") / EVENT.len() * 3);
        std::fs::write(&path, &body).expect("write");
        let root = HostRoot::new(dir.path());
        let Ok(Found::File(tail)) = read_tail(&root, "/audit.log", usize::MAX) else { panic!("tail") };
        assert!(tail.lines.len() > 100);
        assert!(tail.lines.iter().all(|l| l == EVENT), "a cut line slipped in");
        assert!(matches!(read_tail(&root, "/", 1), Ok(Found::Directory)));
        assert!(matches!(read_tail(&root, "/none", 1), Ok(Found::Missing)));
    }
}
