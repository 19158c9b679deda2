//! The region table: the security center's per-region address pool, loaded from JSON, validated,
//! and looked up by the names people actually type.
//!
//! The table is data (`data/regions.json`, embedded at compile time); `--regions-file` replaces it
//! when the vendor's page changes before a new release does. Loading is strict: a table with a
//! typo in an address would make every firewall verdict wrong, so any doubt is an input error that
//! names the file, the line and the entry.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::error::{InputError, line_of};
use crate::hostfs::{self, Kind};
use crate::i18n::Text;
use crate::t;

/// The table compiled into the binary.
pub const EMBEDDED_JSON: &str = include_str!("../data/regions.json");
/// How the embedded table is named in messages.
pub const EMBEDDED_NAME: &str = "<embedded data/regions.json>";

/// One region of the security center and the addresses it connects from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub public_ips: Vec<IpAddr>,
    pub private_cidrs: Vec<IpNet>,
    pub vpc_supported: bool,
}

/// Which part of a region's pool must be admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PoolPart {
    Both,
    Public,
    Private,
}

/// One address block the security center may connect from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PoolEntry {
    pub entry: IpNet,
    pub pool: PoolKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PoolKind {
    Public,
    Private,
}

impl PoolKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PoolKind::Public => "public",
            PoolKind::Private => "private",
        }
    }
}

impl Region {
    /// The pool entries in table order, public addresses first (as host routes), then private CIDRs.
    pub fn pool(&self, part: PoolPart) -> Vec<PoolEntry> {
        let public = self.public_ips.iter().map(|ip| PoolEntry { entry: IpNet::from(*ip), pool: PoolKind::Public });
        let private = self.private_cidrs.iter().map(|net| PoolEntry { entry: *net, pool: PoolKind::Private });
        match part {
            PoolPart::Both => public.chain(private).collect(),
            PoolPart::Public => public.collect(),
            PoolPart::Private => private.collect(),
        }
    }

    /// `华东1(杭州) / China (Hangzhou)`: how the region is named to people.
    pub fn display_name(&self) -> String {
        format!("{} / {}", self.name_zh, self.name_en)
    }
}

/// The whole table, validated.
#[derive(Debug, Clone, Serialize)]
pub struct RegionTable {
    pub source: String,
    pub updated: String,
    pub regions: Vec<Region>,
    /// Where the table came from, for messages (`<embedded …>` or the file path).
    #[serde(skip)]
    pub origin: String,
}

#[derive(Deserialize)]
struct RawTable<'a> {
    source: String,
    updated: String,
    #[serde(borrow)]
    regions: Vec<&'a RawValue>,
}

impl RegionTable {
    pub fn embedded() -> Result<Self, InputError> {
        Self::parse(EMBEDDED_JSON, EMBEDDED_NAME)
    }

