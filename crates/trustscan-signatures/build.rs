//! Compiles the bundled rule pack when the crate is built, so that a scan only loads it
//! (`Signatures::bundled`): compiling its regular expressions takes tens of milliseconds
//! at every start otherwise. A pack that does not compile fails the build.

include!("src/pack.rs");

fn main() {
    println!("cargo:rerun-if-changed=src/pack.rs");
    println!("cargo:rerun-if-changed=rules");
    let mut compiler = new_compiler();
    if let Err(e) = add_bundled(&mut compiler) {
        panic!("the bundled rule pack does not compile: {e}");
    }
    let bytes = compiler
        .build()
        .serialize()
        .unwrap_or_else(|e| panic!("the bundled rule pack does not serialize: {e}"));
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR is set"));
    std::fs::write(out.join("bundled.yarx"), bytes)
        .unwrap_or_else(|e| panic!("cannot write the compiled rule pack: {e}"));
}
