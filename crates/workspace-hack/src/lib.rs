//! Nothing to use: this crate only declares dependencies, so that every build of the workspace
//! resolves the same features for them and shares their compiled artifacts (see Cargo.toml).
