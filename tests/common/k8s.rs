//! Test doubles of the Kubernetes packages (kubelet, kubeadm, kubectl at 1.31.1-1.1 and
//! 1.31.2-1.1), published as a SIGNED flat apt repository standing in for pkgs.k8s.io (the
//! real one is out of the lab's reach) and served over HTTP on the lab bridge (10.214.0.1)
//! by a server thread of the test process, with its ASCII-armored `Release.key`. The doubles
//! are not Kubernetes: each program appends its argv (one line per call) to
//! `/var/log/k8s-doubles/<prog>.log`; kubeadm's fakes the files kubeadm writes
//! (`/etc/kubernetes/admin.conf` on `init`, `/etc/kubernetes/kubelet.conf` on `join`, both
//! removed by `reset`) and prints what the real one prints for `token create
//! --print-join-command` and `init phase upload-certs --upload-certs`; kubelet ships a systemd
//! unit and exits 1, as the real kubelet does before kubeadm configures it; kubectl is
//! tests/fixtures/doubles/kubectl (its applied manifests under `/var/lib/k8s-doubles`).

use super::tier2::{Deb, Tier2};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The versions of the doubles in the repository.
pub const VERSIONS: [&str; 2] = ["1.31.1-1.1", "1.31.2-1.1"];

/// The published repository.
pub struct K8sRepo {
    /// The repository URL (as pkgs.k8s.io's `https://pkgs.k8s.io/core:/stable:/v1.31/deb/`).
    pub url: String,
    /// The URL of its signing key (`<url>Release.key`, ASCII-armored).
    pub key_url: String,
    /// The gpg home and the served files; kept for the process's lifetime.
    _dir: tempfile::TempDir,
}

/// Builds the doubles, signs the repository and starts serving it, once per test process.
pub fn publish_k8s_doubles(_lab: &Tier2) -> &'static K8sRepo {
    static REPO: OnceLock<K8sRepo> = OnceLock::new();
    REPO.get_or_init(build)
}

fn sh(dir: &Path, gnupg: &Path, script: &str) {
    let out = Command::new("sh")
        .arg("-ec")
        .arg(script)
        .current_dir(dir)
        .env("GNUPGHOME", gnupg)
        .output()
        .expect("run sh");
    assert!(
        out.status.success(),
        "`{script}` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The program of a double: records its argv, then runs `body`.
fn program(prog: &str, version: &str, body: &str) -> String {
    format!(
        "#!/bin/sh\n# rsible test double of {prog} {version}: not Kubernetes.\n\
         mkdir -p /var/log/k8s-doubles\necho \"$*\" >>/var/log/k8s-doubles/{prog}.log\n{body}"
    )
}

const KUBEADM: &str = r##"addr=$(hostname -I 2>/dev/null | awk '{print $1}')
hash=sha256:8d1a3e0c4f5b6a7e9d2c1b0a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e
case "$1" in
init)
  if [ "$2" = phase ]; then
    [ "$3" = upload-certs ] || exit 0
    echo '[upload-certs] Storing the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace'
    echo '[upload-certs] Using certificate key:'
    date +%s%N | sha256sum | cut -c1-64
    exit 0
  fi
  if [ -f /etc/kubernetes/admin.conf ]; then
    echo '[ERROR FileAvailable--etc-kubernetes-admin.conf]: /etc/kubernetes/admin.conf already exists' >&2
    exit 1
  fi
  mkdir -p /etc/kubernetes
  printf 'apiVersion: v1\nkind: Config\n# rsible test double admin.conf\nclusters:\n- cluster:\n    server: https://%s:6443\n  name: kubernetes\n' "$addr" >/etc/kubernetes/admin.conf
  echo 'Your Kubernetes control-plane has initialized successfully!'
  ;;
join)
  if [ -f /etc/kubernetes/kubelet.conf ]; then
    echo '[ERROR FileAvailable--etc-kubernetes-kubelet.conf]: /etc/kubernetes/kubelet.conf already exists' >&2
    exit 1
  fi
  mkdir -p /etc/kubernetes
  echo "# rsible test double kubelet.conf, joined to $2" >/etc/kubernetes/kubelet.conf
  echo 'This node has joined the cluster'
  ;;
