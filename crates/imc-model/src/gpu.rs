//! GPU reference for the softmax comparison: softmax as a memory-bound kernel. A fused kernel
//! reads each score once and writes each probability once in FP16 (GPUs have no integer
//! softmax path), so time = bytes moved / memory bandwidth and energy = board power x time.
//! This is the GPU at its best: no launch overhead, full bandwidth, and the board's rated power
//! (an upper bound on what the kernel draws).
//!
//! - A100 SXM4 80 GB: 2,039 GB/s HBM2e, 400 W (NVIDIA A100 Tensor Core GPU datasheet, 2021).
//! - GeForce RTX 3090: 936 GB/s GDDR6X, 350 W total graphics power (NVIDIA RTX 3090
//!   specifications, 2020).

/// A GPU as a memory-bound softmax engine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gpu {
    /// Its name in tables.
    pub name: &'static str,
    /// Memory bandwidth, GB/s.
    pub bandwidth_gb_s: f64,
    /// Board power, W.
    pub power_w: f64,
}

/// NVIDIA A100 SXM4 80GB (datasheet).
pub const A100: Gpu = Gpu {
    name: "A100",
    bandwidth_gb_s: 2039.0,
    power_w: 400.0,
};

/// NVIDIA GeForce RTX 3090 (specifications).
pub const RTX3090: Gpu = Gpu {
    name: "RTX3090",
    bandwidth_gb_s: 936.0,
    power_w: 350.0,
};

/// Bytes per softmax element: an FP16 read and an FP16 write.
pub const BYTES_PER_ELEMENT: f64 = 4.0;

/// Energy (pJ) and time (ns) of a softmax of `elements` elements.
pub fn softmax(g: &Gpu, elements: f64) -> (f64, f64) {
    // GB/s is bytes per ns.
    let time_ns = elements * BYTES_PER_ELEMENT / g.bandwidth_gb_s;
    // W x ns = nJ = 1e3 pJ.
    (g.power_w * time_ns * 1e3, time_ns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_bound_arithmetic() {
        // 1e9 elements on the A100: 4e9 bytes / 2039 GB/s = 1.9617 ms; x 400 W = 0.7847 J.
        let (e, t) = softmax(&A100, 1e9);
        assert!((t - 1.961746e6).abs() < 1.0);
        assert!((e * 1e-12 - 0.784698).abs() < 1e-5);
        let (_, t3090) = softmax(&RTX3090, 1e9);
        assert!(t3090 > t);
    }
}
