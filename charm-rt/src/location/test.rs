use super::*;

#[test]
fn a_run_answers_by_arithmetic() {
    let l = LocalElements::run(10..14);
    assert_eq!(l.len(), 4);
    assert_eq!(l.slot_of(10), Some(0));
    assert_eq!(l.slot_of(13), Some(3));
    assert_eq!(l.slot_of(14), None);
    assert_eq!(l.slot_of(9), None);
    assert_eq!(l.position(2), Some(12));
    assert_eq!(
        l.iter().collect::<Vec<_>>(),
        [(0, 10), (1, 11), (2, 12), (3, 13)]
    );
    assert_eq!(LocalElements::run(5..5).len(), 0);
}

#[test]
fn elements_leave_and_arrive_without_a_contiguous_range() {
    let mut l = LocalElements::run(0..4);
    assert_eq!(l.remove(1), Some(1));
    assert_eq!(l.remove(1), None, "already gone");
    assert_eq!(l.len(), 3);
    assert_eq!(l.slot_of(1), None);
    assert_eq!(l.slot_of(2), Some(2), "others keep their slots");
    assert_eq!(l.free_slot(), 1);
    assert!(l.insert(40, l.free_slot()));
    assert!(!l.insert(40, 7), "already here");
    assert!(!l.insert(41, 0), "slot taken");
    assert_eq!(l.slot_of(40), Some(1));
    assert!(l.insert(41, l.free_slot()));
    assert_eq!(l.slot_of(41), Some(4));
    assert_eq!(
        l.iter().collect::<Vec<_>>(),
        [(0, 0), (1, 40), (2, 2), (3, 3), (4, 41)]
    );
    assert_eq!(l.len(), 5);
}

#[test]
fn records_keep_the_newest_epoch() {
    let c = CollectionId(77);
    assert_eq!(route(c, 3, 1), 1, "no record: the hint");
    let at = |pe, e| Known {
        pe,
        epoch: Epoch(e),
    };
    assert!(record(c, 3, at(2, 1)));
    assert_eq!(route(c, 3, 1), 2);
    assert!(!record(c, 3, at(5, 1)), "same epoch: not newer");
    assert!(!record(c, 3, at(5, 0)), "older report arriving late");
    assert_eq!(known(c, 3), Some(at(2, 1)));
    assert!(record(c, 3, at(0, 4)));
    assert_eq!(route(c, 3, 1), 0);
    assert_eq!(route(c, 4, 1), 1, "other elements keep their hints");
}
