//! Tests of `ansible.cfg` and `ANSIBLE_*` variables: every setting read, the file search, the
//! precedence of the sources, the one warning, located errors and the dump.

use super::*;
use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;

struct World {
    dir: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        let w = World {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        for d in ["cwd", "home", "etc"] {
            std::fs::create_dir(w.dir.path().join(d)).expect("mkdir");
        }
        w
    }
    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }
    fn write(&self, p: &str, text: &str) -> PathBuf {
        let path = self.path(p);
        std::fs::write(&path, text).expect("write");
        path
    }
    fn load(&self, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<&str, &str> = vars.iter().copied().collect();
        let names: Vec<String> = vars.keys().map(|k| k.to_string()).collect();
        let (cwd, home, system) = (
            self.path("cwd"),
            self.path("home"),
            self.path("etc/ansible.cfg"),
        );
        Config::load_from(&Process {
            cwd: &cwd,
            env: &|k| vars.get(k).map(|v| v.to_string()),
            env_names: &names,
            home: Some(&home),
            system: &system,
        })
    }
}

const EVERY: &str = "\
# every setting rsible reads
[defaults]
inventory = hosts, /srv/inv
roles_path = roles:/srv/roles
collections_path = colls
library = lib:/usr/lib/modules
module_utils = utils
remote_user = 'deploy'
private_key_file = keys/id_ed25519
forks = 7
timeout: 20
host_key_checking = False
gathering = explicit
vault_password_file = ~/vault-pass
vault_identity_list = dev@dev.txt, prod@prompt
pipelining = yes
remote_port = 2222
transport = local
ask_pass = true
ask_vault_pass = 1

[privilege_escalation]
become = True
become_user = admin
become_method = su
become_ask_pass = no

[ssh_connection]
ssh_args = -C -o ControlMaster=auto -o ControlPersist=2m -o ServerAliveInterval=5
ssh_common_args = -o ProxyJump=bastion
ssh_extra_args = -o ControlPath=/tmp/x
control_path_dir = cp
";

#[test]
fn every_setting_from_ansible_cfg() {
    let w = World::new();
    let file = w.write("cwd/ansible.cfg", EVERY);
    let c = w.load(&[]).unwrap_or_else(|e| panic!("{e}"));
    let d = w.path("cwd");
    assert_eq!(c.ansible_cfg.as_ref(), Some(&file));
    assert_eq!(
        c.inventory,
        [d.join("hosts").display().to_string(), "/srv/inv".into()]
    );
    assert_eq!(c.roles_path, [d.join("roles"), "/srv/roles".into()]);
    assert_eq!(c.collections_path, [d.join("colls")]);
    assert_eq!(c.library, [d.join("lib"), "/usr/lib/modules".into()]);
    assert_eq!(c.module_utils, [d.join("utils")]);
    assert_eq!(c.remote_user.as_deref(), Some("deploy"), "quotes dropped");
    assert_eq!(c.private_key_file, Some(d.join("keys/id_ed25519")));
    assert_eq!((c.forks, c.timeout), (Some(7), Some(20)));
    assert_eq!(c.host_key_checking, Some(HostKeyPolicy::Off));
    assert_eq!(c.gathering, Gathering::Explicit);
    let home = dirs::home_dir().expect("home");
    assert_eq!(c.vault_password_file, Some(home.join("vault-pass")));
    assert_eq!(c.vault_identity_list, ["dev@dev.txt", "prod@prompt"]);
    assert_eq!(c.pipelining, Some(true));
    assert_eq!(
        (c.remote_port, c.transport.as_deref()),
        (Some(2222), Some("local"))
    );
    assert_eq!((c.ask_pass, c.ask_vault_pass), (Some(true), Some(true)));
    assert_eq!(c.become_, Some(true));
    assert_eq!(c.become_user.as_deref(), Some("admin"));
    assert_eq!(c.become_method, Some(BecomeMethod::Su));
    assert_eq!(c.become_ask_pass, Some(false));
    assert_eq!(c.control_persist, Some(120));
    assert_eq!(c.ssh_args.as_deref(), Some("-o ServerAliveInterval=5"));
    assert_eq!(c.ssh_common_args.as_deref(), Some("-o ProxyJump=bastion"));
    assert_eq!(c.ssh_extra_args.as_deref(), Some(""));
    assert_eq!(c.control_path_dir, Some(d.join("cp")));
    assert_eq!(c.origin("DEFAULT_FORKS"), Origin::File(file.clone()));
    assert_eq!(c.origin("CONTROL_PERSIST"), Origin::File(file));
    assert_eq!(
        c.warnings(),
        [
            "ansible.cfg: settings rsible does not use: [ssh_connection] ssh_args (-C), \
          [ssh_connection] ssh_extra_args (-o ControlPath=/tmp/x)"
        ]
    );
}

