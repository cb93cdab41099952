//! Terminal rendering of diagnostics through miette.
