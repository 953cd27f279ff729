//! Softmax and layer normalisation as single autodiff operations.
//!
//! burn 0.21's autodiff backend has no operation of its own for either: it runs the backend's
//! default decomposition (max, subtract, exp, sum, divide; mean, subtract, square, mean, square
//! root, divide, scale, shift), records every step in the graph and differentiates each one. On
//! the attention scores (`[batch, heads, seq, seq]`, the largest tensors of a step) that is
//! about ten passes over memory forward and back where PyTorch makes two. Here each is one
//! recorded operation: the softmax's forward pass is the inner backend's own (LibTorch's fused
//! kernel, or `flex`'s), the layer norm's is computed in the inner backend keeping `x̂` and
//! `1 / σ` for the backward pass (outside training it is the inner backend's own), and the
//! backward passes are the closed forms, in a handful of inner-backend operations:
//!
//! - softmax `y`: `dx = y ⊙ (g − Σ g ⊙ y)`
//! - layer norm `y = x̂ ⊙ γ + β` with `x̂ = (x − μ) / σ`: `dγ = Σ g ⊙ x̂`, `dβ = Σ g`,
//!   `dx = (ĝ − mean ĝ − x̂ ⊙ mean(ĝ ⊙ x̂)) / σ` with `ĝ = g ⊙ γ`.

use burn::{
    backend::{
        autodiff::{
            checkpoint::{base::Checkpointer, strategy::CheckpointStrategy},
            grads::Gradients,
            ops::{Backward, Ops, OpsKind},
        },
        Autodiff,
    },
    tensor::{
        backend::{AutodiffBackend, Backend},
        ops::FloatTensor,
        Shape, Tensor, TensorMetadata, TensorPrimitive,
    },
};

/// Backends with the fused operations of this module.
pub trait Kernels: Backend {
    /// Softmax over the last dimension.
    fn softmax_last(x: FloatTensor<Self>) -> FloatTensor<Self>;