    pub fn from_file(path: &Path) -> Result<Self, InputError> {
        let bytes = hostfs::read_file(path, Kind::RegionTable)?;
        let text = hostfs::utf8(bytes, path, Kind::RegionTable)?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses and validates a table; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, InputError> {
        let raw: RawTable<'_> = serde_json::from_str(text)
            .map_err(|e| InputError::new(origin, Some(e.line()), t!("regions-bad-json", error = e.to_string())))?;
        if !is_iso_date(&raw.updated) {
            let line = find_line(text, "\"updated\"");
            return Err(InputError::new(origin, line, t!("regions-bad-updated", value = format!("{:?}", raw.updated))));
        }
        if raw.regions.is_empty() {
            return Err(InputError::new(origin, find_line(text, "\"regions\""), t!("regions-empty")));
        }
        let mut regions = Vec::with_capacity(raw.regions.len());
        let mut seen: HashMap<String, (usize, String)> = HashMap::new();
        for (index, value) in raw.regions.iter().enumerate() {
            // The raw value borrows from `text`, so its offset gives the entry's line exactly.
            let offset = (value.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
            let base_line = line_of(text, offset);
            let label = entry_label(index, value);
            let region: Region = serde_json::from_str(value.get()).map_err(|e| {
                let what = t!("regions-entry", entry = label.clone(), what = Text::verbatim(e.to_string()));
                InputError::new(origin, Some(base_line + e.line().saturating_sub(1)), what)
            })?;
            validate_region(&region).map_err(|(what, near)| {
                // Point at the offending value when it can be found in the entry's text.
                let line = near
                    .and_then(|needle| value.get().find(&needle))
                    .map_or(base_line, |at| base_line + line_of(value.get(), at) - 1);
                InputError::new(origin, Some(line), t!("regions-entry", entry = label.clone(), what = what))
            })?;
            for (kind, name) in [("id", &region.id), ("name_zh", &region.name_zh), ("name_en", &region.name_en)] {
                let key = normalize(name);
                if let Some((first, first_id)) = seen.get(&key).filter(|(first, _)| *first != index) {
                    let line = value
                        .get()
                        .find(&format!("{name:?}"))
                        .map_or(base_line, |at| base_line + line_of(value.get(), at) - 1);
                    return Err(InputError::new(
                        origin,
                        Some(line),
                        t!(
                            "regions-entry",
                            entry = label,
                            what = t!(
                                "regions-duplicate",
                                key = kind,
                                value = format!("{name:?}"),
                                first = *first,
                                first_id = first_id
                            )
                        ),
                    ));
                }
                seen.insert(key, (index, region.id.clone()));
            }
            regions.push(region);
        }
        Ok(RegionTable { source: raw.source, updated: raw.updated, regions, origin: origin.to_string() })
    }

    /// Finds a region by id, Chinese name (either bracket width) or English name, ignoring case and
    /// spaces. The city inside the brackets (`杭州`, `Hangzhou`) works too when it is unique.
    pub fn resolve(&self, query: &str) -> Result<&Region, UnknownRegion> {
        let wanted = normalize(query);
        if let Some(region) = self.regions.iter().find(|r| self.keys(r).contains(&wanted)) {
            return Ok(region);
        }
        let cities: Vec<&Region> = self.regions.iter().filter(|r| city_keys(r).contains(&wanted)).collect();
        if let [only] = cities.as_slice() {
            return Ok(only);
        }
        Err(UnknownRegion { query: query.to_string(), suggestions: self.suggest(&wanted) })
    }

    fn keys(&self, region: &Region) -> [String; 3] {
        [normalize(&region.id), normalize(&region.name_zh), normalize(&region.name_en)]
    }

    /// The ids whose names are closest to `wanted` (edit distance), if any is close enough to be a typo.
    fn suggest(&self, wanted: &str) -> Vec<String> {
        let mut scored: Vec<(usize, &str)> = self
            .regions
            .iter()
            .map(|r| {
                let best = self
                    .keys(r)
                    .iter()
                    .chain(city_keys(r).iter())
                    .map(|k| edit_distance(k, wanted))
                    .min()
                    .unwrap_or(usize::MAX);
                (best, r.id.as_str())
            })
            .collect();
        scored.sort();
        let Some(&(best, _)) = scored.first() else { return Vec::new() };
        let tolerance = (wanted.chars().count() / 3).max(2);
        if best > tolerance {
            return Vec::new();
        }
        scored.iter().filter(|(d, _)| *d == best).map(|(_, id)| (*id).to_string()).collect()
    }

    /// Pairs of regions whose private CIDRs overlap. The vendor's table has two (cn-huhehaote and
    /// us-east-1 share 100.104.36.0/26; eu-central-1 and eu-west-1 share 172.16.0.0/20): the data
    /// stays faithful, and the `regions` command marks them so nobody "fixes" one by accident.
    pub fn shared_private_cidrs(&self) -> Vec<SharedCidr> {
        let mut shared = Vec::new();
        for (i, a) in self.regions.iter().enumerate() {
            for b in &self.regions[i + 1..] {
                for na in &a.private_cidrs {
                    for nb in &b.private_cidrs {
                        if na.contains(&nb.network()) || nb.contains(&na.network()) {
                            shared.push(SharedCidr { a: a.id.clone(), a_cidr: *na, b: b.id.clone(), b_cidr: *nb });
                        }
                    }
                }
            }
        }
        shared
    }

    /// The ids of the regions that accept VPC-type clusters, in table order.
    pub fn vpc_regions(&self) -> Vec<&Region> {
        self.regions.iter().filter(|r| r.vpc_supported).collect()
    }
}

/// Two regions whose private pool CIDRs overlap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedCidr {
    pub a: String,
    pub a_cidr: IpNet,
    pub b: String,
    pub b_cidr: IpNet,
}

/// `--region` named no region; carries the closest ids for "did you mean".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRegion {
    pub query: String,
    pub suggestions: Vec<String>,
}

