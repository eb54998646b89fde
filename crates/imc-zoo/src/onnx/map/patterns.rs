//! The fused patterns of point-wise arithmetic: biases, residual adds and products, and the
//! activations and norms that exporters write out of primitives (GELU with `Erf` or `Tanh`,
//! SiLU, HardSwish, LayerNorm, RMSNorm). A point-wise function of one tensor costs as the
//! pattern it builds; see the table in [`super`].

use super::{Via, Walk, unmapped};
use crate::onnx::proto::Node;
use crate::onnx::tensor::T;
use crate::ops::*;

impl Walk {
    /// `Add`, `Sub`, `Mul`, `Div`, `Pow`: residuals, biases, scales and the fused patterns.
    pub(super) fn arith(
        &mut self,
        n: &Node,
        index: usize,
        ins: &[Option<&T>],
        out: &T,
    ) -> Result<(), String> {
        let (p, q) = match (
            ins.first().copied().flatten(),
            ins.get(1).copied().flatten(),
        ) {
            (Some(p), Some(q)) => (p, q),
            _ => return Err(format!("{} needs two inputs", n.op_type)),
        };
        let (pn, qn) = (n.inputs[0].clone(), n.inputs[1].clone());
        let op = n.op_type.as_str();
        let (vp, vq) = (self.via.get(&pn).cloned(), self.via.get(&qn).cloned());
        if p.data && q.data {
            // One operand may be the root of the other (x * f(x)), or both share one.
            let (rp, rq) = (self.root(&pn), self.root(&qn));
            let root = if pn == rq {
                pn.clone()
            } else if qn == rp {
                qn.clone()
            } else {
                rp.clone()
            };
            if rp == rq || pn == rq || qn == rp {
                // A point-wise function of one tensor: part of the activation or norm it builds.
                for v in [&vp, &vq] {
                    if let (Some(Via::Sigmoid(_, i)), "Mul") = (v, op)
                        && let Op::Activation(act) = &mut self.layers[*i].op
                    {
                        act.kind = match act.kind {
                            ActKind::Hardsigmoid => ActKind::Hardswish,
                            _ => ActKind::Silu,
                        };
                    }
                }
                // A norm in progress wins: its Div/Mul by a finished GELU's output stays the norm's.
                let tags = [vp, vq];
                let next = (tags.iter().flatten().find(|v| matches!(v, Via::Norm(_))))
                    .or_else(|| tags.iter().flatten().find(|v| v.special()))
                    .cloned();
                let poly = tags.iter().flatten().any(|v| matches!(v, Via::Poly(_)));
                self.tag(
                    n,
                    next.unwrap_or(if poly {
                        Via::Poly(root)
                    } else {
                        Via::Affine(root)
                    }),
                );
                return Ok(());
            }
            let elements = out.numel();
            match op {
                "Add" | "Sub" => drop(self.push(
                    n,
                    index,
                    Op::Add(Add {
                        elements,
                        inputs: 2,
                    }),
                )),
                "Mul" => drop(self.push(n, index, Op::Scale(Scale { elements }))),
                _ => return Err(unmapped("of two different activations")),
            }
            return Ok(());
        }
        if op == "Pow" && !p.data {
            return Err(unmapped("with a computed exponent"));
        }
        let (dn, c) = if p.data { (&pn, q) } else { (&qn, p) };
        let via = self.via.get(dn).cloned();
        if let (Some(Via::Weighted(i)), "Add" | "Sub") = (&via, op) {
            let layer = &mut self.layers[*i];
            let channels = match &mut layer.op {
                Op::Linear(l) if c.numel() == l.out_features => {
                    l.bias = true;
                    true
                }
                Op::Conv2d(conv) if c.numel() == conv.out_channels => {
                    conv.bias = true;
                    true
                }
                _ => false,
            };
            if channels {
                return Ok(());
            }
        }
        let in_norm = matches!(via, Some(Via::Norm(_)));
        if matches!(op, "Mul" | "Div") && c.numel() > 1 && !in_norm {
            self.push(
                n,
                index,
                Op::Scale(Scale {
                    elements: out.numel(),
                }),
            );
            return Ok(());
        }
        let next = match via {
            // A power of a finished activation starts a new pattern (the RMSNorm after a GELU).
            Some(Via::Gelu(_) | Via::Sigmoid(..)) if op == "Pow" => Via::Poly(dn.clone()),
            Some(v) if v.special() => v,
            Some(Via::Poly(r)) => Via::Poly(r),
            _ if op == "Pow" => Via::Poly(self.root(dn)),
            _ => Via::Affine(self.root(dn)),
        };
        self.tag(n, next);
        Ok(())
    }

    /// `ReduceMean` over the last axes starts a written-out LayerNorm (a mean that some `Sub`
    /// takes from its input) or RMSNorm (the mean of a square); over the spatial axes of a feature
    /// map it is a global average pool. Any other mean is unmapped.
    pub(super) fn reduce_mean(
        &mut self,
        n: &Node,
        index: usize,
        ins: &[Option<&T>],
    ) -> Result<(), String> {
        let x = ins
            .first()
            .copied()
            .flatten()
            .ok_or("ReduceMean without input")?;
        let name = &n.inputs[0];
        let via = self.via.get(name).cloned();
        if let Some(v @ Via::Norm(_)) = via {
            // The variance's mean inside a LayerNorm already emitted.
            self.tag(n, v);
            return Ok(());
        }
        let r = x.shape.len();
        let axes = crate::onnx::infer::reduce_axes(n, ins, self.opset, r)?;
        let trailing = !axes.is_empty()
            && axes
                .iter()
                .enumerate()
                .all(|(k, &a)| a == r - axes.len() + k);
        let poly = matches!(via, Some(Via::Poly(_)));
        let centred = n
            .outputs
            .first()
            .is_some_and(|o| self.subtracts.contains(&(name.clone(), o.clone())));
        if trailing && (poly || centred) {
            let features = axes.iter().map(|&a| x.shape[a]).product();
            let kind = if poly { NormKind::Rms } else { NormKind::Layer };
            self.push(
                n,
                index,
                Op::Norm(Norm {
                    kind,
                    features,
                    elements: x.numel(),
                }),
            );
            let root = self.root(name);
            self.tag(n, Via::Norm(root));
            return Ok(());
        }
        if r == 4
            && axes == [2, 3]
            && let Some(op) = super::global_pool(PoolKind::Avg, x)
        {
            self.push(n, index, Op::Pool(op));
            return Ok(());
        }
        Err(unmapped(
            "neither a LayerNorm's or RMSNorm's mean nor a global average pool",
        ))
    }
}
