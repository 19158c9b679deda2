//! Sets of addresses as sorted, disjoint intervals: the currency of the evaluator.
//!
//! A /20 pool entry is 4096 addresses and a ruleset may split it anywhere, so verdicts are computed
//! over intervals, never per address. [`Spans`] is one family's set (addresses as `u128`, so IPv4
//! and IPv6 share the code); [`Family`] says how wide the address space is. The smallest CIDR list
//! that covers a set exactly ([`Spans::prefixes`]) is what reports show.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

/// An address family; the width of its address space in bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    pub const BOTH: [Family; 2] = [Family::V4, Family::V6];

    pub fn bits(self) -> u32 {
        match self {
            Family::V4 => 32,
            Family::V6 => 128,
        }
    }

    pub fn of(ip: IpAddr) -> Family {
        match ip {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }

    pub fn of_net(net: &IpNet) -> Family {
        Family::of(net.addr())
    }

    /// `IPv4` / `IPv6`, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        }
    }

    /// The address with this number. Numbers above the family's space are cut to its width.
    pub fn addr(self, n: u128) -> IpAddr {
        match self {
            // Truncation is the documented behaviour: IPv4 numbers always fit in 32 bits here.
            Family::V4 => IpAddr::V4(Ipv4Addr::from(n as u32)),
            Family::V6 => IpAddr::V6(Ipv6Addr::from(n)),
        }
    }

    /// The full address space of the family (`0.0.0.0/0` or `::/0`).
    pub fn all(self) -> Spans {
        Spans::full(self.bits())
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The number of an address (IPv4 in the low 32 bits).
pub fn number(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// The largest number in a space `bits` wide.
pub fn max_of(bits: u32) -> u128 {
    if bits >= 128 { u128::MAX } else { (1u128 << bits) - 1 }
}

/// A set of numbers in `0..=max`, as sorted, disjoint, non-adjacent inclusive intervals. Every
/// operation keeps that canonical form, so equal sets compare equal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Spans(Vec<(u128, u128)>);

impl Spans {
    pub fn new() -> Spans {
        Spans(Vec::new())
    }

    /// `lo..=hi`; empty when `lo > hi`.
    pub fn span(lo: u128, hi: u128) -> Spans {
        if lo > hi { Spans::new() } else { Spans(vec![(lo, hi)]) }
    }

    /// Every number of a space `bits` wide.
    pub fn full(bits: u32) -> Spans {
        Spans(vec![(0, max_of(bits))])
    }

    /// The block `base/len` of a space `bits` wide (host bits of `base` are ignored).
    pub fn prefix(base: u128, len: u32, bits: u32) -> Spans {
        let host = bits.saturating_sub(len.min(bits));
        let size_mask = if host >= 128 { u128::MAX } else { (1u128 << host) - 1 };
        let lo = base & !size_mask;
        Spans::span(lo, lo | size_mask)
    }

    /// The addresses of a CIDR.
    pub fn net(net: &IpNet) -> Spans {
        let family = Family::of_net(net);
        Spans::prefix(number(net.network()), u32::from(net.prefix_len()), family.bits())
    }

    /// One address.
    pub fn addr(ip: IpAddr) -> Spans {
        let n = number(ip);
        Spans::span(n, n)
    }

    /// Builds the canonical form from intervals in any order, overlapping or not.
    pub fn from_intervals(mut v: Vec<(u128, u128)>) -> Spans {
        v.retain(|(lo, hi)| lo <= hi);
        v.sort_unstable();
        let mut out: Vec<(u128, u128)> = Vec::with_capacity(v.len());
        for (lo, hi) in v {
            match out.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => out.push((lo, hi)),
            }
        }
        Spans(out)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn intervals(&self) -> &[(u128, u128)] {
        &self.0
    }

    pub fn contains(&self, n: u128) -> bool {
        let i = self.0.partition_point(|&(_, hi)| hi < n);
        self.0.get(i).is_some_and(|&(lo, _)| lo <= n)
    }

    /// How many numbers the set holds, saturating at `u128::MAX` (the whole IPv6 space).
    pub fn count(&self) -> u128 {
        self.0.iter().fold(0u128, |acc, &(lo, hi)| acc.saturating_add((hi - lo).saturating_add(1)))
    }

    pub fn union(&self, other: &Spans) -> Spans {
        if other.is_empty() {
            return self.clone();
        }
        if self.is_empty() {
            return other.clone();
        }
        let mut out: Vec<(u128, u128)> = Vec::with_capacity(self.0.len() + other.0.len());
        let (mut i, mut j) = (0, 0);
        while i < self.0.len() || j < other.0.len() {
            let next = if j >= other.0.len() || (i < self.0.len() && self.0[i].0 <= other.0[j].0) {
                i += 1;
                self.0[i - 1]
            } else {
                j += 1;
                other.0[j - 1]
            };
            match out.last_mut() {
                Some(last) if next.0 <= last.1.saturating_add(1) => last.1 = last.1.max(next.1),
                _ => out.push(next),
            }
        }
        Spans(out)
    }

    pub fn intersect(&self, other: &Spans) -> Spans {
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < self.0.len() && j < other.0.len() {
            let (a_lo, a_hi) = self.0[i];
            let (b_lo, b_hi) = other.0[j];
            let lo = a_lo.max(b_lo);
            let hi = a_hi.min(b_hi);
            if lo <= hi {
                out.push((lo, hi));
            }
            if a_hi < b_hi {
                i += 1;
            } else {
                j += 1;
            }
        }
        Spans(out)
    }

    /// The numbers of `self` that are not in `other`.
    pub fn difference(&self, other: &Spans) -> Spans {
        if self.is_empty() || other.is_empty() {
            return self.clone();
        }
        let mut out = Vec::new();
        let mut j = 0;
        for &(lo, hi) in &self.0 {
            let mut cur = lo;
            let mut open = true;
            while j < other.0.len() && other.0[j].1 < cur {
                j += 1;
            }
            let mut k = j;
            while k < other.0.len() && other.0[k].0 <= hi {
                let (b_lo, b_hi) = other.0[k];
                if b_lo > cur {
                    out.push((cur, b_lo - 1));
                }
                if b_hi >= hi {
                    open = false;
                    break;
                }
                cur = b_hi + 1;
                k += 1;
            }
            if open {
                out.push((cur, hi));
            }
        }
        Spans(out)
    }

    /// Every number of a space `bits` wide that is not in the set.
    pub fn complement(&self, bits: u32) -> Spans {
        Spans::full(bits).difference(self)
    }

    pub fn is_subset(&self, other: &Spans) -> bool {
        self.difference(other).is_empty()
    }

    pub fn overlaps(&self, other: &Spans) -> bool {
        !self.intersect(other).is_empty()
    }

    /// The smallest list of aligned blocks (`base`, prefix length) that covers the set exactly, in
    /// address order. Each maximal interval is cut greedily into the largest aligned blocks, which
    /// is optimal: no two blocks of the result can merge into one.
    pub fn prefixes(&self, bits: u32) -> Vec<(u128, u32)> {
        let mut out = Vec::new();
        for &(lo, hi) in &self.0 {
            let mut cur = lo;
            loop {
                // The largest block that starts at `cur` (alignment) and ends by `hi` (length).
                let align = if cur == 0 { bits } else { cur.trailing_zeros().min(bits) };
                let room = hi - cur; // block size - 1 must be <= room
                let fit = if room == u128::MAX { 128 } else { 127 - (room + 1).leading_zeros() };
                let host = align.min(fit);
                out.push((cur, bits - host));
                let last = if host >= 128 { u128::MAX } else { cur | ((1u128 << host) - 1) };
                if last >= hi {
                    break;
                }
                cur = last + 1;
            }
        }
        out
    }

    /// [`Spans::prefixes`] as CIDRs of `family`.
    pub fn cidrs(&self, family: Family) -> Vec<IpNet> {
        self.prefixes(family.bits())
            .into_iter()
            .map(|(base, len)| {
                // The prefix length never exceeds the family's width, so the CIDR is valid.
                let len = len as u8;
                match family.addr(base) {
                    IpAddr::V4(a) => IpNet::V4(Ipv4Net::new(a, len).unwrap_or_default()),
                    IpAddr::V6(a) => IpNet::V6(Ipv6Net::new(a, len).unwrap_or_default()),
                }
            })
            .collect()
    }

    /// The CIDRs as text, comma-separated: for messages.
    pub fn describe(&self, family: Family) -> String {
        self.cidrs(family).iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    }
}

/// An address set of both families.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddrSet {
    pub v4: Spans,
    pub v6: Spans,
}

impl AddrSet {
    pub fn get(&self, family: Family) -> &Spans {
        match family {
            Family::V4 => &self.v4,
            Family::V6 => &self.v6,
        }
    }

    pub fn get_mut(&mut self, family: Family) -> &mut Spans {
        match family {
            Family::V4 => &mut self.v4,
            Family::V6 => &mut self.v6,
        }
    }

    pub fn of_nets<'a>(nets: impl IntoIterator<Item = &'a IpNet>) -> AddrSet {
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for net in nets {
            let s = Spans::net(net);
            let target = if matches!(net, IpNet::V4(_)) { &mut v4 } else { &mut v6 };
            target.extend_from_slice(s.intervals());
        }
        AddrSet { v4: Spans::from_intervals(v4), v6: Spans::from_intervals(v6) }
    }

    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    pub fn cidrs(&self) -> Vec<IpNet> {
        let mut out = self.v4.cidrs(Family::V4);
        out.extend(self.v6.cidrs(Family::V6));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const BITS: u32 = 8;
    const SIZE: usize = 256;

    fn bitmap(s: &Spans) -> [bool; SIZE] {
        let mut m = [false; SIZE];
        for &(lo, hi) in s.intervals() {
            for n in lo..=hi {
                m[usize::try_from(n).expect("small")] = true;
            }
        }
        m
    }

    fn canonical(s: &Spans) -> bool {
        s.intervals().iter().all(|(lo, hi)| lo <= hi)
            && s.intervals().windows(2).all(|w| w[0].1.saturating_add(1) < w[1].0)
            && s.intervals().last().is_none_or(|&(_, hi)| hi <= max_of(BITS))
    }

    /// The fewest aligned blocks that cover `m` exactly, by brute force over the binary trie.
    fn naive_min_blocks(m: &[bool; SIZE], base: usize, size: usize) -> usize {
        let block = &m[base..base + size];
        if block.iter().all(|&b| b) {
            1
        } else if block.iter().all(|&b| !b) {
            0
        } else {
            naive_min_blocks(m, base, size / 2) + naive_min_blocks(m, base + size / 2, size / 2)
        }
    }

    fn spans_strategy() -> impl Strategy<Value = Spans> {
        prop::collection::vec((0u128..256, 0u128..16), 0..6)
            .prop_map(|v| Spans::from_intervals(v.into_iter().map(|(lo, len)| (lo, (lo + len).min(255))).collect()))
    }

    proptest! {
        #[test]
        fn algebra_matches_bitmaps(a in spans_strategy(), b in spans_strategy()) {
            let (ma, mb) = (bitmap(&a), bitmap(&b));
            let u = a.union(&b);
            let i = a.intersect(&b);
            let d = a.difference(&b);
            let c = a.complement(BITS);
            for s in [&u, &i, &d, &c] {
                prop_assert!(canonical(s), "{s:?}");
            }
            let (mu, mi, md, mc) = (bitmap(&u), bitmap(&i), bitmap(&d), bitmap(&c));
            for n in 0..SIZE {
                prop_assert_eq!(mu[n], ma[n] || mb[n]);
                prop_assert_eq!(mi[n], ma[n] && mb[n]);
                prop_assert_eq!(md[n], ma[n] && !mb[n]);
                prop_assert_eq!(mc[n], !ma[n]);
                prop_assert_eq!(a.contains(n as u128), ma[n]);
            }
            prop_assert_eq!(a.count(), ma.iter().filter(|&&x| x).count() as u128);
            prop_assert_eq!(a.is_subset(&u), true);
            prop_assert_eq!(i.is_subset(&a) && i.is_subset(&b), true);
        }

        #[test]
        fn prefixes_cover_exactly_and_minimally(a in spans_strategy()) {
            let blocks = a.prefixes(BITS);
            let mut m = [false; SIZE];
            for &(base, len) in &blocks {
                prop_assert!(len <= BITS);
                let size = 1usize << (BITS - len);
                let base = usize::try_from(base).expect("small");
                prop_assert_eq!(base % size, 0, "aligned");
                for cell in &mut m[base..base + size] {
                    prop_assert!(!*cell, "blocks overlap");
                    *cell = true;
                }
            }
            prop_assert_eq!(m, bitmap(&a));
            prop_assert_eq!(blocks.len(), naive_min_blocks(&bitmap(&a), 0, SIZE));
        }
    }

    #[test]
    fn cidrs_of_real_sets() {
        let net: IpNet = "198.51.100.0/26".parse().expect("net");
        let hole: IpNet = "198.51.100.16/32".parse().expect("net");
        let s = Spans::net(&net).difference(&Spans::net(&hole));
        let text: Vec<String> = s.cidrs(Family::V4).iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "198.51.100.0/28",
                "198.51.100.17/32",
                "198.51.100.18/31",
                "198.51.100.20/30",
                "198.51.100.24/29",
                "198.51.100.32/27"
            ]
        );
        assert_eq!(Family::V4.all().cidrs(Family::V4)[0].to_string(), "0.0.0.0/0");
        assert_eq!(Family::V6.all().cidrs(Family::V6)[0].to_string(), "::/0");
        assert_eq!(Family::V6.all().count(), u128::MAX);
        let top: IpNet = "ffff::/16".parse().expect("net");
        assert_eq!(Spans::net(&top).cidrs(Family::V6), vec![top]);
        assert_eq!(Spans::full(32).complement(32), Spans::new());
    }
}
