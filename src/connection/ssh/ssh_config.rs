//! OpenSSH client configuration subset: parses `~/.ssh/config` (with
//! `Include`), resolves the effective settings for one destination the way
//! `ssh -G` does for the supported keywords, and applies `ssh`-style
//! command-line options (`ansible_ssh_common_args`).
//!
//! This module parses files and strings only: it opens no sockets, resolves no
//! names, runs no commands (so `Match exec` is not supported) and knows nothing
//! about inventories or sessions. Host key files are the business of
//! `known_hosts`.

use super::wildcard::wildcard_match;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// Effective settings for one destination, as `ssh -G` would compute for the supported keys.
///
/// `None` / empty means "not set by any configuration"; the caller applies
/// its defaults (alias as host name, local user, port 22, default known_hosts
/// files, ...).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostConfig {
    /// `HostName`, with `%h` expanded to the original alias.
    pub hostname: Option<String>,
    /// `User`.
    pub user: Option<String>,
    /// `Port`.
    pub port: Option<u16>,
    /// Every applicable `IdentityFile`, in order, deduplicated; `~`, `${ENV}`
    /// and `%d %u %h %r %p %n %%` tokens expanded where possible.
    pub identity_files: Vec<PathBuf>,
    /// `IdentitiesOnly`.
    pub identities_only: Option<bool>,
    /// `ProxyJump` hops, first hop first; `ProxyJump none` yields an empty list.
    pub proxy_jump: Vec<JumpHost>,
    /// The first applicable `UserKnownHostsFile` line (expanded like identity
    /// files); `none` becomes the null device.
    pub user_known_hosts_files: Vec<PathBuf>,
    /// `StrictHostKeyChecking`: yes/ask -> Yes, accept-new, no/off -> No.
    pub strict_host_key_checking: Option<StrictHostKeyChecking>,
    /// `ConnectTimeout`; `0` and `none` mean no timeout (`None`).
    pub connect_timeout: Option<Duration>,
    /// `ServerAliveInterval`; `0` disables keepalives (`None`).
    pub server_alive_interval: Option<Duration>,
    /// `ServerAliveCountMax`.
    pub server_alive_count_max: Option<u32>,
}

/// One `ProxyJump` hop: `[user@]host[:port]` or `ssh://[user@]host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JumpHost {
    /// Login user for the hop, if given.
    pub user: Option<String>,
    /// Host name or address of the hop (IPv6 without brackets).
    pub host: String,
    /// Port of the hop, if given.
    pub port: Option<u16>,
}

impl JumpHost {
    /// Parses a comma-separated `ProxyJump` value; `none` yields an empty list.
    pub fn parse_list(value: &str) -> Result<Vec<JumpHost>, String> {
        let value = value.trim();
        if value.eq_ignore_ascii_case("none") {
            return Ok(Vec::new());
        }
        value.split(',').map(str::parse).collect()
    }
}

impl FromStr for JumpHost {
    type Err = String;

    /// Parses one hop: `[user@]host[:port]`, `[user@][v6addr][:port]` or
    /// `ssh://[user@]host[:port][/]`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| format!("invalid jump host {s:?}: {why}");
        let text = s.trim();
        let (rest, uri) = match text.get(..6) {
            Some(scheme) if scheme.eq_ignore_ascii_case("ssh://") => {
                (text[6..].strip_suffix('/').unwrap_or(&text[6..]), true)
            }
            _ => (text, false),
        };
        let (user, hostport) = match rest.rsplit_once('@') {
            Some((user, hostport)) => {
                // ssh:// URIs may carry ";fingerprint=..." parameters after the user.
                let user = if uri {
                    user.split(';').next().unwrap_or("")
                } else {
                    user
                };
                if user.is_empty() {
                    return Err(bad("empty user"));
                }
                (Some(user.to_string()), hostport)
            }
            None => (None, rest),
        };
        let (host, port) = if let Some(inner) = hostport.strip_prefix('[') {
            let (host, after) = inner.split_once(']').ok_or_else(|| bad("missing ']'"))?;
            match after {
                "" => (host, None),
                _ => match after.strip_prefix(':') {
                    Some(port) => (host, Some(port)),
                    None => return Err(bad("garbage after ']'")),
                },
            }
        } else {
            match hostport.matches(':').count() {
                0 => (hostport, None),
                1 => {
                    let (host, port) = hostport.split_once(':').unwrap_or((hostport, ""));
                    (host, Some(port))
                }
                // A bare IPv6 address.
                _ if !uri => (hostport, None),
                _ => return Err(bad("IPv6 addresses need brackets")),
            }
        };
        if host.is_empty() {
            return Err(bad("empty host"));
        }
        if host
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '/' | '@' | '[' | ']'))
        {
            return Err(bad("bad character in host"));
        }
        let port = match port {
            None => None,
            Some(p) => Some(parse_port(p).ok_or_else(|| bad("bad port"))?),
        };
        Ok(JumpHost {
            user,
            host: host.to_string(),
            port,
        })
    }
}

impl fmt::Display for JumpHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(user) = &self.user {
            write!(f, "{user}@")?;
        }
        match self.port {
            Some(port) if self.host.contains(':') => write!(f, "[{}]:{port}", self.host),
            Some(port) => write!(f, "{}:{port}", self.host),
            None => f.write_str(&self.host),
        }
    }
}

/// `StrictHostKeyChecking` as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrictHostKeyChecking {
    /// `yes` or `ask`: only known keys are accepted.
    Yes,
    /// `accept-new`: unknown keys are recorded, changed keys refused.
    AcceptNew,
    /// `no` or `off`: any key is accepted.
    No,
}

impl FromStr for StrictHostKeyChecking {
    type Err = String;

    /// Accepts yes/ask/true, accept-new, no/off/false, in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "yes" | "ask" | "true" => Ok(StrictHostKeyChecking::Yes),
            "accept-new" => Ok(StrictHostKeyChecking::AcceptNew),
            "no" | "off" | "false" => Ok(StrictHostKeyChecking::No),
            _ => Err(format!("invalid StrictHostKeyChecking value {s:?}")),
        }
    }
}

/// Errors from reading or parsing an ssh configuration; each names the file
/// (and line, for syntax errors).
#[derive(Debug, thiserror::Error)]
pub enum SshConfigError {
    /// The file exists but could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// File being read.
        path: PathBuf,
        /// Underlying error.
        #[source]
        source: io::Error,
    },
    /// A line could not be understood or holds an invalid value.
    #[error("{}:{line}: {message}", file.display())]
    Syntax {
        /// File holding the line.
        file: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The file is writable by group or others, which `ssh` refuses too.
    #[error("{}: bad permissions: writable by group or others", path.display())]
    Permissions {
        /// The offending file.
        path: PathBuf,
    },
}

