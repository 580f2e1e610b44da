//! Who the client is: the connection's peer, or the address a trusted reverse proxy
//! names in `X-Forwarded-For`. Nobody else can choose the address they are counted under.

use std::net::IpAddr;
use std::str::FromStr;

use axum::http::HeaderMap;

/// The reverse proxies whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpRange>);

/// An address or a CIDR range of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct IpRange {
    network: IpAddr,
    prefix: u8,
}

impl IpRange {
    fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for IpRange {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || format!("'{text}' is not an IP address or a CIDR range such as 10.0.0.0/8");
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network = canonical(address.trim().parse::<IpAddr>().map_err(|_| bad())?);
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(bad)?,
            None => max,
        };
        Ok(Self { network, prefix })
    }
}

impl FromStr for TrustedProxies {
    type Err = String;

    /// A comma-separated list; empty trusts no proxy.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(IpRange::from_str)
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }
}

impl TrustedProxies {
    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|range| range.contains(ip))
    }

    /// The client's address. From a trusted proxy, the nearest address in
    /// `X-Forwarded-For` that is not itself a trusted proxy (the entries further left were
    /// written by the client and prove nothing); from anyone else, the peer itself.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let mut client = peer;
        let hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .collect::<Vec<_>>();
        for hop in hops.iter().rev() {
            match hop.trim().parse::<IpAddr>() {
                Ok(ip) => {
                    client = canonical(ip);
                    if !self.trusts(client) {
                        break;
                    }
                }
                // A hop we cannot read: stop at the last address we could trust.
                Err(_) => break,
            }
        }
        client
    }
}

/// IPv4 addresses that arrive mapped into IPv6 count as the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in xff {
            map.append("x-forwarded-for", value.parse().expect("a header value"));
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(ip("203.0.113.9"), &headers(&["10.1.1.1"])),
            ip("203.0.113.9")
        );
        let proxies: TrustedProxies = "127.0.0.1, 10.0.0.0/8".parse().expect("valid");
        assert_eq!(
            proxies.client(ip("203.0.113.9"), &headers(&["10.1.1.1"])),
            ip("203.0.113.9"),
            "not from a proxy"
        );
        assert_eq!(
            proxies.client(ip("127.0.0.1"), &headers(&["198.51.100.7"])),
            ip("198.51.100.7")
        );
        // The client wrote the left part itself; the proxies appended the rest.
        assert_eq!(
            proxies.client(
                ip("127.0.0.1"),
                &headers(&["1.2.3.4, 198.51.100.7", "10.0.0.5"])
            ),
            ip("198.51.100.7")
        );
        assert_eq!(
            proxies.client(ip("::ffff:127.0.0.1"), &headers(&["garbage"])),
            ip("127.0.0.1")
        );
        assert_eq!(
            proxies.client(ip("127.0.0.1"), &headers(&[])),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn trusted_proxies_read_addresses_and_ranges_and_name_what_is_wrong() {
        let parsed: TrustedProxies = "::1, fd00::/8 ,192.168.0.0/16".parse().expect("valid");
        assert!(parsed.trusts(ip("::1")));
        assert!(parsed.trusts(ip("fd12::1")));
        assert!(parsed.trusts(ip("192.168.4.4")));
        assert!(!parsed.trusts(ip("192.169.0.1")));
        assert_eq!("".parse::<TrustedProxies>(), Ok(TrustedProxies::default()));
        for bad in ["proxy.local", "10.0.0.0/33", "10.0.0.0/x"] {
            let error = bad.parse::<TrustedProxies>().expect_err(bad);
            assert!(error.contains(bad), "{error}");
        }
    }
}
