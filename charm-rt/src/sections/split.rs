//! Splitting a collection into sections by what its elements answer (Charm4py's `charm.split`).

use super::create::create;
use super::SectionRef;
use crate::collections::{CollectionRef, ElemRef};
use crate::future::BroadcastReply;
use crate::index::Index;
use serde::{de::DeserializeOwned, Serialize};

/// What an element answers to a split: the numbers of the sections it belongs to.
pub trait SectionNumbers: Serialize + DeserializeOwned + Send + 'static {
    /// The section numbers (possibly none, possibly several).
    fn numbers(&self) -> Vec<usize>;
}

impl SectionNumbers for usize {
    fn numbers(&self) -> Vec<usize> {
        vec![*self]
    }
}

impl SectionNumbers for Option<usize> {
    fn numbers(&self) -> Vec<usize> {
        self.iter().copied().collect()
    }
}

impl SectionNumbers for Vec<usize> {
    fn numbers(&self) -> Vec<usize> {
        self.clone()
    }
}

/// `true`: in the (single) section.
impl SectionNumbers for bool {
    fn numbers(&self) -> Vec<usize> {
        if *self {
            vec![0]
        } else {
            Vec::new()
        }
    }
}

/// Splits `coll` into `n` sections: `answers` is a `_ret` broadcast to `coll` (so each element
/// answers where it lives, from its own state) returning each element's section numbers.
pub async fn split<R: SectionNumbers>(
    coll: CollectionRef,
    type_name: &'static str,
    n: usize,
    answers: BroadcastReply<R>,
) -> Vec<SectionRef> {
    let answers = answers.await.unwrap_or_else(|e| {
        panic!("charm-rs: splitting the {type_name} collection failed: an element's answer panicked: {e}; fix the entry method that answers")
    });
    if answers.len() != coll.len() {
        panic!(
            "charm-rs: splitting the {type_name} collection: got {} answers for {} elements; \
             the answers must come from a `_ret` broadcast to the collection being split",
            answers.len(),
            coll.len()
        );
    }
    let mut parts: Vec<Vec<ElemRef>> = vec![Vec::new(); n];
    for (pos, a) in answers.iter().enumerate() {
        let e = coll
            .try_elem(Index::from_linear(pos as u64, &coll.shape()))
            .expect("charm-rs: internal error: split position out of range; please report it");
        for k in a.numbers() {
            if k >= n {
                panic!(
                    "charm-rs: splitting the {type_name} collection into {n} sections: element {} answered \
                     section {k}; answer numbers below {n}",
                    Index::from_linear(pos as u64, &coll.shape())
                );
            }
            parts[k].push(e);
        }
    }
    if let Some(k) = parts.iter().position(Vec::is_empty) {
        panic!(
            "charm-rs: splitting the {type_name} collection into {n} sections: no element is in section {k}; \
             a section needs at least one member: split into fewer sections"
        );
    }
    parts
        .iter()
        .map(|p| create(std::slice::from_ref(p)))
        .collect()
}

/// The section of `coll` whose elements answered `true`.
pub async fn split_one(
    coll: CollectionRef,
    type_name: &'static str,
    answers: BroadcastReply<bool>,
) -> SectionRef {
    split(coll, type_name, 1, answers).await.remove(0)
}
