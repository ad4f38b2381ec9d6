//! Sections on 1, 2 and 4 PEs: multicast to exactly the members, ordering, `_ret` order,
//! reductions and allreduce over sections, split, unions; errors at the creating call or the
//! contribution.

mod common;
use common::*;

const BIN: &str = env!("CARGO_BIN_EXE_sections");

pes_tests! {
    sections => |pes| {
        let out = run(BIN, pes, &[]);
        out.assert_ok("sections")
            .assert_stdout_has(&["multicast ok", "reductions ok", "split ok", "union ok"]);
    };
}

pes_tests! {
    // Every PE but the creator puts section memberships back in its queue until something waits
    // for them: calls, reduction steps, contributions and unions all arrive "before" the
    // membership and must wait for it, not be lost.
    sections_with_late_membership => |pes| {
        let out = launch(BIN, &Launch {
            pes: Pes::Joined(pes),
            env: &[("CHARM_TEST_HOLD_SECTIONS", "1")],
            ..Launch::default()
        });
        out.assert_ok("sections")
            .assert_stdout_has(&["multicast ok", "reductions ok", "split ok", "union ok"]);
    };
}

/// The job fails before printing `OK`, and stderr says why.
fn fails(pes: usize, mode: &str, parts: &[&str]) {
    let out = run(BIN, pes, &[mode]);
    out.assert_failed()
        .assert_stdout_has(&["READY"])
        .assert_stdout_lacks(&["OK sections"])
        .assert_stderr_has(&["charm-rs:", "sections::Worker"])
        .assert_stderr_has(parts);
}

pes_tests! {
    out_of_bounds_index => |pes: usize| {
        let index = format!("index ({})", 2 * pes);
        let shape = format!("shape ({})", 2 * pes);
        fails(pes, "oob_index", &["cannot make a section", &index, &shape, "out of bounds"]);
    };
    out_of_bounds_slice => |pes: usize| {
        let end = format!("ends at {}", 2 * pes + 1);
        fails(pes, "oob_slice", &["bad slice", &end, "out of bounds"]);
    };
    empty_section => |pes: usize| {
        fails(pes, "empty", &["needs at least one element"]);
    };
    non_member_contribution => |pes: usize| {
        // Element 1 is the first non-member to contribute (on PE 0 with one PE).
        fails(pes, "non_member", &["is not a member", "section", "contrib"]);
    };
}
