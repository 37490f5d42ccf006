//! `tvaers`: the one binary. Configuration comes from flags or `TVAERS_*`
//! environment variables (flags win).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use tvaers_app::demo::{self, DEMO_LOGINS, DEMO_PASSWORD};
use tvaers_app::org::StaffInput;
use tvaers_app::{App, AppError, Settings};
use tvaers_store::{Store, mask_url};

#[derive(Parser)]
#[command(
    name = "tvaers",
    version,
    about = "Tværs — én plan pr. borger, på tværs af fag og sektorer."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct DbArgs {
    /// Folder for the embedded SQLite database (default backend).
    #[arg(long, env = "TVAERS_DATA", default_value = "./data")]
    data: PathBuf,
    /// PostgreSQL URL (postgres://user:pass@host/db); overrides --data.
    #[arg(long, env = "TVAERS_DATABASE_URL")]
    database_url: Option<String>,
}

/// MitID for the citizen portal through the municipality's OpenID Connect
/// broker (e.g. NemLog-in). Off unless --oidc-issuer is given; the password
/// login stays either way.
#[derive(Args, Clone)]
struct OidcArgs {
    /// The broker's issuer URL (discovery: <issuer>/.well-known/openid-configuration).
    #[arg(long, env = "TVAERS_OIDC_ISSUER")]
    oidc_issuer: Option<String>,
    /// Client id registered with the broker.
    #[arg(long, env = "TVAERS_OIDC_CLIENT_ID")]
    oidc_client_id: Option<String>,
    /// Client secret registered with the broker (prefer the environment variable).
    #[arg(long, env = "TVAERS_OIDC_CLIENT_SECRET", hide_env_values = true)]
    oidc_client_secret: Option<String>,
    /// Our public callback URL, registered with the broker, e.g.
    /// https://kommune.dk/borger/oidc/callback.
    #[arg(long, env = "TVAERS_OIDC_REDIRECT_URL")]
    oidc_redirect_url: Option<String>,
    /// Where the broker sends the browser after the citizen logged out of
    /// MitID there too (registered with the broker as a post-logout redirect
    /// URL). Default: the portal's login page at the callback's origin, e.g.
    /// https://kommune.dk/borger/login.
    #[arg(long, env = "TVAERS_OIDC_POST_LOGOUT_URL")]
    oidc_post_logout_url: Option<String>,
    /// The ID-token claim that holds the citizen's CPR number (brokers differ,
    /// e.g. cprNumberIdentifier or ssn).
    #[arg(long, env = "TVAERS_OIDC_CPR_CLAIM", default_value = tvaers_app::oidc::DEFAULT_CPR_CLAIM)]
    oidc_cpr_claim: String,
    /// Scopes to ask for besides openid (space-separated), if the broker needs
    /// one to release the CPR number.
    #[arg(long, env = "TVAERS_OIDC_SCOPES", default_value = "")]
    oidc_scopes: String,
}