#[test]
fn the_first_file_found_is_read() {
    let w = World::new();
    w.write("etc/ansible.cfg", "[defaults]\nforks = 1\n");
    assert_eq!(w.load(&[]).unwrap().forks, Some(1));
    w.write("home/.ansible.cfg", "[defaults]\nforks = 2\n");
    assert_eq!(w.load(&[]).unwrap().forks, Some(2));
    w.write("cwd/ansible.cfg", "[defaults]\nforks = 3\n");
    assert_eq!(w.load(&[]).unwrap().forks, Some(3));
    let named = w.write("named.cfg", "[defaults]\nforks = 4\n");
    let named = named.to_str().unwrap();
    assert_eq!(w.load(&[("ANSIBLE_CONFIG", named)]).unwrap().forks, Some(4));
    std::fs::create_dir(w.path("d")).unwrap();
    w.write("d/ansible.cfg", "[defaults]\nforks = 5\n");
    let d = w.path("d");
    let c = w.load(&[("ANSIBLE_CONFIG", d.to_str().unwrap())]).unwrap();
    assert_eq!(c.forks, Some(5), "a directory holding ansible.cfg");
    let c = w.load(&[("ANSIBLE_CONFIG", "/nonexistent.cfg")]).unwrap();
    assert_eq!(c.forks, Some(3), "a missing ANSIBLE_CONFIG falls through");
    let txt = w.write("x.txt", "[defaults]\n");
    let e = w
        .load(&[("ANSIBLE_CONFIG", txt.to_str().unwrap())])
        .unwrap_err();
    assert!(matches!(e, ConfigError::Unsupported(_)), "{e}");
}

#[test]
fn a_world_writable_directory_is_skipped() {
    let w = World::new();
    w.write("cwd/ansible.cfg", "[defaults]\nforks = 3\n");
    w.write("home/.ansible.cfg", "[defaults]\nforks = 2\n");
    let cwd = w.path("cwd");
    std::fs::set_permissions(&cwd, std::fs::Permissions::from_mode(0o777)).unwrap();
    let c = w.load(&[]).unwrap();
    assert_eq!(c.forks, Some(2));
    assert!(
        c.warnings()[0].contains("world writable directory"),
        "{:?}",
        c.warnings()
    );
}

