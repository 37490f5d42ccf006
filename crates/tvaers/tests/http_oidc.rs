#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! MitID login for the citizen portal through OpenID Connect, end to end: a
//! small **test OpenID provider** runs inside the test (an axum server on a
//! free port with discovery, JWKS, `/authorize` that sends the browser straight
//! back with a code, and `/token` that checks the code, the client secret and
//! the PKCE verifier and returns an RS256-signed ID token), and the real Tværs
//! server is configured with it. Each test runs on SQLite and on PostgreSQL,
//! like the other HTTP suites.
//!
//! The ID token is built by hand here (JSON, base64url, an RSA PKCS#1 v1.5
//! signature from the `rsa` crate), so the verification under test does not
//! check a token made by its own code.

#[macro_use]
mod common;
use common::*;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode as AxumStatus, header as axum_header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine as _;
use reqwest::cookie::{CookieStore as _, Jar};
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode, header};
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey as _;
use rsa::signature::{SignatureEncoding as _, Signer as _};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use tvaers_app::oidc::{DEFAULT_CPR_CLAIM, OidcConfig, OidcIdentity};
use tvaers_domain::citizen::Citizen;

/// The test provider's signing key (`openssl genrsa 2048`), made for this test only.
const PROVIDER_KEY: &str = "\
-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDSr09uGOHsQghx
rRkuimm43uqQXpgOheG9QdGMk5CNL5zxB4YbMP7RXmekthnMx4Ceb7FXnKsNTVZe
bXqukLXY5Cgv9EAt7ILtPwfu/lCvZShY5lNek9IpRVWRmLgrQ1goMOyjLGsDyNmz
WhGHwsDOHoWr1vtZjtAbUSFMKVkwnZjVr2nuYKLiplBasZ4qnXzMyfKKxNSJU+Si
4GX0kKcVRq5SL41zQrLz3CvxDhGI8A/Z0cf0uCOqTzyZinSjxy2a5G6bIEg52G79
jLnt93Fr9+FWNiKZ7FXgYEvRARrQMMyI/MFwEq+81MgJ2WS8Z2s2H+ngmwK8XnX0
rJ2mP2wZAgMBAAECggEAHqhM/h/XzDnFockG94tDnBev+UcSiFZ6BUCtHfAhIjJR
+47VOGK2ScAbg8/NzEshj6yAGVgeWeatkTsMFZfQJln48RVxO12FpcE8xc2y7vrg
1qLZcdM/yyqgK3oWHpGDpAGOhaYCgn/5Ecyi7WbtCHFPkTRMyfjqlncFSeBgbp7U
VEAtWNr1Vq8JZtw5QjxFHQ9wflFKFhs9Qmqk+VEyl+MkUH/A7CI+OS2ioTGVccvW
cKi1TbmYMKwu/YMnL+L+PPCIyUDu0hfA0qmT+an/qk2/BzdssK0tORWhlVGBOZb2
+yhC3Uud+yJEzmSfcj5aEWEQQeufvczyt7KXschLGwKBgQD9b7sFOZWTmWmGV6oN
0qnRinwgvyqPqBWL2Zv7Saf78/2FbGC0DXHgfIFEqJLUMrd/ZmrI1nQ8qjwpayZ1
c7pINIr6BFs8FEPGNPx6Y8WWv7DI4/c4IYxuzE4aZ+d7LhR5ahbYhu+7D9G7dxmu
CO87X1ErMR3aYuDRirD8o/lJZwKBgQDU0OAEF8zJNJWMGS+jmvspno2BiaAVWt2y
oTD/cHpQcqvR/8cpEwzuIZ5QgPFIjCgn9a/TccfG4y4aSig5CTOyMjzLC+YM6UJ9
y3A/BfX0tCisDN6rHXhftZjCNa13jWG98awnY50krhQ3tSNj/2CAfIN04LKSwxq1
FJHWttCufwKBgEU3fcGYj5SHQr3RNX2e+ohjJTGgZFRl2LSgUyyXWkzCv4vwJJ0o
SuC/wGJrE+bmjx05cJK3l3l2GQZK4G8Vk1vjFc3g4LYQ5s28bPRUSYO5iOPk9wEa
kIs2O2KU3DDVTfw3EFREzjatxF9J0PaqNARoLPf56yhY9wPjuCDX+96jAoGBALSW
OkG+4GusT2p+xMoT7SU4AeP2IP1+CbpWxfk8PM6fP+YHIb1dCQ/ZPzoY8KYbKMgf
13+ZgWjnxmtQmiksAc4oiyXRhvlVxrJwO2N/b2KirhCxKxIRA+BTfLjwS66zLkm8
FdWm1eYWQdmzv8BPKFhfUD2RnnajULpwJgEJSLOJAoGAJF4ZNBw7Lut8Lp9hdoHM
sC+5t3L4zvMNSDN0lL7UXFiX1eoKv1XZnL27USV4NsSeMBWLuWrIafwxwUpiYlSZ
TCZFzmqdZ2oyAdNovRbqvVIDKtpqO/wUK/9WMvrhOmUaaGQSoEPEKJd6SoXc28G5
Clst6+aZNmzYzrFUdRPVd/Q=
-----END PRIVATE KEY-----
";

