//! Data for trying the product out (the demo district) and for benchmarks (generated cases).
//! Refused in production; may use every other folder.
pub mod bench;
pub mod demo;
