//! `zhicheng`: the smart-city operations platform for a county, in one binary.
//!
//! Commands: `demo` (a simulated county, live, in the browser), `serve --config FILE`,
//! `migrate`, `check-config`, `import`, `user`, `report scorecard|acceptance`, `bench ingest`.

mod app;
mod bench;
mod config;
mod demo;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use zhicheng_engine::import::{Format, Target};
use zhicheng_engine::report::ReportFormat;
use zhicheng_model::{Actor, Role};

use crate::config::Config;

#[derive(Parser)]
#[command(
    name = "zhicheng",
    version,
    about = "智城 — smart-city operations platform for a county"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a simulated county (Yiyuan 沂源县) live: seed, serve, and simulate its devices.
    Demo(demo::DemoArgs),
    /// Serve with a configuration file.
    Serve {
        /// Configuration file (TOML); without it, defaults and ZHICHENG_… variables.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Apply database migrations and print the schema state.
    Migrate {
        /// Configuration file.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Print the annotated example configuration (every key with its default).
    ConfigExample,
    /// Check a configuration file; print what is wrong with line and key.
    CheckConfig {
        /// Configuration file.
        #[arg(long, short)]
        config: PathBuf,
    },
    /// Import entities, regions or grids from GeoJSON or CSV into the configured store.
    Import {
        /// Configuration file.
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// What the file holds.
        #[arg(value_parser = ["entities", "regions", "grids"])]
        target: String,
        /// The file (.geojson/.json or .csv).
        file: PathBuf,
        /// Check every row, store nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Manage users.
    User {
        /// Configuration file (before or after the subcommand).
        #[arg(long, short, global = true)]
        config: Option<PathBuf>,
        #[command(subcommand)]
        cmd: UserCmd,
    },
    /// The MQTT gateway's broker sessions.
    Mqtt {
        /// Configuration file (before or after the subcommand).
        #[arg(long, short, global = true)]
        config: Option<PathBuf>,
        #[command(subcommand)]
        cmd: MqttCmd,
    },
    /// Reports written to a file.
    Report {
        /// Configuration file (before or after the subcommand).
        #[arg(long, short, global = true)]
        config: Option<PathBuf>,
        #[command(subcommand)]
        cmd: ReportCmd,
    },
    /// Benchmarks that print figures.
    Bench {
        #[command(subcommand)]
        cmd: bench::BenchCmd,
    },
}

#[derive(Subcommand)]
enum MqttCmd {
    /// Remove the gateway's persistent sessions (all `connections` of `mqtt.url`) from the
    /// broker, which otherwise keeps queueing messages for them. Run it with the server stopped,
    /// for a node being retired or a `connections` setting being changed (with the old value).
    ForgetSessions,
}

#[derive(Subcommand)]
enum ReportCmd {
    /// The monthly or quarterly scorecard report (a closed month from its snapshot,
    /// byte-identical).
    Scorecard {
        /// The month, YYYY-MM (UTC+8), or a quarter, YYYY-Qn.
        #[arg(long)]
        period: String,
        /// Star level.
        #[arg(long, default_value_t = zhicheng_engine::scorecard::DEFAULT_STAR)]
        star: u8,
        /// Output format.
        #[arg(long, value_parser = ["xlsx", "html"])]
        format: String,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
    /// The self-assessment report of the mid-term check or the final acceptance.
    Acceptance {
        /// Which milestone.
        #[arg(long, value_parser = ["midterm", "final"])]
        milestone: String,
        /// Star level.
        #[arg(long, default_value_t = zhicheng_engine::scorecard::DEFAULT_STAR)]
        star: u8,
        /// Output format.
        #[arg(long, value_parser = ["xlsx", "html"])]
        format: String,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserCmd {
    /// Create or update a user; the password comes from ZHICHENG_USER_PASSWORD or stdin.
    Add {
        /// Login name.
        username: String,
        /// Role: admin, operator, department, viewer.
        #[arg(long)]
        role: String,
        /// Department (for the department role).
        #[arg(long)]
        department: Option<String>,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
    },
    /// List users.
    List,
}

fn load_config(path: Option<&Path>) -> anyhow::Result<Config> {
    let env = std::env::vars().filter(|(k, _)| k != "ZHICHENG_USER_PASSWORD");
    match path {
        Some(p) => {
            Config::load(p, env).map_err(|e| anyhow::anyhow!(e.render(&p.display().to_string())))
        }
        None => {
            let tmp =
                std::env::temp_dir().join(format!("zhicheng-empty-{}.toml", std::process::id()));
            std::fs::write(&tmp, "")?;
            let r = Config::load(&tmp, env).map_err(|e| anyhow::anyhow!(e.render("environment")));
            let _ = std::fs::remove_file(&tmp);
            r
        }
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    rt.block_on(run(cli))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.cmd {
        Cmd::Demo(args) => demo::run(args).await,
        Cmd::Serve { config } => {
            let cfg = load_config(config.as_deref())?;
            app::init_logging(&cfg);
            let app = app::App::start(&cfg).await?;
            app.run_until_signal().await
        }
        Cmd::Migrate { config } => {
            let cfg = load_config(config.as_deref())?;
            let store = app::open_store(&cfg).await?;
            let st = store.migrate().await?;
            println!(
                "migrations applied: {:?}; pending: {:?}",
                st.applied, st.pending
            );
            store.close().await;
            Ok(())
        }
        Cmd::ConfigExample => {
            print!("{}", config::example());
            Ok(())
        }
        Cmd::CheckConfig { config } => match Config::load(&config, std::env::vars()) {
            Ok(cfg) => {
                println!(
                    "{}: ok (database: {})",
                    config.display(),
                    app::redact(&cfg.database_url().unwrap_or_default())
                );
                Ok(())
            }
            Err(e) => {
                eprintln!("{}", e.render(&config.display().to_string()));
                if let config::ConfigError::Parse {
                    key: Some(k), line, ..
                } = &e
                {
                    eprintln!("  key: {k} (line {line})");
                }
                std::process::exit(2);
            }
        },
        Cmd::Import {
            config,
            target,
            file,
            dry_run,
        } => {
            let cfg = load_config(config.as_deref())?;
            let engine = app::open_engine(&cfg).await?;
            let body =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let format = Format::guess(&file.display().to_string())
                .context("the file must end in .geojson, .json or .csv")?;
            let target = match target.as_str() {
                "entities" => Target::Entities,
                "regions" => Target::Regions,
                _ => Target::Grids,
            };
            let report = engine
                .import(&Actor::system(), target, format, &body, dry_run)
                .await;
            engine.shutdown().await;
            let report = report?;
            for e in &report.errors {
                eprintln!(
                    "row {}{}: {}",
                    e.row,
                    e.id.as_deref()
                        .map(|i| format!(" ({i})"))
                        .unwrap_or_default(),
                    e.error
                );
            }
            println!(
                "{} {} rows, {} refused",
                if dry_run { "checked" } else { "imported" },
                report.imported,
                report.errors.len()
            );
            if !report.errors.is_empty() {
                std::process::exit(1);
            }
            Ok(())
        }
        Cmd::User { config, cmd } => {
            let cfg = load_config(config.as_deref())?;
            let engine = app::open_engine(&cfg).await?;
            let r = user_cmd(&engine, cmd).await;
            engine.shutdown().await;
            r
        }
        Cmd::Mqtt {
            config,
            cmd: MqttCmd::ForgetSessions,
        } => {
            let cfg = load_config(config.as_deref())?;
            let mcfg = app::mqtt_config(&cfg)?.context("mqtt.url is not set")?;
            zhicheng_gateway::mqtt::forget_sessions(&mcfg)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("removed the MQTT sessions of {}", app::redact(&mcfg.url));
            Ok(())
        }
        Cmd::Report { config, cmd } => {
            let cfg = load_config(config.as_deref())?;
            let engine = app::open_engine(&cfg).await?;
            let fmt = |f: &str| match f {
                "xlsx" => ReportFormat::Xlsx,
                _ => ReportFormat::Html,
            };
            let (r, out) = match cmd {
                ReportCmd::Scorecard {
                    period,
                    star,
                    format,
                    out,
                } => (
                    engine
                        .scorecard_report(&Actor::system(), Some(&period), star, fmt(&format))
                        .await,
                    out,
                ),
                ReportCmd::Acceptance {
                    milestone,
                    star,
                    format,
                    out,
                } => {
                    let kind = zhicheng_engine::trend::MilestoneKind::parse(&milestone)
                        .context("milestone must be midterm or final")?;
                    (
                        engine
                            .acceptance_report(&Actor::system(), kind, star, fmt(&format))
                            .await,
                        out,
                    )
                }
            };
            engine.shutdown().await;
            let r = r?;
            std::fs::write(&out, &r.bytes).with_context(|| format!("writing {}", out.display()))?;
            println!("wrote {} ({} bytes)", out.display(), r.bytes.len());
            Ok(())
        }
        Cmd::Bench { cmd } => bench::run(cmd).await,
    }
}

async fn user_cmd(engine: &zhicheng_engine::Engine, cmd: UserCmd) -> anyhow::Result<()> {
    match cmd {
        UserCmd::Add {
            username,
            role,
            department,
            name,
        } => {
            let role =
                Role::parse(&role).context("role must be admin, operator, department or viewer")?;
            let password = match std::env::var("ZHICHENG_USER_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    eprintln!("password (one line on stdin):");
                    let mut s = String::new();
                    std::io::stdin().read_line(&mut s)?;
                    s.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            if password.is_empty() {
                bail!("empty password");
            }
            let u = engine
                .put_user_unchecked(
                    "cli",
                    zhicheng_engine::auth::UserInput {
                        username,
                        display_name: name,
                        role,
                        department,
                        password: Some(password),
                        disabled: false,
                    },
                )
                .await?;
            println!("user {} ({})", u.username, u.role.as_str());
            Ok(())
        }
        UserCmd::List => {
            for u in engine.users(&Actor::system()).await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    u.username,
                    u.role.as_str(),
                    u.department.unwrap_or_default(),
                    u.display_name
                );
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_scorecard_arguments() {
        let cli = Cli::try_parse_from([
            "zhicheng",
            "report",
            "scorecard",
            "--config",
            "z.toml",
            "--period",
            "2026-10",
            "--format",
            "xlsx",
            "--out",
            "r.xlsx",
        ])
        .unwrap();
        match cli.cmd {
            Cmd::Report {
                config,
                cmd:
                    ReportCmd::Scorecard {
                        period,
                        star,
                        format,
                        out,
                    },
            } => {
                assert_eq!(config, Some(PathBuf::from("z.toml")));
                assert_eq!(
                    (period.as_str(), star, format.as_str()),
                    ("2026-10", 4, "xlsx")
                );
                assert_eq!(out, PathBuf::from("r.xlsx"));
            }
            _ => panic!("not the report command"),
        }
        assert!(Cli::try_parse_from([
            "zhicheng",
            "report",
            "scorecard",
            "--period",
            "2026-10",
            "--format",
            "pdf",
            "--out",
            "r.pdf",
        ])
        .is_err());
    }
}
