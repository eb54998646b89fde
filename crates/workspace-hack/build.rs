//! Empty: the crate's build-dependencies (syn's features, see Cargo.toml) only take part in
//! feature resolution, which counts a build-dependency of a crate that has a build script.
fn main() {}
