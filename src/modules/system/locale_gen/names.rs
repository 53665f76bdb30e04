//! What `locale_gen` reads and writes, as text, the way Ansible's module reads it: which
//! requested locales `/usr/share/i18n/SUPPORTED` lists, which `locale -a` has (spelt either
//! `.utf8` or `.UTF-8`), and `/etc/locale.gen` with the requested locales' lines enabled or
//! commented out. Pure: knows nothing of hosts or arguments.

/// `locale -a`'s spellings of charsets and the spelling Ansible compares them in.
const NORMAL: &[(&str, &str)] = &[
    (".utf8", ".UTF-8"),
    (".eucjp", ".EUC-JP"),
    (".iso885915", ".ISO-8859-15"),
    (".cp1251", ".CP1251"),
    (".koi8r", ".KOI8-R"),
    (".armscii8", ".ARMSCII-8"),
    (".euckr", ".EUC-KR"),
    (".gbk", ".GBK"),
    (".gb18030", ".GB18030"),
    (".euctw", ".EUC-TW"),
];

/// `name` with its charset spelt as Ansible compares it.
fn normal(name: &str) -> String {
    NORMAL
        .iter()
        .fold(name.to_string(), |n, (from, to)| n.replace(from, to))
}

/// The names of `names` that `locale -a`'s output `have` lacks.
pub fn missing<'a>(names: &'a [String], have: &str) -> Vec<&'a str> {
    let have: Vec<String> = have.lines().map(normal).collect();
    names
        .iter()
        .filter(|n| !have.contains(&normal(n)))
        .map(String::as_str)
        .collect()
}

/// The locale a SUPPORTED (or locale.gen) line offers: `[#] NAME CHARSET`, one space
/// between the two, as Ansible's pattern reads the file.
fn offered(line: &str) -> Option<&str> {
    let rest = line.trim_start();
    let rest = rest.strip_prefix('#').unwrap_or(rest).trim_start();
    let (name, charset) = rest.split_once(' ')?;
    let charset = charset.trim_end();
    let ok = name.chars().count() >= 2
        && !name.contains(char::is_whitespace)
        && !charset.is_empty()
        && !charset.contains(char::is_whitespace);
    ok.then_some(name)
}

/// The names of `names` that neither the SUPPORTED lines `supported` offer nor `locale -a`'s
/// output `have` lists: Ansible's "not available" locales.
pub fn unavailable<'a>(names: &'a [String], supported: &str, have: &str) -> Vec<&'a str> {
    let offered: Vec<&str> = supported.lines().filter_map(offered).collect();
    let unknown: Vec<String> = names
        .iter()
        .filter(|n| !offered.contains(&n.as_str()))
        .cloned()
        .collect();
    let still: Vec<&str> = missing(&unknown, have);
    names
        .iter()
        .map(String::as_str)
        .filter(|n| still.contains(n))
        .collect()
}

/// One locale.gen line with the line of `name` (`[#] NAME CHARSET`) enabled or commented
/// out; any other line as it is.
fn set_line(line: &str, name: &str, enable: bool) -> String {
    let (body, end) = match line.strip_suffix('\n') {
        Some(b) => (b, "\n"),
        None => (line, ""),
    };
    let rest = body.strip_prefix('#').unwrap_or(body);
    let rest = rest.trim_start();
    let charset = rest.strip_prefix(name).and_then(|r| r.strip_prefix(' '));
    match charset {
        Some(c) if !c.is_empty() && !name.is_empty() => {
            let hash = if enable { "" } else { "# " };
            format!("{hash}{name} {c}{end}")
        }
        _ => line.to_string(),
    }
}

/// locale.gen's `text` with the lines of every name of `names` enabled or commented out.
pub fn set(text: &str, names: &[String], enable: bool) -> String {
    text.split_inclusive('\n')
        .map(|line| {
            names
                .iter()
                .fold(line.to_string(), |l, n| set_line(&l, n, enable))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn locale_a_spellings_compare_equal() {
        let names = v(&["de_CH.UTF-8", "fr_FR.UTF-8", "C.UTF-8"]);
        assert_eq!(
            missing(&names, "C\nC.utf8\nde_CH.utf8\n"),
            vec!["fr_FR.UTF-8"]
        );
    }

    #[test]
    fn availability_is_supported_or_installed() {
        let supported = "de_CH.UTF-8 UTF-8\nde_CH ISO-8859-1\n";
        let names = v(&["de_CH.UTF-8", "C.UTF-8", "xx_YY", "de_CH"]);
        assert_eq!(unavailable(&names, supported, "C.utf8\n"), vec!["xx_YY"]);
        assert_eq!(offered("# en_US.UTF-8 UTF-8"), Some("en_US.UTF-8"));
        assert_eq!(offered("# a list of words"), None);
    }

    #[test]
    fn lines_are_enabled_and_commented_out() {
        let text = "# header text\n# de_CH.UTF-8 UTF-8\n#de_CH ISO-8859-1\nfr_FR.UTF-8 UTF-8\n";
        let on = set(text, &v(&["de_CH.UTF-8", "de_CH"]), true);
        assert_eq!(
            on,
            "# header text\nde_CH.UTF-8 UTF-8\nde_CH ISO-8859-1\nfr_FR.UTF-8 UTF-8\n"
        );
        let off = set(&on, &v(&["de_CH.UTF-8", "fr_FR.UTF-8"]), false);
        assert_eq!(
            off,
            "# header text\n# de_CH.UTF-8 UTF-8\nde_CH ISO-8859-1\n# fr_FR.UTF-8 UTF-8\n"
        );
        assert_eq!(set(&off, &v(&["de_CH.UTF-8", "fr_FR.UTF-8"]), false), off);
    }
}
