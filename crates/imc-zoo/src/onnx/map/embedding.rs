//! [`Gather`](https://onnx.ai/onnx/operators/onnx__Gather.html) of a parameter table by data
//! indices to an `embedding` layer. A gather by constant indices moves data and costs nothing.

use super::{Step, Walk, unmapped};
use crate::onnx::tensor::Attrs;
use crate::ops::{Embedding, Op};

/// `Gather` along axis 0 of a 2-D parameter table by data indices: an `embedding`; indices
/// and table both from the data: unmapped; any other gather (data by constant indices):
/// nothing.
pub(super) fn gather(w: &mut Walk, s: &Step<'_>) -> Result<(), String> {
    let (table, idx) = (
        s.input(0).ok_or("Gather without data")?,
        s.input(1).ok_or("Gather without indices")?,
    );
    if !table.data && idx.data && table.shape.len() == 2 && Attrs(s.n).int("axis", 0) == 0 {
        let op = Embedding {
            entries: table.shape[0],
            dim: table.shape[1],
            lookups: idx.numel(),
        };
        w.push(s.n, s.index, Op::Embedding(op));
    } else if table.data && idx.data {
        return Err(unmapped("indices and table both from the data"));
    }
    Ok(())
}
