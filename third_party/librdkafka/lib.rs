// Empty: see Cargo.toml. Nothing here is compiled.
