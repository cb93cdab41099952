//! Evaluation: decides subjects under a checked program and loaded facts.
