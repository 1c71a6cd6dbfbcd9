//! Redis through Sentinel: `FOLIO_REDIS_URL=redis+sentinel://[[user]:password@]host:port[,host:port…]/service[/db]`.
//!
//! The Sentinels are asked, in turn, where the master of `service` is
//! (`SENTINEL get-master-addr-by-name`), and the answer is checked with `ROLE` on that
//! server, as Sentinel's guidelines for clients ask: right after a failover a Sentinel
//! may still name the old master. The password and database number are the master's;
//! the Sentinels are asked without credentials.

use redis::{ConnectionAddr, ConnectionInfo, IntoConnectionInfo, RedisConnectionInfo};
use std::time::Duration;

/// How long one Sentinel, or the master it names, may take to answer.
const ASK_TIMEOUT: Duration = Duration::from_secs(1);
/// Sentinel's own port, when a host is given without one.
const SENTINEL_PORT: u16 = 26379;

/// Where the Sentinels are, which master to ask them for, and how to sign in to it.
#[derive(Debug, Clone)]
pub(crate) struct Sentinels {
    sentinels: Vec<(String, u16)>,
    service: String,
    master: RedisConnectionInfo,
}

impl Sentinels {
    /// Parses a `redis+sentinel://` URL; the error says what is wrong with it.
    pub(crate) fn parse(url: &str) -> Result<Sentinels, String> {
        let rest = url
            .strip_prefix("redis+sentinel://")
            .ok_or("a Sentinel URL starts with redis+sentinel://")?;
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (credentials, hosts) = match authority.rsplit_once('@') {
            Some((credentials, hosts)) => (Some(credentials), hosts),
            None => (None, authority),
        };
        let mut sentinels = Vec::new();
        for host in hosts.split(',').map(str::trim).filter(|h| !h.is_empty()) {
            let (name, port) = match host.rsplit_once(':') {
                Some((name, port)) => (
                    name,
                    port.parse::<u16>().map_err(|_| {
                        format!("{port:?} is not a port number (in the Sentinel {host:?})")
                    })?,
                ),
                None => (host, SENTINEL_PORT),
            };
            if name.is_empty() {
                return Err(format!("the Sentinel {host:?} has no host name"));
            }
            sentinels.push((name.trim_matches(['[', ']']).to_owned(), port));
        }
        if sentinels.is_empty() {
            return Err(
                "names no Sentinel: redis+sentinel://HOST:26379[,HOST:26379…]/SERVICE".into(),
            );
        }
        let mut parts = path.split('/').filter(|p| !p.is_empty());
        let service = parts
            .next()
            .ok_or("names no service after the Sentinels: redis+sentinel://HOST:26379/SERVICE (the name in `sentinel monitor`)")?
            .to_owned();
        let db = match parts.next() {
            Some(db) => db
                .parse::<i64>()
                .map_err(|_| format!("{db:?} is not a database number"))?,
            None => 0,
        };
        // The credentials are read the way a redis:// URL's are (percent-decoded).
        let mut master = match credentials {
            Some(credentials) => {
                format!("redis://{credentials}@localhost")
                    .into_connection_info()
                    .map_err(|_| "its user name or password is not valid in a URL".to_owned())?
                    .redis
            }
            None => RedisConnectionInfo::default(),
        };
        master.db = db;
        Ok(Sentinels {
            sentinels,
            service,
            master,
        })
    }

    /// The master's address and a client for it, from the first Sentinel that knows it,
    /// confirmed by `ROLE`; or why there is none.
    pub(crate) async fn master(&self) -> Result<(String, redis::Client), String> {
        let (sentinel, (host, port)) = self.named_master().await?;
        let client = self.client(&host, port)?;
        let address = format!("{host}:{port}");
        match is_master(&client).await {
            Ok(true) => Ok((address, client)),
            Ok(false) => Err(format!(
                "the Sentinel at {sentinel} names {address} as the master of {:?}, which is not a master (yet): a failover in progress?",
                self.service
            )),
            Err(err) => Err(format!(
                "the master of {:?} at {address}, named by the Sentinel at {sentinel}, does not answer: {err}",
                self.service
            )),
        }
    }

    /// The master's address (`host:port`) as the first Sentinel that knows it says,
    /// unconfirmed: enough to notice that it moved.
    pub(crate) async fn master_address(&self) -> Result<String, String> {
        let (_, (host, port)) = self.named_master().await?;
        Ok(format!("{host}:{port}"))
    }

