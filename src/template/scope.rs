//! The lazy variable object a template sees, and `hostvars`.
//!
//! A variable is rendered the first time a template looks it up, in the same scope, and
//! remembered for the rest of that render; a variable that needs itself is reported instead
//! of overflowing the stack. One `Session` spans one public `Templar` call. Knows nothing of
//! filters or of how a string is rendered (it asks the `Templar`).

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use minijinja::value::{Enumerator, Object, ObjectRepr, Value};
use minijinja::{ErrorKind, State};

use super::{native, HostVars, Scope, Templar, TemplateError};

/// The name under which filters and functions find the current scope.
const HANDLE: &str = "__rsible_scope";

/// Variables that may be rendered inside one another before rendering gives up.
const MAX_DEPTH: usize = 64;

/// State shared by every scope of one public `Templar` call.
pub(crate) struct Session {
    templar: Templar,
    me: Weak<Session>,
    hostvars: Option<Arc<dyn HostVars>>,
    hostvars_value: OnceLock<Value>,
    search_paths: Vec<std::path::PathBuf>,
    depth: AtomicUsize,
    fatal: Mutex<Option<TemplateError>>,
}

impl Session {
    /// Starts a session for `scope`; returns it and the scope's object.
    pub(crate) fn start(templar: &Templar, scope: &Scope) -> (Arc<Session>, Arc<ScopeObject>) {
        let session = Arc::new_cyclic(|me| Session {
            templar: templar.clone(),
            me: me.clone(),
            hostvars: scope.hostvars.clone(),
            hostvars_value: OnceLock::new(),
            search_paths: scope.search_paths.clone(),
            depth: AtomicUsize::new(0),
            fatal: Mutex::new(None),
        });
        let root = ScopeObject::new(&session, scope.clone());
        (session, root)
    }

    /// The first error that must fail the whole render, whatever the template made of it.
    pub(crate) fn take_fatal(&self) -> Option<TemplateError> {
        self.fatal.lock().ok().and_then(|mut f| f.take())
    }

    /// The `Templar` this session renders with.
    pub(crate) fn templar(&self) -> &Templar {
        &self.templar
    }

    fn fail(&self, err: TemplateError) {
        if let Ok(mut fatal) = self.fatal.lock() {
            fatal.get_or_insert(err);
        }
    }

    fn hostvars_value(&self) -> Option<Value> {
        let source = self.hostvars.clone()?;
        Some(
            self.hostvars_value
                .get_or_init(|| {
                    Value::from_object(HostVarsObject {
                        session: self.me.clone(),
                        source,
                        hosts: Mutex::new(HashMap::new()),
                    })
                })
                .clone(),
        )
    }
}

/// One host's variables as a lazy minijinja map.
pub(crate) struct ScopeObject {
    session: Weak<Session>,
    scope: Scope,
    state: Mutex<Resolving>,
}

#[derive(Default)]
struct Resolving {
    /// Variables already resolved in this session (`None`: undefined through another one).
    done: HashMap<String, Option<Value>>,
    /// Variables being rendered right now, outermost first.
    active: Vec<String>,
    /// Why a variable came out undefined (its template used an undefined name).
    undefined_by: HashMap<String, TemplateError>,
}

impl ScopeObject {
    fn new(session: &Arc<Session>, scope: Scope) -> Arc<ScopeObject> {
        Arc::new(ScopeObject {
            session: Arc::downgrade(session),
            scope,
            state: Mutex::new(Resolving::default()),
        })
    }

    /// The scope object of the template running in `state`.
    pub(crate) fn current(state: &State) -> Option<Arc<ScopeObject>> {
        state.lookup(HANDLE)?.downcast_object::<ScopeObject>()
    }

    /// The session this scope belongs to, while it runs.
    pub(crate) fn session(&self) -> Option<Arc<Session>> {
        self.session.upgrade()
    }

    /// The directories searched by lookups and relative paths.
    pub(crate) fn search_paths(&self) -> &[std::path::PathBuf] {
        &self.scope.search_paths
    }

    /// The error that made variable `name` undefined, if its own template failed that way.
    pub(crate) fn undefined_cause(&self, name: &str) -> Option<TemplateError> {
        let state = self.state.lock().ok()?;
        state.undefined_by.get(name).cloned()
    }

    fn resolve(self: &Arc<Self>, name: &str) -> Option<Value> {
        let session = self.session.upgrade()?;
        {
            let mut state = self.state.lock().ok()?;
            if let Some(done) = state.done.get(name) {
                return done.clone();
            }
            if state.active.iter().any(|a| a == name) {
                return Some(fatal(&session, TemplateError::recursion(name)));
            }
            state.active.push(name.to_string());
        }
        let raw = self.scope.get(name)?;
        let rendered = if native::json_has_markup(raw) {
            let depth = session.depth.fetch_add(1, Ordering::SeqCst);
            let out = if depth >= MAX_DEPTH {
                Err(TemplateError::new(format!(
                    "templates nested too deeply while resolving '{name}'"
                )))
            } else {
                session.templar.render_json_in(raw, self)
            };
            session.depth.fetch_sub(1, Ordering::SeqCst);
            out.map(|json| native::to_value(&json))
        } else {
            Ok(native::to_value(raw))
        };
        let mut state = self.state.lock().ok()?;
        state.active.retain(|a| a != name);
        let out = match rendered {
            Ok(v) => Some(v),
            Err(e) if e.undefined.is_some() => {
                state.undefined_by.insert(name.to_string(), e);
                None
            }
            Err(e) => Some(fatal(&session, e)),
        };
        state.done.insert(name.to_string(), out.clone());
        out
    }
}

/// Records `err` as the session's outcome and returns a value that fails where it is used.
fn fatal(session: &Session, err: TemplateError) -> Value {
    let value = Value::from(minijinja::Error::new(
        ErrorKind::InvalidOperation,
        err.message.clone(),
    ));
    session.fail(err);
    value
}

impl fmt::Debug for ScopeObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopeObject")
            .field("vars", &self.scope.vars.len())
            .finish()
    }
}

impl Object for ScopeObject {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let name = key.as_str()?;
        if self.scope.get(name).is_some() {
            return self.resolve(name);
        }
        match name {
            "vars" | HANDLE => Some(Value::from_dyn_object(self.clone())),
            "hostvars" => self.session.upgrade()?.hostvars_value(),
            _ => None,
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.scope.names().map(Value::from).collect())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.scope.names().count())
    }
}

/// `hostvars`: every host's variables by name, each rendered lazily in its own scope.
struct HostVarsObject {
    session: Weak<Session>,
    source: Arc<dyn HostVars>,
    hosts: Mutex<HashMap<String, Arc<ScopeObject>>>,
}

impl fmt::Debug for HostVarsObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HostVars")
    }
}

impl Object for HostVarsObject {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let host = key.as_str()?;
        let mut hosts = self.hosts.lock().ok()?;
        if let Some(obj) = hosts.get(host) {
            return Some(Value::from_dyn_object(obj.clone()));
        }
        let session = self.session.upgrade()?;
        let scope = Scope {
            vars: self.source.vars_of(host)?,
            shared: None,
            hostvars: Some(self.source.clone()),
            search_paths: session.search_paths.clone(),
        };
        let obj = ScopeObject::new(&session, scope);
        hosts.insert(host.to_string(), obj.clone());
        Some(Value::from_dyn_object(obj))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(
            self.source
                .host_names()
                .into_iter()
                .map(Value::from)
                .collect(),
        )
    }
}
