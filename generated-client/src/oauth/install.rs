//! The authorization page URL that starts an install (Authorization.md,
//! "Get the app's Authorization Page URL").

use reqwest::Url;

/// The install page host of standard apps.
pub const STANDARD_INSTALL_HOST: &str = "https://marketplace.gohighlevel.com";
/// The install page host of white-labelled apps.
pub const WHITE_LABEL_INSTALL_HOST: &str = "https://marketplace.leadconnectorhq.com";

/// The path of the location chooser on either host.
const CHOOSE_LOCATION: &str = "/v2/oauth/chooselocation";

/// Builds the URL to send an Agency or Location admin to, so that they
/// install the app: `response_type=code`, `redirect_uri`, `client_id`,
/// `scope` (space-separated), and optionally `state` and
/// `loginWindowOpenMode=self`. Made by [`OAuthApp::authorization_url`](crate::oauth::OAuthApp::authorization_url).
#[derive(Clone, Debug)]
pub struct AuthorizationUrl {
    host: String,
    client_id: String,
    redirect_uri: String,
    scopes: Vec<String>,
    state: Option<String>,
    same_tab_login: bool,
}

impl AuthorizationUrl {
    pub(crate) fn new(client_id: &str, redirect_uri: &str) -> Self {
        Self {
            host: STANDARD_INSTALL_HOST.to_owned(),
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            scopes: Vec::new(),
            state: None,
            same_tab_login: false,
        }
    }

    /// Adds scopes (`contacts.readonly`, `contacts.write`, ...).
    #[must_use]
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// A value the redirect carries back unchanged, to tie the callback to
    /// the session that started the install (guards against CSRF).
    #[must_use]
    pub fn state(mut self, state: impl Into<String>) -> Self {
        self.state = Some(state.into());
        self
    }

    /// Uses the white-label host, `marketplace.leadconnectorhq.com`.
    #[must_use]
    pub fn white_label(self) -> Self {
        self.host(WHITE_LABEL_INSTALL_HOST)
    }

    /// Uses another host (scheme and host, such as a test server's).
    #[must_use]
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = host.into();
        self
    }

    /// Asks users who are not logged in to log in in the same tab
    /// (`loginWindowOpenMode=self`) instead of a new one.
    #[must_use]
    pub fn login_in_same_tab(mut self) -> Self {
        self.same_tab_login = true;
        self
    }

    /// The URL. Fails only when the host is not a URL.
    pub fn build(&self) -> Result<Url, String> {
        let base = format!("{}{CHOOSE_LOCATION}", self.host.trim_end_matches('/'));
        let mut url =
            Url::parse(&base).map_err(|e| format!("invalid install host `{}`: {e}", self.host))?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("redirect_uri", &self.redirect_uri)
                .append_pair("client_id", &self.client_id)
                .append_pair("scope", &self.scopes.join(" "));
            if let Some(state) = &self.state {
                query.append_pair("state", state);
            }
            if self.same_tab_login {
                query.append_pair("loginWindowOpenMode", "self");
            }
        }
        Ok(url)
    }
}
