//! (protocol engineer) msgpack/JSON codec