    /// Which Sentinel named which master; or why none did, naming what each said.
    async fn named_master(&self) -> Result<(String, (String, u16)), String> {
        let mut said = Vec::with_capacity(self.sentinels.len());
        for (host, port) in &self.sentinels {
            match self.ask(host, *port).await {
                Ok(Some(master)) => return Ok((format!("{host}:{port}"), master)),
                Ok(None) => said.push(format!(
                    "{host}:{port} knows no master named {:?}",
                    self.service
                )),
                Err(err) => said.push(format!("{host}:{port}: {err}")),
            }
        }
        Err(format!("no Sentinel named a master ({})", said.join("; ")))
    }

    /// What one Sentinel says the master's address is.
    async fn ask(&self, host: &str, port: u16) -> Result<Option<(String, u16)>, String> {
        let sentinel = redis::Client::open(ConnectionInfo {
            addr: ConnectionAddr::Tcp(host.to_owned(), port),
            redis: RedisConnectionInfo::default(),
        })
        .map_err(|e| e.to_string())?;
        let asked = async {
            let mut conn = sentinel.get_multiplexed_async_connection().await?;
            redis::cmd("SENTINEL")
                .arg("get-master-addr-by-name")
                .arg(&self.service)
                .query_async::<Option<(String, String)>>(&mut conn)
                .await
        };
        match tokio::time::timeout(ASK_TIMEOUT, asked).await {
            Err(_) => Err("did not answer within a second".into()),
            Ok(Err(err)) => Err(err.to_string()),
            Ok(Ok(None)) => Ok(None),
            Ok(Ok(Some((host, port)))) => port
                .parse::<u16>()
                .map(|port| Some((host, port)))
                .map_err(|_| format!("answered a port that is not a number: {port:?}")),
        }
    }

    fn client(&self, host: &str, port: u16) -> Result<redis::Client, String> {
        redis::Client::open(ConnectionInfo {
            addr: ConnectionAddr::Tcp(host.to_owned(), port),
            redis: self.master.clone(),
        })
        .map_err(|e| e.to_string())
    }
}

/// Whether the server says it is a master (`ROLE`).
async fn is_master(client: &redis::Client) -> Result<bool, String> {
    let asked = async {
        let mut conn = client.get_multiplexed_async_connection().await?;
        redis::cmd("ROLE")
            .query_async::<redis::Value>(&mut conn)
            .await
    };
    match tokio::time::timeout(ASK_TIMEOUT, asked).await {
        Err(_) => Err("it did not answer within a second".into()),
        Ok(Err(err)) => Err(err.to_string()),
        Ok(Ok(redis::Value::Array(items))) => Ok(matches!(
            items.first(),
            Some(redis::Value::BulkString(role)) if role.as_slice() == b"master"
        ) || matches!(
            items.first(),
            Some(redis::Value::SimpleString(role)) if role == "master"
        )),
        Ok(Ok(_)) => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::Sentinels;

    #[test]
    fn parses_sentinels_service_credentials_and_database() {
        let s = Sentinels::parse("redis+sentinel://:p%40ss@s1:26380,s2,[::1]:26381/folio/2")
            .expect("parses");
        assert_eq!(
            s.sentinels,
            [
                ("s1".to_owned(), 26380),
                ("s2".to_owned(), 26379),
                ("::1".to_owned(), 26381)
            ]
        );
        assert_eq!(s.service, "folio");
        assert_eq!(s.master.password.as_deref(), Some("p@ss"));
        assert_eq!(s.master.db, 2);
        let plain = Sentinels::parse("redis+sentinel://s1/folio").expect("parses");
        assert_eq!(plain.master.password, None);
        assert_eq!(plain.master.db, 0);
    }

    #[test]
    fn says_what_is_wrong_with_a_url() {
        for (url, says) in [
            ("redis+sentinel://s1:26379", "names no service"),
            ("redis+sentinel:///folio", "names no Sentinel"),
            ("redis+sentinel://s1:port/folio", "not a port number"),
            ("redis+sentinel://s1/folio/x", "not a database number"),
        ] {
            let err = Sentinels::parse(url).expect_err(url);
            assert!(err.contains(says), "{url}: {err}");
        }
    }
}
