//! (protocol engineer) plan helpers
