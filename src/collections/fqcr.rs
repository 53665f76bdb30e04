//! Fully qualified collection names (`ns.coll`) and references to something inside a
//! collection (`ns.coll.name`, `ns.coll.sub.name`), checked as Ansible checks them: every part
//! a Python identifier that is not a Python keyword. Knows nothing of files.

/// A reference to a resource of a collection: `ns.coll[.subdir...].name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fqcr {
    /// The collection, `ns.coll`.
    pub collection: String,
    /// Subdirectories between the plugin type's directory and the resource.
    pub subdirs: Vec<String>,
    /// The resource's own name.
    pub name: String,
}

impl Fqcr {
    /// Parses `ns.coll.name` (with `subdirs` allowed between when `subdirs` is true); `None`
    /// when `text` has fewer than three parts or a part is not an identifier.
    pub fn parse(text: &str, subdirs: bool) -> Option<Fqcr> {
        let parts: Vec<&str> = text.split('.').collect();
        if parts.len() < 3 || (!subdirs && parts.len() > 3) {
            return None;
        }
        if !parts.iter().all(|p| is_identifier(p)) {
            return None;
        }
        Some(Fqcr {
            collection: format!("{}.{}", parts[0], parts[1]),
            subdirs: parts[2..parts.len() - 1]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            name: parts[parts.len() - 1].to_string(),
        })
    }

    /// The path of the resource below a plugin type's directory, without extension.
    pub fn relative(&self) -> std::path::PathBuf {
        let mut p: std::path::PathBuf = self.subdirs.iter().collect();
        p.push(&self.name);
        p
    }
}

/// Whether `name` is a collection name, `ns.coll`.
pub fn is_collection_name(name: &str) -> bool {
    matches!(name.split_once('.'), Some((ns, coll)) if is_identifier(ns) && is_identifier(coll))
}

/// Python's keywords: never a namespace, collection or resource name.
const PY_KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// An ASCII Python identifier that is not a keyword.
fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !PY_KEYWORDS.contains(&s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_references() {
        let r = Fqcr::parse("devsec.hardening.os_hardening", false).unwrap();
        assert_eq!(r.collection, "devsec.hardening");
        assert_eq!(r.name, "os_hardening");
        assert!(r.subdirs.is_empty());
        let r = Fqcr::parse("a.b.sub.dir.mod", true).unwrap();
        assert_eq!(r.relative(), std::path::PathBuf::from("sub/dir/mod"));
        assert_eq!(Fqcr::parse("a.b.sub.mod", false), None);
        assert_eq!(Fqcr::parse("geerlingguy.docker", true), None);
        assert_eq!(Fqcr::parse("a.b.my-role", false), None);
        assert_eq!(Fqcr::parse("a.class.x", false), None);
        assert_eq!(Fqcr::parse("a..x", false), None);
    }

    #[test]
    fn collection_names() {
        assert!(is_collection_name("community.general"));
        assert!(!is_collection_name("community"));
        assert!(!is_collection_name("a.b.c"));
        assert!(!is_collection_name("my-ns.coll"));
    }
}
