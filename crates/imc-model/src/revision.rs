//! What a result of this model depends on besides its inputs: the cost formulas (their
//! revision, [`MODEL_REVISION`]) and every parameter's default. Run folders and cached
//! certificates hash it with the space file and the workloads, so a run made with other
//! formulas or defaults is neither resumed, nor merged, nor taken from the cache as if it were
//! this model's.

use crate::arch::Architecture;
use crate::param::Value;

/// Bumped whenever a change of a cost formula changes what some design costs (not for
/// refactors that keep every number). 2: `per-layer` replication ignores whether the other
/// layers fit (2026-12-02). 3: weights streamed from DRAM are also written into the cells
/// (`write_drivers`, `write_cells`; 2026-12-03). 4: ADC energy from node, supply, bits and kind
/// (`adc_model = "walden"`), row drivers from their capacitance, digital CIM and PCM
/// (2026-12-06).
pub const MODEL_REVISION: u32 = 4;

/// The revision and the default architecture of each device, as text to hash.
pub fn fingerprint() -> String {
    let rram = Architecture::from_values(&[]);
    let device =
        |d: &str| Architecture::from_values(&[("device".to_string(), Value::Str(d.into()))]);
    let (sram, pcm) = (device("sram"), device("pcm"));
    format!("model revision {MODEL_REVISION}; defaults {rram:?} {sram:?} {pcm:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fingerprint names the defaults: a changed default (here, set by hand) changes it.
    #[test]
    fn fingerprint_follows_the_defaults() {
        let f = fingerprint();
        assert!(
            f.starts_with(&format!("model revision {MODEL_REVISION}; defaults Ok(")),
            "{f}"
        );
        assert!(f.contains("Balanced"), "{f}");
        let uniform =
            Architecture::from_values(&[("replication".to_string(), Value::Str("uniform".into()))]);
        assert!(!f.contains(&format!("{uniform:?}")));
    }
}
