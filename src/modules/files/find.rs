//! `find`: files on the target that match names, type, age and size. The target lists the
//! candidates with `find | stat` in one program; the filters (globs, regexes, age, size,
//! hidden, excludes) run here on the listing. `contains` and `get_checksum` take a second
//! program over the matched files only. Both only read the target (probes). Knows nothing
//! of playbooks.

use super::common::stat_fields::{parse_stat, sum_command, STAT_FORMAT};
use super::find_contains::{self, Contains};
use crate::connection::quote::join;
use crate::modules::framework::args::{de_bool, de_opt_list, de_opt_string, is_template};
use crate::modules::framework::report::{Report, MARK, MARK_FN};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// `find` in the registry.
pub const SPEC: Spec = spec::<Find>(B, &[]);

/// The `find` module.
pub struct Find;

/// Which kinds of entries match.
#[derive(Debug, Deserialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FileType {
    /// Regular files.
    #[default]
    File,
    /// Directories.
    Directory,
    /// Symbolic links.
    Link,
    /// Anything.
    Any,
}

/// Which time `age` is measured from.
#[derive(Debug, Deserialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AgeStamp {
    /// The modification time.
    #[default]
    Mtime,
    /// The access time.
    Atime,
    /// The inode change time.
    Ctime,
}

impl AgeStamp {
    /// The key of the stat field it names.
    fn key(self) -> &'static str {
        match self {
            AgeStamp::Mtime => "mtime",
            AgeStamp::Atime => "atime",
            AgeStamp::Ctime => "ctime",
        }
    }
}

/// Arguments of `find` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(alias = "name", alias = "path", deserialize_with = "de_opt_list")]
    paths: Option<Vec<String>>,
    #[serde(default, alias = "pattern", deserialize_with = "de_opt_list")]
    patterns: Option<Vec<String>>,
    #[serde(default, alias = "exclude", deserialize_with = "de_opt_list")]
    excludes: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_bool")]
    use_regex: bool,
    #[serde(default)]
    file_type: FileType,
    #[serde(default, deserialize_with = "de_bool")]
    recurse: bool,
    #[serde(default)]
    depth: Option<u32>,
    #[serde(default, deserialize_with = "de_opt_string")]
    age: Option<String>,
    #[serde(default)]
    age_stamp: AgeStamp,
    #[serde(default, deserialize_with = "de_opt_string")]
    size: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    hidden: bool,
    #[serde(default, deserialize_with = "de_bool")]
    follow: bool,
    #[serde(default, deserialize_with = "de_bool")]
    get_checksum: bool,
    #[serde(default)]
    checksum_algorithm: Option<String>,
    #[serde(default)]
    contains: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    read_whole_file: bool,
}

/// The filters, compiled.
struct Filter {
    patterns: Vec<Matcher>,
    excludes: Vec<Matcher>,
    file_type: FileType,
    /// Seconds: positive = at least this old, negative = at most this old.
    age: Option<i64>,
    age_stamp: AgeStamp,
    /// Bytes: positive = at least, negative = at most.
    size: Option<i64>,
    hidden: bool,
}

/// One name pattern.
enum Matcher {
    Glob(globset::GlobMatcher),
    Regex(fancy_regex::Regex),
}

impl Matcher {
    fn new(p: &str, regex: bool) -> Result<Matcher, String> {
        if regex {
            // Python's `re.match`: anchored at the start of the name.
            crate::pyregex::compile(&format!("^(?:{p})"), crate::pyregex::Flags::default())
                .map(Matcher::Regex)
                .map_err(|e| format!("invalid pattern {p:?}: {e}"))
        } else {
            globset::Glob::new(p)
                .map(|g| Matcher::Glob(g.compile_matcher()))
                .map_err(|e| format!("invalid pattern {p:?}: {e}"))
        }
    }

    fn is_match(&self, name: &str) -> bool {
        match self {
            Matcher::Glob(g) => g.is_match(name),
            Matcher::Regex(r) => r.is_match(name).unwrap_or(false),
        }
    }
}