/// Its public half as a JWK: `n` and `e` computed once from the key above
/// (`openssl rsa -modulus`, base64url without padding).
const PROVIDER_JWK_N: &str = "0q9Pbhjh7EIIca0ZLoppuN7qkF6YDoXhvUHRjJOQjS-c8QeGGzD-0V5npLYZzMeAnm-xV5yrDU1WXm16rpC12OQoL_RALeyC7T8H7v5Qr2UoWOZTXpPSKUVVkZi4K0NYKDDsoyxrA8jZs1oRh8LAzh6Fq9b7WY7QG1EhTClZMJ2Y1a9p7mCi4qZQWrGeKp18zMnyisTUiVPkouBl9JCnFUauUi-Nc0Ky89wr8Q4RiPAP2dHH9Lgjqk88mYp0o8ctmuRumyBIOdhu_Yy57fdxa_fhVjYimexV4GBL0QEa0DDMiPzBcBKvvNTICdlkvGdrNh_p4JsCvF519Kydpj9sGQ";
const PROVIDER_JWK_E: &str = "AQAB";

/// Another key, not in the provider's JWKS: a token signed with it is forged.
const OTHER_KEY: &str = "\
-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCq7YYFJc3ayp5G
UNUxvd9akh40sy5JnS6WikoUVh6GPEbzvJagfkd9AXAAv4LLUt1B2sgcab3Yi3Ij
VMjd5BQyyIQejkupRMsbboQByI918SRjm1/8h2U6VuN5i4CGy3lcoPSj/qlybO2t
IUeA1KOB/uWqeyPKWWqnKgpAWy+ZYQoYVa/XW2FoTtyIBxD+U65exk2Nm4UT0lxe
anpNKxJFjrF01s6sR3aBAfNeYYPVWCOuJpG+a8gCCqNA+SMShRlWAUgVGRuHLBLi
fQ0lvKnvfKlDi2Ru/RwQnVjXeRTO4451Rnx5JlL+qLH8nj7HYkV3gKAGfGTTDSg3
x13Uf6zlAgMBAAECggEAEjnkJ9HdZsZixKwzY4uz0KBSlLuDhMl8MYS6+/qn5Bfy
1+Qk6qW0gUWhOA8zxvMF0VMfMfprijbqW46boZ+DsNuVTP3O3xSNFNZ+wILumzy0
rONhQ5f7aRJhTLFdqeHyBbjLBV6vGlq3qFWrXncuHTs9KaXaTeYle4A92hlvFKtp
62uCzU/qFJiC1fQ98BlIVtouzfKWtVfG8RS2oumpypIh903KFJVDf79rXqAgUoaq
AL9xkO8fOHtzkS1FPCWnhsyycY+HAQXZzu1F0eCjEkSiBreXfsd+z59JqY5fsOFK
2hAzK84CpIdUVxUX9X71SnjjyyrGb3UH1KM0J1cwQQKBgQDXIuou80lNkbzcytL5
RA/eI+xAlv2HjPrWoy1ckuKYHRqEWkPiQnT0Qx4gIwj3UpmHqsfu7oglBI47tm+z
OxLbi0KECtxKTgDj1QaZ/1usoWUeYqE86QdFxbSFNz/fWamakJGxYXM1sSQBgDBc
5BOtA+AF8+DXSLtFJGwmLQZ6QQKBgQDLZPOPJcg6vfDC/mqY5q7y2iridImd4XQ1
kxoIOorUioqOu5yuZgSn/dcb9KdWysigodPLfP29ungIv7AiNdXEQ5IXmXIkrjBP
NxyBx331db1XajE0j2ccpqcriEOj4OjSE8vDQxpgHFSatgTDQBeSTx2z4z0eXoRu
DgQMQHChpQKBgHXO+M6dCxcfJ30A1GcLjmTm5wi3pj4ERZgj40M+bDdAOLUheOr9
2W2pE2YlyVMmOEzCiJmepY8f34Nzc9eCEeGHcPU9vUQzUulwTh0maN0vxF/PQtxH
/2OF0ETi7Gcygl3RrPallqFgT4dC2zkC7INiC9s2oXlCqspCF7cQEOwBAoGASeHL
z03MI/pnAI3mLtBs8G5rcYMfkigZTHS42hBZ6cbBegOQcJFCU7uTbeY6+v4CTsc5
5grrKQYZICRxWJvxoK9i3AuzOLvFdKDyS/opOQah1qUOZqdIr1GiG+ANofPK3rSu
KamwZQUlfmVr6XjYlx8CDRwYUXXH6SpSMhkeULkCgYAOk7qaCAtprlWfh4EostMa
6tE1dwIv4ZUlCbwalCbB8XEMRXEfZE76HIVDIjQhqiexpDfx4AjB5oPWGD85v0RG
6mkT5UmFHwmL6PjAnYRUN/mca84WgJVvBD0vGoHXedOaPAh1A901psmy/TGjvGmm
aNuO9cTpOiVBfNysa23Kkw==
-----END PRIVATE KEY-----
";

