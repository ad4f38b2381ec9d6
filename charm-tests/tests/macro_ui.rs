//! UI tests of the `#[chare]` macro: programs that must not compile (with the expected
//! diagnostics committed next to them as `.stderr` snapshots) and programs that must compile and
//! run.
//!
//! Regenerate the snapshots with `TRYBUILD=overwrite cargo test -p charm-tests --test macro_ui`,
//! then read every changed `.stderr`: each error must point at the user's offending token.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
