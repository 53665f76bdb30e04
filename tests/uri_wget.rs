//! `uri`'s GNU wget path on a real tier-2 host (t2-27, where tests/sys_facts.rs only reads):
//! the same requests to tests/compat/uri_server.py made once as usual (the host has curl, so
//! the program picks curl) and once with an `environment:` PATH that has every tool but curl
//! (so it picks wget, which the test installs from Debian's package). The results must be
//! equal apart from `elapsed` and the server's `date`; the one request wget cannot make as
//! Ansible does (a redirect not followed, whose body wget drops) must fail with a message
//! naming it.

mod common;

use common::http::HttpServer;
use common::tier2::Tier2;
use serde_json::Value;
use std::path::Path;

/// The one host this test uses.
const HOST: usize = 27;

/// Where uri_server.py listens for this test (the compat suite uses 18080 and 18081).
const PORT: u16 = 18082;

/// The requests, each a task `NAME` of the play (indented as tasks; `{{ url }}` and `{{ d }}`
/// are the play's variables).
const TASKS: &str = r#"
    - name: GET json
      uri: {url: "{{ url }}/json"}
    - name: POST json with a header
      uri:
        url: "{{ url }}/echo"
        method: POST
        body_format: json
        body: {name: wget, n: [1, 2]}
        headers: {X-Test: "one two"}
        status_code: [200, 201]
        return_content: true
    - name: PUT a form
      uri: {url: "{{ url }}/echo", method: PUT, body_format: form-urlencoded, body: {a: "b c"}}
    - name: an accepted odd status
      uri: {url: "{{ url }}/status/418", status_code: 418}
    - name: an unexpected status fails
      uri: {url: "{{ url }}/status/404", return_content: true}
      ignore_errors: true
    - name: content returned
      uri: {url: "{{ url }}/cookie", return_content: true}
    - name: basic auth after the challenge
      uri: {url: "{{ url }}/auth", user: u, password: p}
    - name: basic auth forced
      uri: {url: "{{ url }}/auth", user: u, password: p, force_basic_auth: true}
    - name: a POST redirected by 302 becomes a GET
      uri: {url: "{{ url }}/redirect/302", method: POST, body: x, follow_redirects: all}
    - name: a POST redirected by 307 stays a POST
      uri: {url: "{{ url }}/redirect/307", method: POST, body: x, follow_redirects: all}
    - name: HEAD
      uri: {url: "{{ url }}/json", method: HEAD}
    - name: dest
      uri: {url: "{{ url }}/file.txt", dest: "{{ d }}/file.txt", mode: "0640"}
    - name: dest again (304)
      uri: {url: "{{ url }}/file.txt", dest: "{{ d }}/file.txt", status_code: [200, 304]}
    - name: a redirect not followed
      uri: {url: "{{ url }}/redirect", follow_redirects: none, status_code: 302}
      ignore_errors: true
"#;

/// Names of the tasks of [`TASKS`].
fn task_names() -> Vec<&'static str> {
    TASKS
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- name: "))
        .collect()
}

/// Installs wget on the host (Debian's package, through the lab repository) and makes
/// /opt/rsible-nocurl: a PATH directory with every program of /usr/bin and /usr/sbin but curl.
fn prepare(lab: &Tier2) {
    lab.debian_packages(&["wget"]);
    lab.root_ok(
        HOST,
        "export DEBIAN_FRONTEND=noninteractive; apt-get update -qq >/dev/null \
         && apt-get install -y -qq wget >/dev/null \
         && d=/opt/rsible-nocurl && rm -rf $d && mkdir -p $d \
         && for f in /usr/bin/* /usr/sbin/*; do n=${f##*/}; [ $n = curl ] || ln -sf $f $d/$n; done \
         && command -v curl && ! PATH=$d command -v curl",
    );
}

/// The play: a fresh directory, then [`TASKS`], under `env` (a YAML mapping).
fn play(env: &str) -> String {
    format!(
        "- hosts: all\n  gather_facts: false\n  vars:\n    url: http://10.214.0.1:{PORT}\n    \
         d: /tmp/rsible-uri-wget\n  environment: {env}\n  tasks:\n    \
         - name: fresh\n      file: {{path: \"{{{{ d }}}}\", state: \"{{{{ item }}}}\"}}\n      \
         loop: [absent, directory]\n{TASKS}"
    )
}

/// Each task's result without what differs from run to run (`elapsed`, the server's `date`).
fn results(lab: &Tier2, dir: &Path, env: &str) -> Vec<(String, Value)> {
    common::write(dir, "site.yml", &play(env));
    let run = lab.play(dir, &[]);
    assert_eq!(run.code, 0, "{}", run.dump());
    task_names()
        .into_iter()
        .map(|name| {
            let mut r = run
                .results(&Tier2::name(HOST), name)
                .first()
                .unwrap_or_else(|| panic!("{name}: no result\n{}", run.dump()))["result"]
                .clone();
            for k in ["elapsed", "date"] {
                r.as_object_mut().expect("an object").remove(k);
            }
            (name.to_string(), r)
        })
        .collect()
}

#[test]
fn uri_with_wget_answers_as_with_curl() {
    let lab = Tier2::lab();
    prepare(&lab);
    let _server = HttpServer::spawn(
        std::process::Command::new("python3")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compat/uri_server.py"))
            .args(["10.214.0.1", &PORT.to_string()]),
        "10.214.0.1",
        PORT,
    );
    let dir = tempfile::tempdir().expect("tempdir");
    lab.inventory(dir.path(), &[HOST], "");
    let curl = results(&lab, dir.path(), "{}");
    let wget = results(&lab, dir.path(), "{PATH: /opt/rsible-nocurl}");
    let not_followed = "a redirect not followed";
    for ((name, c), (_, w)) in curl.iter().zip(&wget) {
        if name == not_followed {
            continue;
        }
        assert_eq!(c, w, "{name}: curl's result, then wget's");
    }
    let by_name = |rs: &[(String, Value)], n: &str| rs.iter().find(|r| r.0 == n).unwrap().1.clone();
    let post = by_name(&curl, "POST json with a header");
    assert_eq!(post["json"]["method"], "POST", "{post}");
    assert_eq!(post["json"]["x_test"], "one two", "{post}");
    assert_eq!(
        by_name(&curl, "a POST redirected by 302 becomes a GET")["json"]["method"],
        "GET"
    );
    assert_eq!(
        by_name(&curl, "a POST redirected by 307 stays a POST")["json"]["body"],
        "x"
    );
    assert_eq!(by_name(&curl, "dest")["changed"], true);
    assert_eq!(by_name(&curl, "dest again (304)")["changed"], false);
    assert_eq!(by_name(&curl, "an unexpected status fails")["failed"], true);
    let c = by_name(&curl, not_followed);
    assert_eq!(
        (c["status"].clone(), c["failed"].clone()),
        (302.into(), false.into()),
        "{c}"
    );
    let w = by_name(&wget, not_followed);
    assert_eq!(w["failed"], true, "{w}");
    assert!(
        w["msg"]
            .as_str()
            .unwrap_or_default()
            .contains("GNU wget drops the body of a redirect"),
        "{w}"
    );
}