impl OidcArgs {
    /// The MitID provider, when configured; an incomplete configuration is an error.
    fn provider(&self) -> Result<Option<Arc<tvaers_app::oidc::OidcIdentity>>> {
        let Some(issuer) = self.oidc_issuer.clone().filter(|i| !i.trim().is_empty()) else {
            return Ok(None);
        };
        let need = |v: &Option<String>, flag: &str| {
            v.clone()
                .filter(|s| !s.trim().is_empty())
                .with_context(|| format!("--oidc-issuer is given, so {flag} is needed too"))
        };
        let config = tvaers_app::oidc::OidcConfig {
            issuer,
            client_id: need(&self.oidc_client_id, "--oidc-client-id")?,
            client_secret: need(&self.oidc_client_secret, "--oidc-client-secret")?,
            redirect_url: need(&self.oidc_redirect_url, "--oidc-redirect-url")?,
            post_logout_url: self.oidc_post_logout_url.clone(),
            cpr_claim: self.oidc_cpr_claim.clone(),
            scopes: self
                .oidc_scopes
                .split_whitespace()
                .filter(|s| *s != "openid")
                .map(str::to_string)
                .collect(),
        };
        let provider = tvaers_app::oidc::OidcIdentity::new(config)
            .map_err(|e| anyhow::anyhow!("OpenID Connect: {}", e.log_detail()))?;
        Ok(Some(Arc::new(provider)))
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (pages, JSON API, /healthz, /metrics).
    Serve {
        #[command(flatten)]
        db: DbArgs,
        /// Address to listen on.
        #[arg(long, env = "TVAERS_BIND", default_value = "127.0.0.1:8080")]
        bind: SocketAddr,
        /// Create the demo municipality (once) with 500 citizens and print the demo logins.
        #[arg(long, env = "TVAERS_DEMO")]
        demo: bool,
        /// Mark cookies Secure and send HSTS; use behind HTTPS.
        #[arg(long, env = "TVAERS_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Statistics hide counts from 1 to this minus one, so no individual can be singled out.
        #[arg(long, env = "TVAERS_STATS_MIN_CELL", default_value_t = 5, value_parser = clap::value_parser!(i64).range(1..=100))]
        stats_min_cell: i64,
        #[command(flatten)]
        oidc: OidcArgs,
        /// Benchmarks only: skip the access policy and read auditing, to measure
        /// what they cost. Needs TVAERS_BENCHMARK_ONLY=1 as well.
        #[arg(long, hide = true)]
        bench_without_access_checks: bool,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Create or extend the demo municipality with a deterministic data set.
    Demo {
        #[command(flatten)]
        db: DbArgs,
        /// Number of citizens the database should hold.
        #[arg(long, default_value_t = 500)]
        citizens: u64,
        /// Seed for the synthetic data; the same seed gives the same people.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Make the journals hold about this many entries in total, spread
        /// over the citizens (for benchmarks); a re-run adds only the difference.
        #[arg(long)]
        journal_entries: Option<u64>,
    },
    /// Rebuild the journal's full-text search index from the entries (servers may keep running).
    Reindex {
        #[command(flatten)]
        db: DbArgs,
        /// Empty the index first instead of rewriting it in place (searches are
        /// incomplete until the rebuild is done).
        #[arg(long)]
        from_scratch: bool,
    },
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a staff account (asks for nothing: give the password with --password or TVAERS_PASSWORD).
    Add {
        #[command(flatten)]
        db: DbArgs,
        /// Login name (a–z, 0–9, . - _).
        username: String,
        /// Full name.
        #[arg(long)]
        name: String,
        /// Profession code, e.g. socialraadgiver, sygeplejerske, administrator.
        #[arg(long)]
        profession: String,
        /// Password (at least 10 characters).
        #[arg(long, env = "TVAERS_PASSWORD", hide_env_values = true)]
        password: String,
        /// Organisation name (default: the first one).
        #[arg(long)]
        organisation: Option<String>,
    },
    /// Set a new password and end the user's sessions.
    SetPassword {
        #[command(flatten)]
        db: DbArgs,
        username: String,
        #[arg(long, env = "TVAERS_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Disable an account and end its sessions.
    Disable {
        #[command(flatten)]
        db: DbArgs,
        username: String,
    },
}

async fn open(db: &DbArgs) -> Result<Arc<dyn Store>> {
    let store = tvaers_store::open(&db.data, db.database_url.as_deref())
        .await
        .map_err(|e| match &db.database_url {
            Some(url) => anyhow::anyhow!("cannot reach the database at {}: {e}", mask_url(url)),
            None => anyhow::anyhow!("cannot open the database in {}: {e}", db.data.display()),
        })?;
    store.migrate().await.context("database migration failed")?;
    Ok(store)
}

fn app_error(e: AppError) -> anyhow::Error {
    match e {
        AppError::Validation(v) => anyhow::anyhow!("{}", v.summary()),
        other => anyhow::anyhow!("{other}"),
    }
}

async fn seed_demo(store: &dyn Store, citizens: u64, seed: u64, show_progress: bool) -> Result<()> {
    let structure = demo::ensure_structure(store, seed)
        .await
        .map_err(app_error)?;
    let bar = if show_progress {
        let b = ProgressBar::new(citizens);
        b.set_style(
            ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} borgere ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b.set_message("Opretter demodata");
        b
    } else {
        ProgressBar::hidden()
    };
    let b = bar.clone();
    demo::ensure_citizens(store, &structure, seed, citizens, &move |n| {
        b.set_position(n)
    })
    .await
    .map_err(app_error)?;
    // Plans are dated from today, so every data set has its next meetings ahead.
    let total = u64::try_from(store.count_citizens().await?).unwrap_or(citizens);
    bar.set_length(total);
    bar.set_position(0);
    bar.set_message("Opretter planer");
    let b = bar.clone();
    let today = demo::plans::today();
    demo::ensure_plans(store, &structure, seed, today, &move |n| b.set_position(n))
        .await
        .map_err(app_error)?;
    bar.finish_and_clear();
    demo::portal::ensure_portal(store)
        .await
        .map_err(app_error)?;
    demo::journal::ensure_journal(store, seed)
        .await
        .map_err(app_error)?;
    Ok(())
}

/// `tvaers demo --journal-entries N`: bulk journal entries with a progress bar.
async fn seed_journal(store: &dyn Store, seed: u64, entries: u64) -> Result<()> {
    use demo::journal_bulk::JournalProgress;
    let structure = demo::ensure_structure(store, seed)
        .await
        .map_err(app_error)?;
    let started = std::time::Instant::now();
    let bar = ProgressBar::new(u64::try_from(store.count_citizens().await?).unwrap_or(0));
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message("Læser borgere");
    let b = bar.clone();
    // Without a terminal (a benchmark script's log) the bar is hidden: say
    // where it is in plain lines instead, every half million entries.
    let lines = !std::io::IsTerminal::is_terminal(&std::io::stderr());
    let to_write = std::sync::atomic::AtomicU64::new(0);
    let report = move |p: JournalProgress| match p {
        JournalProgress::Planning(n) => b.set_position(n),
        JournalProgress::ToWrite(n) => {
            to_write.store(n, std::sync::atomic::Ordering::Relaxed);
            if lines {
                eprintln!("journal: {n} entries to write");
            }
            b.set_length(n);
            b.set_position(0);
            b.set_message("Skriver journalnotater");
        }
        JournalProgress::Written(n) => {
            let all = to_write.load(std::sync::atomic::Ordering::Relaxed);
            if lines && (n % 500_000 < 25_000 || n == all) {
                eprintln!(
                    "journal: {n}/{all} entries written ({:.0} s)",
                    started.elapsed().as_secs_f64()
                );
            }
            b.set_position(n);
        }
        JournalProgress::Indexing => {
            if lines {
                eprintln!(
                    "journal: building the search index ({:.0} s)",
                    started.elapsed().as_secs_f64()
                );
            }
            b.set_message("Bygger søgeindeks");
        }
    };
    let written =
        demo::journal_bulk::ensure_journal_entries(store, &structure, seed, entries, &report)
            .await
            .map_err(app_error)?;
    bar.finish_and_clear();
    let status = store.journal_index_status().await?;
    println!(
        "Journal: {written} entries written in {:.0} s; {} entries in all, {} indexed.",
        started.elapsed().as_secs_f64(),
        status.entries,
        status.indexed
    );
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down; finishing in-flight requests");
}

/// mimalloc instead of glibc's malloc: under load, malloc, free and
/// consolidation were about a sixth of the server's CPU (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tvaers: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // One clear line, no backtrace: this is for an operator, not a developer.
            eprintln!("tvaers: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TVAERS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    // TVAERS_LOG_FORMAT=json gives one JSON object per line for log shippers.
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("TVAERS_LOG_FORMAT").is_ok_and(|f| f == "json") {
        logs.json().init();
    } else {
        logs.init();
    }
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            db,
            bind,
            demo,
            secure_cookies,
            stats_min_cell,
            oidc,
            bench_without_access_checks,
        } => {
            let sign_on = oidc.provider()?;
            if bench_without_access_checks {
                if std::env::var("TVAERS_BENCHMARK_ONLY").as_deref() != Ok("1") {
                    bail!(
                        "--bench-without-access-checks turns off the access policy and needs TVAERS_BENCHMARK_ONLY=1"
                    );
                }
                eprintln!(
                    "ADVARSEL: adgangskontrol og logning af opslag er slået fra — kun til måling, aldrig med rigtige data."
                );
            }
            let store = open(&db).await?;
            if demo {
                seed_demo(&*store, 500, 42, false).await?;
                println!(
                    "Demo Kommune er klar. Log ind på http://{bind}/login med adgangskoden «{DEMO_PASSWORD}» som:"
                );
                for (username, name, profession, _) in DEMO_LOGINS {
                    println!("  {username:<16} {name} ({})", profession.label());
                }
                println!(
                    "Borgerportalen: http://{bind}/borger/login som «{}» (Bente Borger) med samme adgangskode.",
                    demo::portal::PORTAL_LOGIN
                );
            }
            let listener = tokio::net::TcpListener::bind(bind)
                .await
                .with_context(|| format!("cannot listen on {bind} (is the port in use?)"))?;
            tracing::info!(%bind, backend = store.backend().name(), "listening");
            let settings = Settings {
                stats_min_cell,
                access_checks: !bench_without_access_checks,
                ..Settings::default()
            };
            let mut app = App::new(store, settings);
            if let Some(provider) = sign_on {
                // Discover now to say early when the broker is misconfigured;
                // a failure here is retried at the first login.
                let early = provider.clone();
                tokio::spawn(async move {
                    match early.discover().await {
                        Ok(()) => tracing::info!("MitID (OpenID Connect) provider discovered"),
                        Err(e) => {
                            tracing::warn!(detail = %e.log_detail(), "MitID provider discovery failed; retried at first login")
                        }
                    }
                });
                app = app.with_portal_sign_on(provider);
            }
            tvaers_web::serve(listener, app, secure_cookies, shutdown_signal()).await?;
        }
        Command::Migrate { db } => {
            let store = open(&db).await?;
            println!("Migrations applied ({}).", store.backend().name());
        }
        Command::Demo {
            db,
            citizens,
            seed,
            journal_entries,
        } => {
            let store = open(&db).await?;
            seed_demo(&*store, citizens, seed, true).await?;
            if let Some(n) = journal_entries {
                seed_journal(&*store, seed, n).await?;
            }
            println!(
                "Demo data ready: {} citizens.",
                store.count_citizens().await?
            );
        }
        Command::Reindex { db, from_scratch } => {
            let store = open(&db).await?;
            let app = App::new(store, Settings::default());
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} notater ({eta})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_message("Genopbygger søgeindekset");
            let b = bar.clone();
            let n = app
                .reindex_journal(from_scratch, &move |done, total| {
                    b.set_length(total);
                    b.set_position(done);
                })
                .await
                .map_err(app_error)?;
            bar.finish_and_clear();
            println!("Search index rebuilt: {n} journal entries.");
        }
        Command::User { action } => match action {
            UserCommand::Add {
                db,
                username,
                name,
                profession,
                password,
                organisation,
            } => {
                let store = open(&db).await?;
                let orgs = store.list_organisations().await?;
                let org = match organisation {
                    Some(n) => orgs
                        .iter()
                        .find(|o| o.name == n)
                        .with_context(|| format!("no organisation named {n}"))?,
                    None => match orgs.first() {
                        Some(o) => o,
                        None => bail!(
                            "no organisation exists yet; run `tvaers demo` or create one first"
                        ),
                    },
                };
                let app = App::new(store.clone(), Settings::default());
                let input = StaffInput {
                    username,
                    full_name: name,
                    profession,
                    organisation_id: Some(org.id.to_string()),
                    password: Some(password),
                    active: true,
                    ..Default::default()
                };
                let s = app
                    .create_staff_unchecked(&input, None)
                    .await
                    .map_err(app_error)?;
                println!("Created {} ({}).", s.username, s.profession.label());
            }
            UserCommand::SetPassword {
                db,
                username,
                password,
            } => {
                let app = App::new(open(&db).await?, Settings::default());
                app.set_password_unchecked(&username, &password)
                    .await
                    .map_err(app_error)?;
                println!("Password changed for {username}; their sessions are ended.");
            }
            UserCommand::Disable { db, username } => {
                let app = App::new(open(&db).await?, Settings::default());
                app.disable_unchecked(&username).await.map_err(app_error)?;
                println!("Disabled {username}; their sessions are ended.");
            }
        },
    }
    Ok(())
}
