//! Rows read back from a run folder (a `checkpoint.jsonl` line, a block of `blocks.jsonl`, a
//! shard's Parquet row) are believed only if they agree with themselves and with the run: the
//! design is a point of the space, a feasible row carries every workload's costs, finite and
//! positive, and its objectives and score are what [`Problem::evaluate`] computes from those
//! costs; an infeasible row has no score. A line that was edited or damaged is refused and
//! named, rather than carried into `evaluations.parquet` (issue 17 item 5).

use crate::problem::Problem;
use crate::results::Row;
use anyhow::{Result, bail};
use imc_search::Outcome;
use std::path::Path;

/// Relative difference under which two recomputed numbers agree. A row's numbers are written
/// in their shortest round-trip form, so an untouched row agrees exactly; the slack only
/// forgives a different summation order.
const AGREE: f64 = 1e-12;

fn agree(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= AGREE * a.abs().max(b.abs())
}

/// Why `row` cannot be believed for `problem`, or `None` when it agrees with itself.
pub fn contradiction(problem: &Problem, row: &Row) -> Option<String> {
    let params = &problem.file.params;
    let genes = &row.point.0;
    if genes.len() != params.len() {
        return Some(format!(
            "its design has {} genes; the space has {} parameters",
            genes.len(),
            params.len()
        ));
    }
    for (&g, (name, values)) in genes.iter().zip(params) {
        if g as usize >= values.len() {
            return Some(format!(
                "gene {g} of `{name}` is past its {} values",
                values.len()
            ));
        }
    }
    let eval = &row.eval;
    if eval.per_workload.len() != problem.workloads.len() {
        return Some(format!(
            "it has costs of {} workloads; the run has {}",
            eval.per_workload.len(),
            problem.workloads.len()
        ));
    }
    match &eval.outcome {
        Outcome::Infeasible { .. } => eval
            .score
            .map(|s| format!("it is infeasible but has a score ({s})")),
        Outcome::Feasible(objectives) => feasible(problem, row, objectives),
    }
}

/// What is wrong with a feasible row's costs, objectives or score.
fn feasible(problem: &Problem, row: &Row, objectives: &[f64]) -> Option<String> {
    let eval = &row.eval;
    let Some(area) = eval.area_mm2.filter(|a| a.is_finite() && *a > 0.0) else {
        return Some(format!(
            "it is feasible but its area {:?} is not a positive number",
            eval.area_mm2
        ));
    };
    let (mut e, mut l) = (Vec::new(), Vec::new());
    for (name, costs) in problem.names.iter().zip(&eval.per_workload) {
        let Some((energy, latency, edap)) = *costs else {
            return Some(format!("it is feasible but has no costs for {name}"));
        };
        if ![energy, latency, edap]
            .iter()
            .all(|x| x.is_finite() && *x > 0.0)
        {
            return Some(format!(
                "{name}'s costs ({energy}, {latency}, {edap}) are not all positive numbers"
            ));
        }
        if !agree(edap, energy * latency * area) {
            return Some(format!(
                "{name}'s EDAP {edap} is not its energy x latency x area ({})",
                energy * latency * area
            ));
        }
        e.push(energy);
        l.push(latency);
    }
    let snr: Vec<f64> = (0..problem.names.len())
        .map(|w| eval.snr_db.get(w).copied().flatten().unwrap_or(f64::NAN))
        .collect();
    if let Some(low) = problem.accuracy.below(&problem.names, &snr).first() {
        return Some(format!("it is feasible but {low}"));
    }
    let vector = problem.objective.vector(&problem.names, &e, &l, area, &snr);
    if vector.len() != objectives.len()
        || !vector.iter().zip(objectives).all(|(a, b)| agree(*a, *b))
    {
        return Some(format!(
            "its objectives {objectives:?} are not what its costs give ({vector:?})"
        ));
    }
    let score = problem.objective.score(&problem.names, &e, &l, area);
    match eval.score {
        Some(s) if agree(s, score) => None,
        s => Some(format!(
            "its score {} is not what its costs give ({score})",
            s.map_or("(none)".to_string(), |s| s.to_string())
        )),
    }
}

/// Refuses the first row of `rows` (read from `file`; `what` names a row there, e.g. "line")
/// that contradicts itself.
pub fn check_rows<'a>(
    problem: &Problem,
    rows: impl IntoIterator<Item = &'a Row>,
    file: &Path,
    what: &str,
) -> Result<()> {
    for (i, row) in rows.into_iter().enumerate() {
        if let Some(why) = contradiction(problem, row) {
            bail!(
                "{}: {what} {} (eval_index {}): {why}; it was edited or damaged and is not \
                 believed: delete it to evaluate that design again",
                file.display(),
                i + 1,
                row.eval_index
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objective::Objective;
    use crate::space::Space as SpaceFile;
    use imc_search::Point;
    use imc_zoo::Zoo;

    fn problem(objective: &str) -> Problem {
        let w = Zoo::builtin().unwrap().resolve("paper4").unwrap();
        let names: Vec<String> = w.iter().map(|w| w.name.clone()).collect();
        let o = Objective::parse(objective, &names).unwrap();
        Problem::new(SpaceFile::resolve("demo").unwrap(), w, o).unwrap()
    }

    fn row(p: &Problem, genes: Vec<u32>) -> Row {
        let point = Point(genes);
        Row {
            eval_index: 0,
            phase: "test".into(),
            eval: p.evaluate(&point),
            point,
        }
    }

    /// Issue 17 item 5: evaluated rows agree with themselves, feasible and infeasible, under
    /// every objective; a row whose score, objectives, EDAP or design was changed does not.
    #[test]
    fn item5_a_row_that_contradicts_itself_is_named() {
        for objective in ["max-ela", "mean-ela", "prod-ela", "edap:vgg16", "pareto"] {
            let p = problem(objective);
            let all: Vec<Row> = (0..p.space.size() as u64)
                .step_by(7)
                .map(|i| row(&p, p.space.point(i as u128).0))
                .collect();
            assert!(all.iter().any(|r| r.eval.score.is_some()));
            assert!(all.iter().any(|r| r.eval.score.is_none()));
            for r in &all {
                assert_eq!(contradiction(&p, r), None, "{objective}");
            }
            let good = all.iter().find(|r| r.eval.score.is_some()).unwrap();
            let mut r = good.clone();
            r.eval.score = r.eval.score.map(|s| s * 0.5);
            assert!(contradiction(&p, &r).unwrap().contains("its score"));
            let mut r = good.clone();
            if let Outcome::Feasible(o) = &mut r.eval.outcome {
                o[0] *= 2.0;
            }
            assert!(contradiction(&p, &r).unwrap().contains("objectives"));
            let mut r = good.clone();
            r.eval.per_workload[1].as_mut().unwrap().2 = 1.0;
            assert!(contradiction(&p, &r).unwrap().contains("EDAP"));
            let mut r = good.clone();
            r.point.0[0] = 99;
            assert!(contradiction(&p, &r).unwrap().contains("past its 3 values"));
            let mut r = all.iter().find(|r| r.eval.score.is_none()).unwrap().clone();
            r.eval.score = Some(1.0);
            assert!(
                contradiction(&p, &r)
                    .unwrap()
                    .contains("infeasible but has a score")
            );
        }
    }
}