const CLIENT_ID: &str = "tvaers-test";
const CLIENT_SECRET: &str = "test-client-secret-0123456789";
const KID: &str = "test-key-1";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What `/authorize` remembered for a code.
struct Grant {
    nonce: String,
    challenge: String,
    redirect_uri: String,
}

/// The test OpenID provider.
struct Provider {
    issuer: String,
    key: SigningKey<Sha256>,
    other_key: SigningKey<Sha256>,
    /// The CPR claim's value in the next ID token (`None`: left out).
    cpr: Mutex<Option<String>>,
    /// Sign the next ID tokens with a key that is not in the JWKS.
    forge: AtomicBool,
    codes: Mutex<HashMap<String, Grant>>,
    /// What `/token` refused, for the test to see why.
    refusals: Mutex<Vec<String>>,
    /// Every ID token `/token` gave out, in order.
    issued: Mutex<Vec<String>>,
    server: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Provider {
    async fn start() -> Arc<Provider> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let key =
            |pem: &str| SigningKey::<Sha256>::new(rsa::RsaPrivateKey::from_pkcs8_pem(pem).unwrap());
        let p = Arc::new(Provider {
            issuer: format!("http://{addr}"),
            key: key(PROVIDER_KEY),
            other_key: key(OTHER_KEY),
            cpr: Mutex::new(None),
            forge: AtomicBool::new(false),
            codes: Mutex::new(HashMap::new()),
            refusals: Mutex::new(Vec::new()),
            issued: Mutex::new(Vec::new()),
            server: Mutex::new(None),
        });
        let router = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .with_state(p.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        *p.server.lock().unwrap() = Some(server);
        p
    }

    fn set_cpr(&self, cpr: Option<&str>) {
        *self.cpr.lock().unwrap() = cpr.map(str::to_string);
    }

    fn refuse(&self, why: &str) -> Response {
        self.refusals.lock().unwrap().push(why.to_string());
        (
            AxumStatus::BAD_REQUEST,
            Json(json!({"error": "invalid_grant", "error_description": why})),
        )
            .into_response()
    }

    /// An RS256 JWT: header.payload.signature, each base64url.
    fn sign(&self, claims: &Value) -> String {
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": KID});
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let key = if self.forge.load(Ordering::SeqCst) {
            &self.other_key
        } else {
            &self.key
        };
        let sig = key.sign(input.as_bytes()).to_bytes();
        format!("{input}.{}", b64(&sig))
    }
}

async fn discovery(State(p): State<Arc<Provider>>) -> Json<Value> {
    let i = &p.issuer;
    Json(json!({
        "issuer": i,
        "authorization_endpoint": format!("{i}/authorize"),
        "token_endpoint": format!("{i}/token"),
        "jwks_uri": format!("{i}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid"],
        "end_session_endpoint": format!("{i}/logout"),
    }))
}

async fn jwks() -> Json<Value> {
    Json(json!({"keys": [{
        "kty": "RSA", "use": "sig", "alg": "RS256", "kid": KID,
        "n": PROVIDER_JWK_N, "e": PROVIDER_JWK_E,
    }]}))
}

/// Logs the person in at once: straight back to `redirect_uri` with a code.
async fn authorize(
    State(p): State<Arc<Provider>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    assert_eq!(get("response_type"), "code");
    assert_eq!(get("client_id"), CLIENT_ID);
    assert!(
        get("scope").split(' ').any(|s| s == "openid"),
        "scope openid"
    );
    assert_eq!(get("code_challenge_method"), "S256", "PKCE with S256");
    for k in ["state", "nonce", "code_challenge", "redirect_uri"] {
        assert!(!get(k).is_empty(), "{k} is sent");
    }
    let code = format!("code-{}", uuid::Uuid::new_v4().simple());
    p.codes.lock().unwrap().insert(
        code.clone(),
        Grant {
            nonce: get("nonce"),
            challenge: get("code_challenge"),
            redirect_uri: get("redirect_uri"),
        },
    );
    let mut back = reqwest::Url::parse(&get("redirect_uri")).unwrap();
    back.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &get("state"));
    Redirect::to(back.as_str()).into_response()
}