/// The parsed configuration: a flat sequence of block headers and settings,
/// with include boundaries, evaluated per destination by [`SshConfig::for_host`].
#[derive(Debug, Clone, Default)]
pub struct SshConfig {
    items: Vec<Item>,
    warnings: Vec<String>,
    has_final: bool,
}

#[derive(Debug, Clone)]
enum Item {
    /// Start of an included file.
    Enter,
    /// End of an included file.
    Exit,
    /// A `Host` or `Match` line.
    Header(Condition),
    Setting(Setting),
}

#[derive(Debug, Clone)]
enum Condition {
    /// `Host` patterns (whitespace-separated on the line, `!` negates).
    Host(Vec<String>),
    /// `Match` criteria, all of which must hold.
    Match(Vec<Criterion>),
    /// A `Match` with criteria rsible cannot evaluate: never active.
    Never,
}

#[derive(Debug, Clone)]
struct Criterion {
    negated: bool,
    kind: CriterionKind,
}

#[derive(Debug, Clone)]
enum CriterionKind {
    All,
    /// `canonical` or `final`: true only in the final pass.
    Final,
    Host(String),
    OriginalHost(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Setting {
    HostName(String),
    User(String),
    Port(u16),
    IdentityFile(String),
    IdentitiesOnly(bool),
    ProxyJump(Vec<JumpHost>),
    UserKnownHostsFile(Vec<String>),
    StrictHostKeyChecking(StrictHostKeyChecking),
    ConnectTimeout(Option<Duration>),
    ServerAliveInterval(Option<Duration>),
    ServerAliveCountMax(u32),
}

/// Keywords rsible does not implement whose silent omission would change
/// security or routing; they are reported in [`SshConfig::warnings`].
const WARNED_KEYWORDS: &[&str] = &[
    "addressfamily",
    "bindaddress",
    "bindinterface",
    "canonicaldomains",
    "canonicalizehostname",
    "certificatefile",
    "ciphers",
    "dynamicforward",
    "forwardagent",
    "forwardx11",
    "forwardx11trusted",
    "globalknownhostsfile",
    "hostkeyalgorithms",
    "hostkeyalias",
    "identityagent",
    "kexalgorithms",
    "knownhostscommand",
    "localcommand",
    "localforward",
    "macs",
    "permitlocalcommand",
    "pkcs11provider",
    "proxycommand",
    "proxyusefdpass",
    "pubkeyacceptedalgorithms",
    "pubkeyacceptedkeytypes",
    "remotecommand",
    "remoteforward",
    "revokedhostkeys",
    "securitykeyprovider",
    "tunnel",
    "tunneldevice",
    "verifyhostkeydns",
];

/// OpenSSH's limit on nested `Include`s.
const MAX_INCLUDE_DEPTH: usize = 16;

impl SshConfig {
    /// Parses a config file; a missing file yields an empty config. Include directives (with globs, relative to ~/.ssh) followed.
    ///
    /// Like `ssh`, refuses (on Unix) files writable by group or others.
    pub fn load(path: &Path) -> Result<SshConfig, SshConfigError> {
        let mut parser = Parser::new();
        match read_config_file(path)? {
            Some(text) => parser.parse_text(&text, path, 0)?,
            None => return Ok(SshConfig::default()),
        }
        Ok(parser.finish())
    }

    /// Parses configuration text; `origin` names it in errors and warnings.
    /// `Include` directives in the text are read from disk.
    pub fn parse(text: &str, origin: &Path) -> Result<SshConfig, SshConfigError> {
        let mut parser = Parser::new();
        parser.parse_text(text, origin, 0)?;
        Ok(parser.finish())
    }

    /// The user's ~/.ssh/config (empty when absent).
    pub fn load_default() -> Result<SshConfig, SshConfigError> {
        match dirs::home_dir() {
            Some(home) => SshConfig::load(&home.join(".ssh").join("config")),
            None => Ok(SshConfig::default()),
        }
    }

    /// First-obtained-value-wins resolution over `Host` blocks (patterns with `*`, `?`, `!negation`, several per line) and `Match host/originalhost/all` (other Match criteria: skip the block and record a warning). IdentityFile and UserKnownHostsFile accumulate (IdentityFile) / first wins (UserKnownHostsFile list on one line).
    ///
    /// As in OpenSSH, `Host` patterns match the alias case-sensitively,
    /// `Match host` matches the `HostName` obtained so far (or the alias) and
    /// `Match originalhost` the alias, both case-insensitively. When the
    /// configuration contains `Match final`/`canonical`, a second pass is
    /// made in which those match and `Host` lines see the lowercased host name.
    pub fn for_host(&self, alias: &str) -> HostConfig {
        let mut acc = Acc::default();
        self.evaluate(&mut acc, alias, alias, false);
        if self.has_final {
            let host = acc
                .hostname
                .as_deref()
                .map(|h| expand_hostname(h, alias))
                .unwrap_or_else(|| alias.to_string())
                .to_lowercase();
            self.evaluate(&mut acc, &host, alias, true);
        }
        acc.finish(alias)
    }

    /// Warnings collected while parsing (unsupported keywords are ignored silently as ssh does, except ones that change security or routing like ProxyCommand, which are warned about).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    fn evaluate(&self, acc: &mut Acc, host: &str, original: &str, final_pass: bool) {
        let mut active = true;
        let mut never = false;
        let mut stack = Vec::new();
        for item in &self.items {
            match item {
                Item::Enter => {
                    stack.push((active, never));
                    never = never || !active;
                    active = !never;
                }
                Item::Exit => {
                    if let Some((a, n)) = stack.pop() {
                        active = a;
                        never = n;
                    }
                }
                Item::Header(cond) => {
                    active = !never && condition_holds(cond, acc, host, original, final_pass);
                }
                Item::Setting(setting) => {
                    if active {
                        acc.apply(setting);
                    }
                }
            }
        }
    }
}

fn condition_holds(
    cond: &Condition,
    acc: &Acc,
    host: &str,
    original: &str,
    final_pass: bool,
) -> bool {
    match cond {
        Condition::Never => false,
        Condition::Host(patterns) => {
            let mut matched = false;
            for pattern in patterns {
                let (negated, pattern) = match pattern.strip_prefix('!') {
                    Some(p) => (true, p),
                    None => (false, pattern.as_str()),
                };
                if wildcard_match(pattern, host) {
                    if negated {
                        return false;
                    }
                    matched = true;
                }
            }
            matched
        }
        Condition::Match(criteria) => criteria.iter().all(|c| {
            let result = match &c.kind {
                CriterionKind::All => true,
                CriterionKind::Final => final_pass,
                CriterionKind::Host(list) => {
                    let name = match &acc.hostname {
                        Some(h) => expand_hostname(h, host),
                        None => host.to_string(),
                    };
                    pattern_list_match(list, &name)
                }
                CriterionKind::OriginalHost(list) => pattern_list_match(list, original),
            };
            result != c.negated
        }),
    }
}

/// OpenSSH `match_pattern_list` (case-insensitive): some positive pattern of
/// the comma-separated list matches and no negated one does.
fn pattern_list_match(list: &str, name: &str) -> bool {
    let name = name.to_lowercase();
    let mut matched = false;
    for pattern in list.split(',') {
        let (negated, pattern) = match pattern.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, pattern),
        };
        if wildcard_match(&pattern.to_lowercase(), &name) {
            if negated {
                return false;
            }
            matched = true;
        }
    }
    matched
}

