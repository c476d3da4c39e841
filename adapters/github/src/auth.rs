//! Who tengu is on GitHub: a token, or a GitHub App whose installation tokens octocrab caches; tengu asks for
//! one that stays valid for at least five more minutes, so a token never expires in the middle of a refresh.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use octocrab::Octocrab;
use octocrab::models::{AppId, InstallationId};
use secrecy::ExposeSecret;
use tokio::sync::Mutex;

use tengu_core::domain::RepoSlug;
use tengu_core::ports::CodeHostError;

#[derive(Clone)]
pub enum Credentials {
    /// A personal access token or any other bearer token.
    Token(String),
    /// A GitHub App: its id and PEM private key; the installation is looked up per repository when not given.
    App { app_id: u64, private_key_pem: String, installation_id: Option<u64> },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Token(_) => f.write_str("Token(<redacted>)"),
            Self::App { app_id, installation_id, .. } => {
                write!(f, "App {{ app_id: {app_id}, installation_id: {installation_id:?}, private_key: <redacted> }}")
            }
        }
    }
}

/// Installation clients are shared, never cloned: a clone of an octocrab client starts with an empty token cache.
pub(super) enum Signer {
    Token(String),
    App(Box<AppSigner>),
}

pub(super) struct AppSigner {
    pub(super) app: Octocrab,
    fixed: Option<Arc<Octocrab>>,
    by_repo: Mutex<HashMap<RepoSlug, Arc<Octocrab>>>,
}

const TOKEN_MARGIN_MINUTES: i64 = 5;

impl Signer {
    pub(super) fn new(credentials: &Credentials, api_url: &str) -> Result<Self, CodeHostError> {
        match credentials {
            Credentials::Token(token) => Ok(Self::Token(token.clone())),
            Credentials::App { app_id, private_key_pem, installation_id } => {
                let key = jsonwebtoken::EncodingKey::from_rsa_pem(private_key_pem.as_bytes()).map_err(|e| {
                    CodeHostError::Rejected(format!("the GitHub App private key is not a PEM RSA key: {e}"))
                })?;
                let app = Octocrab::builder()
                    .base_uri(api_url)
                    .map_err(|e| CodeHostError::Rejected(format!("the GitHub API URL {api_url} is not valid: {e}")))?
                    .app(AppId(*app_id), key)
                    .build()
                    .map_err(|e| CodeHostError::Rejected(format!("the GitHub client could not be built: {e}")))?;
                let fixed = match installation_id {
                    Some(id) => Some(Arc::new(app.installation(InstallationId(*id)).map_err(unavailable)?)),
                    None => None,
                };
                Ok(Self::App(Box::new(AppSigner { app, fixed, by_repo: Mutex::new(HashMap::new()) })))
            }
        }
    }

    /// The bearer token for calls about `repo`.
    pub(super) async fn token(&self, repo: &RepoSlug) -> Result<String, CodeHostError> {
        let signer = match self {
            Self::Token(token) => return Ok(token.clone()),
            Self::App(signer) => signer,
        };
        let installation = match &signer.fixed {
            Some(installation) => installation.clone(),
            None => {
                let app = &signer.app;
                let mut known = signer.by_repo.lock().await;
                match known.get(repo) {
                    Some(installation) => installation.clone(),
                    None => {
                        let id = find_installation(app, repo).await?;
                        let installation = Arc::new(app.installation(InstallationId(id)).map_err(unavailable)?);
                        known.insert(repo.clone(), installation.clone());
                        installation
                    }
                }
            }
        };
        let token = installation.installation_token_with_buffer(chrono::Duration::minutes(TOKEN_MARGIN_MINUTES)).await;
        match token {
            Ok(token) => Ok(token.expose_secret().to_owned()),
            Err(error) => {
                // A reinstalled App has a new installation id: look it up again next time.
                signer.by_repo.lock().await.remove(repo);
                Err(installation_error(error))
            }
        }
    }
}

async fn find_installation(app: &Octocrab, repo: &RepoSlug) -> Result<u64, CodeHostError> {
    let response = app.apps().get_repository_installation(repo.owner(), repo.name()).await;
    match response {
        Ok(installation) => Ok(installation.id.0),
        Err(octocrab::Error::GitHub { source, .. }) if source.status_code.as_u16() == 404 => {
            Err(CodeHostError::MissingPermission(format!("the GitHub App is not installed on {repo}")))
        }
        Err(e) => Err(installation_error(e)),
    }
}

fn installation_error(e: octocrab::Error) -> CodeHostError {
    match e {
        octocrab::Error::GitHub { source, .. } => match source.status_code.as_u16() {
            401 => CodeHostError::BadCredentials,
            403 | 404 => CodeHostError::MissingPermission(format!(
                "GitHub refused an installation token for the App: {}",
                source.message
            )),
            _ => CodeHostError::Unavailable(format!("GitHub answered {}: {}", source.status_code, source.message)),
        },
        other => unavailable(other),
    }
}

fn unavailable(e: octocrab::Error) -> CodeHostError {
    CodeHostError::Unavailable(e.to_string())
}
