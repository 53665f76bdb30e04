//! The connection options of a run: the command line's flags over the configuration's
//! defaults (ansible.cfg, rsible.toml, the environment). Pure: it prompts for nothing and
//! reads no file; the caller asks for the passwords it says are wanted.

use super::args::ConnectionArgs;
use crate::config::{Config, DEFAULT_CONTROL_PERSIST};
use crate::connection::options::ConnOptions;
use std::time::Duration;

/// The passwords to ask for on the terminal (`-k`, `-K` or their settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ask {
    /// The SSH password.
    pub password: bool,
    /// The become password.
    pub become_password: bool,
}

/// `a` over `cfg`; `Err`: a bad `--become-method`.
pub fn merge(a: &ConnectionArgs, cfg: &Config) -> Result<(ConnOptions, Ask), String> {
    let become_method = match &a.become_method {
        Some(m) => Some(m.parse()?),
        None => cfg.become_method,
    };
    let args = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());
    let opts = ConnOptions {
        connection: a.connection.clone().or_else(|| cfg.transport.clone()),
        user: a.user.clone().or_else(|| cfg.remote_user.clone()),
        port: cfg.remote_port,
        private_key: a
            .private_key
            .clone()
            .or_else(|| cfg.private_key_file.clone()),
        password: None,
        timeout: a.timeout.or(cfg.timeout).map(Duration::from_secs),
        known_hosts: a.known_hosts.clone(),
        policy: a.host_key_checking.or(cfg.host_key_checking),
        become_: a.become_ || cfg.become_ == Some(true),
        become_user: a.become_user.clone().or_else(|| cfg.become_user.clone()),
        become_password: None,
        become_method,
        become_exe: None,
        become_flags: None,
        control_persist: Some(Duration::from_secs(
            a.control_persist
                .or(cfg.control_persist)
                .unwrap_or(DEFAULT_CONTROL_PERSIST),
        )),
        ssh_args: args(&cfg.ssh_args),
        ssh_common_args: args(&cfg.ssh_common_args),
        ssh_extra_args: args(&cfg.ssh_extra_args),
    };
    let ask = Ask {
        password: a.ask_pass || cfg.ask_pass == Some(true),
        become_password: a.ask_become_pass || cfg.become_ask_pass == Some(true),
    };
    Ok((opts, ask))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::args::{Cli, Command};
    use crate::connection::ssh::known_hosts::HostKeyPolicy;
    use crate::connection::BecomeMethod;
    use clap::Parser;
    use std::path::PathBuf;

    fn flags(words: &[&str]) -> ConnectionArgs {
        let mut argv = vec!["rsible", "run", "all"];
        argv.extend_from_slice(words);
        match Cli::parse_from(argv).command {
            Command::Run(r) => r.conn,
            other => panic!("{other:?}"),
        }
    }

    fn configured() -> Config {
        Config {
            transport: Some("local".into()),
            remote_user: Some("deploy".into()),
            remote_port: Some(2222),
            private_key_file: Some(PathBuf::from("/keys/id")),
            timeout: Some(20),
            host_key_checking: Some(HostKeyPolicy::Off),
            become_: Some(true),
            become_user: Some("admin".into()),
            become_method: Some(BecomeMethod::Su),
            become_ask_pass: Some(true),
            ask_pass: Some(true),
            control_persist: Some(60),
            ssh_args: Some("-o ServerAliveInterval=5".into()),
            ssh_common_args: Some(String::new()),
            ..Config::default()
        }
    }

    #[test]
    fn the_configuration_fills_in_what_the_command_line_leaves_out() {
        let (o, ask) = merge(&flags(&[]), &configured()).unwrap();
        assert_eq!(o.connection.as_deref(), Some("local"));
        assert_eq!(o.user.as_deref(), Some("deploy"));
        assert_eq!(o.port, Some(2222));
        assert_eq!(o.private_key, Some(PathBuf::from("/keys/id")));
        assert_eq!(o.timeout, Some(Duration::from_secs(20)));
        assert_eq!(o.policy, Some(HostKeyPolicy::Off));
        assert!(o.become_);
        assert_eq!(o.become_user.as_deref(), Some("admin"));
        assert_eq!(o.become_method, Some(BecomeMethod::Su));
        assert_eq!(o.control_persist, Some(Duration::from_secs(60)));
        assert_eq!(o.ssh_args.as_deref(), Some("-o ServerAliveInterval=5"));
        assert_eq!(o.ssh_common_args, None, "an empty setting adds nothing");
        assert_eq!(
            ask,
            Ask {
                password: true,
                become_password: true
            }
        );
        let (o, ask) = merge(&flags(&[]), &Config::default()).unwrap();
        assert_eq!((o.user, o.port, o.become_), (None, None, false));
        assert_eq!(
            ask,
            Ask {
                password: false,
                become_password: false
            }
        );
    }

    #[test]
    fn the_command_line_wins() {
        let a = flags(&[
            "-c",
            "ssh",
            "-u",
            "me",
            "--private-key",
            "/k2",
            "-T",
            "3",
            "--host-key-checking",
            "accept-new",
            "--become-user",
            "root",
            "--become-method",
            "sudo",
            "--control-persist",
            "0",
        ]);
        let (o, _) = merge(&a, &configured()).unwrap();
        assert_eq!(o.connection.as_deref(), Some("ssh"));
        assert_eq!(o.user.as_deref(), Some("me"));
        assert_eq!(o.private_key, Some(PathBuf::from("/k2")));
        assert_eq!(o.timeout, Some(Duration::from_secs(3)));
        assert_eq!(o.policy, Some(HostKeyPolicy::AcceptNew));
        assert_eq!(o.become_user.as_deref(), Some("root"));
        assert_eq!(o.become_method, Some(BecomeMethod::Sudo));
        assert_eq!(o.control_persist, Some(Duration::ZERO));
        let bad = flags(&["--become-method", "doas"]);
        assert!(merge(&bad, &Config::default()).is_err());
    }

    #[test]
    fn connections_are_kept_a_minute_unless_something_says_otherwise() {
        let (o, _) = merge(&flags(&[]), &Config::default()).unwrap();
        assert_eq!(o.control_persist, Some(Duration::from_secs(60)));
        let off = Config {
            control_persist: Some(0),
            ..Config::default()
        };
        let (o, _) = merge(&flags(&[]), &off).unwrap();
        assert_eq!(o.control_persist, Some(Duration::ZERO));
    }
}
