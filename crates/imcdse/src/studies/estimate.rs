//! How long an exhaustive enumeration will take, from a short timed sample, and the refusal of
//! one that cannot finish (issue 17 item 2). `sweep --optimizer exhaustive` on a space of
//! 1.35e15 designs used to start silently and would have run for a century.
//!
//! The sample is [`exhaustive::time_sample`]: 16 windows of 2,048 consecutive designs spread
//! over the slice, costed in parallel by the run's own code (so the rate includes capacity
//! pruning and voltage twins): cold, then again until no thread meets a new read chain.
//! Estimate = designs x time per design + the space's read chains x time per chain (each
//! chain's SNR is found once, by one of the threads, [`imc_model::snr::CHAIN_PARAMS`]), the
//! two split by the chains each pass built, on this machine's threads. Spaces under 131,072 representatives are not sampled: they take seconds.
//! Above [`LIMIT_S`] the run is refused unless forced; the message says how to split it.

use super::exhaustive;
use crate::problem::Problem;
use crate::progress::Progress;
use crate::report::thousands;
use anyhow::{Result, bail};

/// Longest enumeration started without `--force`: 24 hours.
pub const LIMIT_S: f64 = 24.0 * 3600.0;

/// Windows of the timed sample.
const WINDOWS: u64 = 16;

/// What to tell a user whose enumeration is refused, by study.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Advice {
    /// `sweep --optimizer exhaustive`: shard it.
    Sweep,
    /// `grade`'s certification: certify with a sharded sweep, pass it with `--certified`.
    Grade,
}

/// Times a sample of the slice, prints the estimate as a note, and refuses above [`LIMIT_S`]
/// unless `force`. `what` names the study in messages (`exhaustive`, `grade: certification`).
pub fn check(
    problem: &Problem,
    slice: Option<(u64, u64)>,
    force: bool,
    (what, advice): (&str, Advice),
    progress: &dyn Progress,
) -> Result<()> {
    let size = problem.space.size();
    if size > u128::from(u64::MAX) {
        bail!(
            "{what}: the space has {} designs, more than 2^64: too many to enumerate on any \
             machine; narrow the space, or search it with an optimizer",
            thousands(size)
        );
    }
    let designs = slice.map_or(size, |(lo, hi)| u128::from(hi - lo));
    let Some(sample) = exhaustive::time_sample(problem, slice, WINDOWS) else {
        return Ok(());
    };
    let threads = rayon::current_num_threads();
    let (per_design, per_chain) = split(&sample);
    let chains = chains_of(problem);
    let chain_s = chains as f64 * per_chain;
    let rate = 1.0 / per_design.max(1e-12);
    let estimate = designs as f64 * per_design + chain_s;
    let chain_note = match chain_s {
        _ if chains == 0 || chain_s <= 0.0 => String::new(),
        s if s < 0.5 => format!(
            ", plus under a second to find the SNR of its {} read chains",
            thousands(chains)
        ),
        s => format!(
            ", plus {} to find the SNR of its {} read chains",
            duration(s),
            thousands(chains)
        ),
    };
    let timed = format!(
        "{} designs/s on {threads} thread{}{chain_note} (timed on {} designs)",
        thousands(rate.round() as u64),
        if threads == 1 { "" } else { "s" },
        thousands(sample.designs)
    );
    progress.note(&format!(
        "{what}: {} designs, about {} at {timed}",
        thousands(designs),
        duration(estimate)
    ));
    if estimate <= LIMIT_S || force {
        return Ok(());
    }
    let how = match advice {
        Advice::Sweep => {
            "split it across machines with --shard i/N (scripts/slurm/submit.sh runs the shards \
             as a Slurm array; `imcdse merge` joins their folders)"
        }
        Advice::Grade => {
            "certify it with a sharded exhaustive sweep (`imcdse sweep --optimizer exhaustive \
             --shard i/N`, scripts/slurm/submit.sh for a Slurm array, then `imcdse merge`) and \
             pass the merged folder with --certified"
        }
    };
    bail!(
        "{what}: enumerating {} designs would take about {} at {timed}; runs over {} are \
         refused. To go on, {how}; narrow the space; or pass --force to run it anyway",
        thousands(designs),
        duration(estimate),
        duration(LIMIT_S)
    )
}

