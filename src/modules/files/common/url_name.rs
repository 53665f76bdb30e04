//! The file name a download into a directory gets (`get_url`, and `uri`'s `dest` when it is a
//! directory): the URL's last path segment, `index.html` when it has none. Knows nothing of
//! how the download is made.

/// The URL's last path segment, without query or fragment; `index.html` when it is empty.
pub fn url_file_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let path = path.split_once("://").map_or(path, |(_, rest)| rest);
    match path.split_once('/') {
        Some((_, p)) => match p.rsplit('/').next() {
            Some(n) if !n.is_empty() => n.to_string(),
            _ => "index.html".into(),
        },
        None => "index.html".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::url_file_name;

    #[test]
    fn last_segment_or_index_html() {
        assert_eq!(url_file_name("http://h/a/b.tgz?x=1"), "b.tgz");
        assert_eq!(url_file_name("http://h/a/b.tgz#top"), "b.tgz");
        assert_eq!(url_file_name("http://h/"), "index.html");
        assert_eq!(url_file_name("http://h"), "index.html");
    }
}