/// Checks the client (HTTP Basic), the code (once) and the PKCE verifier.
async fn token(
    State(p): State<Arc<Provider>>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let basic = headers
        .get(axum_header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
        .and_then(|v| String::from_utf8(v).ok());
    if basic.as_deref() != Some(&format!("{CLIENT_ID}:{CLIENT_SECRET}")) {
        return p.refuse("client authentication");
    }
    if get("grant_type") != "authorization_code" {
        return p.refuse("grant_type");
    }
    let Some(grant) = p.codes.lock().unwrap().remove(&get("code")) else {
        return p.refuse("unknown or used code");
    };
    if get("redirect_uri") != grant.redirect_uri {
        return p.refuse("redirect_uri");
    }
    if b64(&Sha256::digest(get("code_verifier").as_bytes())) != grant.challenge {
        return p.refuse("PKCE verifier does not match the challenge");
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut claims = json!({
        "iss": p.issuer,
        "aud": CLIENT_ID,
        "sub": format!("person-{}", uuid::Uuid::new_v4().simple()),
        "iat": now,
        "exp": now + 300,
        "nonce": grant.nonce,
    });
    if let Some(cpr) = p.cpr.lock().unwrap().clone() {
        claims[DEFAULT_CPR_CLAIM] = Value::String(cpr);
    }
    let id_token = p.sign(&claims);
    p.issued.lock().unwrap().push(id_token.clone());
    Json(json!({
        "access_token": format!("at-{}", uuid::Uuid::new_v4().simple()),
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
    .into_response()
}

/// Runs `test` against a Tværs server that offers MitID through the test provider.
async fn with_provider<F, Fut>(db: TestDb, test: F)
where
    F: FnOnce(Arc<Ctx>, Arc<Provider>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let provider = Provider::start().await;
    let issuer = provider.issuer.clone();
    let p = provider.clone();
    run_with(
        db,
        move |app, base| {
            let identity = OidcIdentity::new(OidcConfig {
                issuer,
                client_id: CLIENT_ID.into(),
                client_secret: CLIENT_SECRET.into(),
                redirect_url: format!("{base}/borger/oidc/callback"),
                post_logout_url: None,
                cpr_claim: DEFAULT_CPR_CLAIM.into(),
                scopes: vec![],
            })
            .unwrap();
            app.with_portal_sign_on(Arc::new(identity))
        },
        move |ctx| test(ctx, p),
    )
    .await;
    if let Some(server) = provider.server.lock().unwrap().take() {
        server.abort();
    }
}

macro_rules! oidc_suite {
    ($($name:ident),* $(,)?) => {
        mod mitid_on_sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::with_provider(super::sqlite().await, |t, p| async move { super::$name(&t, &p).await }).await;
                }
            )*
        }
        mod mitid_on_postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::with_provider(super::postgres().await, |t, p| async move { super::$name(&t, &p).await }).await;
                }
            )*
        }
    };
}

oidc_suite!(
    mitid_login_opens_the_citizens_portal,
    mitid_login_uses_the_citizens_existing_account,
    tampered_or_unknown_state_is_refused,
    a_used_state_is_refused,
    a_token_signed_by_another_key_is_refused,
    a_cpr_of_no_citizen_gets_the_no_plan_message,
    a_missing_or_malformed_cpr_claim_is_refused,
    a_provider_error_is_shown_in_danish,
    logout_of_a_mitid_session_ends_the_brokers_session_too,
);

// ---------------------------------------------------------------------------
// Helpers

/// A demo citizen (the `n`th in id order).
async fn citizen(t: &Ctx, n: usize) -> Citizen {
    let all = t.store.list_citizens_after(None, 10).await.unwrap();
    all[n].clone()
}

/// A browser that keeps cookies and follows redirects (across both servers).
fn browser() -> (Client, Arc<Jar>) {
    let jar = Arc::new(Jar::default());
    let c = Client::builder()
        .cookie_provider(jar.clone())
        .redirect(Policy::limited(10))
        .build()
        .unwrap();
    (c, jar)
}

/// The value of cookie `name` the jar would send to `url`.
fn cookie(jar: &Jar, url: &str, name: &str) -> Option<String> {
    let header = jar.cookies(&url.parse().unwrap())?;
    header
        .to_str()
        .unwrap()
        .split("; ")
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value of a response, by cookie name.
fn set_cookie(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap()[name.len() + 1..].to_string())
}

fn location(resp: &reqwest::Response) -> String {
    resp.headers()
        .get(header::LOCATION)
        .unwrap_or_else(|| panic!("{} has no Location", resp.status()))
        .to_str()
        .unwrap()
        .to_string()
}

