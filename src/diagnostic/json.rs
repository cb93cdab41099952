//! The versioned JSON wire format of diagnostics, for editors and tools.
