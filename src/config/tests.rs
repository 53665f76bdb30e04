//! Tests of `rsible.toml` parsing, its located errors, and environment overrides.

use super::*;
use std::collections::HashMap;

/// The configuration seen from `cwd` with only `vars` set (no home, no system file).
fn load(cwd: &Path, vars: &HashMap<&str, &str>) -> Result<Config, ConfigError> {
    let names: Vec<String> = vars.keys().map(|k| k.to_string()).collect();
    Config::load_from(&Process {
        cwd,
        env: &|k| vars.get(k).map(|v| v.to_string()),
        env_names: &names,
        home: None,
        system: Path::new("/nonexistent/ansible.cfg"),
    })
}

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new("conf/rsible.toml"))
}

fn located(text: &str) -> (usize, usize, String, Option<String>) {
    match parse(text) {
        Err(ConfigError::File(d)) => (
            d.location.line,
            d.location.column,
            d.message.clone(),
            d.hint.clone(),
        ),
        other => panic!("expected a located error, got {other:?}"),
    }
}

#[test]
fn every_key() {
    let c = parse(concat!(
        "# defaults for this project\n",
        "[defaults]\n",
        "inventory = [\"hosts.ini\", \"a,b,\", \"/etc/inv\"]\n",
        "forks = 8\n",
        "roles_path = \"roles:/srv/roles\"\n",
        "host_key_checking = \"accept-new\"\n",
        "remote_user = \"deploy\"\n",
        "timeout = 20\n",
        "become = true\n",
        "become_user = \"root\"\n",
        "become_method = \"su\"\n",
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.inventory, ["conf/hosts.ini", "a,b,", "/etc/inv"]);
    assert_eq!(c.forks, Some(8));
    assert_eq!(
        c.roles_path,
        [PathBuf::from("conf/roles"), PathBuf::from("/srv/roles")]
    );
    assert_eq!(c.host_key_checking, Some(HostKeyPolicy::AcceptNew));
    assert_eq!(c.remote_user.as_deref(), Some("deploy"));
    assert_eq!(c.timeout, Some(20));
    assert_eq!(c.become_, Some(true));
    assert_eq!(c.become_user.as_deref(), Some("root"));
    assert_eq!(c.become_method, Some(BecomeMethod::Su));
    let c = parse("[defaults]\ninventory = \"inv\"\nhost_key_checking = false\n")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.inventory, ["conf/inv"]);
    assert_eq!(c.host_key_checking, Some(HostKeyPolicy::Off));
    assert_eq!(c.roles_path.len(), 3, "Ansible's default roles path");
}

#[test]
fn unknown_key_is_located_with_suggestion() {
    let (line, col, msg, hint) = located("[defaults]\nforks = 2\nremote_usr = \"x\"\n");
    assert_eq!((line, col), (3, 1));
    assert_eq!(msg, "unknown key 'remote_usr' in [defaults]");
    assert_eq!(hint.as_deref(), Some("did you mean 'remote_user'?"));
    let (line, col, msg, hint) = located("[default]\nforks = 2\n");
    assert_eq!(
        (line, col, msg.as_str()),
        (1, 2, "unknown section 'default'")
    );
    assert_eq!(hint.as_deref(), Some("did you mean 'defaults'?"));
    let (_, _, _, hint) = located("forks = 2\n");
    assert_eq!(hint.as_deref(), Some("put it under `[defaults]`"));
}

#[test]
fn bad_values_are_located() {
    let (line, col, msg, _) = located("[defaults]\nforks = 0\n");
    assert_eq!(
        (line, col, msg.as_str()),
        (2, 9, "'forks' must be a positive integer")
    );
    let (line, col, msg, _) = located("[defaults]\n\nbecome = \"yes\"\n");
    assert_eq!(
        (line, col, msg.as_str()),
        (3, 10, "'become' must be true or false")
    );
    let (_, _, msg, _) = located("[defaults]\nbecome_method = \"doas\"\n");
    assert!(msg.contains("not supported"), "{msg}");
    let (_, _, msg, _) = located("[defaults]\nhost_key_checking = \"maybe\"\n");
    assert!(msg.starts_with("'host_key_checking' must be"), "{msg}");
    let (line, _, msg, _) = located("[defaults]\nforks = \n");
    assert_eq!(line, 2);
    assert!(msg.starts_with("TOML syntax error"), "{msg}");
    let text = parse("[defaults]\nforks = 0\n")
        .expect_err("bad")
        .to_string();
    assert_eq!(
        text,
        "conf/rsible.toml:2:9: 'forks' must be a positive integer\n  2 | forks = 0\n    |         ^"
    );
}

