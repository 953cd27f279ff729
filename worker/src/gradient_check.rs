//! Every weight of the encoder must receive a gradient: one Rust framework's stock BERT
//! silently sends none through its fused ops, which trains only the head.

use crate::{
    compute::{cpu_device, CpuBackend},
    loss::{kwise_loss, GroupLayout},
    model::{BertConfig, Inputs},
};
use burn::{
    backend::Autodiff,
    module::{Module, ModuleVisitor, Param},
    tensor::{backend::AutodiffBackend, Bool, Int, Tensor, TensorData},
};

/// The CPU backend of this build (`flex`, or LibTorch with the `libtorch` feature).
type B = Autodiff<CpuBackend>;

/// Names of parameters whose gradient is missing or all zero.
struct Starved<'a> {
    grads: &'a <B as AutodiffBackend>::Gradients,
    path: Vec<String>,
    seen: usize,
    starved: Vec<String>,
}

impl ModuleVisitor<B> for Starved<'_> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_owned());
    }
    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        self.seen += 1;
        let flowing = param
            .val()
            .grad(self.grads)
            .map(|g| g.abs().sum().into_scalar() > 0.0)
            .unwrap_or(false);
        if !flowing {
            self.starved.push(self.path.join("."));
        }
    }
}

#[test]
fn every_encoder_weight_receives_a_gradient() {
    let device = cpu_device();
    let config = BertConfig {
        hidden_dropout_prob: 0.0,
        ..BertConfig::tiny(100)
    };
    let model = config.init::<B>(&device);
    // two groups of two replies of different lengths (padding exercised), token types 0 and 1
    let tokens: Vec<i64> = (0..4 * 6).map(|i| (i * 7 % 97) + 2).collect();
    let segments: Vec<i64> = (0..4 * 6).map(|i| i64::from(i % 6 >= 3)).collect();
    let padding: Vec<bool> = (0..4 * 6).map(|i| i % 6 == 5 && i / 6 % 2 == 1).collect();
    let inputs = Inputs {
        tokens: Tensor::<B, 2, Int>::from_data(TensorData::new(tokens, [4, 6]), &device),
        segments: Tensor::<B, 2, Int>::from_data(TensorData::new(segments, [4, 6]), &device),
        padding: Tensor::<B, 2, Bool>::from_data(TensorData::new(padding, [4, 6]), &device),
    };
    let layout = GroupLayout::new([&[0u32, 1][..], &[1, 0][..]]);
    let loss = kwise_loss(model.forward(inputs), &layout, 0.001);
    let grads = loss.backward();
    let mut check = Starved {
        grads: &grads,
        path: Vec::new(),
        seen: 0,
        starved: Vec::new(),
    };
    model.visit(&mut check);
    // embeddings (3 tables + norm), per layer 4 attention linears, 2 ff linears, 2 norms; head
    let expected = 3 + 2 + config.num_hidden_layers * (4 * 2 + 2 * 2 + 2 * 2) + 2;
    assert_eq!(check.seen, expected, "parameters visited");
    // the second token-type row and unused vocabulary rows get no gradient by nature; a
    // table counts as reached when any row does, which `abs().sum() > 0` checks
    assert!(
        check.starved.is_empty(),
        "no gradient reaches: {:?}",
        check.starved
    );
}
