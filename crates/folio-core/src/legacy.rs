//! Old URLs of a site Folio imported (WordPress permalinks, `?p=42`, upload paths):
//! the one way they are written down, so that the importer stores and the server looks
//! up the same key for every spelling a reader's browser may send.

/// Longest key kept, in characters (MariaDB's longest index key; no real permalink is
/// near it).
pub const MAX_KEY_CHARS: usize = 768;

/// Query parameters by which WordPress finds content without pretty permalinks; any
/// other query is not part of an old URL's identity.
const ID_PARAMETERS: &[&str] = &["p", "page_id", "attachment_id", "cat", "tag"];

/// The key of a path with an optional query (`/2023/05/01/caf%C3%A9/`, `/?p=42&foo=1`):
/// the path percent-decoded and without its trailing slash, plus the first
/// WordPress id parameter (`/?p=42`). `None` for what cannot be an old URL.
pub fn path_key(path_and_query: &str) -> Option<String> {
    let (path, query) = match path_and_query.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (path_and_query, None),
    };
    let path = path.split('#').next().unwrap_or("");
    if !path.starts_with('/') {
        return None;
    }
    let decoded = percent_decode(path);
    let mut key = decoded.trim_end_matches('/').to_owned();
    if key.is_empty() {
        key.push('/');
    }
    if let Some(query) = query {
        let id = query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(name, value)| {
                ID_PARAMETERS.contains(name)
                    && !value.is_empty()
                    && value
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            });
        if let Some((name, value)) = id {
            key = format!(
                "{}?{name}={value}",
                if key == "/" { "/" } else { key.as_str() }
            );
        }
    }
    (key != "/" && key.chars().count() <= MAX_KEY_CHARS && !key.contains(['\0', '\n', '\r']))
        .then_some(key)
}

/// `caf%c3%a9` → `café`. Invalid escapes stay as they are; invalid UTF-8 is replaced.
pub fn percent_decode(raw: &str) -> String {
    if !raw.contains('%') {
        return raw.to_owned();
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_an_old_url_has_one_key() {
        let key = Some("/2023/05/01/café".to_string());
        assert_eq!(path_key("/2023/05/01/caf%C3%A9/"), key);
        assert_eq!(path_key("/2023/05/01/caf%c3%a9"), key);
        assert_eq!(path_key("/2023/05/01/café/?utm_source=x"), key);
        assert_eq!(path_key("/?p=42").as_deref(), Some("/?p=42"));
        assert_eq!(
            path_key("/?utm=1&p=42&page_id=3").as_deref(),
            Some("/?p=42")
        );
        assert_eq!(
            path_key("/index.php?page_id=7").as_deref(),
            Some("/index.php?page_id=7")
        );
        assert_eq!(path_key("/"), None);
        assert_eq!(path_key("/?s=x"), None);
        assert_eq!(path_key("http://x/y"), None);
        assert_eq!(path_key("/?p=1%27"), None);
        assert_eq!(path_key(&format!("/{}", "a".repeat(800))), None);
    }

    #[test]
    fn percent_decoding_keeps_what_is_not_an_escape() {
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("a%2Fb"), "a/b");
    }
}