/// Reads a config file: `Ok(None)` when missing.
fn read_config_file(path: &Path) -> Result<Option<String>, SshConfigError> {
    let io_err = |source| SshConfigError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(e)),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.is_file() && meta.permissions().mode() & 0o022 != 0 {
            return Err(SshConfigError::Permissions {
                path: path.to_path_buf(),
            });
        }
    }
    #[cfg(not(unix))]
    let _ = &meta;
    match fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err(e)),
    }
}

struct Parser {
    config: SshConfig,
    home: Option<PathBuf>,
}

impl Parser {
    fn new() -> Parser {
        Parser {
            config: SshConfig::default(),
            home: dirs::home_dir(),
        }
    }

    fn finish(self) -> SshConfig {
        self.config
    }

    fn parse_text(&mut self, text: &str, file: &Path, depth: usize) -> Result<(), SshConfigError> {
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let syntax = |message: String| SshConfigError::Syntax {
                file: file.to_path_buf(),
                line,
                message,
            };
            let Some((keyword, args)) = split_line(raw).map_err(syntax)? else {
                continue;
            };
            let lower = keyword.to_ascii_lowercase();
            match lower.as_str() {
                "host" => {
                    if args.is_empty() {
                        return Err(syntax("Host needs at least one pattern".into()));
                    }
                    self.config.items.push(Item::Header(Condition::Host(args)));
                }
                "match" => {
                    let cond = self.parse_match(&args, file, line).map_err(syntax)?;
                    self.config.items.push(Item::Header(cond));
                }
                "include" => {
                    if args.is_empty() {
                        return Err(syntax("Include needs at least one path".into()));
                    }
                    if depth >= MAX_INCLUDE_DEPTH {
                        return Err(syntax("too many recursive configuration includes".into()));
                    }
                    for arg in &args {
                        for path in self.include_paths(arg, file) {
                            if let Some(included) = read_config_file(&path)? {
                                self.config.items.push(Item::Enter);
                                self.parse_text(&included, &path, depth + 1)?;
                                self.config.items.push(Item::Exit);
                            }
                        }
                    }
                }
                _ => match parse_option(&lower, &args)
                    .map_err(|m| syntax(format!("{keyword}: {m}")))?
                {
                    Some(setting) => self.config.items.push(Item::Setting(setting)),
                    None => {
                        if WARNED_KEYWORDS.contains(&lower.as_str()) {
                            self.config.warnings.push(format!(
                                "{}:{line}: rsible ignores ssh option {keyword}",
                                file.display()
                            ));
                        }
                    }
                },
            }
        }
        Ok(())
    }

    fn parse_match(
        &mut self,
        args: &[String],
        file: &Path,
        line: usize,
    ) -> Result<Condition, String> {
        if args.is_empty() {
            return Err("Match needs at least one criterion".into());
        }
        let mut criteria = Vec::new();
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            let (negated, name) = match arg.strip_prefix('!') {
                Some(n) => (true, n),
                None => (false, arg.as_str()),
            };
            let lower = name.to_ascii_lowercase();
            let kind = match lower.as_str() {
                "all" => CriterionKind::All,
                "canonical" | "final" => {
                    self.config.has_final = true;
                    CriterionKind::Final
                }
                "host" | "originalhost" => {
                    let list = iter
                        .next()
                        .ok_or_else(|| format!("Match {name} needs an argument"))?
                        .clone();
                    if lower == "host" {
                        CriterionKind::Host(list)
                    } else {
                        CriterionKind::OriginalHost(list)
                    }
                }
                _ => {
                    self.config.warnings.push(format!(
                        "{}:{line}: rsible does not support Match {name}; the block is skipped",
                        file.display()
                    ));
                    return Ok(Condition::Never);
                }
            };
            criteria.push(Criterion { negated, kind });
        }
        Ok(Condition::Match(criteria))
    }

    /// Files named by one `Include` argument: `~` expanded, relative paths
    /// taken from `~/.ssh` (or the including file's directory without a home
    /// directory), globs expanded in sorted order; missing files are skipped.
    fn include_paths(&self, arg: &str, including: &Path) -> Vec<PathBuf> {
        let expanded = PathBuf::from(expand_tilde(arg, self.home.as_deref()));
        let full = if expanded.is_absolute() {
            expanded
        } else {
            match &self.home {
                Some(home) => home.join(".ssh").join(expanded),
                None => including
                    .parent()
                    .unwrap_or_else(|| Path::new("."))
                    .join(expanded),
            }
        };
        expand_glob(&full)
            .into_iter()
            .filter(|p| p.is_file())
            .collect()
    }
}

/// Expands glob metacharacters (`*`, `?`, `[...]`) component by component;
/// like glob(3), wildcards do not match a leading dot. Paths without
/// metacharacters are returned as they are.
fn expand_glob(path: &Path) -> Vec<PathBuf> {
    let mut candidates = vec![PathBuf::new()];
    for component in path.components() {
        let part = component.as_os_str().to_string_lossy();
        let is_glob = matches!(component, Component::Normal(_)) && part.contains(['*', '?', '[']);
        if !is_glob {
            for c in &mut candidates {
                c.push(component.as_os_str());
            }
            continue;
        }
        let matcher = globset::GlobBuilder::new(&part)
            .literal_separator(true)
            .build()
            .map(|g| g.compile_matcher())
            .ok();
        let mut next = Vec::new();
        for dir in &candidates {
            let Ok(entries) = fs::read_dir(if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            }) else {
                continue;
            };
            let mut names: Vec<String> = entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| !name.starts_with('.') || part.starts_with('.'))
                .filter(|name| match &matcher {
                    Some(m) => m.is_match(name),
                    None => *name == part,
                })
                .collect();
            names.sort();
            next.extend(names.into_iter().map(|n| dir.join(n)));
        }
        candidates = next;
    }
    candidates
}

