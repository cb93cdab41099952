//! The standard library: `.pol` modules under `stdlib/`, embedded in the binary.
