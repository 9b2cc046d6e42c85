//! Configuration: defaults, then a TOML file, then `MARCADOR_*` environment
//! variables (`__` separates sections), then command-line flags.

use std::path::Path;
use std::time::Duration;

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use marcador_wire::limits;
use serde::{Deserialize, Serialize};

/// The `MARCADOR_*` variables read as settings: `MARCADOR_LISTEN`, `MARCADOR_DB`,
/// `MARCADOR_READER_CONNECTIONS`, `MARCADOR_LIMITS__*` and `MARCADOR_HTTP__*`. Other `MARCADOR_*`
/// variables belong to the command line or to the tests (`MARCADOR_TOKEN`,
/// `MARCADOR_TEST_PG_URL`…) and are left alone.
fn is_server_setting(key: &str) -> bool {
    const TOP: &[&str] = &["listen", "db", "reader_connections"];
    let key = key.to_ascii_lowercase();
    TOP.contains(&key.as_str()) || key.starts_with("limits__") || key.starts_with("http__")
}

/// The file read when `--config` is not given (absent is fine).
pub const DEFAULT_CONFIG_FILE: &str = "marcador.toml";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address the HTTP API listens on.
    pub listen: String,
    /// The database: a SQLite file (created if missing), or a PostgreSQL URL
    /// (`postgres://user@host:5432/name`, the database must exist).
    pub db: String,
    /// Connections in the read pool (on SQLite writes always go through one connection).
    pub reader_connections: u32,
    pub limits: Limits,
    pub http: Http,
}

/// How connections are kept: the defaults suit a deployment behind a load
/// balancer (see `marcador.example.toml` for why each is what it is).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Http {
    /// A request's head (request line and headers) must arrive within this
    /// time of its first byte, and a new connection's first head within this
    /// time of the connection; otherwise the connection is closed.
    pub head_timeout_ms: u64,
    /// A keep-alive connection with no request in flight for this long is closed.
    pub idle_timeout_ms: u64,
    /// Open connections at most; a connection past it is answered 503 in the
    /// envelope and closed (lowered to what the open-files limit allows).
    pub max_connections: usize,
}

impl Default for Http {
    fn default() -> Self {
        Http {
            head_timeout_ms: 10_000,
            idle_timeout_ms: 75_000,
            max_connections: 10_000,
        }
    }
}

impl Http {
    pub fn head_timeout(&self) -> Duration {
        Duration::from_millis(self.head_timeout_ms)
    }
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_millis(self.idle_timeout_ms)
    }
}

/// The API limits. Defaults are the contract's; lower them only to test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    pub max_records_per_answer: u64,
    pub max_answer_bytes: u64,
    pub deadline_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".to_owned(),
            db: "marcador.db".to_owned(),
            reader_connections: 4,
            limits: Limits::default(),
            http: Http::default(),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_records_per_answer: limits::MAX_RECORDS_PER_ANSWER,
            max_answer_bytes: limits::MAX_ANSWER_BYTES,
            deadline_ms: limits::REQUEST_DEADLINE.as_millis() as u64,
        }
    }
}

impl Limits {
    pub fn deadline(&self) -> Duration {
        Duration::from_millis(self.deadline_ms)
    }
}

impl Config {
    /// Defaults ← `path` (or `marcador.toml` if present) ← `MARCADOR_*` variables.
    /// A `--config` file that does not exist is an error; the default one may be absent.
    pub fn load(path: Option<&Path>) -> Result<Config, Box<figment::Error>> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match path {
            Some(p) if !p.exists() => {
                return Err(Box::new(figment::Error::from(format!(
                    "config file {} does not exist",
                    p.display()
                ))));
            }
            Some(p) => fig = fig.merge(Toml::file(p)),
            None => fig = fig.merge(Toml::file(DEFAULT_CONFIG_FILE)),
        }
        fig.merge(
            Env::prefixed("MARCADOR_")
                .filter(|k| is_server_setting(k.as_str()))
                .split("__"),
        )
        .extract()
        .map_err(Box::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_file_says_the_defaults() {
        let example = include_str!("../../../marcador.example.toml");
        let c: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::string(example))
            .extract()
            .unwrap();
        assert_eq!(c, Config::default());
        // Every setting is in it, not just left to its default.
        let keys: toml::Table = toml::from_str(example).unwrap();
        assert_eq!(keys.len(), 5, "{keys:?}");
        assert_eq!(keys["limits"].as_table().map(|t| t.len()), Some(3));
        assert_eq!(keys["http"].as_table().map(|t| t.len()), Some(3));
    }

    // Every test that reads the environment runs in a `figment::Jail`: the jails
    // run one at a time, so one test's variables never leak into another's.
    #[test]
    // The closure's `figment::Result` is the signature `Jail` asks for.
    #[allow(clippy::result_large_err)]
    fn a_file_overrides_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "m.toml",
                "listen = \"0.0.0.0:9000\"\n[limits]\ndeadline_ms = 5000\n",
            )?;
            let file = Path::new("m.toml");
            let c = Config::load(Some(file)).map_err(|e| e.to_string())?;
            assert_eq!(c.listen, "0.0.0.0:9000");
            assert_eq!(c.limits.deadline_ms, 5000);
            assert_eq!(c.limits.max_records_per_answer, 60_000);
            assert_eq!(c.db, "marcador.db");
            assert!(Config::load(Some(Path::new("missing.toml"))).is_err());
            jail.create_file("m.toml", "lisen = \"typo\"\n")?;
            assert!(
                Config::load(Some(file)).is_err(),
                "unknown keys are refused"
            );
            Ok(())
        });
    }

    #[test]
    // The closure's `figment::Result` is the signature `Jail` asks for.
    #[allow(clippy::result_large_err)]
    fn only_settings_are_read_from_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("MARCADOR_DB", "postgres://postgres@127.0.0.1/x");
            jail.set_env("MARCADOR_LIMITS__DEADLINE_MS", "7000");
            jail.set_env("MARCADOR_HTTP__IDLE_TIMEOUT_MS", "5000");
            // Variables of the command line and of the tests are not settings.
            for k in [
                "TEST_PG_URL",
                "TOKEN",
                "URL",
                "PROFILE",
                "SETUP",
                "DEMO_TOKEN",
            ] {
                jail.set_env(format!("MARCADOR_{k}"), "x");
            }
            let c = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(c.db, "postgres://postgres@127.0.0.1/x");
            assert_eq!(c.limits.deadline_ms, 7000);
            assert_eq!(c.http.idle_timeout_ms, 5000);
            assert_eq!(c.http.max_connections, 10_000);
            jail.set_env("MARCADOR_LIMITS__DEADLINE", "1");
            assert!(Config::load(None).is_err(), "a misspelt limit is refused");
            Ok(())
        });
    }
}
