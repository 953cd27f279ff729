//! Where the tensors live: the CPU always, on burn's own `flex` backend or, in a binary built
//! with the `libtorch` feature, on LibTorch's kernels (burn's `tch` backend); CUDA when the
//! binary is built with the `cuda` feature and a GPU is present (or asked for).

use crate::kernels::Trainable;
use burn::backend::Autodiff;

/// The backend of CPU work in this build.
#[cfg(not(feature = "libtorch"))]
pub type CpuBackend = burn::backend::Flex;
#[cfg(feature = "libtorch")]
pub type CpuBackend = burn::backend::LibTorch<f32>;

#[cfg(not(feature = "libtorch"))]
pub fn cpu_device() -> burn::backend::flex::FlexDevice {
    burn::backend::flex::FlexDevice
}
#[cfg(feature = "libtorch")]
pub fn cpu_device() -> burn::backend::libtorch::LibTorchDevice {
    burn::backend::libtorch::LibTorchDevice::Cpu
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DeviceChoice {
    /// CUDA when built with it and a GPU is present, else the CPU.
    Auto,
    Cpu,
    Cuda,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compute {
    Cpu,
    #[cfg(feature = "cuda")]
    Cuda,
}

impl Compute {
    pub fn choose(choice: DeviceChoice) -> anyhow::Result<Self> {
        match choice {
            DeviceChoice::Cpu => Ok(Self::Cpu),
            #[cfg(feature = "cuda")]
            DeviceChoice::Cuda => Ok(Self::Cuda),
            #[cfg(not(feature = "cuda"))]
            DeviceChoice::Cuda => anyhow::bail!(
                "this grove-worker was built without CUDA (cargo build --release -p worker --features cuda)"
            ),
            #[cfg(feature = "cuda")]
            DeviceChoice::Auto if std::path::Path::new("/dev/nvidiactl").exists() => Ok(Self::Cuda),
            DeviceChoice::Auto => Ok(Self::Cpu),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Cpu => "cpu",
            #[cfg(feature = "cuda")]
            Self::Cuda => "cuda",
        }
    }

    /// The backend this device's work runs on.
    pub fn backend(self) -> &'static str {
        match self {
            Self::Cpu if cfg!(feature = "libtorch") => "libtorch",
            Self::Cpu => "flex",
            #[cfg(feature = "cuda")]
            Self::Cuda => "cubecl-cuda",
        }
    }

    /// Runs `work` on this device's backend (with autodiff).
    pub fn run<W: OnBackend>(self, work: W) -> W::Output {
        match self {
            Self::Cpu => work.run::<Autodiff<CpuBackend>>(cpu_device()),
            #[cfg(feature = "cuda")]
            Self::Cuda => work.run::<Autodiff<burn::backend::Cuda>>(Default::default()),
        }
    }
}

/// Work generic over the backend (closures cannot be).
pub trait OnBackend {
    type Output;
    fn run<B: Trainable>(self, device: B::Device) -> Self::Output;
}