/// Splits one config line into its keyword and arguments (OpenSSH rules:
/// `Key Value` or `Key=Value`, double or single quotes, backslash escapes,
/// `#` starting a word ends the line). `None` for blank and comment lines.
fn split_line(line: &str) -> Result<Option<(String, Vec<String>)>, String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let end = line
        .find(|c: char| c.is_whitespace() || c == '=')
        .unwrap_or(line.len());
    let keyword = &line[..end];
    if keyword.is_empty() {
        return Err("missing keyword".into());
    }
    let mut rest = line[end..].trim_start();
    if let Some(r) = rest.strip_prefix('=') {
        rest = r.trim_start();
    }
    Ok(Some((keyword.to_string(), split_args(rest)?)))
}

/// OpenSSH `argv_split` with comment termination.
fn split_args(s: &str) -> Result<Vec<String>, String> {
    let mut args = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.next_if(|c| *c == ' ' || *c == '\t').is_some() {}
        match chars.peek() {
            None | Some('#') => break,
            Some(_) => {}
        }
        let mut arg = String::new();
        let mut quote: Option<char> = None;
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.peek().copied() {
                    Some(n)
                        if n == '\'' || n == '"' || n == '\\' || (quote.is_none() && n == ' ') =>
                    {
                        arg.push(n);
                        chars.next();
                    }
                    _ => arg.push('\\'),
                },
                ' ' | '\t' if quote.is_none() => break,
                '"' | '\'' if quote.is_none() => quote = Some(c),
                c if Some(c) == quote => quote = None,
                c => arg.push(c),
            }
        }
        if quote.is_some() {
            return Err("unterminated quoted argument".into());
        }
        args.push(arg);
    }
    Ok(args)
}

/// Parses one supported keyword (lowercase) with its arguments: `Ok(None)`
/// for keywords rsible does not implement, `Err` for bad values.
fn parse_option(keyword: &str, args: &[String]) -> Result<Option<Setting>, String> {
    const SUPPORTED: &[&str] = &[
        "hostname",
        "user",
        "port",
        "identityfile",
        "identitiesonly",
        "proxyjump",
        "userknownhostsfile",
        "stricthostkeychecking",
        "connecttimeout",
        "serveraliveinterval",
        "serveralivecountmax",
    ];
    if !SUPPORTED.contains(&keyword) {
        return Ok(None);
    }
    if keyword == "userknownhostsfile" {
        if args.is_empty() {
            return Err("missing argument".into());
        }
        return Ok(Some(Setting::UserKnownHostsFile(args.to_vec())));
    }
    let value = match args {
        [] => return Err("missing argument".into()),
        [value] => value.as_str(),
        [_, extra, ..] => return Err(format!("unexpected extra argument {extra:?}")),
    };
    let setting = match keyword {
        "hostname" => Setting::HostName(value.to_string()),
        "user" => Setting::User(value.to_string()),
        "port" => Setting::Port(parse_port(value).ok_or_else(|| format!("bad port {value:?}"))?),
        "identityfile" => Setting::IdentityFile(value.to_string()),
        "identitiesonly" => Setting::IdentitiesOnly(parse_flag(value)?),
        "proxyjump" => Setting::ProxyJump(JumpHost::parse_list(value)?),
        "stricthostkeychecking" => Setting::StrictHostKeyChecking(value.parse()?),
        "connecttimeout" => Setting::ConnectTimeout(if value.eq_ignore_ascii_case("none") {
            None
        } else {
            nonzero(parse_time(value)?)
        }),
        "serveraliveinterval" => Setting::ServerAliveInterval(nonzero(parse_time(value)?)),
        "serveralivecountmax" => Setting::ServerAliveCountMax(
            value.parse().map_err(|_| format!("bad number {value:?}"))?,
        ),
        _ => return Ok(None),
    };
    Ok(Some(setting))
}

fn parse_port(s: &str) -> Option<u16> {
    s.parse::<u16>().ok().filter(|p| *p != 0)
}

fn parse_flag(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "yes" | "true" => Ok(true),
        "no" | "false" => Ok(false),
        _ => Err(format!("expected yes or no, got {s:?}")),
    }
}

fn nonzero(d: Duration) -> Option<Duration> {
    (!d.is_zero()).then_some(d)
}

/// OpenSSH `convtime`: `90`, `90s`, `1m30s`, `2h`, `1d`, `1w`.
fn parse_time(s: &str) -> Result<Duration, String> {
    let bad = || format!("bad time value {s:?}");
    if s.is_empty() {
        return Err(bad());
    }
    let mut total: u64 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(bad());
        }
        let n: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let mut unit_chars = rest.chars();
        let multiplier = match unit_chars.next() {
            None => 1,
            Some(c) => {
                rest = unit_chars.as_str();
                match c.to_ascii_lowercase() {
                    's' => 1,
                    'm' => 60,
                    'h' => 3600,
                    'd' => 86400,
                    'w' => 604800,
                    _ => return Err(bad()),
                }
            }
        };
        total = n
            .checked_mul(multiplier)
            .and_then(|v| total.checked_add(v))
            .filter(|v| *v <= i32::MAX as u64)
            .ok_or_else(bad)?;
    }
    Ok(Duration::from_secs(total))
}

/// First-wins accumulator of raw (unexpanded) settings.
#[derive(Debug, Default)]
struct Acc {
    hostname: Option<String>,
    user: Option<String>,
    port: Option<u16>,
    identity_files: Vec<String>,
    identities_only: Option<bool>,
    proxy_jump: Option<Vec<JumpHost>>,
    known_hosts: Option<Vec<String>>,
    strict: Option<StrictHostKeyChecking>,
    connect_timeout: Option<Option<Duration>>,
    alive_interval: Option<Option<Duration>>,
    alive_count: Option<u32>,
}

impl Acc {
    fn apply(&mut self, setting: &Setting) {
        fn first<T: Clone>(slot: &mut Option<T>, value: &T) {
            if slot.is_none() {
                *slot = Some(value.clone());
            }
        }
        match setting {
            Setting::HostName(v) => first(&mut self.hostname, v),
            Setting::User(v) => first(&mut self.user, v),
            Setting::Port(v) => first(&mut self.port, v),
            Setting::IdentityFile(v) => {
                if !self.identity_files.contains(v) {
                    self.identity_files.push(v.clone());
                }
            }
            Setting::IdentitiesOnly(v) => first(&mut self.identities_only, v),
            Setting::ProxyJump(v) => first(&mut self.proxy_jump, v),
            Setting::UserKnownHostsFile(v) => first(&mut self.known_hosts, v),
            Setting::StrictHostKeyChecking(v) => first(&mut self.strict, v),
            Setting::ConnectTimeout(v) => first(&mut self.connect_timeout, v),
            Setting::ServerAliveInterval(v) => first(&mut self.alive_interval, v),
            Setting::ServerAliveCountMax(v) => first(&mut self.alive_count, v),
        }
    }