/// `2d`, `-1h`, `30` (seconds) into signed seconds.
fn parse_age(s: &str) -> Option<i64> {
    let (n, unit) = split_unit(s)?;
    let mult = match unit.as_str() {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return None,
    };
    Some(n * mult)
}

/// `10m`, `-1k`, `100` (bytes) into signed bytes.
fn parse_size(s: &str) -> Option<i64> {
    let (n, unit) = split_unit(s)?;
    let mult: i64 = match unit.as_str() {
        "" | "b" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        "t" => 1 << 40,
        _ => return None,
    };
    n.checked_mul(mult)
}

fn split_unit(s: &str) -> Option<(i64, String)> {
    let s = s.trim();
    let end = s
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && c == '-')))
        .map_or(s.len(), |(i, _)| i);
    let n = s[..end].parse().ok()?;
    Some((n, s[end..].to_ascii_lowercase()))
}

impl Filter {
    fn new(a: &Args) -> Result<Filter, String> {
        let list = |l: &Option<Vec<String>>| -> Result<Vec<Matcher>, String> {
            l.iter()
                .flatten()
                .map(|p| Matcher::new(p, a.use_regex))
                .collect()
        };
        let age = a
            .age
            .as_deref()
            .map(|s| parse_age(s).ok_or_else(|| format!("failed to process age {s:?}")))
            .transpose()?;
        let size = a
            .size
            .as_deref()
            .map(|s| parse_size(s).ok_or_else(|| format!("failed to process size {s:?}")))
            .transpose()?;
        Ok(Filter {
            patterns: list(&a.patterns)?,
            excludes: list(&a.excludes)?,
            file_type: a.file_type,
            age,
            age_stamp: a.age_stamp,
            size,
            hidden: a.hidden,
        })
    }

    /// Whether the entry `name` with stat fields `st` is reported, at remote time `now`.
    fn keeps(&self, name: &str, st: &Map<String, Value>, now: i64) -> bool {
        let flag = |k: &str| st.get(k).and_then(Value::as_bool).unwrap_or(false);
        let type_ok = match self.file_type {
            FileType::File => flag("isreg"),
            FileType::Directory => flag("isdir"),
            FileType::Link => flag("islnk"),
            FileType::Any => true,
        };
        if !type_ok || (!self.hidden && name.starts_with('.')) {
            return false;
        }
        if !self.patterns.is_empty() && !self.patterns.iter().any(|m| m.is_match(name)) {
            return false;
        }
        if self.excludes.iter().any(|m| m.is_match(name)) {
            return false;
        }
        if let Some(age) = self.age {
            let t = st
                .get(self.age_stamp.key())
                .and_then(Value::as_f64)
                .unwrap_or(0.0) as i64;
            let old = now - t;
            if (age >= 0 && old < age) || (age < 0 && old > -age) {
                return false;
            }
        }
        if let (Some(size), true) = (self.size, flag("isreg")) {
            let s = st.get("size").and_then(Value::as_i64).unwrap_or(0);
            if (size >= 0 && s < size) || (size < 0 && s > -size) {
                return false;
            }
        }
        true
    }
}

/// The listing program, in report lines: `now SECONDS`, then `f STAT... PATH` per entry
/// (printed by `stat` itself), `skip PATH` per path that is not a readable directory.
fn list_script(paths: &[String], maxdepth: Option<u32>, follow: bool) -> String {
    let depth = maxdepth
        .map(|d| format!(" -maxdepth {d}"))
        .unwrap_or_default();
    let (l, sl) = if follow { ("-L ", "-L ") } else { ("", "") };
    format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}m now \"$(date +%s)\"\n\
         for p in {}; do\n  if [ -d \"$p\" ] && [ -r \"$p\" ]; then\n    \
         find {l}\"$p\" -mindepth 1{depth} -exec stat {sl}-c '{MARK}f {STAT_FORMAT} %n' {{}} + 2>/dev/null\n  \
         else m skip \"$p\"; fi\ndone\n",
        String::from_utf8_lossy(&join(paths))
    )
}