/// The read chains of the space: the product of the list lengths of its free parameters that
/// the SNR depends on ([`imc_model::snr::CHAIN_PARAMS`]), times the data statistics its
/// workloads' layers read (a layer with its own is a chain of its own).
fn chains_of(problem: &Problem) -> u64 {
    problem
        .space
        .names
        .iter()
        .zip(&problem.space.sizes)
        .filter(|(n, _)| imc_model::snr::CHAIN_PARAMS.contains(&n.as_str()))
        .map(|(_, &k)| u64::from(k))
        .product::<u64>()
        .saturating_mul(problem.accuracy.chains_per_design())
}

/// The sample's wall time split into seconds per design and seconds per read chain, both on
/// all threads: the passes before the last cost the same designs as the last and, beyond
/// it, the chains (each found once, by whichever thread met it first, the threads in
/// parallel, and met by every thread). Building every chain of a space takes about
/// `chains x c` of wall time.
fn split(s: &exhaustive::Sample) -> (f64, f64) {
    let per_chain = if s.chains > 0 {
        s.chain_s / s.chains as f64
    } else {
        0.0
    };
    (s.warm_s / s.designs.max(1) as f64, per_chain)
}

/// A duration in the largest unit that keeps it readable: `42 s`, `3.5 min`, `7.2 h`,
/// `12 days`, `103 years`.
pub fn duration(s: f64) -> String {
    const UNITS: [(f64, &str); 4] = [
        (365.25 * 86_400.0, "years"),
        (86_400.0, "days"),
        (3600.0, "h"),
        (60.0, "min"),
    ];
    if !s.is_finite() {
        return "forever".into();
    }
    for (unit, name) in UNITS {
        if s >= 2.0 * unit || (unit < 86_400.0 && s >= unit) {
            let x = s / unit;
            return if x >= 10.0 {
                format!("{} {name}", thousands(x.round() as u64))
            } else {
                format!("{x:.1} {name}")
            };
        }
    }
    format!("{s:.0} s")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objective::Objective;
    use crate::progress::Recorder;
    use crate::space::Space;
    use imc_zoo::Zoo;
    /// paper-rram with twelve more parameters (`tests/fixtures/days-of-enumeration.toml`):
    /// 1,783,627,776,000,000 designs, days of enumeration on any machine.
    fn huge() -> Problem {
        let text = include_str!("../../../../search-spaces/paper-rram.toml").replace(
            "[params]\n",
            &format!(
                "[params]\n{}",
                include_str!("../../tests/fixtures/days-of-enumeration.toml")
            ),
        );
        let space = Space::parse("huge.toml", &text).unwrap();
        let w = Zoo::builtin().unwrap().resolve("paper4").unwrap();
        let names: Vec<String> = w.iter().map(|w| w.name.clone()).collect();
        let o = Objective::parse("max-ela", &names).unwrap();
        Problem::new(space, w, o).unwrap()
    }

    /// Issue 17 item 2: an enumeration of days is refused with its estimate and the way to
    /// split it; with `force` it is let through, the estimate still printed.
    #[test]
    fn item2_an_enumeration_that_cannot_finish_is_refused_unless_forced() {
        let p = huge();
        assert_eq!(p.space.size(), 1_783_627_776_000_000);
        let notes = Recorder::default();
        let e = check(&p, None, false, ("exhaustive", Advice::Sweep), &notes)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("enumerating 1,783,627,776,000,000 designs would take about"),
            "{e}"
        );
        assert!(
            e.contains("--shard i/N") && e.contains("Slurm") && e.contains("--force"),
            "{e}"
        );
        check(&p, None, true, ("exhaustive", Advice::Sweep), &notes).unwrap();
        let notes = notes.lines();
        assert_eq!(notes.len(), 2);
        assert!(
            notes[1].starts_with("exhaustive: 1,783,627,776,000,000 designs, about "),
            "{notes:?}"
        );
        // A slice of a few chunks is not sampled: it takes seconds.
        let small = Recorder::default();
        check(&p, Some((0, 100_000)), false, ("x", Advice::Sweep), &small).unwrap();
        assert!(small.lines().is_empty());
    }

    #[test]
    fn durations_read_in_their_unit() {
        assert_eq!(duration(42.0), "42 s");
        assert_eq!(duration(210.0), "3.5 min");
        assert_eq!(duration(7.2 * 3600.0), "7.2 h");
        assert_eq!(duration(86_400.0), "24 h");
        assert_eq!(duration(12.0 * 86_400.0), "12 days");
        assert_eq!(duration(3.2e9), "101 years");
        assert_eq!(duration(f64::INFINITY), "forever");
    }
}