#[test]
fn precedence_env_over_toml_over_ansible_cfg() {
    let w = World::new();
    let cfg = w.write(
        "cwd/ansible.cfg",
        "[defaults]\nforks = 1\ntimeout = 1\nremote_user = a\nroles_path = /cfg\n\
         [privilege_escalation]\nbecome_user = cfguser\n",
    );
    let toml = w.write(
        "cwd/rsible.toml",
        "[defaults]\nforks = 2\ntimeout = 2\nremote_user = \"b\"\n",
    );
    let c = w.load(&[]).unwrap();
    assert_eq!(
        (c.forks, c.timeout),
        (Some(2), Some(2)),
        "rsible.toml over ansible.cfg"
    );
    assert_eq!(c.origin("DEFAULT_FORKS"), Origin::File(toml));
    assert_eq!(c.origin("DEFAULT_ROLES_PATH"), Origin::File(cfg.clone()));
    assert_eq!(c.become_user.as_deref(), Some("cfguser"));
    let c = w
        .load(&[
            ("ANSIBLE_FORKS", "3"),
            ("ANSIBLE_TIMEOUT", "3"),
            ("RSIBLE_TIMEOUT", "4"),
            ("ANSIBLE_REMOTE_USER", "c"),
            ("ANSIBLE_BECOME_USER", "envuser"),
        ])
        .unwrap();
    assert_eq!((c.forks, c.timeout), (Some(3), Some(4)));
    assert_eq!(c.origin("DEFAULT_FORKS"), Origin::Env("ANSIBLE_FORKS"));
    assert_eq!(c.origin("DEFAULT_TIMEOUT"), Origin::Env("RSIBLE_TIMEOUT"));
    assert_eq!(c.remote_user.as_deref(), Some("c"));
    assert_eq!(c.become_user.as_deref(), Some("envuser"));
    // Ansible's later variable wins over its earlier one, as Ansible reads them.
    let c = w
        .load(&[("ANSIBLE_TIMEOUT", "5"), ("ANSIBLE_SSH_TIMEOUT", "6")])
        .unwrap();
    assert_eq!(c.timeout, Some(6));
    let c = w
        .load(&[
            ("ANSIBLE_HOST_KEY_CHECKING", "false"),
            ("RSIBLE_HOST_KEY_CHECKING", "accept-new"),
        ])
        .unwrap();
    assert_eq!(c.host_key_checking, Some(HostKeyPolicy::AcceptNew));
    let c = w
        .load(&[("ANSIBLE_SSH_ARGS", "-o ControlPersist=45s -v")])
        .unwrap();
    assert_eq!(c.control_persist, Some(45));
    assert_eq!(c.origin("CONTROL_PERSIST"), Origin::Env("ANSIBLE_SSH_ARGS"));
    assert_eq!(
        c.warnings(),
        ["ansible.cfg: settings rsible does not use: ANSIBLE_SSH_ARGS (-v)"]
    );
}

#[test]
fn profile_tasks_among_the_callbacks_turns_the_profile_on() {
    let w = World::new();
    w.write(
        "cwd/ansible.cfg",
        "[defaults]\ncallbacks_enabled = ansible.posix.profile_tasks, timer\n",
    );
    let cfg = w.path("cwd/ansible.cfg");
    let c = w
        .load(&[("ANSIBLE_CONFIG", cfg.to_str().unwrap())])
        .unwrap();
    assert!(c.profile_tasks);
    assert!(
        c.warnings()[0].contains("callbacks_enabled (timer)"),
        "{:?}",
        c.warnings()
    );
    let c = w
        .load(&[
            ("ANSIBLE_CONFIG", cfg.to_str().unwrap()),
            ("ANSIBLE_CALLBACKS_ENABLED", "timer"),
        ])
        .unwrap();
    assert!(!c.profile_tasks, "the environment wins over ansible.cfg");
}

#[test]
fn one_warning_lists_what_rsible_does_not_use() {
    let w = World::new();
    w.write(
        "cwd/ansible.cfg",
        "[defaults]\ncallbacks_enabled = timer\nforks = 2\n[inventory]\nenable_plugins = ini\n",
    );
    let c = w
        .load(&[
            ("ANSIBLE_NOCOLOR", "1"),
            ("ANSIBLE_COLLECTIONS_PATHS", "/old"),
            ("ANSIBLE_FORKS", "4"),
            (
                "ANSIBLE_CONFIG",
                w.path("cwd/ansible.cfg").to_str().unwrap(),
            ),
        ])
        .unwrap();
    let warnings = c.warnings();
    assert_eq!(warnings.len(), 1);
    let w0 = &warnings[0];
    for part in [
        "[defaults] callbacks_enabled (timer)",
        "[inventory] enable_plugins",
    ] {
        assert!(
            w0.starts_with("ansible.cfg: settings rsible does not use: ") && w0.contains(part),
            "{w0}"
        );
    }
    for name in ["ANSIBLE_NOCOLOR", "ANSIBLE_COLLECTIONS_PATHS"] {
        assert!(w0.contains(name), "{w0}");
    }
    assert!(
        !w0.contains("ANSIBLE_FORKS") && !w0.contains("ANSIBLE_CONFIG"),
        "{w0}"
    );
}

