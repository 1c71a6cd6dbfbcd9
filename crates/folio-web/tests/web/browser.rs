//! A minimal browser for admin tests: keeps cookies, follows nothing by itself, and
//! finds CSRF tokens in pages.

use crate::helpers::{Reply, TestApp};
use axum::body::Body;
use axum::http::Request;
use std::collections::BTreeMap;

pub struct Browser<'a> {
    pub app: &'a TestApp,
    pub cookies: BTreeMap<String, String>,
    pub peer: Option<std::net::SocketAddr>,
}

/// Percent-encodes a form value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Browser<'a> {
        Browser {
            app,
            cookies: BTreeMap::new(),
            peer: None,
        }
    }

    fn remember(&mut self, reply: &Reply) {
        for value in reply.headers.get_all("set-cookie") {
            let text = value.to_str().unwrap_or_default();
            let pair = text.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                let max_age_zero = text.contains("Max-Age=0");
                if value.is_empty() || max_age_zero {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_owned(), value.to_owned());
                }
            }
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, request: Request<Body>) -> Reply {
        let reply = match self.peer {
            Some(peer) => self.app.send_from(peer, request).await,
            None => self.app.send(request).await,
        };
        self.remember(&reply);
        reply
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        let request = Request::get(path)
            .header("cookie", self.cookie_header())
            .body(Body::empty())
            .expect("request");
        self.send(request).await
    }

    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let request = Request::post(path)
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        self.send(request).await
    }

    pub async fn post_json(&mut self, path: &str, csrf: &str, json: serde_json::Value) -> Reply {
        let request = Request::post(path)
            .header("cookie", self.cookie_header())
            .header("content-type", "application/json")
            .header("x-csrf-token", csrf)
            .body(Body::from(json.to_string()))
            .expect("request");
        self.send(request).await
    }

    /// Posts a multipart form (the media library's upload form).
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
        accept_json: Option<&str>,
    ) -> Reply {
        let (content_type, body) = crate::helpers::multipart(fields, file);
        let mut request = Request::post(path)
            .header("cookie", self.cookie_header())
            .header("content-type", content_type);
        if let Some(csrf) = accept_json {
            request = request
                .header("accept", "application/json")
                .header("x-csrf-token", csrf);
        }
        self.send(request.body(Body::from(body)).expect("request"))
            .await
    }

    /// The CSRF token of the form on a page.
    pub fn csrf_of(page: &Reply) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = page
            .body
            .find(marker)
            .map(|i| i + marker.len())
            .unwrap_or_else(|| panic!("no csrf field in {}", page.body));
        page.body[start..]
            .chars()
            .take_while(|c| *c != '"')
            .collect()
    }

    /// Signs in through the form and returns the session's CSRF token.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> String {
        let form = self.get("/admin/signin").await;
        let csrf = Browser::csrf_of(&form);
        let reply = self
            .post(
                "/admin/signin",
                &[
                    ("email", email),
                    ("password", password),
                    ("next", "/admin/posts"),
                    ("csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(reply.status.as_u16(), 303, "sign-in failed: {}", reply.body);
        let list = self.get("/admin/posts").await;
        assert_eq!(list.status.as_u16(), 200, "{}", list.body);
        Browser::csrf_of(&list)
    }
}