/// The flow step by step, without following redirects: the browser's MitID
/// key (from the start's cookie), and the callback URL the provider sent the
/// browser to. Also checks that no URL on the way holds a CPR number.
async fn start_by_hand(t: &Ctx, cpr_digits: &str) -> (String, String) {
    let c = Client::builder().redirect(Policy::none()).build().unwrap();
    let start = c.get(t.url("/borger/login/oidc")).send().await.unwrap();
    assert_eq!(start.status(), StatusCode::SEE_OTHER);
    let key = set_cookie(&start, "tvaers_mitid").expect("the MitID cookie is set");
    let set = start
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("tvaers_mitid="))
        .unwrap();
    for attr in [
        "HttpOnly",
        "SameSite=Lax",
        "Path=/borger/oidc",
        "Max-Age=600",
    ] {
        assert!(set.contains(attr), "{set} has {attr}");
    }
    let to_provider = location(&start);
    assert!(
        to_provider.contains("code_challenge_method=S256"),
        "{to_provider}"
    );
    let back = c.get(&to_provider).send().await.unwrap();
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    let callback = location(&back);
    assert!(
        callback.starts_with(&t.url("/borger/oidc/callback?")),
        "{callback}"
    );
    for url in [&to_provider, &callback] {
        assert!(!url.contains(cpr_digits), "no CPR in a URL: {url}");
    }
    (key, callback)
}

/// The callback as a browser holding MitID key `key` (none: `None`).
async fn callback_with(url: &str, key: Option<&str>) -> reqwest::Response {
    let c = Client::builder().redirect(Policy::none()).build().unwrap();
    let mut req = c.get(url);
    if let Some(k) = key {
        req = req.header(header::COOKIE, format!("tvaers_mitid={k}"));
    }
    req.send().await.unwrap()
}

