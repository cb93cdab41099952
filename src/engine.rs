//! The engine: runs the stages in order for the command line, the REPL, the tests and editors.