impl UnknownRegion {
    /// What the user reads: the unknown name, the closest ids, where the list is.
    pub fn text(&self) -> Text {
        let query = format!("{:?}", self.query);
        match self.suggestions.as_slice() {
            [] => t!("regions-unknown", query = query),
            [one] => t!("regions-unknown-did-you-mean", query = query, suggestion = one),
            many => t!("regions-unknown-one-of", query = query, suggestions = many.join(", ")),
        }
    }
}

impl std::fmt::Display for UnknownRegion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text().en())
    }
}

/// A problem with one region, and the text near it (to find its line).
type Invalid = (Text, Option<String>);

fn validate_region(region: &Region) -> Result<(), Invalid> {
    if region.id.trim().is_empty() {
        return Err((t!("regions-id-empty"), Some("\"id\"".into())));
    }
    if region.public_ips.is_empty() && region.private_cidrs.is_empty() {
        return Err((t!("regions-pool-empty"), None));
    }
    for net in &region.private_cidrs {
        if net.trunc() != *net {
            let what = t!("regions-host-bits", cidr = net.to_string(), network = net.trunc().to_string());
            return Err((what, Some(format!("\"{net}\""))));
        }
    }
    for (list, entries) in [
        ("public_ips", region.public_ips.iter().map(|ip| ip.to_string()).collect::<Vec<_>>()),
        ("private_cidrs", region.private_cidrs.iter().map(|n| n.to_string()).collect()),
    ] {
        for (i, e) in entries.iter().enumerate() {
            if entries[..i].contains(e) {
                return Err((t!("regions-listed-twice", list = list, entry = e), Some(format!("\"{list}\""))));
            }
        }
    }
    Ok(())
}

/// `entry 3 ("cn-qingdao")`, or just `entry 3` when the id cannot be read.
fn entry_label(index: usize, value: &RawValue) -> Text {
    #[derive(Deserialize)]
    struct IdOnly {
        id: String,
    }
    match serde_json::from_str::<IdOnly>(value.get()) {
        Ok(IdOnly { id }) => t!("regions-entry-label-id", index = index, id = format!("{id:?}")),
        Err(_) => t!("regions-entry-label", index = index),
    }
}

fn find_line(text: &str, needle: &str) -> Option<usize> {
    text.find(needle).map(|offset| line_of(text, offset))
}

fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// Lower case, ASCII for full-width forms (`（杭州）` → `(杭州)`), no white space.
pub fn normalize(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            // The full-width ASCII block maps one to one onto ASCII.
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFF01 + 0x21).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The bracketed city of each name: `华东1(杭州)` → `杭州`, `China (Hong Kong)` → `hongkong`.
fn city_keys(region: &Region) -> Vec<String> {
    [&region.name_zh, &region.name_en]
        .iter()
        .filter_map(|name| {
            let n = normalize(name);
            let open = n.find('(')?;
            let close = n.rfind(')')?;
            (close > open + 1).then(|| n[open + 1..close].to_string())
        })
        .collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != cb);
            cur[j + 1] = substitute.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> RegionTable {
        RegionTable::embedded().expect("embedded table is valid")
    }

    #[test]
    fn embedded_table_has_sixteen_regions_five_vpc() {
        let t = table();
        assert_eq!(t.regions.len(), 16);
        let vpc: Vec<&str> = t.vpc_regions().iter().map(|r| r.id.as_str()).collect();
        assert_eq!(vpc, ["cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-hongkong"]);
    }

    #[test]
    fn resolves_every_spelling() {
        let t = table();
        for q in [
            "cn-hangzhou",
            "CN-HANGZHOU",
            "华东1(杭州)",
            "华东1（杭州）",
            "China (Hangzhou)",
            "china(hangzhou)",
            " 杭州 ",
            "Hangzhou",
        ] {
            assert_eq!(t.resolve(q).map(|r| r.id.as_str()), Ok("cn-hangzhou"), "query {q:?}");
        }
        assert_eq!(t.resolve("中国香港").map(|r| r.id.as_str()), Ok("cn-hongkong"));
        assert_eq!(t.resolve("Hong Kong").map(|r| r.id.as_str()), Ok("cn-hongkong"));
        assert_eq!(t.resolve("singapore").map(|r| r.id.as_str()), Ok("ap-southeast-1"));
    }

    #[test]
    fn typo_suggests_nearest() {
        let err = table().resolve("cn-hangzou").unwrap_err();
        assert_eq!(err.suggestions, ["cn-hangzhou"]);
        assert!(err.to_string().contains("did you mean cn-hangzhou?"), "{err}");
        let err = table().resolve("mars-north-1").unwrap_err();
        assert!(err.suggestions.is_empty());
    }

    #[test]
    fn shared_private_cidrs_are_the_two_seed_pairs() {
        let pairs: Vec<(String, String)> = table().shared_private_cidrs().into_iter().map(|s| (s.a, s.b)).collect();
        assert_eq!(
            pairs,
            [
                ("cn-huhehaote".to_string(), "us-east-1".to_string()),
                ("eu-central-1".to_string(), "eu-west-1".to_string())
            ]
        );
    }

    fn minimal(regions: &str) -> String {
        format!("{{\"source\": \"test\", \"updated\": \"2026-01-01\", \"regions\": [\n{regions}\n]}}")
    }

    const GOOD: &str = r#"{"id": "doc-1", "name_zh": "文档1", "name_en": "Doc (One)", "public_ips": ["192.0.2.10"], "private_cidrs": ["198.51.100.0/26"], "vpc_supported": true}"#;

    #[test]
    fn rejects_bad_input_with_line_and_entry() {
        let cases = [
            (minimal(&format!("{GOOD},\n{GOOD}")), "duplicate id \"doc-1\"", 3),
            (
                minimal(
                    r#"{"id": "x", "name_zh": "x", "name_en": "x", "public_ips": ["192.0.2.300"], "private_cidrs": [], "vpc_supported": false}"#,
                ),
                "invalid IP address",
                2,
            ),
            (
                minimal(
                    r#"{"id": "x", "name_zh": "x", "name_en": "x", "public_ips": [], "private_cidrs": ["198.51.100.0/33"], "vpc_supported": false}"#,
                ),
                "entry 0 (\"x\")",
                2,
            ),
            (
                minimal(
                    r#"{"id": "x", "name_zh": "x", "name_en": "x", "public_ips": [], "private_cidrs": ["198.51.100.1/26"], "vpc_supported": false}"#,
                ),
                "host bits set",
                2,
            ),
            (
                minimal(
                    r#"{"id": "x", "name_zh": "x", "name_en": "x", "public_ips": [], "private_cidrs": [], "vpc_supported": false}"#,
                ),
                "pool is empty",
                2,
            ),
            (
                minimal(
                    r#"{"id": "x", "name_zh": "x", "public_ips": ["192.0.2.1"], "private_cidrs": [], "vpc_supported": false}"#,
                ),
                "missing field `name_en`",
                2,
            ),
            (minimal(""), "\"regions\" is empty", 1),
            ("{\"source\": 1}".to_string(), "expected", 1),
            ("{\"source\": \"s\", \"updated\": \"2026\", \"regions\": []}".to_string(), "YYYY-MM-DD", 1),
            ("{\"source\": \"s\", \"updated\": \"2026-01-01\", \"regions\": [".to_string(), "EOF", 1),
        ];
        for (text, needle, line) in cases {
            let err = RegionTable::parse(&text, "t.json").unwrap_err();
            assert!(err.what.contains(needle), "{err} should mention {needle:?}");
            assert_eq!(err.line, Some(line), "{err}");
            assert_eq!(err.file, "t.json");
        }
    }

    #[test]
    fn normalize_folds_width_case_and_space() {
        assert_eq!(normalize("华东1（杭州）"), "华东1(杭州)");
        assert_eq!(normalize("China (Hong Kong)"), "china(hongkong)");
        assert_eq!(normalize("ＣＮ－ＨＡＮＧＺＨＯＵ"), "cn-hangzhou");
    }

    #[test]
    fn pool_order_is_public_then_private() {
        let t = table();
        let sh = t.resolve("cn-shanghai").expect("cn-shanghai");
        let pool = sh.pool(PoolPart::Both);
        assert_eq!(pool.len(), 12);
        assert_eq!(pool[0].entry.to_string(), "139.224.15.48/32");
        assert_eq!(pool[11].entry.to_string(), "100.104.43.0/26");
        assert_eq!(sh.pool(PoolPart::Private).len(), 1);
    }
}
