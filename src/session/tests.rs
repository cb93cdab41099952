//! Unit tests of the session: a workspace driven as an editor drives it.
