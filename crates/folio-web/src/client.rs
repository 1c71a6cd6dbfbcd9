//! Who a request comes from. Behind a reverse proxy every connection comes from the
//! proxy, so the client's address is what the proxy says in `X-Forwarded-For`, but only
//! when the connection really comes from a proxy this server was told to trust
//! (`FOLIO_TRUSTED_PROXIES`). Anyone can send the header; nobody else is believed.
//!
//! The address matters for sign-in rate limits (per client address) and for first-run
//! set-up, which is allowed without a token only from the machine itself. A request
//! that a proxy Folio does not trust has relayed is never "from the machine itself",
//! even though its connection comes from loopback.

use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use std::net::{IpAddr, SocketAddr};

/// Addresses and networks whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// Parses a comma- or space-separated list of addresses and CIDR networks, such as
    /// `127.0.0.1, 10.0.0.0/8, fd00::/8`. The error names the entry that is wrong.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        let mut nets = Vec::new();
        for entry in list
            .split([',', ' '])
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let (addr, prefix) = match entry.split_once('/') {
                Some((a, p)) => (a, Some(p)),
                None => (entry, None),
            };
            let ip: IpAddr = addr
                .parse()
                .map_err(|_| format!("{entry:?} is not an IP address or network"))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                None => max,
                Some(p) => p
                    .parse::<u8>()
                    .ok()
                    .filter(|p| *p <= max)
                    .ok_or_else(|| format!("{entry:?} has a prefix length outside 0–{max}"))?,
            };
            nets.push((ip, prefix));
        }
        Ok(TrustedProxies(nets))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0
            .iter()
            .any(|(net, prefix)| match (canonical(*net), ip) {
                (IpAddr::V4(n), IpAddr::V4(a)) => {
                    masked(u128::from(u32::from(n)), *prefix, 32)
                        == masked(u128::from(u32::from(a)), *prefix, 32)
                }
                (IpAddr::V6(n), IpAddr::V6(a)) => {
                    masked(u128::from(n), *prefix, 128) == masked(u128::from(a), *prefix, 128)
                }
                _ => false,
            })
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`) compare as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn masked(bits: u128, prefix: u8, width: u8) -> u128 {
    if prefix == 0 {
        return 0;
    }
    let shift = u32::from(width - prefix);
    (bits >> shift) << shift
}

/// The client of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer {
    /// The client's address; `None` when unknown (no connection info, or a forwarded
    /// address that does not parse).
    pub ip: Option<IpAddr>,
    /// A proxy this server does not trust relayed the request (it carries forwarding
    /// headers): the connection's address is the proxy's, not the client's.
    pub relayed: bool,
}

impl Peer {
    /// Works out the client from the connection's address and the headers.
    pub fn resolve(
        connection: Option<IpAddr>,
        headers: &HeaderMap,
        trusted: &TrustedProxies,
    ) -> Peer {
        let forwarded: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let Some(conn) = connection else {
            return Peer {
                ip: None,
                relayed: false,
            };
        };
        if !trusted.contains(conn) {
            let relayed = !forwarded.is_empty()
                || headers.contains_key("forwarded")
                || headers.contains_key("x-real-ip");
            return Peer {
                ip: Some(conn),
                relayed,
            };
        }
        // From the right: each hop appends the address it saw; the first one that is
        // not a trusted proxy is the client.
        let mut client = conn;
        for hop in forwarded.iter().rev() {
            match hop.parse::<IpAddr>() {
                Ok(ip) if trusted.contains(ip) => client = ip,
                Ok(ip) => {
                    return Peer {
                        ip: Some(canonical(ip)),
                        relayed: false,
                    }
                }
                Err(_) => {
                    return Peer {
                        ip: None,
                        relayed: false,
                    }
                }
            }
        }
        Peer {
            ip: Some(canonical(client)),
            relayed: false,
        }
    }

    /// A request from the machine Folio runs on, not relayed by anyone.
    pub fn is_local(&self) -> bool {
        !self.relayed && self.ip.is_some_and(|ip| ip.is_loopback())
    }

    /// The key of per-address rate limits.
    pub fn limit_key(&self) -> String {
        self.ip
            .map_or_else(|| "ip:unknown".to_owned(), |ip| format!("ip:{ip}"))
    }
}

impl FromRequestParts<AppState> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let connection = ConnectInfo::<SocketAddr>::from_request_parts(parts, state)
            .await
            .ok()
            .map(|ConnectInfo(addr)| addr.ip());
        Ok(Peer::resolve(
            connection,
            &parts.headers,
            &state.config().trusted_proxies,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", HeaderValue::from_str(v).expect("header"));
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn parses_addresses_and_networks_and_names_a_bad_entry() {
        let t = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8 fd00::/8").expect("parses");
        assert!(
            t.contains(ip("127.0.0.1"))
                && t.contains(ip("10.200.3.4"))
                && t.contains(ip("fd12::1"))
        );
        assert!(
            t.contains(ip("::ffff:10.1.1.1")),
            "IPv4-mapped addresses match their IPv4 network"
        );
        assert!(
            !t.contains(ip("127.0.0.2"))
                && !t.contains(ip("11.0.0.1"))
                && !t.contains(ip("fe80::1"))
        );
        assert!(TrustedProxies::parse("0.0.0.0/0")
            .expect("all")
            .contains(ip("8.8.8.8")));
        assert_eq!(
            TrustedProxies::parse("10.0.0.0/33").expect_err("prefix too long"),
            "\"10.0.0.0/33\" has a prefix length outside 0–32"
        );
        assert_eq!(
            TrustedProxies::parse("proxy.local").expect_err("a name, not an address"),
            "\"proxy.local\" is not an IP address or network"
        );
        assert!(TrustedProxies::parse("").expect("empty").is_empty());
    }

    #[test]
    fn forwarded_addresses_count_only_from_a_trusted_proxy() {
        let none = TrustedProxies::default();
        let local = TrustedProxies::parse("127.0.0.1").expect("parses");
        // Straight from loopback: local.
        assert!(Peer::resolve(Some(ip("127.0.0.1")), &headers(&[]), &none).is_local());
        // Relayed by a proxy nobody configured: not local, and the header is not believed.
        let relayed = Peer::resolve(Some(ip("127.0.0.1")), &headers(&["203.0.113.9"]), &none);
        assert!(!relayed.is_local());
        assert_eq!(relayed.ip, Some(ip("127.0.0.1")));
        // Through a trusted proxy: the client is the rightmost untrusted hop, whatever
        // the client itself put further left.
        let client = Peer::resolve(
            Some(ip("127.0.0.1")),
            &headers(&["127.0.0.1, 198.51.100.7", "203.0.113.9"]),
            &local,
        );
        assert_eq!(client.ip, Some(ip("203.0.113.9")));
        assert!(
            !client.is_local(),
            "a spoofed 127.0.0.1 further left changes nothing"
        );
        assert_eq!(client.limit_key(), "ip:203.0.113.9");
        // A machine-local client through the local proxy is local.
        assert!(Peer::resolve(Some(ip("127.0.0.1")), &headers(&["127.0.0.1"]), &local).is_local());
        // A header from an untrusted address is ignored.
        let direct = Peer::resolve(Some(ip("198.51.100.1")), &headers(&["127.0.0.1"]), &local);
        assert_eq!(direct.ip, Some(ip("198.51.100.1")));
        assert!(!direct.is_local());
        // Garbage in the header from a trusted proxy: unknown, not local.
        assert_eq!(
            Peer::resolve(Some(ip("127.0.0.1")), &headers(&["<script>"]), &local).ip,
            None
        );
    }
}
