//! Sparse arrays, insertion phases, placement maps and destroyed elements on 1, 2 and 4 PEs
//! (under mpirun with the `mpi` feature).

mod common;
use common::*;

const BIN: &str = env!("CARGO_BIN_EXE_dynamic_arrays");

pes_tests! {
    maps_place_dense_and_sparse_arrays => |pes| {
        run(BIN, pes, &["maps"]).assert_ok("dynamic_arrays maps");
    };
    insertion_phases_count_exactly_the_inserted_elements => |pes| {
        run(BIN, pes, &["phases"]).assert_ok("dynamic_arrays phases");
    };
    calls_to_indices_not_inserted_yet_wait_for_them => |pes| {
        run(BIN, pes, &["early"]).assert_ok("dynamic_arrays early");
    };
    destroyed_elements_leave_reductions_and_broadcasts => |pes| {
        run(BIN, pes, &["destroy"]).assert_ok("dynamic_arrays destroy");
    };
    elements_of_a_sparse_array_move => |pes| {
        run(BIN, pes, &["migrating_sparse"]).assert_ok("dynamic_arrays migrating_sparse");
    };
    a_message_to_a_destroyed_element_is_an_error => |pes| {
        run(BIN, pes, &["dead_message"]).assert_code(1).assert_stderr_has(&[
            "a message for element (1) of dynamic_arrays::Cell, which was destroyed",
        ]);
    };
    inserting_an_index_twice_is_an_error => |pes| {
        run(BIN, pes, &["insert_twice"]).assert_code(1).assert_stderr_has(&[
            "element (3) of sparse dynamic_arrays::Cell array was inserted",
        ]);
    };
    an_index_too_large_to_pack_is_an_error_at_the_caller => |pes| {
        run(BIN, pes, &["bad_index"]).assert_code(1).assert_stderr_has(&[
            "cannot insert index (0, 0, 0, 0, 0, 5000)",
            "below 2^10",
        ]);
    };
    destroying_an_element_of_a_fixed_array_is_an_error => |pes| {
        run(BIN, pes, &["destroy_dense"]).assert_code(1).assert_stderr_has(&[
            "element (1) of dynamic_arrays::Fixed cannot be destroyed",
        ]);
    };
    inserting_after_done_inserting_is_an_error => |pes| {
        run(BIN, pes, &["late_insert"]).assert_code(1).assert_stderr_has(&[
            "inserted outside an insertion phase",
        ]);
    };
}