token)
  if [ "$2 $3" = "create --print-join-command" ]; then
    t=$(date +%s%N | sha256sum)
    echo "kubeadm join $addr:6443 --token $(echo "$t" | cut -c1-6).$(echo "$t" | cut -c7-22) --discovery-token-ca-cert-hash $hash "
  fi
  ;;
reset)
  rm -f /etc/kubernetes/admin.conf /etc/kubernetes/kubelet.conf
  echo '[reset] Deleted contents of the etc directories: [/etc/kubernetes/manifests /var/lib/kubelet /etc/kubernetes/pki]'
  ;;
esac
exit 0
"##;

/// The three doubles at `version`.
fn doubles(version: &str) -> Vec<Deb> {
    let unit = "[Unit]\nDescription=rsible test double of kubelet\n\n[Service]\n\
                ExecStart=/usr/bin/kubelet\nRestart=always\nRestartSec=10\n\n\
                [Install]\nWantedBy=multi-user.target\n";
    vec![
        Deb::new("kubelet", version)
            .file(
                "/usr/bin/kubelet",
                &program(
                    "kubelet",
                    version,
                    "echo 'kubelet test double: not configured yet (run kubeadm)' >&2\nexit 1\n",
                ),
                0o755,
            )
            .file("/lib/systemd/system/kubelet.service", unit, 0o644),
        Deb::new("kubeadm", version).file(
            "/usr/bin/kubeadm",
            &program("kubeadm", version, KUBEADM),
            0o755,
        ),
        Deb::new("kubectl", version).file(
            "/usr/bin/kubectl",
            include_str!("../fixtures/doubles/kubectl"),
            0o755,
        ),
    ]
}

fn build() -> K8sRepo {
    let dir = tempfile::tempdir().expect("tempdir");
    let g = dir.path().join("gnupg");
    std::fs::create_dir_all(&g).unwrap();
    std::fs::set_permissions(&g, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let root = dir.path().join("www");
    let path = "core:/stable:/v1.31/deb";
    let repo = root.join(path);
    std::fs::create_dir_all(&repo).unwrap();
    for v in VERSIONS {
        for d in doubles(v) {
            d.build_into(&repo);
        }
    }
    sh(
        &repo,
        &g,
        "gpg --batch --passphrase '' --quick-gen-key 'rsible k8s test double <k8s@rsible.invalid>' \
         default default never 2>/dev/null; gpg --armor --export > Release.key; \
         dpkg-scanpackages --multiversion . /dev/null > Packages 2>/dev/null; gzip -9kf Packages; \
         { echo 'Origin: rsible test double of pkgs.k8s.io'; echo 'Label: k8s-doubles'; \
         echo \"Date: $(LC_ALL=C date -R -u)\"; echo 'SHA256:'; \
         for f in Packages Packages.gz; do printf ' %s %s %s\\n' \"$(sha256sum < $f | cut -d' ' -f1)\" \
         \"$(wc -c < $f)\" $f; done; } > Release; \
         gpg --batch --yes --clearsign -o InRelease Release 2>/dev/null; \
         gpg --batch --yes -abs -o Release.gpg Release 2>/dev/null",
    );
    let listener = TcpListener::bind("10.214.0.1:0").expect("bind 10.214.0.1");
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in listener.incoming().flatten() {
            let root = root.clone();
            std::thread::spawn(move || serve(s, &root));
        }
    });
    let url = format!("http://10.214.0.1:{port}/{path}/");
    K8sRepo {
        key_url: format!("{url}Release.key"),
        url,
        _dir: dir,
    }
}

/// `%XX` decoded.
fn decode(p: &str) -> String {
    let b = p.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz");
            if let Ok(v) = u8::from_str_radix(hex, 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Answers one GET or HEAD request with a file under `root`, then closes.
fn serve(mut s: TcpStream, root: &Path) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let mut first = head.lines().next().unwrap_or_default().split_whitespace();
    let method = first.next().unwrap_or_default();
    let target = decode(
        first
            .next()
            .unwrap_or_default()
            .split('?')
            .next()
            .unwrap_or_default(),
    );
    let file: PathBuf = root.join(target.trim_start_matches('/'));
    let body = if target.split('/').any(|c| c == "..") {
        None
    } else {
        std::fs::read(&file).ok().filter(|_| file.is_file())
    };
    let _ = match body {
        Some(b) => {
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                b.len()
            );
            if method == "GET" {
                s.write_all(&b)
            } else {
                Ok(())
            }
        }
        None => {
            s.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        }
    };
}
