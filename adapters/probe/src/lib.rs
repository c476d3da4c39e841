//! A verification's HTTP check as a real GET over reqwest: the status and the start of the body (64 KiB), within
//! the check's timeout. Redirects are not followed (a check names the URL it means), and nothing is cached.

use async_trait::async_trait;
use tengu_core::domain::{CheckUrl, ProbeAnswer};
use tengu_core::ports::{Probe, ProbeError};

/// How much of an answer's body is read (a JSON pointer looks into it).
const LONGEST_BODY: usize = 64 * 1024;

pub struct HttpProbe {
    http: reqwest::Client,
}

impl HttpProbe {
    pub fn new() -> Result<Self, ProbeError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("tengu-verification")
            .build()
            .map_err(|e| ProbeError(format!("the HTTP client could not be made: {e}")))?;
        Ok(Self { http })
    }
}

#[async_trait]
impl Probe for HttpProbe {
    async fn get(&self, url: &CheckUrl, timeout: std::time::Duration) -> Result<ProbeAnswer, ProbeError> {
        let asked = self.http.get(url.as_str()).timeout(timeout).send();
        let mut response = asked.await.map_err(|e| ProbeError(sentence(&e, timeout)))?;
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while body.len() < LONGEST_BODY {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(e) => return Err(ProbeError(sentence(&e, timeout))),
            }
        }
        body.truncate(LONGEST_BODY);
        Ok(ProbeAnswer { status, body: String::from_utf8_lossy(&body).into_owned() })
    }
}

/// What a check's results say when nothing answered.
fn sentence(error: &reqwest::Error, timeout: std::time::Duration) -> String {
    if error.is_timeout() {
        format!("no answer within {} s", timeout.as_secs())
    } else if error.is_connect() {
        "the connection was refused or could not be made".to_owned()
    } else {
        format!("the request failed: {error}")
    }
}
