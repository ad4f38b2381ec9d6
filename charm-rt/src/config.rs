//! Job configuration from the command line (`+p4`, `++quiet`) and the environment.

/// How a job runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Number of PEs (threads on the multicore layer).
    pub pes: usize,
    /// No startup banner or warnings.
    pub quiet: bool,
    /// Whether the number of PEs was given (`+pN` or `CHARM_PES`) rather than defaulted.
    pub pes_given: bool,
    /// Per-PE profile of entry methods, printed at exit (`++profile`, `CHARM_PROFILE=1`).
    /// Off by default; the banner warns when it is on.
    pub profile: bool,
    /// The load-balancing strategy (`+balancer NAME`, `CHARM_BALANCER`); `None`: elements
    /// that call `at_sync()` resume at once and nothing moves.
    pub balancer: Option<String>,
    /// Print what each load-balancing step did (`+LBDebug`).
    pub lb_debug: bool,
    /// A strategy's tolerance (`+LBTolerance X`): how far above the average a PE may stay.
    pub lb_tolerance: Option<f64>,
    /// What loads are measured in (`+LBTimer wall|cpu`); by default CPU time when the PEs
    /// outnumber the cores, elapsed time otherwise.
    pub lb_timer: Option<crate::lb::LoadTimer>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            pes: default_pes(),
            quiet: false,
            pes_given: false,
            profile: false,
            balancer: None,
            lb_debug: false,
            lb_tolerance: None,
            lb_timer: None,
        }
    }
}

fn default_pes() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// A bad runtime option.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "charm-rs: {}", self.0)
    }
}

fn parse_pes(s: &str, from: &str) -> Result<usize, ConfigError> {
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(ConfigError(format!(
            "{from} wants a positive number of PEs, got `{s}`"
        ))),
    }
}

impl Config {
    /// A configuration with `pes` PEs and no banner (for tests and benchmarks).
    pub fn with_pes(pes: usize) -> Self {
        Config {
            pes,
            quiet: true,
            pes_given: true,
            ..Config::default()
        }
    }

    /// Reads runtime options out of the program's arguments and returns the rest for the user's
    /// main function (program name first, like `std::env::args`).
    ///
    /// Recognised: `+pN` or `+p N` (number of PEs), `++quiet`, `++profile`, and for load
    /// balancing `+balancer NAME`, `+LBDebug 1`, `+LBTolerance X`, `+LBTimer wall|cpu`;
    /// environment `CHARM_PES`, `CHARM_QUIET=1`, `CHARM_PROFILE=1`, `CHARM_BALANCER`. The
    /// command line wins over the environment.
    pub fn from_args(
        args: impl IntoIterator<Item = String>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<(Config, Vec<String>), ConfigError> {
        let mut cfg = Config::default();
        if let Some(v) = env("CHARM_PES") {
            cfg.pes = parse_pes(v.trim(), "CHARM_PES")?;
            cfg.pes_given = true;
        }
        if let Some(v) = env("CHARM_PROFILE") {
            cfg.profile = !matches!(v.as_str(), "" | "0" | "false");
        }
        if let Some(v) = env("CHARM_BALANCER") {
            cfg.balancer = (!v.trim().is_empty()).then(|| v.trim().to_string());
        }
        if let Some(v) = env("CHARM_QUIET") {
            cfg.quiet = !matches!(v.as_str(), "" | "0" | "false");
        }
        let mut rest = Vec::new();
        let mut it = args.into_iter();
        while let Some(a) = it.next() {
            if a == "+p" {
                let n = it
                    .next()
                    .ok_or_else(|| ConfigError("+p needs a number of PEs".into()))?;
                cfg.pes = parse_pes(&n, "+p")?;
                cfg.pes_given = true;
            } else if let Some(n) = a.strip_prefix("+p") {
                cfg.pes = parse_pes(n, "+p")?;
                cfg.pes_given = true;
            } else if a == "++quiet" {
                cfg.quiet = true;
            } else if a == "++profile" {
                cfg.profile = true;
            } else if a == "+balancer" {
                let name = it
                    .next()
                    .ok_or_else(|| ConfigError("+balancer needs a strategy name".into()))?;
                if !crate::lb::known_strategy(&name) {
                    return Err(ConfigError(format!(
                        "+balancer: no load-balancing strategy named {name:?} (built in: {})",
                        crate::lb::strategy::BUILTIN_NAMES.join(", ")
                    )));
                }
                cfg.balancer = Some(name);
            } else if a == "+LBDebug" {
                // A level, as in Charm++ (`+LBDebug 1`); any level above 0 turns the report on.
                let v = it.next().unwrap_or_default();
                let level = v.parse::<u32>().map_err(|_| {
                    ConfigError(format!("+LBDebug wants a level (`+LBDebug 1`), got `{v}`"))
                })?;
                cfg.lb_debug = level > 0;
            } else if a == "+LBTolerance" {
                let v = it.next().unwrap_or_default();
                cfg.lb_tolerance =
                    Some(v.parse::<f64>().ok().filter(|t| *t >= 1.0).ok_or_else(|| {
                        ConfigError(format!(
                            "+LBTolerance wants a number of at least 1, got `{v}`"
                        ))
                    })?);
            } else if a == "+LBTimer" {
                let v = it.next().unwrap_or_default();
                cfg.lb_timer = Some(match v.as_str() {
                    "wall" => crate::lb::LoadTimer::Wall,
                    "cpu" => crate::lb::LoadTimer::Cpu,
                    _ => {
                        return Err(ConfigError(format!(
                            "+LBTimer wants `wall` or `cpu`, got `{v}`"
                        )))
                    }
                });
            } else {
                rest.push(a);
            }
        }
        Ok((cfg, rest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], env: &[(&str, &str)]) -> Result<(Config, Vec<String>), ConfigError> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_args(args.iter().map(|s| s.to_string()), |k| {
            env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn plus_p_forms() {
        let (c, rest) = parse(&["prog", "+p4", "x"], &[]).unwrap();
        assert_eq!(
            (c.pes, rest),
            (4, vec!["prog".to_string(), "x".to_string()])
        );
        assert_eq!(parse(&["prog", "+p", "3"], &[]).unwrap().0.pes, 3);
        assert!(parse(&["prog", "++quiet"], &[]).unwrap().0.quiet);
        assert!(parse(&["prog", "++profile"], &[]).unwrap().0.profile);
        assert!(!parse(&["prog"], &[]).unwrap().0.profile);
        assert!(
            parse(&["prog"], &[("CHARM_PROFILE", "1")])
                .unwrap()
                .0
                .profile
        );
    }

    #[test]
    fn env_and_precedence() {
        assert_eq!(parse(&["prog"], &[("CHARM_PES", "5")]).unwrap().0.pes, 5);
        assert_eq!(
            parse(&["prog", "+p2"], &[("CHARM_PES", "5")])
                .unwrap()
                .0
                .pes,
            2
        );
        assert!(parse(&["prog"], &[("CHARM_QUIET", "1")]).unwrap().0.quiet);
    }

    #[test]
    fn bad_values_are_errors() {
        assert!(parse(&["prog", "+p0"], &[]).is_err());
        assert!(parse(&["prog", "+pfour"], &[]).is_err());
        assert!(parse(&["prog", "+p"], &[]).is_err());
        assert!(parse(&["prog"], &[("CHARM_PES", "x")]).is_err());
    }
}
