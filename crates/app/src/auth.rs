//! Login, sessions and API tokens.
//!
//! Passwords are hashed with argon2id (OWASP parameters) on a blocking thread.
//! Session secrets are 256-bit random tokens; only their SHA-256 is stored, so
//! a leaked database does not leak live sessions. Sessions live in the
//! database, so several servers can share one PostgreSQL.

use std::net::IpAddr;
use std::num::NonZeroU32;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine as _;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use rand::RngCore as _;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tvaers_domain::Actor;
use tvaers_store::{Session, SessionKind};

use crate::{App, AppError, AppResult, Settings};

/// Per-account and per-address limits on login attempts. In memory per server:
/// with N servers an attacker gets at most N times the rate, still bounded.
pub struct LoginThrottle {
    per_account: DefaultKeyedRateLimiter<String>,
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
}

impl LoginThrottle {
    pub fn new(s: &Settings) -> Self {
        let q = |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN));
        LoginThrottle {
            per_account: RateLimiter::keyed(q(s.login_attempts_per_minute_account)),
            per_ip: RateLimiter::keyed(q(s.login_attempts_per_minute_ip)),
        }
    }

    /// The per-address limit alone (a MitID login has no username to count).
    pub(crate) fn check_ip(&self, ip: Option<IpAddr>) -> AppResult<()> {
        match ip {
            Some(ip) if self.per_ip.check_key(&ip).is_err() => Err(AppError::Throttled),
            _ => Ok(()),
        }
    }

    pub(crate) fn check(&self, username: &str, ip: Option<IpAddr>) -> AppResult<()> {
        if let Some(ip) = ip
            && self.per_ip.check_key(&ip).is_err()
        {
            return Err(AppError::Throttled);
        }
        if self.per_account.check_key(&username.to_string()).is_err() {
            return Err(AppError::Throttled);
        }
        Ok(())
    }
}

/// Hashes a password with argon2id on a blocking thread.
pub async fn hash_password(password: &str) -> AppResult<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::Internal(e.to_string()))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

pub(crate) async fn verify_password(password: &str, hash: Option<String>) -> bool {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        // Verify against a dummy hash when the account has none, so timing does not
        // tell whether a username exists.
        let hash = hash.unwrap_or_else(|| dummy_hash().to_string());
        PasswordHash::new(&hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A real argon2id hash of a random secret nobody knows, made once per process.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        SaltString::encode_b64(&salt)
            .ok()
            .and_then(|salt| {
                Argon2::default()
                    .hash_password(new_secret().as_bytes(), &salt)
                    .ok()
                    .map(|h| h.to_string())
            })
            .unwrap_or_default()
    })
}

/// A fresh 256-bit secret, URL-safe.
pub fn new_secret() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

pub fn token_hash(token: &str) -> String {
    let d = Sha256::digest(token.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// A request's authenticated actor and its session.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub actor: Actor,
    pub session: Session,
}

impl App {
    /// Checks a username and password; on success opens a session of `kind` and
    /// returns its secret (shown once, to the client only).
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        ip: Option<IpAddr>,
        kind: SessionKind,
    ) -> AppResult<(String, Authenticated)> {
        let username = username.trim().to_lowercase();
        if username.is_empty() || password.is_empty() || password.len() > 1024 {
            return Err(AppError::BadCredentials);
        }
        self.throttle.check(&username, ip)?;
        let key = format!("staff:{username}");
        self.check_lockout(&key).await?;
        let found = self.store.get_staff_by_username(&username).await?;
        let (staff, hash) = match found {
            Some((s, h)) => (Some(s), h),
            None => (None, None),
        };
        let ok = verify_password(password, hash).await;
        let staff = match staff {
            Some(s) if ok && s.active => s,
            _ => return Err(self.login_failed(&key).await),
        };
        self.store.clear_login_failures(&key).await?;
        let now = OffsetDateTime::now_utc();
        let token = new_secret();
        let ttl = match kind {
            SessionKind::Browser => self.settings.session_absolute,
            SessionKind::Api => self.settings.api_token_ttl,
        };
        let session = Session {
            token_hash: token_hash(&token),
            staff_id: staff.id,
            kind,
            csrf_token: new_secret(),
            created_at: now,
            last_seen_at: now,
            expires_at: now + ttl,
        };
        self.store.create_session(&session).await?;
        tracing::info!(staff_id = %staff.id, kind = kind.code(), "login");
        Ok((
            token,
            Authenticated {
                actor: Actor::from(&staff),
                session,
            },
        ))
    }

    /// Resolves a session secret to its actor; refuses expired, idle or
    /// disabled sessions, and a secret used with the wrong kind.
    pub async fn authenticate(&self, token: &str, kind: SessionKind) -> AppResult<Authenticated> {
        if token.is_empty() || token.len() > 128 {
            return Err(AppError::Unauthenticated);
        }
        let hash = token_hash(token);
        let Some((session, staff)) = self.store.get_session(&hash).await? else {
            return Err(AppError::Unauthenticated);
        };
        let now = OffsetDateTime::now_utc();
        let idle_expired =
            kind == SessionKind::Browser && now - session.last_seen_at > self.settings.session_idle;
        if session.kind != kind || now > session.expires_at || idle_expired {
            if now > session.expires_at || idle_expired {
                self.store.delete_session(&hash).await?;
            }
            return Err(AppError::Unauthenticated);
        }
        if !staff.active {
            return Err(AppError::Unauthenticated);
        }
        // Touch at most once a minute: keeps the idle timeout honest without a write per request.
        if now - session.last_seen_at > time::Duration::minutes(1) {
            self.store.touch_session(&hash, now).await?;
        }
        Ok(Authenticated {
            actor: Actor::from(&staff),
            session,
        })
    }

    /// Ends the session (browser or API token) the request was authenticated with.
    pub async fn logout(&self, auth: &Authenticated) -> AppResult<()> {
        self.store.delete_session(&auth.session.token_hash).await?;
        tracing::info!(staff_id = %auth.actor.staff_id, "logout");
        Ok(())
    }

    /// Removes expired sessions; run periodically by the server.
    pub async fn purge_sessions(&self) -> AppResult<u64> {
        let now = OffsetDateTime::now_utc();
        // MitID logins that were started and never finished go with them.
        self.store.delete_expired_oidc_logins(now).await?;
        Ok(self.store.delete_expired_sessions(now).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_and_verify() {
        let h = hash_password("korrekt hest batteri").await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("korrekt hest batteri", Some(h.clone())).await);
        assert!(!verify_password("forkert", Some(h)).await);
        assert!(!verify_password("x", None).await);
    }

    #[test]
    fn secrets_are_unique_and_hashed() {
        let a = new_secret();
        assert_ne!(a, new_secret());
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn throttle_limits_an_account() {
        let t = LoginThrottle::new(&Settings {
            login_attempts_per_minute_account: 3,
            ..Settings::default()
        });
        for _ in 0..3 {
            assert!(t.check("anne", None).is_ok());
        }
        assert!(matches!(t.check("anne", None), Err(AppError::Throttled)));
        assert!(t.check("bo", None).is_ok());
    }
}
