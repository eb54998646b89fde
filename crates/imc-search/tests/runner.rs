//! The runner's contract: unique evaluations counted against the budget, the same records for
//! the same seed whatever the thread count, and resume without re-evaluation or loss.

use imc_search::ga4::{Ga4, Ga4Config};
use imc_search::nsga2::Nsga2;
use imc_search::random::RandomSearch;
use imc_search::runner::{Record, STALL_BATCHES, Stop, run};
use imc_search::testproblems::Problem;
use imc_search::{Optimizer, Outcome, Point, Space};
use std::sync::atomic::{AtomicUsize, Ordering};

const LEVELS: u32 = 21;

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

/// A single-objective toy with an infeasible region: minimize the sum of the genes, infeasible
/// when the first gene is below 3 (violation = the shortfall).
fn toy(p: &Point) -> Outcome {
    if p.0[0] < 3 {
        return Outcome::Infeasible {
            violation: (3 - p.0[0]) as f64,
            reason: "first gene below 3".into(),
        };
    }
    Outcome::Feasible(vec![p.0.iter().map(|&g| g as f64).sum()])
}

fn toy_space() -> Space {
    Space::new((0..6).map(|i| (format!("g{i}"), 10)).collect())
}

fn ga(seed: u64) -> Ga4<'static> {
    let cfg = Ga4Config {
        candidates: 100,
        sampled: 50,
        pop: 10,
        generations: 3,
    };
    Ga4::new(toy_space(), seed, cfg, Box::new(|p: &Point| p.0[1] != 9))
}

#[test]
fn same_seed_same_records_with_one_or_two_threads() {
    let zdt = |p: &Point| Problem::Zdt1.evaluate(p, LEVELS);
    let a = in_pool(1, || {
        run(
            &mut Nsga2::new(Problem::Zdt1.space(LEVELS), 7, 20),
            &zdt,
            600,
            Vec::new(),
            &mut |_| {},
        )
        .records
    });
    let b = in_pool(2, || {
        run(
            &mut Nsga2::new(Problem::Zdt1.space(LEVELS), 7, 20),
            &zdt,
            600,
            Vec::new(),
            &mut |_| {},
        )
        .records
    });
    assert_eq!(a, b);
    let c = in_pool(2, || {
        run(&mut ga(3), &toy, 10_000, Vec::new(), &mut |_| {}).records
    });
    let d = in_pool(1, || {
        run(&mut ga(3), &toy, 10_000, Vec::new(), &mut |_| {}).records
    });
    assert_eq!(c, d);
    let e = in_pool(2, || {
        run(&mut ga(4), &toy, 10_000, Vec::new(), &mut |_| {}).records
    });
    assert_ne!(c, e, "another seed explores differently");
}

#[test]
fn budget_counts_unique_evaluations() {
    let calls = AtomicUsize::new(0);
    let counted = |p: &Point| {
        calls.fetch_add(1, Ordering::SeqCst);
        toy(p)
    };
    let r = run(&mut ga(1), &counted, 80, Vec::new(), &mut |_| {});
    assert_eq!(r.stop, Stop::Budget);
    assert_eq!(r.records.len(), 80);
    assert_eq!(calls.load(Ordering::SeqCst), 80);
    let mut seen = std::collections::HashSet::new();
    for (i, rec) in r.records.iter().enumerate() {
        assert_eq!(rec.eval_index, i as u64);
        assert!(seen.insert(rec.point.clone()), "a design is evaluated once");
    }
    let full = run(&mut ga(1), &toy, 1_000_000, Vec::new(), &mut |_| {});
    assert_eq!(full.stop, Stop::Finished);
    // Requests: 50 sampled + 4 phases x 3 generations x 10; repeats cost nothing.
    assert_eq!(full.requests, 50 + 4 * 3 * 10);
    assert!(full.records.len() as u64 <= full.requests);
}