/// The text between `marker` and the next `"` in a page.
fn quoted_after(html: &str, marker: &str) -> String {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in: {html}"))
        + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

/// A refused callback: Danish message, no portal session.
async fn assert_refused(resp: reqwest::Response, status: StatusCode, message: &str) {
    assert_eq!(resp.status(), status);
    assert!(
        set_cookie(&resp, "tvaers_borger").is_none(),
        "no portal session on a refused login"
    );
    let body = resp.text().await.unwrap();
    assert!(body.contains(message), "{message:?} in: {body}");
    assert!(
        body.contains("Log ind med MitID"),
        "the page offers to start over"
    );
}

// ---------------------------------------------------------------------------
// Tests

/// The whole flow in a browser: login page → MitID button → provider → back
/// → the citizen's own portal, with a portal session; a first MitID login
/// makes the citizen's account (no password), the next one reuses it.
async fn mitid_login_opens_the_citizens_portal(t: &Ctx, p: &Provider) {
    let who = citizen(t, 0).await;
    p.set_cpr(Some(&who.cpr.digits()));
    let (b, jar) = browser();
    let login = b.get(t.url("/borger/login")).send().await.unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let page = login.text().await.unwrap();
    assert!(page.contains(r#"href="/borger/login/oidc""#) && page.contains("Log ind med MitID"));

    let resp = b.get(t.url("/borger/login/oidc")).send().await.unwrap();
    assert_eq!(resp.url().as_str(), t.url("/borger"), "ends on the portal");
    assert_eq!(resp.status(), StatusCode::OK);
    let home = resp.text().await.unwrap();
    assert!(home.contains("<h1>Min plan</h1>"), "{home}");
    assert!(home.contains(&who.full_name()), "the citizen's own page");
    assert!(!home.contains(&who.cpr.digits()));
    let session = cookie(&jar, &t.url("/borger"), "tvaers_borger").expect("a portal session");
    assert!(
        cookie(&jar, &t.url("/borger/oidc/callback"), "tvaers_mitid").is_none(),
        "the MitID key is cleared after use"
    );

    // The session is the citizen's own account, made now, without a password.
    let s = t
        .store
        .get_portal_session(&tvaers_app::auth::token_hash(&session))
        .await
        .unwrap()
        .expect("the session is stored");
    let account = t
        .store
        .get_citizen_portal_account(who.id)
        .await
        .unwrap()
        .expect("an account was made");
    assert_eq!(s.account_id, account.id);
    assert!(account.relative_name.is_none() && account.active);
    let (_, hash) = t
        .store
        .get_portal_account_by_username(&account.username)
        .await
        .unwrap()
        .unwrap();
    assert!(hash.is_none(), "a MitID account has no password");
    // Its creation is in the audit trail (once, not again at the second login below).
    let made = || async {
        t.store
            .list_audit(&tvaers_store::AuditFilter {
                citizen_id: Some(who.id),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.resource_type == "portal_account")
            .collect::<Vec<_>>()
    };
    let events = made().await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].action, tvaers_domain::audit::AuditAction::Create);
    assert_eq!(events[0].resource_id, Some(account.id));
    assert_eq!(
        events[0].purpose.as_deref(),
        Some("borgerens første MitID-login")
    );

    // The portal works with this session (a page that needs it).
    let r = b.get(t.url("/borger/adgang")).send().await.unwrap();
    assert_eq!(r.url().as_str(), t.url("/borger/adgang"));
    assert_eq!(r.status(), StatusCode::OK);

    // A second MitID login (another browser) uses the same account.
    let (b2, jar2) = browser();
    let r = b2.get(t.url("/borger/login/oidc")).send().await.unwrap();
    assert_eq!(r.url().as_str(), t.url("/borger"));
    let session2 = cookie(&jar2, &t.url("/borger"), "tvaers_borger").unwrap();
    assert_ne!(session, session2, "a new session at every login");
    let s2 = t
        .store
        .get_portal_session(&tvaers_app::auth::token_hash(&session2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s2.account_id, account.id, "the same account again");
    assert_eq!(made().await.len(), 1, "no second account, no second event");
    assert!(p.refusals.lock().unwrap().is_empty(), "{:?}", p.refusals);
}

/// A citizen who already has a (password) portal account logs in to it with MitID.
async fn mitid_login_uses_the_citizens_existing_account(t: &Ctx, p: &Provider) {
    let who = citizen(t, 1).await;
    let own = tvaers_domain::access::PortalAccount {
        id: uuid::Uuid::now_v7(),
        citizen_id: who.id,
        username: "egen.konto".into(),
        relative_name: None,
        active: true,
    };
    let made = |a| tvaers_app::portal::account_created(a, "test");
    t.store
        .create_portal_account(&own, None, &made(&own))
        .await
        .unwrap();
    // A relative's account for the same citizen is never the one used.
    let relative = tvaers_domain::access::PortalAccount {
        id: uuid::Uuid::now_v7(),
        citizen_id: who.id,
        username: "paaroerende".into(),
        relative_name: Some("Pia Pårørende".into()),
        active: true,
    };
    t.store
        .create_portal_account(&relative, None, &made(&relative))
        .await
        .unwrap();
    p.set_cpr(Some(&who.cpr.as_str()));
    let (b, jar) = browser();
    let r = b.get(t.url("/borger/login/oidc")).send().await.unwrap();
    assert_eq!(r.url().as_str(), t.url("/borger"));
    let body = r.text().await.unwrap();
    assert!(
        !body.contains("pårørende)"),
        "logged in as the citizen, not the relative"
    );
    let session = cookie(&jar, &t.url("/borger"), "tvaers_borger").unwrap();
    let s = t
        .store
        .get_portal_session(&tvaers_app::auth::token_hash(&session))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.account_id, own.id);
}

/// A callback whose state is not the one this browser started with, or
/// without the browser's key at all, logs nobody in.
async fn tampered_or_unknown_state_is_refused(t: &Ctx, p: &Provider) {
    let who = citizen(t, 0).await;
    p.set_cpr(Some(&who.cpr.digits()));
    const EXPIRED: &str = "Dit login er udløbet eller allerede brugt";

    // Tampered state.
    let (key, callback) = start_by_hand(t, &who.cpr.digits()).await;
    let mut url = reqwest::Url::parse(&callback).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" {
                format!("{v}x")
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    let r = callback_with(url.as_str(), Some(&key)).await;
    assert_refused(r, StatusCode::BAD_REQUEST, EXPIRED).await;
    // …and the pending login is gone: the real state no longer works either.
    let r = callback_with(&callback, Some(&key)).await;
    assert_refused(r, StatusCode::BAD_REQUEST, EXPIRED).await;

    // The right callback in a browser that did not start the login (no key,
    // or another key): the login-CSRF case.
    let (_, callback) = start_by_hand(t, &who.cpr.digits()).await;
    let r = callback_with(&callback, None).await;
    assert_refused(r, StatusCode::BAD_REQUEST, EXPIRED).await;
    let (_, callback) = start_by_hand(t, &who.cpr.digits()).await;
    let r = callback_with(&callback, Some("made-up-key")).await;
    assert_refused(r, StatusCode::BAD_REQUEST, EXPIRED).await;

    // A state nobody issued.
    let r = callback_with(&t.url("/borger/oidc/callback?code=x&state=y"), Some("z")).await;
    assert_refused(r, StatusCode::BAD_REQUEST, EXPIRED).await;
    // No query at all.
    let r = callback_with(&t.url("/borger/oidc/callback"), None).await;
    assert_refused(r, StatusCode::BAD_REQUEST, EXPIRED).await;

    // Refused before the provider's token endpoint was asked.
    assert!(p.refusals.lock().unwrap().is_empty());
    assert!(
        t.store
            .get_citizen_portal_account(who.id)
            .await
            .unwrap()
            .is_none()
    );
}

/// A callback that already logged someone in cannot do it again.
async fn a_used_state_is_refused(t: &Ctx, p: &Provider) {
    let who = citizen(t, 2).await;
    p.set_cpr(Some(&who.cpr.digits()));
    let (key, callback) = start_by_hand(t, &who.cpr.digits()).await;
    let first = callback_with(&callback, Some(&key)).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&first), "/borger");
    assert!(set_cookie(&first, "tvaers_borger").is_some_and(|s| !s.is_empty()));
    // The MitID key cookie is cleared.
    assert_eq!(set_cookie(&first, "tvaers_mitid").as_deref(), Some(""));

    let again = callback_with(&callback, Some(&key)).await;
    assert_refused(
        again,
        StatusCode::BAD_REQUEST,
        "Dit login er udløbet eller allerede brugt",
    )
    .await;
}

