//! Windows port proxies: the text of `netsh interface portproxy show v4tov4` (or `show all`).
//!
//! ```text
//! Listen on ipv4:             Connect to ipv4:
//!
//! Address         Port        Address         Port
//! --------------- ----------  --------------- ----------
//! *               16443       192.168.10.5    6443
//! ```
//! Headings are localized on non-English Windows, so only data rows are interpreted: four fields,
//! the second and fourth a port. PowerShell's `>` writes UTF-16LE with a byte-order mark; that is
//! decoded too.

use std::path::Path;

use crate::error::InputError;

/// One `listenaddress:listenport → connectaddress:connectport` rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PortProxy {
    /// `*` (all addresses), an address or a host name, as netsh prints it.
    pub listen_address: String,
    pub listen_port: u16,
    pub connect_address: String,
    pub connect_port: u16,
    pub line: usize,
}

/// Reads a saved `netsh interface portproxy show v4tov4` (or `show all`) output.
pub fn load(path: &Path) -> Result<Vec<PortProxy>, InputError> {
    let bytes = crate::hostfs::read_file(path, crate::hostfs::Kind::PortProxy)?;
    parse(&decode(&bytes, path)?, path)
}

/// Decodes the bytes of a saved netsh output (UTF-8, or UTF-16LE/BE with a byte-order mark).
pub fn decode(bytes: &[u8], path: &Path) -> Result<String, InputError> {
    let utf16 = |be: bool| {
        if !bytes.len().is_multiple_of(2) {
            return Err(InputError::at(path, None, crate::t!("input-netsh-half-utf16")));
        }
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| if be { u16::from_be_bytes([c[0], c[1]]) } else { u16::from_le_bytes([c[0], c[1]]) })
            .collect();
        String::from_utf16(&units).map_err(|_| InputError::at(path, None, crate::t!("input-netsh-bad-utf16")))
    };
    let text = match bytes {
        [0xFF, 0xFE, ..] => utf16(false)?,
        [0xFE, 0xFF, ..] => utf16(true)?,
        _ => String::from_utf8(bytes.to_vec())
            .map_err(|_| InputError::at(path, None, crate::t!("input-netsh-not-text")))?,
    };
    let text = text.trim_start_matches('\u{FEFF}').to_string();
    if let Some(pos) = text.find(|c: char| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        let line = crate::error::line_of(&text, pos);
        return Err(InputError::at(path, Some(line), crate::t!("input-netsh-control-characters")));
    }
    Ok(text)
}

/// Parses the rules; headings, separators and blank lines are skipped.
pub fn parse(text: &str, path: &Path) -> Result<Vec<PortProxy>, InputError> {
    let mut rules = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('-') || line.ends_with(':') {
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        let is_port = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let looks_like_rule = f.iter().any(|s| is_port(s));
        if !looks_like_rule {
            // A heading in whatever language ("Address Port Address Port", "地址 端口 地址 端口").
            continue;
        }
        let port = |s: &str| match s.parse::<u16>() {
            Ok(p) if p > 0 => Ok(p),
            _ => Err(InputError::at(
                path,
                Some(i + 1),
                crate::t!("input-netsh-not-a-port", value = format!("{:?}", crate::error::sanitize::excerpt_of(s, 12))),
            )),
        };
        if f.len() != 4 || !is_port(f[1]) || !is_port(f[3]) {
            return Err(InputError::at(path, Some(i + 1), crate::t!("input-netsh-columns", n = f.len())));
        }
        rules.push(PortProxy {
            listen_address: f[0].to_string(),
            listen_port: port(f[1])?,
            connect_address: f[2].to_string(),
            connect_port: port(f[3])?,
            line: i + 1,
        });
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHOW: &str = "\r\nListen on ipv4:             Connect to ipv4:\r\n\r\nAddress         Port        Address         Port\r\n--------------- ----------  --------------- ----------\r\n*               16443       192.168.10.5    6443\r\n0.0.0.0         8443        192.168.10.6    443\r\n\r\n";

    #[test]
    fn parses_english_output() {
        let rules = parse(SHOW, Path::new("pp.txt")).expect("parses");
        assert_eq!(rules.len(), 2);
        assert_eq!(
            rules[0],
            PortProxy {
                listen_address: "*".into(),
                listen_port: 16443,
                connect_address: "192.168.10.5".into(),
                connect_port: 6443,
                line: 6
            }
        );
    }

    #[test]
    fn parses_localized_utf16_output() {
        let text = "\u{FEFF}侦听 ipv4:                 连接到 ipv4:\r\n\r\n地址            端口        地址            端口\r\n--------------- ----------  --------------- ----------\r\n*               16443       192.168.10.5    6443\r\n";
        let mut bytes = Vec::new();
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(bytes[..2], [0xFF, 0xFE], "the byte-order mark PowerShell writes");
        let decoded = decode(&bytes, Path::new("pp.txt")).expect("decodes");
        let rules = parse(&decoded, Path::new("pp.txt")).expect("parses");
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].connect_port, 6443);
    }

    #[test]
    fn rejects_malformed_rows_and_binary() {
        let err = parse("*  16443  192.168.10.5\n", Path::new("pp.txt")).unwrap_err();
        assert_eq!(err.line, Some(1));
        let err = parse("*  16443  192.168.10.5  99999\n", Path::new("pp.txt")).unwrap_err();
        assert!(err.what.contains("not a port"), "{err}");
        assert!(decode(&[0x7f, 0x45, 0x4c, 0x46, 0x02, 0x00, 0xff], Path::new("bin")).is_err());
        let err = decode(&[0xff, 0xfe, b'*', 0, b' '], Path::new("cut")).unwrap_err();
        assert!(err.what.contains("half a character"), "{err}");
        // An unpaired surrogate is not text.
        assert!(decode(&[0xff, 0xfe, 0x00, 0xd8, b'a', 0], Path::new("surrogate")).is_err());
        assert_eq!(parse("", Path::new("empty")).expect("empty is no rules"), vec![]);
    }
}
