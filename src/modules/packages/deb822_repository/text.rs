//! The deb822 text of `deb822_repository`: Ansible's file-name slug, its field names in its
//! order, multi-line values, and where the `signed_by` key comes from. Pure logic; knows
//! nothing of the target.

use super::{Args, Key};

/// Ansible's file-name slug of a repository name.
pub fn slug(name: &str) -> String {
    let mut dashed = String::new();
    let mut in_run = false;
    for c in name.to_lowercase().chars() {
        if c == '_' || c.is_whitespace() {
            if !in_run {
                dashed.push('-');
            }
            in_run = true;
        } else {
            dashed.push(c);
            in_run = false;
        }
    }
    dashed
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
        .collect()
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

/// Ansible's multi-line field value: each line indented, empty lines as `.`.
fn multiline(v: &str) -> String {
    let mut s = String::from("\n");
    let lines: Vec<String> = v
        .trim()
        .lines()
        .map(|l| {
            let l = l.trim();
            format!("    {}", if l.is_empty() { "." } else { l })
        })
        .collect();
    s.push_str(&lines.join("\n"));
    s
}

fn has_scheme(v: &str) -> bool {
    match v.split_once("://") {
        Some((scheme, _)) => {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
        }
        None => false,
    }
}

/// The file's text (`@@KEYFILE@@` standing for a downloaded key's path) and where its key
/// comes from.
pub fn text(args: &Args) -> (String, Key) {
    let types = args.types.clone().unwrap_or_else(|| vec!["deb".into()]);
    let list = |v: &Option<Vec<String>>| v.as_ref().map(|l| l.join(" "));
    let flag = |v: Option<bool>| v.map(yes_no);
    let mut key = Key::None;
    let signed = args.signed_by.as_ref().map(|s| {
        if has_scheme(s) {
            key = Key::Url(s.clone());
            "@@KEYFILE@@".to_string()
        } else {
            key = Key::Inline;
            s.clone()
        }
    });
    // Sorted by argument name, as Ansible writes them.
    let fields: Vec<(&str, Option<String>)> = vec![
        (
            "Allow-Downgrade-To-Insecure",
            flag(args.allow_downgrade_to_insecure),
        ),
        ("Allow-Insecure", flag(args.allow_insecure)),
        ("Allow-Weak", flag(args.allow_weak)),
        ("Architectures", list(&args.architectures)),
        ("By-Hash", flag(args.by_hash)),
        ("Check-Date", flag(args.check_date)),
        ("Check-Valid-Until", flag(args.check_valid_until)),
        ("Components", list(&args.components)),
        (
            "Date-Max-Future",
            args.date_max_future.map(|d| d.to_string()),
        ),
        ("Enabled", flag(args.enabled)),
        ("Exclude", list(&args.exclude)),
        ("Include", list(&args.include)),
        ("Inrelease-Path", args.inrelease_path.clone()),
        ("Languages", list(&args.languages)),
        ("X-Repolib-Name", Some(args.name.clone())),
        ("Pdiffs", flag(args.pdiffs)),
        ("Signed-By", signed),
        ("Suites", list(&args.suites)),
        ("Targets", list(&args.targets)),
        ("Trusted", flag(args.trusted)),
        ("Types", Some(types.join(" "))),
        ("URIs", list(&args.uris)),
    ];
    let mut text = String::new();
    for (k, v) in fields {
        let Some(v) = v else { continue };
        if v.contains('\n') {
            text.push_str(&format!("{k}:{}\n", multiline(&v)));
        } else {
            text.push_str(&format!("{k}: {v}\n"));
        }
    }
    (text, key)
}
