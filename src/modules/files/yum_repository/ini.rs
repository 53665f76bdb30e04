//! A `.repo` file as Python's `configparser.RawConfigParser` reads and writes it with its
//! default settings, which is how Ansible's `yum_repository` edits it: option names
//! lowercased, `=` or `:` as delimiter, whole-line `#`/`;` comments dropped, indented lines
//! continuing a value, a `[DEFAULT]` section whose options every section inherits; written
//! back as `key = value` with continuation lines indented by a tab and a blank line after
//! each section. Also Ansible's `dump` (sections and options sorted), which decides whether
//! the file changed. Pure text: knows nothing of the target.

/// One section: its name and options in file order (values joined with `\n`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Section {
    name: String,
    options: Vec<(String, String)>,
}

/// The parsed file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ini {
    defaults: Vec<(String, String)>,
    sections: Vec<Section>,
}

/// The section name configparser gives to options every section inherits.
const DEFAULT: &str = "DEFAULT";

impl Ini {
    /// Reads `text` as configparser does; the error names the line configparser refuses.
    pub fn parse(text: &str) -> Result<Ini, String> {
        let mut ini = Ini::default();
        // Where options go: None before any header, Some(None) for DEFAULT.
        let mut cur: Option<Option<usize>> = None;
        let mut opt: Option<usize> = None;
        let mut indent = usize::MAX;
        let mut values: Vec<Vec<String>> = Vec::new();
        // (section, option index) -> index into `values`, kept beside the option.
        let mut slots: Vec<(Option<usize>, usize)> = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim();
            let comment = line.starts_with('#') || line.starts_with(';');
            if line.is_empty() || comment {
                if !comment && cur.is_some() {
                    if let Some(i) = opt {
                        values[i].push(String::new());
                    }
                }
                continue;
            }
            let level = raw.len() - raw.trim_start().len();
            if cur.is_some() && opt.is_some() && level > indent {
                if let Some(i) = opt {
                    values[i].push(line.to_string());
                }
                continue;
            }
            indent = level;
            if let Some(name) = header(line) {
                if name == DEFAULT {
                    cur = Some(None);
                } else if ini.sections.iter().any(|s| s.name == name) {
                    return Err(format!("line {}: section '{name}' already exists", n + 1));
                } else {
                    ini.sections.push(Section {
                        name: name.to_string(),
                        options: Vec::new(),
                    });
                    cur = Some(Some(ini.sections.len() - 1));
                }
                opt = None;
                continue;
            }
            let Some(sect) = cur else {
                return Err(format!("line {}: no section header before {line:?}", n + 1));
            };
            let Some((key, value)) = option(line) else {
                return Err(format!("line {}: cannot parse {line:?}", n + 1));
            };
            let list = match sect {
                None => &mut ini.defaults,
                Some(i) => &mut ini.sections[i].options,
            };
            if list.iter().any(|(k, _)| *k == key) {
                return Err(format!("line {}: option '{key}' already exists", n + 1));
            }
            list.push((key, String::new()));
            slots.push((sect, list.len() - 1));
            values.push(vec![value]);
            opt = Some(values.len() - 1);
        }
        for ((sect, i), v) in slots.into_iter().zip(values) {
            let joined = v.join("\n").trim_end().to_string();
            match sect {
                None => ini.defaults[i].1 = joined,
                Some(s) => ini.sections[s].options[i].1 = joined,
            }
        }
        Ok(ini)
    }

    /// Removes section `name` if it is there.
    pub fn remove(&mut self, name: &str) {
        self.sections.retain(|s| s.name != name);
    }

    /// Puts section `name` with `options` at the end (after removing it where it was).
    pub fn add(&mut self, name: &str, options: Vec<(String, String)>) {
        self.remove(name);
        self.sections.push(Section {
            name: name.to_string(),
            options,
        });
    }

    /// Whether no section is left (the file is then removed).
    pub fn is_empty(&self) -> bool {
        self.sections.is_empty()
    }

    /// The file as configparser writes it.
    pub fn write(&self) -> String {
        let mut out = String::new();
        let mut section = |name: &str, options: &[(String, String)]| {
            out.push_str(&format!("[{name}]\n"));
            for (k, v) in options {
                out.push_str(&format!("{k} = {}\n", v.replace('\n', "\n\t")));
            }
            out.push('\n');
        };
        if !self.defaults.is_empty() {
            section(DEFAULT, &self.defaults);
        }
        for s in &self.sections {
            section(&s.name, &s.options);
        }
        out
    }

    /// Ansible's `dump`: sections sorted, each with its options (inherited ones included)
    /// sorted, as `key = value`.
    pub fn dump(&self) -> String {
        let mut sections: Vec<&Section> = self.sections.iter().collect();
        sections.sort_by(|a, b| a.name.cmp(&b.name));
        let mut out = String::new();
        for s in sections {
            let mut items: Vec<(&str, &str)> = self
                .defaults
                .iter()
                .filter(|(k, _)| !s.options.iter().any(|(o, _)| o == k))
                .chain(&s.options)
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            items.sort();
            out.push_str(&format!("[{}]\n", s.name));
            for (k, v) in items {
                out.push_str(&format!("{k} = {v}\n"));
            }
            out.push('\n');
        }
        out
    }
}

/// A section header's name: from the first `[` to the last `]` (configparser's greedy
/// `\[(.+)\]`, anything after the `]` ignored).
fn header(line: &str) -> Option<&str> {
    let rest = line.strip_prefix('[')?;
    let end = rest.rfind(']')?;
    (end > 0).then(|| &rest[..end])
}

/// An option line: the name up to the first `=` or `:` (trimmed, lowercased) and the value.
fn option(line: &str) -> Option<(String, String)> {
    let at = line.find(['=', ':'])?;
    let key = line[..at].trim_end().to_lowercase();
    Some((key, line[at + 1..].trim().to_string()))
}