    fn finish(self, alias: &str) -> HostConfig {
        let hostname = self.hostname.as_deref().map(|h| expand_hostname(h, alias));
        let home = dirs::home_dir();
        let tokens = Tokens {
            home: home.as_deref(),
            local_user: local_user(),
            host: Some(hostname.clone().unwrap_or_else(|| alias.to_lowercase())),
            remote_user: self.user.clone(),
            port: self.port,
            alias: Some(alias.to_string()),
        };
        HostConfig {
            identity_files: dedup(self.identity_files.iter().map(|f| tokens.path(f))),
            user_known_hosts_files: self
                .known_hosts
                .unwrap_or_default()
                .iter()
                .map(|f| tokens.known_hosts_path(f))
                .collect(),
            hostname,
            user: self.user,
            port: self.port,
            identities_only: self.identities_only,
            proxy_jump: self.proxy_jump.unwrap_or_default(),
            strict_host_key_checking: self.strict,
            connect_timeout: self.connect_timeout.flatten(),
            server_alive_interval: self.alive_interval.flatten(),
            server_alive_count_max: self.alive_count,
        }
    }
}

fn dedup(paths: impl Iterator<Item = PathBuf>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    for p in paths {
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// `HostName` expansion: `%h` is the alias, `%%` a percent sign.
fn expand_hostname(value: &str, alias: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('h') => out.push_str(alias),
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

/// Values for `%` tokens in paths; unknown values leave the token as is.
struct Tokens<'a> {
    home: Option<&'a Path>,
    local_user: Option<String>,
    host: Option<String>,
    remote_user: Option<String>,
    port: Option<u16>,
    alias: Option<String>,
}

impl Tokens<'_> {
    /// `~`, then `${ENV}`, then `%` tokens, as ssh does for IdentityFile.
    fn path(&self, raw: &str) -> PathBuf {
        let s = expand_tilde(raw, self.home);
        let s = expand_env(&s);
        PathBuf::from(self.expand_tokens(&s))
    }

    fn known_hosts_path(&self, raw: &str) -> PathBuf {
        if raw.eq_ignore_ascii_case("none") {
            return PathBuf::from(if cfg!(windows) { "NUL" } else { "/dev/null" });
        }
        self.path(raw)
    }

    fn expand_tokens(&self, s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            let Some(t) = chars.next() else {
                out.push('%');
                break;
            };
            let value = match t {
                '%' => Some("%".to_string()),
                'd' => self.home.map(|h| h.to_string_lossy().into_owned()),
                'u' => self.local_user.clone(),
                'h' => self.host.clone(),
                'r' => self.remote_user.clone().or_else(|| self.local_user.clone()),
                'p' => Some(self.port.unwrap_or(22).to_string()),
                'n' => self.alias.clone(),
                _ => None,
            };
            match value {
                Some(v) => out.push_str(&v),
                None => {
                    out.push('%');
                    out.push(t);
                }
            }
        }
        out
    }
}

fn local_user() -> Option<String> {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
}

/// `~` and `~/...` become the home directory; `~user` is left alone.
fn expand_tilde(s: &str, home: Option<&Path>) -> String {
    match (s.strip_prefix('~'), home) {
        (Some(""), Some(home)) => home.to_string_lossy().into_owned(),
        (Some(rest), Some(home)) if rest.starts_with('/') => {
            home.join(&rest[1..]).to_string_lossy().into_owned()
        }
        _ => s.to_string(),
    }
}

/// `${NAME}` becomes the environment variable's value; unset ones are kept.
fn expand_env(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                match std::env::var(name) {
                    Ok(v) if !name.is_empty() => out.push_str(&v),
                    _ => out.push_str(&rest[start..start + 3 + end]),
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// `ssh` flags that take an argument (from ssh's getopt string).
pub(crate) const SSH_FLAGS_WITH_ARG: &str = "BbcDEeFIiJLlmOopPQRSWw";
/// `ssh` flags without an argument.
const SSH_FLAGS_NO_ARG: &str = "1246AaCfGgKkMNnqsTtVvXxYy";

/// Applies `-o Key=Value` / `-o Key Value` options and `-p`/`-l`/`-i`/`-J` flags found in an `ansible_ssh_common_args`-style string (shell-split it with the `shlex` crate v2: `shlex::split`) on top of a HostConfig; returns warnings for options it does not understand (e.g. "rsible ignores ssh option ControlMaster").
///
/// Values given here override `cfg`; among the arguments the first value
/// wins, as with `ssh`. `-i` files come before the configured ones. Paths get
/// `~`, `${ENV}` and `%` tokens expanded from the resulting settings (`%h`
/// only when `cfg.hostname` is set). Invalid values are reported and skipped.
pub fn apply_common_args(cfg: &mut HostConfig, args: &str) -> Vec<String> {
    let mut warnings = Vec::new();
    let Some(tokens) = shlex::split(args) else {
        warnings.push(format!(
            "rsible cannot parse ssh arguments {args:?} (unbalanced quotes)"
        ));
        return warnings;
    };
    let mut acc = Acc::default();
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        i += 1;
        if token == "--" {
            for t in &tokens[i..] {
                warnings.push(format!("rsible ignores ssh argument {t:?}"));
            }
            break;
        }
        let Some(flags) = token.strip_prefix('-').filter(|f| !f.is_empty()) else {
            warnings.push(format!("rsible ignores ssh argument {token:?}"));
            continue;
        };
        for (pos, flag) in flags.char_indices() {
            if SSH_FLAGS_NO_ARG.contains(flag) {
                warnings.push(format!("rsible ignores ssh flag -{flag}"));
                continue;
            }
            if !SSH_FLAGS_WITH_ARG.contains(flag) {
                warnings.push(format!("rsible ignores unknown ssh flag -{flag}"));
                continue;
            }
            let attached = &flags[pos + flag.len_utf8()..];
            let value = if !attached.is_empty() {
                attached.to_string()
            } else if i < tokens.len() {
                i += 1;
                tokens[i - 1].clone()
            } else {
                warnings.push(format!("ssh flag -{flag} needs an argument"));
                break;
            };
            match flag {
                'o' => {
                    let next = tokens.get(i).filter(|t| !t.starts_with('-'));
                    if apply_dash_o(&mut acc, &value, next.map(String::as_str), &mut warnings) {
                        i += 1;
                    }
                }
                'p' => apply_arg(&mut acc, "port", &value, "-p", &mut warnings),
                'l' => apply_arg(&mut acc, "user", &value, "-l", &mut warnings),
                'i' => apply_arg(&mut acc, "identityfile", &value, "-i", &mut warnings),
                'J' => apply_arg(&mut acc, "proxyjump", &value, "-J", &mut warnings),
                other => warnings.push(format!("rsible ignores ssh flag -{other}")),
            }
            break;
        }
    }
    overlay(cfg, acc);
    warnings
}

/// Handles one `-o` value; returns true when it consumed `next` as the value
/// of a bare keyword (`-o Key Value` written as two words).
fn apply_dash_o(
    acc: &mut Acc,
    value: &str,
    next: Option<&str>,
    warnings: &mut Vec<String>,
) -> bool {
    let (keyword, mut args) = match split_line(value) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => {
            warnings.push(format!("rsible ignores empty ssh option {value:?}"));
            return false;
        }
        Err(e) => {
            warnings.push(format!("invalid ssh option {value:?}: {e}"));
            return false;
        }
    };
    let mut consumed = false;
    if args.is_empty() {
        if let Some(next) = next {
            args.push(next.to_string());
            consumed = true;
        }
    }
    let lower = keyword.to_ascii_lowercase();
    match parse_option(&lower, &args) {
        Ok(Some(setting)) => acc.apply(&setting),
        Ok(None) => warnings.push(format!("rsible ignores ssh option {keyword}")),
        Err(e) => warnings.push(format!("invalid ssh option {keyword}: {e}")),
    }
    consumed
}

