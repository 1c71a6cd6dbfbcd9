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
use folio_app::config::{canonical, TrustedProxies};
use std::net::{IpAddr, SocketAddr};

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