/// An ID token whose signature is not by the provider's key logs nobody in.
async fn a_token_signed_by_another_key_is_refused(t: &Ctx, p: &Provider) {
    let who = citizen(t, 0).await;
    p.set_cpr(Some(&who.cpr.digits()));
    p.forge.store(true, Ordering::SeqCst);
    let (b, jar) = browser();
    let r = b.get(t.url("/borger/login/oidc")).send().await.unwrap();
    assert_eq!(r.url().path(), "/borger/oidc/callback");
    assert_refused(
        r,
        StatusCode::UNAUTHORIZED,
        "Svaret fra MitID kunne ikke bekræftes",
    )
    .await;
    assert!(cookie(&jar, &t.url("/borger"), "tvaers_borger").is_none());
    assert!(
        t.store
            .get_citizen_portal_account(who.id)
            .await
            .unwrap()
            .is_none()
    );

    // The same flow with the right key works: the refusal was the signature.
    p.forge.store(false, Ordering::SeqCst);
    let r = b.get(t.url("/borger/login/oidc")).send().await.unwrap();
    assert_eq!(r.url().as_str(), t.url("/borger"));
    assert!(cookie(&jar, &t.url("/borger"), "tvaers_borger").is_some());
}

/// A real person the municipality has no record of: told so, nothing else.
async fn a_cpr_of_no_citizen_gets_the_no_plan_message(t: &Ctx, p: &Provider) {
    // A valid CPR number (1 January 1900) that no demo citizen has.
    let stranger = tvaers_domain::Cpr::parse("0101001234").unwrap();
    assert!(
        t.store
            .find_citizen_by_cpr(&stranger)
            .await
            .unwrap()
            .is_none()
    );
    p.set_cpr(Some(&stranger.digits()));
    let (b, jar) = browser();
    let r = b.get(t.url("/borger/login/oidc")).send().await.unwrap();
    assert_eq!(r.url().path(), "/borger/oidc/callback");
    assert!(!r.url().as_str().contains(&stranger.digits()));
    let resp_status = r.status();
    let body = r.text().await.unwrap();
    assert_eq!(resp_status, StatusCode::FORBIDDEN);
    assert!(
        body.contains("Kommunen har ingen plan for dig i Tværs"),
        "{body}"
    );
    assert!(!body.contains(&stranger.digits()) && !body.contains("010100"));
    assert!(cookie(&jar, &t.url("/borger"), "tvaers_borger").is_none());
}

/// No CPR claim, or one that is not a CPR number: refused, no session.
async fn a_missing_or_malformed_cpr_claim_is_refused(t: &Ctx, p: &Provider) {
    for cpr in [None, Some("1234"), Some("3213991234"), Some("not a number")] {
        p.set_cpr(cpr);
        let (b, jar) = browser();
        let r = b.get(t.url("/borger/login/oidc")).send().await.unwrap();
        assert_refused(
            r,
            StatusCode::BAD_GATEWAY,
            "MitID sendte ikke et gyldigt CPR-nummer",
        )
        .await;
        assert!(
            cookie(&jar, &t.url("/borger"), "tvaers_borger").is_none(),
            "{cpr:?}"
        );
    }
}

/// The citizen cancelled at the broker (`?error=access_denied`).
async fn a_provider_error_is_shown_in_danish(t: &Ctx, _p: &Provider) {
    let c = Client::builder().redirect(Policy::none()).build().unwrap();
    let start = c.get(t.url("/borger/login/oidc")).send().await.unwrap();
    let key = set_cookie(&start, "tvaers_mitid").unwrap();
    let to_provider = reqwest::Url::parse(&location(&start)).unwrap();
    let state = to_provider
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let url = format!(
        "{}?error=access_denied&error_description=%3Cscript%3E&state={state}",
        t.url("/borger/oidc/callback")
    );
    let r = callback_with(&url, Some(&key)).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("Log ind med MitID blev afbrudt eller afvist"),
        "{body}"
    );
    assert!(!body.contains("<script>"));
}

