#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The harness the HTTP suites share: a fresh database per test on each
//! backend (a temporary SQLite file; a new PostgreSQL database on the server
//! named by `TVAERS_TEST_PG_URL`), the real server on a free port with the demo
//! municipality, a JSON-API client, and `http_suite!`, which runs every listed
//! test on both backends.

use std::sync::Arc;
use std::time::Duration;

use reqwest::redirect::Policy;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tvaers_app::{App, Settings};
use tvaers_store::Store;

/// Demo citizens every test starts with.
pub const DEMO_CITIZENS: u64 = 30;

pub fn pg_admin_url() -> String {
    std::env::var("TVAERS_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@localhost/postgres".to_string())
}

pub mod tempdir {
    /// A folder removed when dropped.
    pub struct TempDir(pub std::path::PathBuf);
    impl TempDir {
        pub fn new() -> Self {
            let p = std::env::temp_dir().join(format!("tvaers-http-{}", uuid::Uuid::new_v4()));
            std::fs::create_dir_all(&p).unwrap();
            TempDir(p)
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

pub struct TestDb {
    pub store: Arc<dyn Store>,
    pub _dir: Option<tempdir::TempDir>,
    /// The PostgreSQL database to drop when the test is done.
    pub pg_name: Option<String>,
}

pub async fn sqlite() -> TestDb {
    let dir = tempdir::TempDir::new();
    let store = tvaers_store::open(&dir.0, None).await.unwrap();
    store.migrate().await.unwrap();
    TestDb {
        store,
        _dir: Some(dir),
        pg_name: None,
    }
}

pub async fn postgres() -> TestDb {
    let admin = pg_admin_url();
    let name = format!("tvaers_http_{}", uuid::Uuid::new_v4().simple());
    let admin_store = tvaers_store::postgres::PgStore::connect(&admin)
        .await
        .expect("PostgreSQL must be reachable for the HTTP suite (set TVAERS_TEST_PG_URL)");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(admin_store.pool())
        .await
        .unwrap();
    let url = match admin.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("bad admin url"),
    };
    let store = tvaers_store::open(std::path::Path::new("."), Some(&url))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    TestDb {
        store,
        _dir: None,
        pg_name: Some(name),
    }
}

/// Best effort: a failed test leaves its database behind, like the conformance suite.
pub async fn drop_pg_database(name: &str) {
    if let Ok(admin) = tvaers_store::postgres::PgStore::connect(&pg_admin_url()).await {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(admin.pool())
        .await;
    }
}

pub struct Ctx {
    pub base: String,
    pub store: Arc<dyn Store>,
    pub http: Client,
    pub shutdown: oneshot::Sender<()>,
    pub server: tokio::task::JoinHandle<std::io::Result<()>>,
    pub db: TestDb,
}

impl Ctx {
    pub async fn start(db: TestDb) -> Ctx {
        Ctx::start_with(db, |app, _| app).await
    }

    /// Like [`Ctx::start`], with `configure` given the app and the server's
    /// base URL before it serves (e.g. to plug in a MitID provider).
    pub async fn start_with(db: TestDb, configure: impl FnOnce(App, &str) -> App) -> Ctx {
        let store = db.store.clone();
        let structure = tvaers_app::demo::ensure_structure(&*store, 42)
            .await
            .unwrap();
        tvaers_app::demo::ensure_citizens(&*store, &structure, 42, DEMO_CITIZENS, &|_| {})
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let base = format!("http://{addr}");
        let app = configure(App::new(store.clone(), Settings::default()), &base);
        let server = tokio::spawn(tvaers_web::serve(listener, app, false, async move {
            let _ = rx.await;
        }));
        Ctx {
            base,
            store,
            http: Client::builder().redirect(Policy::none()).build().unwrap(),
            shutdown: tx,
            server,
            db,
        }
    }

    /// Stops the server and removes the database; reports how the server ended.
    pub async fn stop(self) -> Result<(), String> {
        let Ctx {
            http,
            shutdown,
            server,
            store,
            db,
            ..
        } = self;
        drop(http);
        let _ = shutdown.send(());
        let ended = match tokio::time::timeout(Duration::from_secs(10), server).await {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(e))) => Err(format!("server failed: {e}")),
            Ok(Err(e)) => Err(format!("server task failed: {e}")),
            Err(_) => Err("server did not shut down within 10 s".to_string()),
        };
        drop(store);
        let TestDb { store, pg_name, .. } = db;
        drop(store);
        if let Some(name) = pg_name {
            drop_pg_database(&name).await;
        }
        ended
    }

    /// Calls the JSON API (`path` below `/api/v1`); returns status and JSON body
    /// (`Null` for an empty body).
    pub async fn api(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}/api/v1{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        if text.is_empty() {
            return (status, Value::Null);
        }
        let v = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{status}: body is not JSON ({e}): {text}"));
        (status, v)
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        self.api(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.api(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn put(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.api(Method::PUT, path, Some(token), Some(body)).await
    }

    pub async fn delete(&self, token: &str, path: &str) -> (StatusCode, Value) {
        self.api(Method::DELETE, path, Some(token), None).await
    }

    /// An API token for a demo login.
    pub async fn login(&self, username: &str) -> String {
        let (status, body) = self
            .api(
                Method::POST,
                "/auth/login",
                None,
                Some(json!({"username": username, "password": tvaers_app::demo::DEMO_PASSWORD})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login {username}: {body}");
        body["token"].as_str().unwrap().to_string()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser: keeps cookies, does not follow redirects.
    pub fn browser(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .unwrap()
    }
}

/// Runs one test against a fresh server on `db`; cleans up even when the test panics.
/// GET a page as a browser: status and HTML.
pub async fn page(b: &Client, url: String) -> (StatusCode, String) {
    let resp = b.get(url).send().await.unwrap();
    let status = resp.status();
    (status, resp.text().await.unwrap())
}

pub async fn run<F, Fut>(db: TestDb, test: F)
where
    F: FnOnce(Arc<Ctx>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    run_with(db, |app, _| app, test).await
}

/// [`run`] with the app configured first (see [`Ctx::start_with`]).
pub async fn run_with<C, F, Fut>(db: TestDb, configure: C, test: F)
where
    C: FnOnce(App, &str) -> App,
    F: FnOnce(Arc<Ctx>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let ctx = Arc::new(Ctx::start_with(db, configure).await);
    let outcome = tokio::spawn(test(ctx.clone())).await;
    let ctx = Arc::into_inner(ctx).expect("the test task is done with the server");
    let stopped = ctx.stop().await;
    match outcome {
        Ok(()) => {}
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("test task failed: {e}"),
    }
    if let Err(e) = stopped {
        panic!("{e}");
    }
}

#[macro_export]
macro_rules! http_suite {
    ($($(#[$meta:meta])* $name:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                $(#[$meta])*
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::run(super::sqlite().await, |t| async move { super::$name(&t).await }).await;
                }
            )*
        }
        mod on_postgres {
            $(
                $(#[$meta])*
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::run(super::postgres().await, |t| async move { super::$name(&t).await }).await;
                }
            )*
        }
    };
}
