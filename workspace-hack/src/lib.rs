//! Empty on purpose: this crate exists for its Cargo.toml, where `cargo hakari` lists every
//! dependency with the union of the features any workspace build asks of it.
