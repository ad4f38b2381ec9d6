//! The startup banner and the warnings about slow configurations.

use crate::config::Config;
use crate::machine::Endpoint;

/// Lines of the banner (empty when quiet).
pub(crate) fn lines(cfg: &Config, ep: &dyn Endpoint, cores: usize) -> Vec<String> {
    if cfg.quiet || ep.my_pe() != 0 {
        return Vec::new();
    }
    let mut out = vec![format!(
        "Charm-rs> charm-rs {} on the {} layer, {} PE{}",
        env!("CARGO_PKG_VERSION"),
        ep.layer_name(),
        ep.num_pes(),
        if ep.num_pes() == 1 { "" } else { "s" }
    )];
    if cfg!(debug_assertions) {
        out.push(
            "Charm-rs> Warning: built without optimizations (debug build); messaging is many times slower. \
             Build with --release for real runs."
                .to_string(),
        );
    }
    if cfg.profile {
        out.push("Charm-rs> Warning: profiling is ON (this affects performance); each PE prints its profile at exit".to_string());
    }
    if let Some(w) = ep.slow_layer_warning() {
        out.push(format!("Charm-rs> Warning: {w}"));
    }
    if ep.layer_name() == "multicore" && ep.num_pes() > cores {
        out.push(format!(
            "Charm-rs> Note: {} PEs share {cores} cores; idle PEs sleep, but busy ones compete for cores.",
            ep.num_pes()
        ));
    }
    out
}

pub(crate) fn print(cfg: &Config, ep: &dyn Endpoint) {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    for l in lines(cfg, ep, cores) {
        println!("{l}");
    }
}