// ---------------------------------------------------------------------------
// Without OIDC configured (the default server): no button, no route.

http_suite!(without_oidc_there_is_no_mitid_login);

async fn without_oidc_there_is_no_mitid_login(t: &Ctx) {
    let (_, login) = page(&t.http, t.url("/borger/login")).await;
    assert!(!login.contains("/borger/login/oidc"));
    for path in ["/borger/login/oidc", "/borger/oidc/callback?code=a&state=b"] {
        assert_eq!(page(&t.http, t.url(path)).await.0, StatusCode::NOT_FOUND);
    }
}

/// Logging out of a MitID session ends ours at once and sends the browser on
/// to the broker's logout with the login's ID token as hint, so the broker's
/// single sign-on does not outlive it; a password session just ends.
async fn logout_of_a_mitid_session_ends_the_brokers_session_too(t: &Ctx, p: &Provider) {
    let who = citizen(t, 0).await;
    p.set_cpr(Some(&who.cpr.digits()));
    let (b, jar) = browser();
    let home = b.get(t.url("/borger/login/oidc")).send().await.unwrap();
    assert_eq!(home.url().as_str(), t.url("/borger"));
    let csrf = quoted_after(&home.text().await.unwrap(), r#"name="csrf" value=""#);
    let session = cookie(&jar, &t.url("/borger"), "tvaers_borger").unwrap();
    let hash = tvaers_app::auth::token_hash(&session);
    let issued = p.issued.lock().unwrap().last().cloned().unwrap();
    let stored = t.store.get_portal_session(&hash).await.unwrap().unwrap();
    assert_eq!(stored.id_token.as_deref(), Some(issued.as_str()));

    // A wrong CSRF token logs nobody out.
    let no = Client::builder().redirect(Policy::none()).build().unwrap();
    let resp = no
        .post(t.url("/borger/logout"))
        .header(header::COOKIE, format!("tvaers_borger={session}"))
        .form(&[("csrf", "forkert")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(t.store.get_portal_session(&hash).await.unwrap().is_some());

    let resp = no
        .post(t.url("/borger/logout"))
        .header(header::COOKIE, format!("tvaers_borger={session}"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(set_cookie(&resp, "tvaers_borger").as_deref(), Some(""));
    assert!(
        t.store.get_portal_session(&hash).await.unwrap().is_none(),
        "our session ends at once, whatever the broker does"
    );
    // The page may post to the broker, and only there besides ourselves.
    let csp = resp
        .headers()
        .get(header::CONTENT_SECURITY_POLICY)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains(&format!("form-action 'self' {};", p.issuer)),
        "{csp}"
    );
    let html = resp.text().await.unwrap();
    assert!(html.contains("Du er logget ud"), "{html}");
    assert!(html.contains(r#"<script src="/static/broker-logout.js" defer></script>"#));
    // A form posted to the broker's logout: the token stays out of every URL.
    assert_eq!(
        quoted_after(&html, r#"<form id="broker-logout" method="post" action=""#),
        format!("{}/logout", p.issuer)
    );
    let field = |name: &str| quoted_after(&html, &format!(r#"name="{name}" value=""#));
    assert_eq!(field("id_token_hint"), issued);
    assert_eq!(field("client_id"), CLIENT_ID);
    assert_eq!(
        field("post_logout_redirect_uri")
            .replace("&#x2f;", "/")
            .replace("&#47;", "/"),
        t.url("/borger/login")
    );
    assert_eq!(field("ui_locales"), "da");
    let script = no
        .get(t.url("/static/broker-logout.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), StatusCode::OK);
    assert!(
        script
            .text()
            .await
            .unwrap()
            .contains(r#"getElementById("broker-logout")"#)
    );
    let resp = no
        .get(t.url("/borger"))
        .header(header::COOKIE, format!("tvaers_borger={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        location(&resp),
        "/borger/login",
        "the old cookie opens nothing"
    );

    // A password login has no broker session: straight back to the login page.
    tvaers_app::demo::portal::ensure_portal(&*t.store)
        .await
        .unwrap();
    let pw = t.browser();
    let resp = pw
        .post(t.url("/borger/login"))
        .form(&[("username", "borger"), ("password", "demo")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "password login");
    let (_, html) = page(&pw, t.url("/borger")).await;
    let csrf = quoted_after(&html, r#"name="csrf" value=""#);
    let resp = pw
        .post(t.url("/borger/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/borger/login");
}
