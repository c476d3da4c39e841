//! Chat people linked to GitHub logins, and the one-time codes that link them.

use chrono::{DateTime, Utc};

use super::SqlStore;
use super::connect::on_pool;
use super::rows::{self, millis, query_error};
use crate::retrying::{reading, writing};
use tengu_core::chat::ChatPerson;
use tengu_core::domain::Login;
use tengu_core::ports::StoreError;
use tengu_core::ports::{Topic, Topics};

impl SqlStore {
    pub(super) async fn save_chat_link_code_row(
        &self,
        code_hash: &str,
        person: &ChatPerson,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let described = serde_json::to_string(person).map_err(|e| StoreError::Corrupt(format!("chat person: {e}")))?;
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO chat_link_codes (code_hash, chat_user, expires_at, person) VALUES ($1, $2, $3, $4)",
            )
            .bind(code_hash.to_owned())
            .bind(person.user_id.clone())
            .bind(millis(expires_at))
            .bind(described.clone())
            .execute(pool)
            .await
            .map_err(query_error)?;
            Ok(())
        })
    }

    /// The code's chat person while it is valid: once (`take`: the code is gone after, and so are the expired
    /// ones), or leaving it for later.
    pub(super) async fn chat_link_code_row(
        &self,
        code_hash: &str,
        now: DateTime<Utc>,
        take: bool,
    ) -> Result<Option<ChatPerson>, StoreError> {
        let row = on_pool!(self, |pool| {
            if take {
                sqlx::query("DELETE FROM chat_link_codes WHERE expires_at < $1")
                    .bind(millis(now))
                    .execute(pool)
                    .await
                    .map_err(query_error)?;
            }
            let statement = if take {
                "DELETE FROM chat_link_codes WHERE code_hash = $1 AND expires_at >= $2 RETURNING chat_user, person"
            } else {
                "SELECT chat_user, person FROM chat_link_codes WHERE code_hash = $1 AND expires_at >= $2"
            };
            let row = sqlx::query(statement)
                .bind(code_hash.to_owned())
                .bind(millis(now))
                .fetch_optional(pool)
                .await
                .map_err(query_error)?;
            match row {
                Some(row) => {
                    Ok::<_, StoreError>(Some((rows::text(&row, "chat_user")?, rows::optional_text(&row, "person")?)))
                }
                None => Ok(None),
            }
        })?;
        Ok(row.map(|(user_id, person)| {
            person.and_then(|json| serde_json::from_str::<ChatPerson>(&json).ok()).unwrap_or(ChatPerson {
                user_id,
                user_name: String::new(),
                team_id: String::new(),
                team_domain: String::new(),
                response_url: None,
            })
        }))
    }

    /// A chat person linked to another login stays theirs (checked in the statement itself, so two links
    /// completed at once cannot both win).
    pub(super) async fn save_chat_link_row(
        &self,
        chat_user: &str,
        login: &Login,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        on_pool!(self, |pool| {
            let done = sqlx::query(
                "INSERT INTO chat_links (chat_user, login, linked_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (chat_user) DO UPDATE SET linked_at = excluded.linked_at \
                 WHERE chat_links.login = excluded.login",
            )
            .bind(chat_user.to_owned())
            .bind(login.to_string())
            .bind(millis(at))
            .execute(pool)
            .await
            .map_err(query_error)?;
            Ok(done.rows_affected() == 1)
        })
    }

    pub(super) async fn chat_login_row(&self, chat_user: &str) -> Result<Option<Login>, StoreError> {
        on_pool!(self, |pool| {
            let row = sqlx::query("SELECT login FROM chat_links WHERE chat_user = $1")
                .bind(chat_user.to_owned())
                .fetch_optional(pool)
                .await
                .map_err(query_error)?;
            row.as_ref()
                .map(|row| {
                    Login::parse(rows::text(row, "login")?).map_err(|e| StoreError::Corrupt(format!("login: {e}")))
                })
                .transpose()
        })
    }

    pub(super) async fn chat_user_of_row(&self, login: &Login) -> Result<Option<String>, StoreError> {
        on_pool!(self, |pool| {
            let row = sqlx::query("SELECT chat_user FROM chat_links WHERE login = $1 ORDER BY linked_at DESC LIMIT 1")
                .bind(login.to_string())
                .fetch_optional(pool)
                .await
                .map_err(query_error)?;
            row.as_ref().map(|row| rows::text(row, "chat_user")).transpose()
        })
    }
}

#[async_trait::async_trait]
impl tengu_core::ports::ChatLinkStore for SqlStore {
    async fn save_chat_link_code(
        &self,
        code_hash: &str,
        person: &ChatPerson,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        writing!(self, Topics::NONE => self.save_chat_link_code_row(code_hash, person, expires_at).await)
    }
    async fn peek_chat_link_code(&self, code_hash: &str, now: DateTime<Utc>) -> Result<Option<ChatPerson>, StoreError> {
        reading!(self.chat_link_code_row(code_hash, now, false).await)
    }
    async fn take_chat_link_code(&self, code_hash: &str, now: DateTime<Utc>) -> Result<Option<ChatPerson>, StoreError> {
        writing!(self, Topics::NONE => self.chat_link_code_row(code_hash, now, true).await)
    }
    async fn save_chat_link(&self, chat_user: &str, login: &Login, at: DateTime<Utc>) -> Result<bool, StoreError> {
        writing!(self, Topic::ChatLinks => self.save_chat_link_row(chat_user, login, at).await)
    }
    async fn chat_login(&self, chat_user: &str) -> Result<Option<Login>, StoreError> {
        reading!(self.chat_login_row(chat_user).await)
    }
    async fn chat_user_of(&self, login: &Login) -> Result<Option<String>, StoreError> {
        reading!(self.chat_user_of_row(login).await)
    }
}