#[test]
fn ga4_finds_the_feasible_optimum_of_the_toy_and_ranks_infeasible_last() {
    let r = run(&mut ga(5), &toy, 1_000_000, Vec::new(), &mut |_| {});
    let best = r
        .records
        .iter()
        .filter_map(|rec| rec.outcome.objectives().map(|f| f[0]))
        .fold(f64::INFINITY, f64::min);
    assert!(best <= 5.0, "best {best}; optimum is 3");
    let phases: std::collections::BTreeSet<&str> =
        r.records.iter().map(|rec| rec.phase.as_str()).collect();
    assert!(
        phases.contains("sampling") && phases.contains("phase1") && phases.contains("phase4"),
        "{phases:?}"
    );
    // The pre-check (second gene != 9) holds for every sampled design.
    assert!(
        r.records
            .iter()
            .filter(|rec| rec.phase == "sampling")
            .all(|rec| rec.point.0[1] != 9)
    );
}

#[test]
fn resume_replays_without_evaluating_and_continues() {
    let full = run(&mut ga(9), &toy, 1_000_000, Vec::new(), &mut |_| {}).records;
    // Interrupt after 60 evaluations: keep what was recorded.
    let mut partial: Vec<Record> = Vec::new();
    run(&mut ga(9), &toy, 60, Vec::new(), &mut |batch| {
        partial.extend_from_slice(batch)
    });
    assert_eq!(partial.len(), 60);
    let calls = AtomicUsize::new(0);
    let counted = |p: &Point| {
        calls.fetch_add(1, Ordering::SeqCst);
        toy(p)
    };
    let resumed = run(&mut ga(9), &counted, 1_000_000, partial, &mut |_| {}).records;
    assert_eq!(resumed, full, "a resumed run equals an uninterrupted one");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        full.len() - 60,
        "nothing evaluated twice"
    );
}

#[test]
fn random_search_never_repeats_and_stops_when_the_space_is_exhausted() {
    let s = Space::new(vec![("a".into(), 3), ("b".into(), 4)]);
    let mut opt = RandomSearch::new(s, 1, 5);
    let r = run(
        &mut opt,
        &|p: &Point| Outcome::Feasible(vec![p.0[0] as f64]),
        100,
        Vec::new(),
        &mut |_| {},
    );
    assert_eq!(r.records.len(), 12);
    assert_eq!(r.stop, Stop::Finished);
    let _ = opt.phase();
}

#[test]
fn anneal_repeats_exactly_improves_and_stops_at_the_budget() {
    use imc_search::anneal::Anneal;
    let a = in_pool(1, || {
        run(
            &mut Anneal::new(toy_space(), 11, 100_000),
            &toy,
            400,
            Vec::new(),
            &mut |_| {},
        )
        .records
    });
    let b = in_pool(2, || {
        run(
            &mut Anneal::new(toy_space(), 11, 100_000),
            &toy,
            400,
            Vec::new(),
            &mut |_| {},
        )
        .records
    });
    assert_eq!(a, b);
    assert_eq!(
        a.len(),
        400,
        "stops at the budget (the worker thread is ended, not left hanging)"
    );
    let first = a.iter().find_map(|r| r.outcome.objectives().map(|f| f[0]));
    let best = a
        .iter()
        .filter_map(|r| r.outcome.objectives().map(|f| f[0]))
        .fold(f64::INFINITY, f64::min);
    assert!(
        best <= 6.0,
        "best {best} (optimum 3), first feasible {first:?}"
    );
    // A short schedule finishes on its own.
    let r = run(
        &mut Anneal::new(toy_space(), 2, 50),
        &toy,
        10_000,
        Vec::new(),
        &mut |_| {},
    );
    assert_eq!(r.stop, Stop::Finished);
    assert!(r.records.len() <= 51);
}

/// An optimizer that keeps asking for the same point would loop on the cache for ever: the
/// runner stops it as stalled.
#[test]
fn an_optimizer_asking_only_repeats_stalls() {
    struct Stuck;
    impl Optimizer for Stuck {
        fn ask(&mut self) -> Vec<Point> {
            vec![Point(vec![1, 1])]
        }
        fn tell(&mut self, _: &[(Point, Outcome)]) {}
        fn phase(&self) -> String {
            "stuck".into()
        }
    }
    let eval = |_: &Point| Outcome::Feasible(vec![1.0]);
    let r = run(&mut Stuck, &eval, 100, Vec::new(), &mut |_| {});
    assert_eq!(r.stop, Stop::Stalled);
    assert_eq!(r.records.len(), 1);
    assert_eq!(r.requests, 1 + STALL_BATCHES as u64);
}