    /// Layer normalisation over the last dimension (`gamma`, `beta`: `[last]`).
    fn layer_norm_last(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> FloatTensor<Self>;
}

/// A backend a model trains on: autodiff with [`Kernels`], over an inner backend with them too
/// (evaluation runs there).
pub trait Trainable: AutodiffBackend<InnerBackend: Kernels> + Kernels {}
impl<B> Trainable for B where B: AutodiffBackend<InnerBackend: Kernels> + Kernels {}

/// Softmax over the last dimension of `x`.
pub fn softmax<B: Kernels, const D: usize>(x: Tensor<B, D>) -> Tensor<B, D> {
    Tensor::from_primitive(TensorPrimitive::Float(B::softmax_last(
        x.into_primitive().tensor(),
    )))
}

/// Layer normalisation over the last dimension of `x`.
pub fn layer_norm<B: Kernels, const D: usize>(
    x: Tensor<B, D>,
    gamma: Tensor<B, 1>,
    beta: Tensor<B, 1>,
    epsilon: f64,
) -> Tensor<B, D> {
    Tensor::from_primitive(TensorPrimitive::Float(B::layer_norm_last(
        x.into_primitive().tensor(),
        gamma.into_primitive().tensor(),
        beta.into_primitive().tensor(),
        epsilon,
    )))
}

/// A `burn::nn::LayerNorm` module's normalisation, fused (its epsilon is private to burn, so the
/// caller passes the one it configured).
pub fn norm<B: Kernels, const D: usize>(
    module: &burn::nn::LayerNorm<B>,
    epsilon: f64,
    x: Tensor<B, D>,
) -> Tensor<B, D> {
    let gamma = module.gamma.val();
    let beta = match &module.beta {
        Some(beta) => beta.val(),
        None => gamma.zeros_like(),
    };
    layer_norm(x, gamma, beta, epsilon)
}

fn last_dim<B: Backend>(x: &FloatTensor<B>) -> usize {
    x.shape().num_dims() - 1
}

/// `x̂` and `1 / σ` of a layer norm over the last dimension, in the inner backend.
fn normalised<B: Backend>(x: FloatTensor<B>, epsilon: f64) -> (FloatTensor<B>, FloatTensor<B>) {
    let dim = last_dim::<B>(&x);
    let mean = B::float_mean_dim(x.clone(), dim);
    let centered = B::float_sub(x, mean);
    let variance = B::float_mean_dim(B::float_mul(centered.clone(), centered.clone()), dim);
    let inverse = B::float_recip(B::float_sqrt(B::float_add_scalar(variance, epsilon.into())));
    (B::float_mul(centered, inverse.clone()), inverse)
}

/// `[last]` as `[1, …, 1, last]` for a tensor of `rank` dimensions.
fn along_last<B: Backend>(v: FloatTensor<B>, rank: usize) -> FloatTensor<B> {
    let last = v.shape().num_elements();
    let dims: Vec<usize> = (1..rank).map(|_| 1).chain([last]).collect();
    B::float_reshape(v, Shape::from(dims))
}

/// Sum over every dimension but the last: `[last]`.
fn sum_but_last<B: Backend>(x: FloatTensor<B>) -> FloatTensor<B> {
    let shape = x.shape();
    let last = shape.last().copied().unwrap_or(1);
    let rows = shape.num_elements() / last.max(1);
    let summed = B::float_sum_dim(B::float_reshape(x, Shape::from([rows, last])), 0);
    B::float_reshape(summed, Shape::from([last]))
}

/// The inner backends: their own softmax and layer norm.
macro_rules! inner_kernels {
    ($backend:ty) => {
        impl Kernels for $backend {
            fn softmax_last(x: FloatTensor<Self>) -> FloatTensor<Self> {
                let dim = last_dim::<Self>(&x);
                <Self as burn::tensor::ops::ActivationOps<Self>>::softmax(x, dim)
            }

            fn layer_norm_last(
                x: FloatTensor<Self>,
                gamma: FloatTensor<Self>,
                beta: FloatTensor<Self>,
                epsilon: f64,
            ) -> FloatTensor<Self> {
                <Self as burn::tensor::ops::ModuleOps<Self>>::layer_norm(
                    x,
                    gamma,
                    Some(beta),
                    epsilon,
                )
            }
        }
    };
}

inner_kernels!(burn::backend::Flex);
#[cfg(feature = "libtorch")]
inner_kernels!(burn::backend::LibTorch<f32>);
#[cfg(feature = "cuda")]
inner_kernels!(burn::backend::Cuda);

#[derive(Debug)]
struct SoftmaxBackward;

impl<B: Backend> Backward<B, 1> for SoftmaxBackward {
    /// The output.
    type State = FloatTensor<B>;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [parent] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        if let Some(parent) = parent {
            let y = ops.state;
            let dim = last_dim::<B>(&y);
            let dot = B::float_sum_dim(B::float_mul(grad.clone(), y.clone()), dim);
            let dx = B::float_mul(y, B::float_sub(grad, dot));
            grads.register::<B>(parent.id, dx);
        }
    }
}

#[derive(Debug)]
struct LayerNormBackward;

impl<B: Backend> Backward<B, 3> for LayerNormBackward {
    /// `x̂`, `1 / σ` and `γ`.
    type State = (FloatTensor<B>, FloatTensor<B>, FloatTensor<B>);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [x_node, gamma_node, beta_node] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (normal, inverse, gamma) = ops.state;
        if let Some(node) = beta_node {
            grads.register::<B>(node.id, sum_but_last::<B>(grad.clone()));
        }
        if let Some(node) = gamma_node {
            let dgamma = sum_but_last::<B>(B::float_mul(grad.clone(), normal.clone()));
            grads.register::<B>(node.id, dgamma);
        }
        if let Some(node) = x_node {
            let rank = grad.shape().num_dims();
            let dim = rank - 1;
            let scaled = B::float_mul(grad, along_last::<B>(gamma, rank));
            let mean = B::float_mean_dim(scaled.clone(), dim);
            let projection = B::float_mean_dim(B::float_mul(scaled.clone(), normal.clone()), dim);
            let dx = B::float_sub(B::float_sub(scaled, mean), B::float_mul(normal, projection));
            grads.register::<B>(node.id, B::float_mul(dx, inverse));
        }
    }
}

