//! The devices slice's decisions, as pure functions over plain types: the lifecycle state machine
//! (`lifecycle`), descriptive fields (`fields`), who may see and hold a device and when it may
//! travel or be handed over (`custody`), and what a device's status means to its donor
//! (`outcome`). Every refusal is a `Refusal`, turned into a problem in one place
//! (`handlers::mod`).

pub mod custody;
pub mod fields;
pub mod lifecycle;
pub mod outcome;

pub use custody::Refusal;
pub use fields::{clean, grams, holds_data, serial_identity};
pub use outcome::{Outcome, outcome};