#[test]
fn environment_overrides_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join(FILE_NAME),
        "[defaults]\nforks = 3\ntimeout = 5\nremote_user = \"a\"\ninventory = \"inv\"\n",
    )
    .expect("write");
    let vars: HashMap<&str, &str> = HashMap::from([
        (ev::RSIBLE_FORKS, "7"),
        (ev::RSIBLE_REMOTE_USER, "b"),
        ("ANSIBLE_ROLES_PATH", "/x:/y"),
    ]);
    let c = load(dir.path(), &vars).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.file, Some(dir.path().join(FILE_NAME)));
    assert_eq!((c.forks, c.timeout), (Some(7), Some(5)));
    assert_eq!(c.remote_user.as_deref(), Some("b"));
    assert_eq!(c.roles_path, [PathBuf::from("/x"), PathBuf::from("/y")]);
    assert_eq!(c.inventory, [dir.path().join("inv").display().to_string()]);

    let vars: HashMap<&str, &str> = HashMap::from([
        (ev::RSIBLE_ROLES_PATH, "/r"),
        ("ANSIBLE_ROLES_PATH", "/x"),
        (ev::RSIBLE_INVENTORY, "other.ini"),
    ]);
    let c = load(dir.path(), &vars).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.roles_path, [PathBuf::from("/r")]);
    assert_eq!(c.inventory, ["other.ini"]);

    let vars = HashMap::from([(ev::RSIBLE_TIMEOUT, "soon")]);
    let e = load(dir.path(), &vars).expect_err("bad timeout");
    assert_eq!(
        e.to_string(),
        "RSIBLE_TIMEOUT=\"soon\": must be a whole number"
    );
}

#[test]
fn missing_file_is_fine_unless_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = load(dir.path(), &HashMap::new()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c, Config::default());
    let vars = HashMap::from([(ev::RSIBLE_CONFIG, "nope.toml")]);
    let e = load(dir.path(), &vars).expect_err("named file missing");
    assert!(matches!(e, ConfigError::Read { .. }), "{e}");
}

#[test]
fn control_persist_from_the_file_then_the_environment() {
    let c = parse("[defaults]\ncontrol_persist = 60\n").unwrap();
    assert_eq!(c.control_persist, Some(60));
    let (line, col, msg, _) = located("[defaults]\ncontrol_persist = \"1m\"\n");
    assert_eq!((line, col), (2, 19));
    assert!(msg.contains("a number of seconds"), "{msg}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(FILE_NAME),
        "[defaults]\ncontrol_persist = 60\n",
    )
    .unwrap();
    let vars = HashMap::from([(ev::RSIBLE_CONTROL_PERSIST, "0")]);
    let c = load(dir.path(), &vars).unwrap();
    assert_eq!(
        c.control_persist,
        Some(0),
        "the environment wins, and 0 turns it off"
    );
}

/// ansible-core 2.19 reads only `ANSIBLE_COLLECTIONS_PATH`: with the plural set as well,
/// `ansible-config dump` shows `COLLECTIONS_PATHS(env: ANSIBLE_COLLECTIONS_PATH)`, and the
/// plural alone leaves the default. The Python modules' search takes this one value.
#[test]
fn collections_path_is_read_only_from_the_singular_variable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let vars = HashMap::from([("ANSIBLE_COLLECTIONS_PATHS", "/plural")]);
    let c = load(dir.path(), &vars).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.collections_path, Config::default().collections_path);
    let vars = HashMap::from([
        ("ANSIBLE_COLLECTIONS_PATHS", "/plural"),
        ("ANSIBLE_COLLECTIONS_PATH", "/one:/two"),
    ]);
    let c = load(dir.path(), &vars).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        c.collections_path,
        [PathBuf::from("/one"), PathBuf::from("/two")]
    );
    let s = crate::modules::python::Settings::from_config(Default::default(), &c);
    assert_eq!(s.collections, c.collections_path);
}
