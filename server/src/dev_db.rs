//! The embedded default database: without `DATABASE_URL`, Grove runs a private Postgres cluster
//! under its data folder, reachable only through a Unix socket in that folder, created on first
//! run and stopped with the app.

use anyhow::{bail, Context};
use std::{
    path::{Path, PathBuf},
    process::Output,
};
use tokio::process::Command;

const DATABASE: &str = "grove";

/// A private cluster that this process uses (and, if it started it, stops).
#[derive(Debug)]
pub struct EmbeddedPostgres {
    bin: PathBuf,
    data: PathBuf,
    socket_dir: PathBuf,
    as_postgres_user: bool,
    started_here: bool,
}

impl EmbeddedPostgres {
    /// Creates the cluster on first use and starts it unless it already runs.
    pub async fn start(data_dir: &Path, pg_bin: Option<&Path>) -> anyhow::Result<Self> {
        let bin = match pg_bin {
            Some(bin) => bin.to_owned(),
            None => find_postgres_bin()?,
        };
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create data folder {}", data_dir.display()))?;
        let root = std::fs::canonicalize(data_dir)?.join("postgres");
        std::fs::create_dir_all(&root)?;
        let as_postgres_user = running_as_root();
        let mut cluster = Self {
            bin,
            data: root.join("data"),
            socket_dir: socket_dir_for(&root),
            as_postgres_user,
            started_here: false,
        };
        std::fs::create_dir_all(&cluster.socket_dir)?;
        if as_postgres_user {
            cluster.hand_to_postgres_user(&root).await?;
        }
        if !cluster.data.join("PG_VERSION").exists() {
            tracing::info!(folder = %cluster.data.display(), "creating the private Postgres cluster");
            cluster
                .run_pg(
                    "initdb",
                    &[
                        "-D".as_ref(),
                        cluster.data.as_os_str(),
                        "-A".as_ref(),
                        "trust".as_ref(),
                        "-U".as_ref(),
                        "postgres".as_ref(),
                        "-E".as_ref(),
                        "UTF8".as_ref(),
                        "--locale=C".as_ref(),
                    ],
                )
                .await?;
        }
        if cluster.is_running().await {
            tracing::info!("reusing the private Postgres cluster that is already running");
        } else {
            let options = format!(
                "-k {} -c listen_addresses='' -c unix_socket_permissions=0700",
                cluster.socket_dir.display()
            );
            let log = root.join("postgres.log");
            cluster
                .run_pg(
                    "pg_ctl",
                    &[
                        "-D".as_ref(),
                        cluster.data.as_os_str(),
                        "-l".as_ref(),
                        log.as_os_str(),
                        "-w".as_ref(),
                        "-t".as_ref(),
                        "60".as_ref(),
                        "-o".as_ref(),
                        options.as_ref(),
                        "start".as_ref(),
                    ],
                )
                .await
                .with_context(|| format!("Postgres did not start; see {}", log.display()))?;
            cluster.started_here = true;
        }
        Ok(cluster)
    }

    /// Connection URL of the server itself (database `postgres`), for creating Grove's database.
    pub fn admin_url(&self) -> String {
        self.url_for("postgres")
    }

    /// Connection URL of Grove's database.
    pub fn url(&self) -> String {
        self.url_for(DATABASE)
    }

    pub fn database_name(&self) -> &'static str {
        DATABASE
    }

    fn url_for(&self, database: &str) -> String {
        format!(
            "postgres://postgres@localhost/{database}?host={}",
            self.socket_dir.display()
        )
    }

    /// Stops the cluster if this process started it; a cluster another process started keeps
    /// running for that process.
    pub async fn stop(self) {
        if !self.started_here {
            return;
        }
        let result = self
            .run_pg(
                "pg_ctl",
                &[
                    "-D".as_ref(),
                    self.data.as_os_str(),
                    "-m".as_ref(),
                    "fast".as_ref(),
                    "-w".as_ref(),
                    "stop".as_ref(),
                ],
            )
            .await;
        match result {
            Ok(_) => tracing::info!("private Postgres cluster stopped"),
            Err(error) => tracing::warn!(error.cause_chain = ?error, "could not stop Postgres"),
        }
    }

    async fn is_running(&self) -> bool {
        self.run_pg(
            "pg_ctl",
            &["-D".as_ref(), self.data.as_os_str(), "status".as_ref()],
        )
        .await
        .is_ok()
    }

    /// Postgres refuses to run as root, so as root the cluster belongs to the `postgres` user.
    async fn hand_to_postgres_user(&self, root: &Path) -> anyhow::Result<()> {
        let chown = Command::new("chown")
            .arg("-R")
            .arg("postgres:postgres")
            .arg(root)
            .arg(&self.socket_dir)
            .output()
            .await
            .context("cannot run chown")?;
        ensure_success("chown", &chown).context(
            "running as root needs a 'postgres' system user (it comes with the postgresql package)",
        )?;
        let reachable = Command::new("runuser")
            .args(["-u", "postgres", "--", "test", "-w"])
            .arg(root)
            .status()
            .await?;
        if !reachable.success() {
            bail!(
                "the postgres user cannot reach {}: run Grove as a normal user, or set \
                 GROVE_DATA_DIR to a folder the postgres user can enter (e.g. under /var/lib)",
                root.display()
            );
        }
        Ok(())
    }

    async fn run_pg(&self, program: &str, args: &[&std::ffi::OsStr]) -> anyhow::Result<Output> {
        let program_path = self.bin.join(program);
        let mut command = if self.as_postgres_user {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&program_path);
            command
        } else {
            Command::new(&program_path)
        };
        let output = command
            .args(args)
            // pg_ctl's server inherits our stdio otherwise and would hold the terminal's pipes
            .stdin(std::process::Stdio::null())
            .output()
            .await
            .with_context(|| format!("cannot run {}", program_path.display()))?;
        ensure_success(program, &output)?;
        Ok(output)
    }
}

fn ensure_success(program: &str, output: &Output) -> anyhow::Result<()> {
    if output.status.success() {
        return Ok(());
    }
    bail!(
        "{program} failed ({}): {}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout).trim(),
        String::from_utf8_lossy(&output.stderr).trim()
    )
}

/// The newest `/usr/lib/postgresql/<version>/bin`, or the folder of `pg_ctl` on PATH.
fn find_postgres_bin() -> anyhow::Result<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .find(|dir| dir.join("initdb").exists() && dir.join("pg_ctl").exists())
    });
    on_path.context(
        "no Postgres server programs found: install PostgreSQL (Debian: apt-get install postgresql), \
         set GROVE_PG_BIN to the folder holding initdb and pg_ctl, or set DATABASE_URL",
    )
}

/// Unix socket paths are limited to about 100 bytes; deep data folders use a short folder in /tmp.
fn socket_dir_for(root: &Path) -> PathBuf {
    engine::database::embedded_socket_dir(root)
}

fn running_as_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_data_folders_hold_their_own_socket() {
        let root = Path::new("/srv/grove/data/postgres");
        assert_eq!(socket_dir_for(root), root);
    }

    #[test]
    fn deep_data_folders_get_a_short_socket_folder() {
        let deep = PathBuf::from(format!("/srv/{}/postgres", "x".repeat(120)));
        let socket = socket_dir_for(&deep);
        assert!(socket.as_os_str().len() < 60);
        assert_eq!(socket, socket_dir_for(&deep), "the same folder each time");
    }
}
