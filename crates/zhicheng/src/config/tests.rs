use super::*;

fn env(vars: &[(&str, &str)]) -> Vec<(String, String)> {
    vars.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A file under the temp directory with a name no other test (or process) uses.
fn temp_file(tag: &str, content: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!(
        "zhicheng-config-{tag}-{}-{n}.toml",
        std::process::id()
    ));
    std::fs::write(&path, content).unwrap();
    path
}

fn load_str(text: &str, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let path = temp_file("load", text);
    let r = Config::load(&path, env(vars));
    std::fs::remove_file(&path).unwrap();
    r
}

fn parse_err(text: &str) -> (usize, usize, Option<String>, String) {
    match Config::from_toml_str(text) {
        Err(ConfigError::Parse {
            line,
            column,
            key,
            message,
        }) => (line, column, key, message),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

fn invalid_key(text: &str) -> String {
    match Config::from_toml_str(text) {
        Err(ConfigError::Invalid { key, .. }) => key,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn empty_file_is_defaults() {
    let cfg = Config::from_toml_str("").unwrap();
    assert_eq!(cfg, Config::default());
    assert_eq!(cfg.server.listen, "127.0.0.1:8080");
    assert_eq!(cfg.server.max_body_bytes, 64 << 20);
    assert_eq!(cfg.log.format, LogFormat::Text);
}

#[test]
fn example_is_defaults() {
    assert_eq!(Config::from_toml_str(example()).unwrap(), Config::default());
}

#[test]
fn example_documents_every_key() {
    for (section, key, _) in KEYS {
        let found = example().lines().any(|l| {
            let l = l.trim_start_matches(['#', ' ']);
            l.starts_with(&format!("{key} ="))
        });
        assert!(found, "example lacks {section}.{key}");
    }
}

#[test]
fn key_table_matches_struct() {
    // Every Option set, so that serialization lists every key.
    let cfg = Config {
        database_url: Some("x".into()),
        database_url_file: Some("x".into()),
        server: ServerConfig {
            public_url: Some("x".into()),
            ..Default::default()
        },
        auth: AuthConfig {
            initial_admin_password: Some("x".into()),
            initial_admin_password_file: Some("x".into()),
            ..Default::default()
        },
        mqtt: MqttConfig {
            url: Some("x".into()),
            username: Some("x".into()),
            password: Some("x".into()),
            password_file: Some("x".into()),
            ..Default::default()
        },
        map: MapConfig {
            tile_url: Some("x".into()),
            tile_attribution: Some("x".into()),
            ..Default::default()
        },
        rules: RulesConfig {
            dir: Some("x".into()),
            ..Default::default()
        },
        open311: Open311Config {
            api_keys_file: Some("x".into()),
        },
        cases: CasesConfig {
            categories_file: Some("x".into()),
            limits_file: Some("x".into()),
            routing_file: Some("x".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let toml::Value::Table(top) = toml::Value::try_from(&cfg).unwrap() else {
        panic!()
    };
    let mut keys = Vec::new();
    for (k, v) in &top {
        match v {
            toml::Value::Table(t) => keys.extend(t.keys().map(|sk| (k.clone(), sk.clone()))),
            _ => keys.push((String::new(), k.clone())),
        }
    }
    let mut table: Vec<(String, String)> = KEYS
        .iter()
        .map(|(s, k, _)| (s.to_string(), k.to_string()))
        .collect();
    keys.sort();
    table.sort();
    assert_eq!(keys, table);
}

#[test]
fn unknown_top_level_key() {
    let (line, column, key, message) = parse_err("data_dir = \"x\"\n\ndata_dri = \"y\"\n");
    assert_eq!((line, column), (3, 1));
    assert_eq!(key.as_deref(), Some("data_dri"));
    assert!(message.contains("unknown key \"data_dri\""), "{message}");
    assert!(message.contains("data_dir, database_url"), "{message}");
}

#[test]
fn unknown_section_key() {
    let text = "data_dir = \"x\"\n\n[server]\n# comment\nlisten = \"127.0.0.1:1\"\n\nlisen = \"0.0.0.0:80\"\n";
    let err = Config::from_toml_str(text).unwrap_err();
    let ConfigError::Parse {
        line, column, key, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!((*line, *column), (7, 1));
    assert_eq!(key.as_deref(), Some("server.lisen"));
    assert_eq!(
        err.render("config.toml"),
        "config.toml:7:1: unknown key \"server.lisen\" (expected one of: listen, public_url, \
         max_body_bytes, shutdown_grace_seconds)"
    );
}

#[test]
fn unknown_section() {
    let (line, _, key, _) = parse_err("[server]\n[servr]\nlisten = \"x\"\n");
    assert_eq!(line, 2);
    assert_eq!(key.as_deref(), Some("servr"));
}

#[test]
fn wrong_type() {
    let (line, column, key, message) =
        parse_err("[ingest]\nbus_capacity = 4\nbatch_max_points = \"many\"\n");
    assert_eq!(line, 3);
    assert_eq!(column, 20);
    assert_eq!(key.as_deref(), Some("ingest.batch_max_points"));
    assert!(
        message.starts_with("ingest.batch_max_points: "),
        "{message}"
    );
}

#[test]
fn bad_enum_variant() {
    let (line, _, key, _) = parse_err("[log]\nformat = \"xml\"\n");
    assert_eq!(line, 2);
    assert_eq!(key.as_deref(), Some("log.format"));
}

#[test]
fn syntax_error_has_line() {
    let (line, _, _, message) = parse_err("[server]\nlisten = \n");
    assert_eq!(line, 2);
    assert!(!message.contains('\n'), "{message}");
}

#[test]
fn env_overrides() {
    let cfg = load_str(
        "[server]\nlisten = \"127.0.0.1:1\"\n",
        &[
            ("ZHICHENG_DATA_DIR", "/var/lib/zhicheng"),
            ("ZHICHENG_SERVER__LISTEN", "0.0.0.0:9000"),
            ("ZHICHENG_INGEST__BATCH_MAX_POINTS", "1000"),
            ("ZHICHENG_AUTH__COOKIE_SECURE", "true"),
            ("ZHICHENG_MQTT__URL", "mqtt://broker:1883?client_id=z"),
            ("ZHICHENG_MQTT__USERNAME", "123"), // a string key keeps digits as text
            ("ZHICHENG_LOG__FORMAT", "json"),
            ("PATH", "/usr/bin"),
        ],
    )
    .unwrap();
    assert_eq!(cfg.data_dir, PathBuf::from("/var/lib/zhicheng"));
    assert_eq!(cfg.server.listen, "0.0.0.0:9000");
    assert_eq!(cfg.ingest.batch_max_points, 1000);
    assert!(cfg.auth.cookie_secure);
    assert_eq!(
        cfg.mqtt.url.as_deref(),
        Some("mqtt://broker:1883?client_id=z")
    );
    assert_eq!(cfg.mqtt.username.as_deref(), Some("123"));
    assert_eq!(cfg.log.format, LogFormat::Json);
    assert_eq!(cfg.ingest.bus_capacity, 256);
}

#[test]
fn env_unknown_key_is_an_error() {
    for (var, hint) in [
        ("ZHICHENG_SERVER__LISEN", "expected one of: listen"),
        ("ZHICHENG_SERVER_LISTEN", "ZHICHENG_SERVER__LISTEN"),
        ("ZHICHENG_NOPE__X", "no configuration key \"nope.x\""),
        ("ZHICHENG_FOO", "top-level keys: data_dir"),
    ] {
        match load_str("", &[(var, "1")]) {
            Err(ConfigError::Env { var: v, message }) => {
                assert_eq!(v, var);
                assert!(message.contains(hint), "{message}");
            }
            other => panic!("{var}: {other:?}"),
        }
    }
}

#[test]
fn env_bad_values_name_the_variable() {
    for (var, value) in [
        ("ZHICHENG_INGEST__BUS_CAPACITY", "lots"),
        ("ZHICHENG_INGEST__BUS_CAPACITY", "-1"),
        ("ZHICHENG_HISTORY__RAW_RETENTION_DAYS", "99999999999"),
        ("ZHICHENG_AUTH__COOKIE_SECURE", "yes"),
        ("ZHICHENG_LOG__FORMAT", "xml"),
    ] {
        match load_str("", &[(var, value)]) {
            Err(ConfigError::Env { var: v, .. }) => assert_eq!(v, var),
            other => panic!("{var}={value}: {other:?}"),
        }
    }
}

#[test]
fn env_foreign_variables_are_ignored() {
    let cfg = load_str(
        "",
        &[
            ("ZHICHENG_ADMIN_PASSWORD", "pw"),
            ("ZHICHENG_TEST_X", "1"),
            ("ZHICHENG_TEST_POSTGRES_URL", "postgres://x"),
            ("ZHICHENG_BENCH_POINTS", "1"),
        ],
    )
    .unwrap();
    assert_eq!(cfg, Config::default());
}

#[test]
fn env_is_validated() {
    match load_str("", &[("ZHICHENG_SERVER__LISTEN", "nowhere")]) {
        Err(ConfigError::Invalid { key, .. }) => assert_eq!(key, "server.listen"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn load_reports_missing_file() {
    let path = std::env::temp_dir().join("zhicheng-config-does-not-exist.toml");
    match Config::load(&path, env(&[])) {
        Err(ConfigError::Io { path: p, .. }) => assert_eq!(p, path),
        other => panic!("{other:?}"),
    }
}

#[test]
fn database_url_default_is_under_data_dir() {
    let cfg = Config::from_toml_str("data_dir = \"/srv/city\"\n").unwrap();
    assert_eq!(
        cfg.database_url().unwrap(),
        "sqlite:///srv/city/zhicheng.db"
    );
    let cfg = Config::from_toml_str("database_url = \"\"\n").unwrap();
    assert_eq!(cfg.database_url().unwrap(), "sqlite://./data/zhicheng.db");
    let cfg = Config::from_toml_str("database_url = \"postgres://u@h/db\"\n").unwrap();
    assert_eq!(cfg.database_url().unwrap(), "postgres://u@h/db");
}

#[test]
fn database_url_file_is_read_and_trimmed() {
    let secret = temp_file("dburl", "  postgres://u:pw@db/zhicheng\n\n");
    let text = format!("database_url_file = {:?}\n", secret.display().to_string());
    let cfg = Config::from_toml_str(&text).unwrap();
    assert_eq!(cfg.database_url().unwrap(), "postgres://u:pw@db/zhicheng");
    std::fs::remove_file(&secret).unwrap();
    assert!(matches!(cfg.database_url(), Err(ConfigError::Io { .. })));
}

#[test]
fn secret_files_for_passwords() {
    let secret = temp_file("pw", "hunter2\n");
    let auth = AuthConfig {
        initial_admin_password_file: Some(secret.clone()),
        ..Default::default()
    };
    let mqtt = MqttConfig {
        password_file: Some(secret.clone()),
        ..Default::default()
    };
    assert_eq!(
        auth.initial_admin_password().unwrap().as_deref(),
        Some("hunter2")
    );
    assert_eq!(mqtt.password().unwrap().as_deref(), Some("hunter2"));
    std::fs::remove_file(&secret).unwrap();
}

#[test]
fn validation_failures() {
    assert_eq!(
        invalid_key("[server]\nlisten = \"localhost\"\n"),
        "server.listen"
    );
    assert_eq!(
        invalid_key("database_url = \"mysql://x\"\n"),
        "database_url"
    );
    assert_eq!(
        invalid_key("database_url = \"sqlite://a.db\"\ndatabase_url_file = \"f\"\n"),
        "database_url"
    );
    assert_eq!(invalid_key("[mqtt]\nurl = \"http://broker\"\n"), "mqtt.url");
    assert_eq!(
        invalid_key("[ingest]\nbus_capacity = 0\n"),
        "ingest.bus_capacity"
    );
    assert_eq!(
        invalid_key("[auth]\nsession_ttl_hours = 721\n"),
        "auth.session_ttl_hours"
    );
    assert_eq!(
        invalid_key("[auth]\nsession_ttl_hours = 0\n"),
        "auth.session_ttl_hours"
    );
    assert_eq!(
        invalid_key("[history]\nraw_retention_days = 0\n"),
        "history.raw_retention_days"
    );
    let err = Config::from_toml_str("[ingest]\nbus_capacity = 0\n").unwrap_err();
    assert_eq!(
        err.render("zhicheng.toml"),
        "zhicheng.toml: invalid \"ingest.bus_capacity\": must be at least 1"
    );
}

#[test]
fn valid_alternatives_pass() {
    let text = "database_url = \"postgresql://u@h/db\"\n[server]\nlisten = \"[::]:80\"\n\
                [mqtt]\nurl = \"tcp://127.0.0.1:1883\"\n[auth]\nsession_ttl_hours = 720\n";
    Config::from_toml_str(text).unwrap();
}

#[test]
fn map_tile_source_is_checked() {
    let ok = Config::from_toml_str(
        "[map]\ntile_url = \"https://t{s}.example.cn/{z}/{x}/{y}.png\"\ntile_subdomains = \"01234567\"\ntile_datum = \"gcj02\"\n",
    )
    .unwrap();
    assert_eq!(ok.map.tile_datum, TileDatum::Gcj02);
    assert_eq!(
        invalid_key("[map]\ntile_url = \"https://tiles.example.cn/{z}/{x}.png\"\n"),
        "map.tile_url"
    );
    assert_eq!(
        invalid_key("[map]\ntile_url = \"ftp://tiles/{z}/{x}/{y}.png\"\n"),
        "map.tile_url"
    );
    assert_eq!(
        invalid_key("[map]\ntile_url = \"/t{s}/{z}/{x}/{y}.png\"\ntile_subdomains = \"\"\n"),
        "map.tile_subdomains"
    );
    assert_eq!(
        invalid_key("[map]\ntile_max_zoom = 30\n"),
        "map.tile_max_zoom"
    );
    assert_eq!(
        invalid_key("[ingest]\noffline_after_seconds = 0\n"),
        "ingest.offline_after_seconds"
    );
    assert!(Config::from_toml_str("[map]\ntile_datum = \"bd09\"\n").is_err());
}