#[test]
fn mistakes_are_located_in_the_file() {
    let w = World::new();
    let file = w.write("cwd/ansible.cfg", "[defaults]\nforks = 2\n  forks\n");
    // "  forks" continues the value of forks: "2\nforks" is not a number.
    let e = w.load(&[]).unwrap_err().to_string();
    assert!(
        e.starts_with(&format!(
            "{}:2:9: [defaults] forks must be a whole number",
            file.display()
        )),
        "{e}"
    );
    w.write("cwd/ansible.cfg", "[defaults]\nforks = 2\nnot a key\n");
    let e = w.load(&[]).unwrap_err().to_string();
    assert!(
        e.starts_with(&format!("{}:3:1: expected 'key = value'", file.display())),
        "{e}"
    );
    w.write(
        "cwd/ansible.cfg",
        "[privilege_escalation]\nbecome = maybe\n",
    );
    let e = w.load(&[]).unwrap_err().to_string();
    assert!(
        e.contains(":2:10: [privilege_escalation] become must be a boolean"),
        "{e}"
    );
    w.write(
        "cwd/ansible.cfg",
        "[privilege_escalation]\nbecome_method = doas\n",
    );
    let e = w.load(&[]).unwrap_err().to_string();
    assert!(e.contains("not supported"), "{e}");
    w.write("cwd/ansible.cfg", "[defaults]\ntransport = winrm\n");
    let e = w.load(&[]).unwrap_err().to_string();
    assert!(
        e.contains(":2:13: [defaults] transport 'winrm' is not supported"),
        "{e}"
    );
    w.write("cwd/ansible.cfg", "[defaults]\nremote_port = 70000\n");
    let e = w.load(&[]).unwrap_err().to_string();
    assert!(e.contains("remote_port must be a port number"), "{e}");
    w.write("cwd/ansible.cfg", "[defaults]\ngathering = sometimes\n");
    let e = w.load(&[]).unwrap_err().to_string();
    assert!(e.contains("must be implicit, explicit or smart"), "{e}");
    let e = w
        .load(&[("ANSIBLE_FORKS", "many")])
        .unwrap_err()
        .to_string();
    assert!(e.contains(":2:13:"), "the file is read first: {e}");
    w.write("cwd/ansible.cfg", "[defaults]\n");
    let e = w
        .load(&[("ANSIBLE_FORKS", "many")])
        .unwrap_err()
        .to_string();
    assert_eq!(e, "ANSIBLE_FORKS=\"many\": must be a whole number");
}

#[test]
fn dump_shows_origins_and_values() {
    let w = World::new();
    let file = w.write("cwd/ansible.cfg", "[defaults]\nforks = 10\n");
    let c = w.load(&[("ANSIBLE_REMOTE_USER", "deploy")]).unwrap();
    let all = dump::dump(&c, false);
    let f = file.display();
    assert!(all.contains(&format!("DEFAULT_FORKS({f}) = 10\n")), "{all}");
    assert!(
        all.contains("DEFAULT_REMOTE_USER(env: ANSIBLE_REMOTE_USER) = deploy\n"),
        "{all}"
    );
    assert!(all.contains("DEFAULT_BECOME(default) = None\n"), "{all}");
    assert!(
        all.contains("DEFAULT_GATHERING(default) = implicit\n"),
        "{all}"
    );
    assert_eq!(all.lines().count(), settings::SETTINGS.len() + 2);
    let changed = dump::dump(&c, true);
    assert_eq!(
        changed,
        format!(
            "CONFIG_FILE() = {f}\nDEFAULT_FORKS({f}) = 10\n\
             DEFAULT_REMOTE_USER(env: ANSIBLE_REMOTE_USER) = deploy\nRSIBLE_CONFIG_FILE() = None\n"
        )
    );
}

#[test]
fn an_empty_value_sets_nothing_for_users_and_paths() {
    let w = World::new();
    w.write(
        "cwd/ansible.cfg",
        "[defaults]\nremote_user =\nprivate_key_file =\n[privilege_escalation]\nbecome_user =\n",
    );
    let c = w.load(&[]).unwrap();
    assert_eq!(c.remote_user, None);
    assert_eq!(c.private_key_file, None, "not the file's directory");
    assert_eq!(c.become_user, None);
}