/// What the listing program saw.
type Listing = (i64, Vec<(String, Map<String, Value>)>, Vec<String>);

/// Reads the listing's report into (remote time, entries as (path, stat), skipped paths);
/// a garbled entry fails, naming the module.
fn parse_listing(r: &Report) -> Result<Listing, String> {
    let (mut now, mut entries, mut skipped) = (0, Vec::new(), Vec::new());
    for (key, v) in r.entries() {
        match key {
            "now" => now = v.trim().parse().unwrap_or(0),
            "skip" => skipped.push(v.to_string()),
            "f" => {
                let parts: Vec<&str> = v.splitn(13, ' ').collect();
                let st = (parts.len() == 13)
                    .then(|| parse_stat(&parts[..12].join(" ")))
                    .flatten()
                    .ok_or_else(|| format!("find: unexpected answer from the target: {v:?}"))?;
                entries.push((parts[12].to_string(), st));
            }
            _ => {}
        }
    }
    Ok((now, entries, skipped))
}

impl Module for Find {
    const NAME: &'static str = "find";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        if a.paths.as_ref().is_none_or(Vec::is_empty) {
            return Err("missing required arguments: paths".into());
        }
        let fixed = |v: &Option<String>| v.clone().filter(|s| !is_template(s));
        let fixed_list = |l: &Option<Vec<String>>| {
            l.as_ref()
                .map(|l| l.iter().filter(|s| !is_template(s)).cloned().collect())
        };
        Filter::new(&Args {
            paths: None,
            patterns: fixed_list(&a.patterns),
            excludes: fixed_list(&a.excludes),
            age: fixed(&a.age),
            size: fixed(&a.size),
            contains: None,
            checksum_algorithm: None,
            ..*a
        })?;
        if let Some(c) = fixed(&a.contains) {
            Contains::new(&c, a.read_whole_file)?;
        }
        if let Some(algo) = fixed(&a.checksum_algorithm) {
            sum_command(&algo)?;
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(find(a, ctx))
    }
}

/// `find`: returns `files` (stat-like dicts with `path`), `matched`, `examined`,
/// `skipped_paths`, `msg`.
async fn find(args: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let paths = args.paths.clone().unwrap_or_default();
    let filter = Filter::new(&args).map_err(Failure::BadArgs)?;
    let contains = args
        .contains
        .as_deref()
        .map(|c| Contains::new(c, args.read_whole_file).map_err(Failure::BadArgs))
        .transpose()?;
    let sum = sum_command(args.checksum_algorithm.as_deref().unwrap_or("sha1"))
        .map_err(Failure::BadArgs)?;
    let maxdepth = match (args.recurse, args.depth) {
        (false, _) => Some(1),
        (true, d) => d,
    };
    let out = ctx
        .probe(
            list_script(&paths, maxdepth, args.follow).into_bytes(),
            Vec::new(),
        )
        .await?;
    let r = Report::parse("find", &String::from_utf8_lossy(&out.stdout))?;
    let (now, entries, skipped) = parse_listing(&r).map_err(Failure::Failed)?;
    let examined = entries.len();
    let mut files: Vec<Map<String, Value>> = entries
        .into_iter()
        .filter(|(p, st)| filter.keeps(p.rsplit('/').next().unwrap_or(p), st, now))
        .map(|(p, mut st)| {
            st.insert("path".into(), json!(p));
            st
        })
        .collect();
    files.sort_by(|x, y| x["path"].as_str().cmp(&y["path"].as_str()));
    if contains.is_some() || args.get_checksum {
        files = second_pass(
            files,
            contains.as_ref(),
            args.get_checksum.then_some(sum),
            ctx,
        )
        .await?;
    }
    let mut o = Output::default();
    let skipped_map: Map<String, Value> = skipped
        .iter()
        .map(|p| {
            let why = format!("{p} was skipped as it does not seem to be a valid directory or it cannot be accessed");
            (p.clone(), json!(why))
        })
        .collect();
    o.msg = Some(
        if skipped.is_empty() {
            "All paths examined"
        } else {
            "Not all paths examined, check warnings for details"
        }
        .into(),
    );
    o.fields.insert("matched".into(), json!(files.len()));
    o.fields.insert(
        "files".into(),
        Value::Array(files.into_iter().map(Value::Object).collect()),
    );
    o.fields.insert("examined".into(), json!(examined));
    o.fields
        .insert("skipped_paths".into(), Value::Object(skipped_map));
    Ok(o)
}

