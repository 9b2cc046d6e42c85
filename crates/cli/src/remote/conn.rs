//! Where the client commands connect: flags, then environment, then a profile file.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use jiff::tz::TimeZone;
use marcador_client::{Client, DEFAULT_TIME_ZONE, Endpoint};
use serde::Deserialize;

/// Connection settings shared by report, export, codify and watch.
#[derive(clap::Args, Debug, Clone, Default)]
#[command(next_help_heading = "Connection (flags, then environment, then profile file)")]
pub struct Connection {
    /// Base URL of a Marcador server (or anything speaking Wolkvox API v2)
    /// [env: MARCADOR_URL]
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Wolkvox server number: 0016 is https://wv0016.wolkvox.com [env: WOLKVOX_SERVER]
    #[arg(long, value_name = "NUMBER")]
    pub server: Option<String>,
    /// API token, sent as wolkvox-token [env: WOLKVOX_TOKEN]
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Profile of the profile file to use [env: MARCADOR_PROFILE] [default: default]
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Profile file [env: MARCADOR_PROFILES]
    /// [default: $XDG_CONFIG_HOME/marcador/profiles.toml, else ~/.config/marcador/profiles.toml]
    #[arg(long, value_name = "FILE")]
    pub profiles: Option<PathBuf>,
    /// The operation's IANA time zone: "today", and when the daily quota
    /// resets [env: MARCADOR_TIME_ZONE] [default: America/Bogota]
    #[arg(long, value_name = "ZONE")]
    pub time_zone: Option<String>,
}

/// One profile of the profile file:
///
/// ```toml
/// [default]
/// url = "http://127.0.0.1:8080"
/// token = "5f1c0d2e9a7b4c3d8e6f"
///
/// [acme]
/// server = "0016"
/// token = "…"
/// time_zone = "America/Bogota"
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub url: Option<String>,
    pub server: Option<String>,
    pub token: Option<String>,
    pub time_zone: Option<String>,
}

/// The settings, resolved.
pub struct Resolved {
    pub endpoint: Endpoint,
    pub token: String,
    pub tz: TimeZone,
}

impl Resolved {
    pub fn is_wolkvox(&self) -> bool {
        matches!(self.endpoint, Endpoint::Wolkvox { .. })
    }

    pub fn client(&self) -> Result<Client> {
        Ok(Client::builder(self.endpoint.clone(), self.token.clone())
            .time_zone(self.tz.clone())
            .build()?)
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn default_profiles_file() -> Option<PathBuf> {
    let base = env("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("marcador").join("profiles.toml"))
}

impl Connection {
    /// Flags first, then `MARCADOR_URL`/`WOLKVOX_SERVER`/`WOLKVOX_TOKEN`/…,
    /// then the profile. The endpoint comes from the first layer that names
    /// one; a layer naming both a URL and a Wolkvox server is an error.
    pub fn resolve(&self) -> Result<Resolved> {
        let flags = Profile {
            url: self.url.clone(),
            server: self.server.clone(),
            token: self.token.clone(),
            time_zone: self.time_zone.clone(),
        };
        let environment = Profile {
            url: env("MARCADOR_URL"),
            server: env("WOLKVOX_SERVER"),
            token: env("WOLKVOX_TOKEN"),
            time_zone: env("MARCADOR_TIME_ZONE"),
        };
        let (profile, file) = self.profile()?;
        let layers = [
            ("flags", &flags),
            ("environment", &environment),
            ("profile", &profile),
        ];
        let mut endpoint = None;
        for (name, l) in layers {
            match (&l.url, &l.server) {
                (Some(_), Some(_)) => bail!(
                    "the {name} name both a URL and a Wolkvox server: keep one (--url for Marcador, --server for Wolkvox)"
                ),
                (Some(u), None) => endpoint = Some(Endpoint::Url(u.clone())),
                (None, Some(s)) => endpoint = Some(Endpoint::Wolkvox { server: s.clone() }),
                (None, None) => continue,
            }
            break;
        }
        let where_from = match &file {
            Some(f) => format!(", or add it to a profile in {}", f.display()),
            None => String::new(),
        };
        let Some(endpoint) = endpoint else {
            bail!(
                "no server to talk to: pass --url http://host:port (Marcador) or --server 0016 (Wolkvox), \
                 or set MARCADOR_URL / WOLKVOX_SERVER{where_from}"
            );
        };
        let Some(token) = layers.iter().find_map(|(_, l)| l.token.clone()) else {
            bail!("no token: pass --token or set WOLKVOX_TOKEN{where_from}");
        };
        let zone = layers
            .iter()
            .find_map(|(_, l)| l.time_zone.clone())
            .unwrap_or_else(|| DEFAULT_TIME_ZONE.to_owned());
        let tz = TimeZone::get(&zone)
            .with_context(|| format!("{zone:?} is not an IANA time zone such as America/Bogota"))?;
        endpoint.base_url()?;
        Ok(Resolved {
            endpoint,
            token,
            tz,
        })
    }

    /// The selected profile (empty when there is no file and none was asked
    /// for) and the file it was looked up in.
    fn profile(&self) -> Result<(Profile, Option<PathBuf>)> {
        let asked = self.profile.clone().or_else(|| env("MARCADOR_PROFILE"));
        let file = self
            .profiles
            .clone()
            .or_else(|| env("MARCADOR_PROFILES").map(PathBuf::from))
            .or_else(default_profiles_file);
        let Some(path) = file else {
            if let Some(name) = asked {
                bail!(
                    "profile {name:?} asked for, but there is no profile file (pass --profiles FILE)"
                );
            }
            return Ok((Profile::default(), None));
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && asked.is_none() => {
                return Ok((Profile::default(), Some(path)));
            }
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        let mut all: BTreeMap<String, Profile> =
            toml::from_str(&text).with_context(|| format!("reading {}", path.display()))?;
        let name = asked.clone().unwrap_or_else(|| "default".to_owned());
        match all.remove(&name) {
            Some(p) => Ok((p, Some(path))),
            None if asked.is_none() => Ok((Profile::default(), Some(path))),
            None => bail!(
                "{} has no profile {name:?} (it has: {})",
                path.display(),
                all.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        }
    }
}