impl<B: Kernels, C: CheckpointStrategy> Kernels for Autodiff<B, C> {
    fn softmax_last(x: FloatTensor<Self>) -> FloatTensor<Self> {
        match SoftmaxBackward
            .prepare::<C>([x.node.clone()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let y = B::softmax_last(x.primitive);
                prep.finish(y.clone(), y)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::softmax_last(x.primitive)),
        }
    }

    fn layer_norm_last(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> FloatTensor<Self> {
        match LayerNormBackward
            .prepare::<C>([x.node.clone(), gamma.node.clone(), beta.node.clone()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let rank = x.primitive.shape().num_dims();
                let (normal, inverse) = normalised::<B>(x.primitive, epsilon);
                let y = B::float_add(
                    B::float_mul(
                        normal.clone(),
                        along_last::<B>(gamma.primitive.clone(), rank),
                    ),
                    along_last::<B>(beta.primitive, rank),
                );
                prep.finish((normal, inverse, gamma.primitive), y)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::layer_norm_last(
                x.primitive,
                gamma.primitive,
                beta.primitive,
                epsilon,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::{
        backend::Flex,
        tensor::{Distribution, Tensor},
    };

    type A = Autodiff<Flex>;

    /// The fused operations and burn's own decomposition agree, forward and backward.
    #[test]
    fn fused_softmax_and_layer_norm_match_the_decomposition() {
        let device = Default::default();
        let x = Tensor::<Flex, 3>::random([2, 3, 5], Distribution::Normal(0.0, 2.0), &device);
        let gamma = Tensor::<Flex, 1>::random([5], Distribution::Normal(1.0, 0.3), &device);
        let beta = Tensor::<Flex, 1>::random([5], Distribution::Normal(0.0, 0.3), &device);
        let weights = Tensor::<Flex, 3>::random([2, 3, 5], Distribution::Normal(0.0, 1.0), &device);
        let run = |fused: bool| {
            let x = Tensor::<A, 3>::from_inner(x.clone()).require_grad();
            let gamma = Tensor::<A, 1>::from_inner(gamma.clone()).require_grad();
            let beta = Tensor::<A, 1>::from_inner(beta.clone()).require_grad();
            let (soft, norm) = if fused {
                (
                    softmax(x.clone()),
                    layer_norm(x.clone(), gamma.clone(), beta.clone(), 1e-5),
                )
            } else {
                let mut norm = burn::nn::LayerNormConfig::new(5)
                    .with_epsilon(1e-5)
                    .init::<A>(&device);
                norm.gamma = burn::module::Param::from_tensor(gamma.clone());
                norm.beta = Some(burn::module::Param::from_tensor(beta.clone()));
                (
                    burn::tensor::activation::softmax(x.clone(), 2),
                    norm.forward(x.clone()),
                )
            };
            let weights = Tensor::<A, 3>::from_inner(weights.clone());
            let loss = (soft.clone() * weights.clone()).sum() + (norm.clone() * weights).sum();
            let grads = loss.backward();
            [
                soft.inner(),
                norm.inner(),
                x.grad(&grads).unwrap().reshape([30]).reshape([2, 3, 5]),
            ]
            .into_iter()
            .chain([
                gamma.grad(&grads).unwrap().reshape([1, 1, 5]),
                beta.grad(&grads).unwrap().reshape([1, 1, 5]),
            ])
            .map(|t| t.into_data().to_vec::<f32>().unwrap())
            .collect::<Vec<_>>()
        };
        let (fused, reference) = (run(true), run(false));
        for (what, (a, b)) in ["softmax", "layer norm", "dx", "dgamma", "dbeta"]
            .iter()
            .zip(fused.iter().zip(&reference))
        {
            let worst = a
                .iter()
                .zip(b)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(worst < 1e-4, "{what}: off by {worst}");
        }
    }
}