/// Keeps the regular files whose content matches `contains` and adds `checksum` with `sum`.
async fn second_pass(
    files: Vec<Map<String, Value>>,
    contains: Option<&Contains>,
    sum: Option<&str>,
    ctx: &Ctx<'_>,
) -> Result<Vec<Map<String, Value>>, Failure> {
    let regular: Vec<String> = files
        .iter()
        .filter(|f| f.get("isreg") == Some(&json!(true)))
        .filter_map(|f| f["path"].as_str().map(str::to_string))
        .collect();
    if regular.is_empty() {
        return Ok(if contains.is_some() {
            Vec::new()
        } else {
            files
        });
    }
    let list = String::from_utf8_lossy(&join(&regular)).into_owned();
    let mut script = format!("LC_ALL=C; export LC_ALL\n{MARK_FN}");
    if let Some(cmd) = sum {
        script.push_str(&format!(
            "for f in {list}; do s=$({cmd} < \"$f\") && m sum \"${{s%% *}}\" \"$f\"; done 2>/dev/null\n"
        ));
    }
    if contains.is_some() {
        script.push_str(&find_contains::dump_script(&list));
    }
    let out = ctx.probe(script.into_bytes(), Vec::new()).await?;
    let (r, body) = Report::parse_with_body("find", &out.stdout)?;
    let dump = find_contains::parse_dump(&r, &body).map_err(Failure::Failed)?;
    let hits: std::collections::HashSet<&str> = match contains {
        Some(c) => regular
            .iter()
            .enumerate()
            .filter(|(i, _)| dump.get(&(i + 1)).is_some_and(|b| c.matches(b)))
            .map(|(_, p)| p.as_str())
            .collect(),
        None => Default::default(),
    };
    let sums: std::collections::HashMap<&str, &str> = r
        .all("sum")
        .filter_map(|l| l.split_once(' '))
        .map(|(s, p)| (p, s))
        .collect();
    Ok(files
        .into_iter()
        .filter(|f| contains.is_none() || f["path"].as_str().is_some_and(|p| hits.contains(p)))
        .map(|mut f| {
            if let Some(s) = f["path"].as_str().and_then(|p| sums.get(p)) {
                f.insert("checksum".into(), json!(s));
            }
            f
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    fn args_of(v: Value) -> Args {
        crate::modules::framework::args::parse("find", v.as_object().expect("obj")).expect("args")
    }

    #[test]
    fn arguments_are_checked_before_the_run() {
        assert_eq!(
            check::<Find>(json!({"paths": "/d", "age": "2d", "age_stamp": "ctime"})),
            Ok(true)
        );
        assert_eq!(
            check::<Find>(
                json!({"path": "{{ d }}", "patterns": ["{{ p }}", "*.log"], "age": "{{ a }}",
                "contains": "{{ c }}", "size": "{{ s }}", "checksum_algorithm": "{{ x }}"})
            ),
            Ok(true)
        );
        assert!(check::<Find>(json!({"patterns": "*.log"})).is_err());
        assert!(check::<Find>(json!({"paths": []})).is_err());
        assert!(check::<Find>(json!({"paths": "/d", "age": "1y"})).is_err());
        assert!(check::<Find>(json!({"paths": "/d", "size": "big"})).is_err());
        assert!(check::<Find>(json!({"paths": "/d", "age_stamp": "btime"})).is_err());
        assert!(check::<Find>(json!({"paths": "/d", "contains": "("})).is_err());
        assert!(check::<Find>(json!({"paths": "/d", "patterns": "(", "use_regex": true})).is_err());
        assert!(check::<Find>(json!({"paths": "/d", "checksum_algorithm": "crc"})).is_err());
        assert!(check::<Find>(json!({"paths": "/d", "depth": "deep"})).is_err());
        assert!(check::<Find>(json!({"paths": "/d", "recures": true})).is_err());
    }

    #[test]
    fn ages_and_sizes() {
        assert_eq!(parse_age("2d"), Some(172_800));
        assert_eq!(parse_age("-1h"), Some(-3600));
        assert_eq!(parse_age("30"), Some(30));
        assert_eq!(parse_age("1y"), None);
        assert_eq!(parse_size("10m"), Some(10 << 20));
        assert_eq!(parse_size("-1k"), Some(-1024));
        assert_eq!(parse_size("x"), None);
    }

    #[test]
    fn filters_apply_like_ansible() {
        let line = "@@rsible f 81a4 0 0 2048 1 1 1 1000 1000 1000 root root /d/a.log\n\
                    @@rsible f 81a4 0 0 10 1 1 1 1900 1900 1900 root root /d/.h.log\n\
                    @@rsible f 41ed 0 0 4096 1 1 1 1000 1000 1000 root root /d/sub dir\n\
                    @@rsible skip /nope\n@@rsible now 2000\n";
        let (now, entries, skipped) = parse_listing(&report(line)).unwrap();
        assert_eq!(
            (now, entries.len(), skipped),
            (2000, 3, vec!["/nope".to_string()])
        );
        assert_eq!(entries[2].0, "/d/sub dir");
        let keep = |a: Args| -> Vec<String> {
            let f = Filter::new(&a).expect("filter");
            entries
                .iter()
                .filter(|(p, st)| f.keeps(p.rsplit('/').next().unwrap_or(p), st, now))
                .map(|(p, _)| p.clone())
                .collect()
        };
        assert_eq!(keep(args_of(json!({"paths": "/d"}))), vec!["/d/a.log"]);
        assert_eq!(
            keep(args_of(
                json!({"paths": "/d", "hidden": true, "patterns": "*.log"})
            ))
            .len(),
            2
        );
        assert_eq!(
            keep(args_of(json!({"paths": "/d", "file_type": "directory"}))),
            vec!["/d/sub dir"]
        );
        assert_eq!(
            keep(args_of(
                json!({"paths": "/d", "hidden": true, "age": "-5m"})
            )),
            vec!["/d/.h.log"]
        );
        assert_eq!(
            keep(args_of(
                json!({"paths": "/d", "hidden": true, "size": "1k"})
            )),
            vec!["/d/a.log"]
        );
        assert!(keep(args_of(
            json!({"paths": "/d", "patterns": "b.*", "use_regex": true})
        ))
        .is_empty());
        assert!(keep(args_of(json!({"paths": "/d", "excludes": ["a*"]}))).is_empty());
    }

    fn report(out: &str) -> Report {
        Report::parse("find", out).unwrap()
    }

    #[test]
    fn a_garbled_entry_fails_naming_the_module() {
        let e = parse_listing(&report("@@rsible f 81a4 0 0 x\n")).unwrap_err();
        assert!(e.starts_with("find: ") && e.contains("81a4 0 0 x"), "{e}");
    }

    #[test]
    fn the_listing_program_quotes_paths_and_reports_each_entry() {
        let s = list_script(&["/a b".into()], Some(1), false);
        assert!(s.contains("for p in '/a b'; do"), "{s}");
        assert!(s.contains("-maxdepth 1 -exec stat -c"), "{s}");
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("f x"), "1").unwrap();
        let top = d.path().to_str().unwrap().to_string();
        let s = list_script(&[top.clone(), format!("{top}/none")], None, false);
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(s)
            .output()
            .unwrap();
        let (now, entries, skipped) =
            parse_listing(&report(&String::from_utf8_lossy(&out.stdout))).unwrap();
        assert!(now > 0);
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].0, format!("{top}/f x"));
        assert_eq!(entries[0].1["size"], json!(1));
        assert_eq!(skipped, [format!("{top}/none")]);
    }
}
