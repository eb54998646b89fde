//! A fixed amount of cost-model work for instruction counts, which unlike wall times repeat
//! exactly on a shared machine: 64 designs of the paper-rram space (rows x cols x bits per
//! cell) x 10 repetitions on the four paper CNNs. `--plan` costs each workload's identical
//! layers once, as `imcdse` does.
//!
//! ```sh
//! cargo build --release -p imc-model --example instructions
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/instructions --plan
//! ```
//! It prints the total energy (pJ), which must not change with a refactor.

use imc_model::cost::evaluate_with;
use imc_model::{Architecture, ComponentTable, Plan, Value};
fn main() {
    let planned = std::env::args().any(|a| a == "--plan");
    let ws = imc_zoo::Zoo::builtin().unwrap().resolve("paper4").unwrap();
    let plans: Vec<Plan> = ws.iter().map(Plan::new).collect();
    let n = |k: &str, v: f64| (k.to_string(), Value::Num(v));
    let mut e = 0.0;
    for rows in [32.0, 64.0, 128.0, 256.0] {
        for cols in [64.0, 128.0, 256.0, 512.0] {
            for bpc in [1.0, 2.0, 4.0, 8.0] {
                let a = Architecture::from_values(&[
                    n("rows", rows),
                    n("cols", cols),
                    n("bits_per_cell", bpc),
                    n("router_groups", 8.0),
                    n("tiles_per_group", 16.0),
                    n("crossbars_per_tile", 64.0),
                    n("glb_mib", 2.0),
                ])
                .unwrap();
                for _ in 0..10 {
                    let t = ComponentTable::new(&a);
                    for (w, p) in ws.iter().zip(&plans) {
                        e += evaluate_with(&a, &t, w, planned.then_some(p)).energy_pj;
                    }
                }
            }
        }
    }
    println!("{e}");
}