fn apply_arg(acc: &mut Acc, keyword: &str, value: &str, flag: &str, warnings: &mut Vec<String>) {
    match parse_option(keyword, &[value.to_string()]) {
        Ok(Some(setting)) => acc.apply(&setting),
        Ok(None) => {}
        Err(e) => warnings.push(format!("invalid ssh flag {flag}: {e}")),
    }
}

/// Puts the values given on the command line over `cfg`.
fn overlay(cfg: &mut HostConfig, acc: Acc) {
    if let Some(h) = acc.hostname {
        // No alias is known here: `%h` stays as written unless cfg names a host.
        cfg.hostname = Some(match &cfg.hostname {
            Some(old) => expand_hostname(&h, old),
            None => h,
        });
    }
    if let Some(v) = acc.user {
        cfg.user = Some(v);
    }
    if let Some(v) = acc.port {
        cfg.port = Some(v);
    }
    if let Some(v) = acc.identities_only {
        cfg.identities_only = Some(v);
    }
    if let Some(v) = acc.proxy_jump {
        cfg.proxy_jump = v;
    }
    if let Some(v) = acc.strict {
        cfg.strict_host_key_checking = Some(v);
    }
    if let Some(v) = acc.connect_timeout {
        cfg.connect_timeout = v;
    }
    if let Some(v) = acc.alive_interval {
        cfg.server_alive_interval = v;
    }
    if let Some(v) = acc.alive_count {
        cfg.server_alive_count_max = Some(v);
    }
    let home = dirs::home_dir();
    let tokens = Tokens {
        home: home.as_deref(),
        local_user: local_user(),
        host: cfg.hostname.clone(),
        remote_user: cfg.user.clone(),
        port: cfg.port,
        alias: None,
    };
    if let Some(files) = acc.known_hosts {
        cfg.user_known_hosts_files = files.iter().map(|f| tokens.known_hosts_path(f)).collect();
    }
    if !acc.identity_files.is_empty() {
        let given = acc.identity_files.iter().map(|f| tokens.path(f));
        let configured = std::mem::take(&mut cfg.identity_files);
        cfg.identity_files = dedup(given.chain(configured));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> SshConfig {
        SshConfig::parse(text, Path::new("test_config")).unwrap()
    }

    fn home() -> PathBuf {
        dirs::home_dir().unwrap_or_default()
    }

    #[test]
    fn keywords_forms_quotes_and_comments() {
        let cfg = parse(
            "# leading comment\n\
             \n\
             HOST web\n\
             \x20 hostname=web.example.com   # trailing comment\n\
             \x20 USER = \"deploy user\"\n\
             \tPort\t2222\n\
             \x20 IdentityFile '~/.ssh/my key'\r\n\
             \x20 identitiesonly YES\n",
        );
        let h = cfg.for_host("web");
        assert_eq!(h.hostname.as_deref(), Some("web.example.com"));
        assert_eq!(h.user.as_deref(), Some("deploy user"));
        assert_eq!(h.port, Some(2222));
        assert_eq!(h.identity_files, vec![home().join(".ssh/my key")]);
        assert_eq!(h.identities_only, Some(true));
        assert!(cfg.warnings().is_empty());
        assert_eq!(cfg.for_host("other"), HostConfig::default());
    }

    #[test]
    fn split_args_follows_openssh() {
        assert_eq!(
            split_args(r#"a "b c" 'd"e' f\ g h\"i"#).unwrap(),
            vec!["a", "b c", "d\"e", "f g", "h\"i"]
        );
        assert_eq!(split_args("x #comment").unwrap(), vec!["x"]);
        assert_eq!(split_args("x#y").unwrap(), vec!["x#y"]);
        assert!(split_args("\"open").is_err());
    }

    #[test]
    fn first_obtained_value_wins() {
        let cfg = parse(
            "Host db*\n  User dba\n  Port 5022\nHost db1 web1\n  User other\n  HostName 10.0.0.1\nHost *\n  User everyone\n  Port 22\n  ConnectTimeout 10\n",
        );
        let h = cfg.for_host("db1");
        assert_eq!(h.user.as_deref(), Some("dba"));
        assert_eq!(h.port, Some(5022));
        assert_eq!(h.hostname.as_deref(), Some("10.0.0.1"));
        assert_eq!(h.connect_timeout, Some(Duration::from_secs(10)));
        let w = cfg.for_host("web1");
        assert_eq!(w.user.as_deref(), Some("other"));
        assert_eq!(w.port, Some(22));
    }

    #[test]
    fn host_patterns_wildcards_and_negation() {
        let cfg = parse("Host *.lan !bad.lan ?x\n  User u\n");
        assert_eq!(cfg.for_host("a.lan").user.as_deref(), Some("u"));
        assert_eq!(cfg.for_host("bx").user.as_deref(), Some("u"));
        assert_eq!(cfg.for_host("bbx").user, None);
        assert_eq!(cfg.for_host("bad.lan").user, None);
        // Case-sensitive like ssh.
        assert_eq!(cfg.for_host("A.LAN").user, None);
        // A line with only negations matches nothing.
        assert_eq!(parse("Host !a\n User u\n").for_host("b").user, None);
    }

    #[test]
    fn hostname_token_expands_to_alias() {
        let cfg = parse("Host *\n  HostName %h.example.com%%\n");
        assert_eq!(
            cfg.for_host("web").hostname.as_deref(),
            Some("web.example.com%")
        );
    }

    #[test]
    fn match_host_uses_hostname_and_originalhost_uses_alias() {
        let cfg = parse(
            "Host foo\n  HostName %h.example.com\n\
             Match host *.example.com\n  User matched\n\
             Match originalhost foo !host other\n  Port 2200\n\
             Match originalhost FOO,!foo\n  IdentitiesOnly yes\n\
             Match all\n  ServerAliveCountMax 7\n",
        );
        let h = cfg.for_host("foo");
        assert_eq!(h.user.as_deref(), Some("matched"));
        assert_eq!(h.port, Some(2200));
        assert_eq!(h.identities_only, None);
        assert_eq!(h.server_alive_count_max, Some(7));
        let b = cfg.for_host("bar");
        assert_eq!(b.user, None);
        assert_eq!(b.port, None);
        assert_eq!(b.server_alive_count_max, Some(7));
    }

    #[test]
    fn unsupported_match_is_skipped_with_warning() {
        let cfg = parse("Match exec \"true\"\n  User never\nHost *\n  User always\n");
        assert_eq!(cfg.for_host("x").user.as_deref(), Some("always"));
        assert_eq!(cfg.warnings().len(), 1);
        assert!(
            cfg.warnings()[0].starts_with("test_config:1:"),
            "{:?}",
            cfg.warnings()
        );
        assert!(cfg.warnings()[0].contains("Match exec"));
    }

    #[test]
    fn match_final_is_a_second_pass_on_the_hostname() {
        let cfg = parse(
            "Host a\n  HostName FOO.Example.COM\n\
             Match final\n  User finaluser\n\
             Host foo.example.com\n  Port 99\n",
        );
        let h = cfg.for_host("a");
        assert_eq!(h.user.as_deref(), Some("finaluser"));
        assert_eq!(h.port, Some(99));
        assert_eq!(h.hostname.as_deref(), Some("FOO.Example.COM"));
        // Without `Match final` there is a single pass.
        let one = parse("Host a\n  HostName b\nHost b\n  Port 99\n");
        assert_eq!(one.for_host("a").port, None);
    }

    #[test]
    fn identity_files_accumulate_and_expand() {
        let cfg = parse(
            "Host web\n  User deploy\n  Port 2022\n  IdentityFile ~/.ssh/id_%r@%h:%p\n\
             Host *\n  IdentityFile %d/.ssh/id_ed25519\n  IdentityFile ~/.ssh/id_ed25519\n  IdentityFile /k/%n-%%-%z\n",
        );
        let h = cfg.for_host("web");
        assert_eq!(
            h.identity_files,
            vec![
                home().join(".ssh/id_deploy@web:2022"),
                home().join(".ssh/id_ed25519"),
                PathBuf::from("/k/web-%-%z"),
            ]
        );
    }

    #[test]
    fn known_hosts_files_first_line_wins() {
        let cfg = parse(
            "Host a\n  UserKnownHostsFile /kh/one \"/kh/two %h\"\nHost *\n  UserKnownHostsFile /kh/three\nHost n\n  UserKnownHostsFile none\n",
        );
        assert_eq!(
            cfg.for_host("a").user_known_hosts_files,
            vec![PathBuf::from("/kh/one"), PathBuf::from("/kh/two a")]
        );
        assert_eq!(
            cfg.for_host("b").user_known_hosts_files,
            vec![PathBuf::from("/kh/three")]
        );
        let none = parse("UserKnownHostsFile none\n").for_host("n");
        assert_eq!(none.user_known_hosts_files.len(), 1);
        #[cfg(unix)]
        assert_eq!(none.user_known_hosts_files[0], PathBuf::from("/dev/null"));
    }

    #[test]
    fn proxy_jump_forms_and_none() {
        let cfg = parse(
            "Host direct\n  ProxyJump none\nHost *\n  ProxyJump ssh://u@j1:2200,j2,admin@[::1]:22,fe80::1\n",
        );
        assert!(cfg.for_host("direct").proxy_jump.is_empty());
        let hops = cfg.for_host("x").proxy_jump;
        assert_eq!(
            hops,
            vec![
                JumpHost {
                    user: Some("u".into()),
                    host: "j1".into(),
                    port: Some(2200)
                },
                JumpHost {
                    user: None,
                    host: "j2".into(),
                    port: None
                },
                JumpHost {
                    user: Some("admin".into()),
                    host: "::1".into(),
                    port: Some(22)
                },
                JumpHost {
                    user: None,
                    host: "fe80::1".into(),
                    port: None
                },
            ]
        );
        assert_eq!(hops[0].to_string(), "u@j1:2200");
        assert_eq!(hops[2].to_string(), "admin@[::1]:22");
        assert!("host:0".parse::<JumpHost>().is_err());
        assert!("@host".parse::<JumpHost>().is_err());
        assert!("".parse::<JumpHost>().is_err());
        assert!("[::1".parse::<JumpHost>().is_err());
    }

    #[test]
    fn strict_host_key_checking_values() {
        for (value, expected) in [
            ("yes", StrictHostKeyChecking::Yes),
            ("ask", StrictHostKeyChecking::Yes),
            ("accept-new", StrictHostKeyChecking::AcceptNew),
            ("no", StrictHostKeyChecking::No),
            ("off", StrictHostKeyChecking::No),
        ] {
            let cfg = parse(&format!("StrictHostKeyChecking {value}\n"));
            assert_eq!(
                cfg.for_host("h").strict_host_key_checking,
                Some(expected),
                "{value}"
            );
        }
    }

    #[test]
    fn timeouts() {
        let cfg = parse("ConnectTimeout 1m30s\nServerAliveInterval 15\nServerAliveCountMax 3\n");
        let h = cfg.for_host("h");
        assert_eq!(h.connect_timeout, Some(Duration::from_secs(90)));
        assert_eq!(h.server_alive_interval, Some(Duration::from_secs(15)));
        assert_eq!(h.server_alive_count_max, Some(3));
        // 0 / none are explicit "no timeout" and still win over later values.
        let z = parse("Host a\n ConnectTimeout none\n ServerAliveInterval 0\nHost *\n ConnectTimeout 5\n ServerAliveInterval 5\n")
            .for_host("a");
        assert_eq!(z.connect_timeout, None);
        assert_eq!(z.server_alive_interval, None);
        assert_eq!(parse_time("1h1M1s").unwrap(), Duration::from_secs(3661));
        assert!(parse_time("1x").is_err());
        assert!(parse_time("m").is_err());
    }

    #[test]
    fn routing_keywords_warn_others_are_silent() {
        let cfg = parse("Host a\n  ProxyCommand ssh -W %h:%p bastion\n  ControlMaster auto\n  Compression yes\n  ForwardAgent yes\n");
        assert_eq!(
            cfg.warnings(),
            &[
                "test_config:2: rsible ignores ssh option ProxyCommand".to_string(),
                "test_config:5: rsible ignores ssh option ForwardAgent".to_string(),
            ]
        );
    }

    #[test]
    fn errors_name_file_and_line() {
        let err = SshConfig::parse("Host a\n  Port nope\n", Path::new("/cfg")).unwrap_err();
        assert_eq!(err.to_string(), "/cfg:2: Port: bad port \"nope\"");
        let err = SshConfig::parse("User \"x\n", Path::new("/cfg")).unwrap_err();
        assert!(
            matches!(err, SshConfigError::Syntax { line: 1, .. }),
            "{err}"
        );
        for bad in [
            "Host\n",
            "Match\n",
            "Match host\n",
            "IdentitiesOnly maybe\n",
            "User a b\n",
            "ProxyJump a:b:c@\n",
            "=x\n",
        ] {
            assert!(SshConfig::parse(bad, Path::new("/cfg")).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn load_missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = SshConfig::load(&dir.path().join("nope")).unwrap();
        assert_eq!(cfg.for_host("x"), HostConfig::default());
        assert!(cfg.warnings().is_empty());
    }

    #[test]
    fn include_globs_and_conditional_includes() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::create_dir(d.join("conf.d")).unwrap();
        fs::write(d.join("conf.d/20-b.conf"), "Host b\n  User from-b\n").unwrap();
        fs::write(
            d.join("conf.d/10-a.conf"),
            "User top-of-a\nHost a\n  User from-a\n",
        )
        .unwrap();
        fs::write(d.join("conf.d/.hidden.conf"), "Host *\n  User hidden\n").unwrap();
        fs::write(d.join("inner"), "Port 2200\nHost zzz\n  Port 1\n").unwrap();
        let main = d.join("config");
        fs::write(
            &main,
            format!(
                "Include {dir}/conf.d/*.conf {dir}/missing\nHost only\n  Include {inner}\n  IdentitiesOnly yes\nHost *\n  User fallback\n",
                inner = d.join("inner").display(),
                dir = d.display()
            ),
        )
        .unwrap();
        let cfg = SshConfig::load(&main).unwrap();
        // The include inside `Host only` applies to "only" alone, and its own
        // `Host zzz` does not switch off the rest of the enclosing block.
        let only = cfg.for_host("only");
        assert_eq!(only.port, Some(2200));
        assert_eq!(only.identities_only, Some(true));
        assert_eq!(cfg.for_host("a").port, None);
        // conf.d files in sorted order; the top of 10-a.conf applies to all hosts.
        assert_eq!(cfg.for_host("a").user.as_deref(), Some("top-of-a"));
        assert_eq!(cfg.for_host("b").user.as_deref(), Some("top-of-a"));
        let no_top = d.join("conf.d/10-a.conf");
        fs::write(&no_top, "Host a\n  User from-a\n").unwrap();
        let cfg = SshConfig::load(&main).unwrap();
        assert_eq!(cfg.for_host("a").user.as_deref(), Some("from-a"));
        assert_eq!(cfg.for_host("b").user.as_deref(), Some("from-b"));
        assert_eq!(cfg.for_host("c").user.as_deref(), Some("fallback"));
    }

    #[test]
    fn include_recursion_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("loop");
        fs::write(&path, format!("Include {}\n", path.display())).unwrap();
        let err = SshConfig::load(&path).unwrap_err();
        assert!(err.to_string().contains("too many recursive"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn group_writable_config_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        fs::write(&path, "User x\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o664)).unwrap();
        assert!(matches!(
            SshConfig::load(&path),
            Err(SshConfigError::Permissions { .. })
        ));
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(
            SshConfig::load(&path)
                .unwrap()
                .for_host("h")
                .user
                .as_deref(),
            Some("x")
        );
    }

    #[test]
    fn common_args_override_config() {
        let mut cfg = HostConfig {
            hostname: Some("real.example".into()),
            user: Some("cfguser".into()),
            port: Some(22),
            identity_files: vec![PathBuf::from("/cfg/key")],
            ..HostConfig::default()
        };
        let warnings = apply_common_args(
            &mut cfg,
            "-o StrictHostKeyChecking=no -o 'UserKnownHostsFile /dev/null' -oPort=2200 -p 1 \
             -l admin -i ~/.ssh/k_%r -J jump@bastion:2022 -o ControlMaster=auto -o ControlPersist=60s \
             -o ConnectTimeout 5 -C -o \"ProxyCommand=ssh -W %h:%p b\"",
        );
        assert_eq!(
            cfg.strict_host_key_checking,
            Some(StrictHostKeyChecking::No)
        );
        assert_eq!(cfg.user_known_hosts_files, vec![PathBuf::from("/dev/null")]);
        assert_eq!(cfg.port, Some(2200));
        assert_eq!(cfg.user.as_deref(), Some("admin"));
        assert_eq!(
            cfg.identity_files,
            vec![home().join(".ssh/k_admin"), PathBuf::from("/cfg/key")]
        );
        assert_eq!(
            cfg.proxy_jump,
            vec![JumpHost {
                user: Some("jump".into()),
                host: "bastion".into(),
                port: Some(2022)
            }]
        );
        assert_eq!(cfg.connect_timeout, Some(Duration::from_secs(5)));
        assert_eq!(cfg.hostname.as_deref(), Some("real.example"));
        assert_eq!(
            warnings,
            vec![
                "rsible ignores ssh option ControlMaster".to_string(),
                "rsible ignores ssh option ControlPersist".to_string(),
                "rsible ignores ssh flag -C".to_string(),
                "rsible ignores ssh option ProxyCommand".to_string(),
            ]
        );
    }

    #[test]
    fn common_args_bad_input_only_warns() {
        let mut cfg = HostConfig::default();
        let w = apply_common_args(&mut cfg, "-o 'unterminated");
        assert_eq!(w.len(), 1);
        assert_eq!(cfg, HostConfig::default());
        let w = apply_common_args(&mut cfg, "-p notaport -o Port=0 -tt -F /x host -J none -i");
        assert_eq!(cfg.port, None);
        assert!(cfg.proxy_jump.is_empty());
        assert_eq!(
            w,
            vec![
                "invalid ssh flag -p: bad port \"notaport\"".to_string(),
                "invalid ssh option Port: bad port \"0\"".to_string(),
                "rsible ignores ssh flag -t".to_string(),
                "rsible ignores ssh flag -t".to_string(),
                "rsible ignores ssh flag -F".to_string(),
                "rsible ignores ssh argument \"host\"".to_string(),
                "ssh flag -i needs an argument".to_string(),
            ]
        );
        assert!(apply_common_args(&mut cfg, "").is_empty());
    }
}
