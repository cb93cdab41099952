//! Budgets that keep every evaluation finite: steps, nesting depth and the size of sets built at run time.

/// Evaluation budgets. Running out is a diagnostic, never a hang or a stack overflow.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Expression evaluations allowed for one rule of one decision.
    pub max_steps: u64,
    /// Nesting of expression evaluation (including function calls).
    pub max_depth: u32,
    /// Elements a set built during evaluation may hold.
    pub max_set_size: usize,
}

impl Limits {
    /// The default budget for steps.
    pub const DEFAULT_MAX_STEPS: u64 = 1_000_000;
    /// The default budget for depth.
    pub const DEFAULT_MAX_DEPTH: u32 = 1_000;
    /// The default budget for set sizes.
    pub const DEFAULT_MAX_SET_SIZE: usize = 1_000_000;
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_steps: Limits::DEFAULT_MAX_STEPS,
            max_depth: Limits::DEFAULT_MAX_DEPTH,
            max_set_size: Limits::DEFAULT_MAX_SET_SIZE,
        }
    }
}
